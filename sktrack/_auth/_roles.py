"""The roles and what each may do: readers browse and predict, writers also register (and
log), admins also move stages and aliases and manage users."""

from __future__ import annotations

from dataclasses import dataclass
from enum import StrEnum

from ..exceptions import InvalidArgumentError

__all__ = ["ACTIONS", "Role", "SignedIn", "allows"]


class Role(StrEnum):
    READER = "reader"
    WRITER = "writer"
    ADMIN = "admin"

    @classmethod
    def parse(cls, text: object) -> Role:
        try:
            return cls(str(text).lower())
        except ValueError:
            raise InvalidArgumentError(
                f"role must be one of reader, writer, admin; got {text!r}"
            ) from None


_RANK = {Role.READER: 0, Role.WRITER: 1, Role.ADMIN: 2}

#: Every action a request can take, and the least role that may take it.
ACTIONS: dict[str, Role] = {
    "browse": Role.READER,  # pages, artifacts, a model's metadata
    "predict": Role.READER,  # POST /invocations
    "register": Role.WRITER,  # a run's model as a new version
    "describe": Role.WRITER,  # a registered model's description
    "stage": Role.ADMIN,  # a version moved to another stage
    "alias": Role.ADMIN,  # an alias set, moved or removed
    "users": Role.ADMIN,  # users added, removed, their roles changed
}


def allows(role: Role, action: str) -> bool:
    """Whether ``role`` may take ``action`` (one of `ACTIONS`)."""
    return _RANK[role] >= _RANK[ACTIONS[action]]


@dataclass(frozen=True)
class SignedIn:
    """The user a request was authenticated as."""

    name: str
    role: Role

    def may(self, action: str) -> bool:
        return allows(self.role, action)
