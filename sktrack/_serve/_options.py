"""What a server is started with, as one frozen value (passed to uvicorn's workers as JSON)."""

from __future__ import annotations

import json
from dataclasses import asdict, dataclass, field

__all__ = ["ServeOptions"]


@dataclass(frozen=True)
class ServeOptions:
    """How ``sktrack serve`` serves a model.

    Parameters
    ----------
    uri : str
        The model URI; an alias, stage or ``latest`` is followed when it moves.
    store : str or None
        The store location; None for the one in use.
    max_request_bytes : int
        A larger request body is answered with 413.
    max_rows : int
        A request with more rows is answered with 413.
    poll_seconds : float
        How often the registry is read to see whether the alias or stage moved (0: never).
    batching : bool
        Whether concurrent one-row requests are scored together.
    trusted : tuple of str
        Types to trust when loading, as for `sktrack.load_model`.
    auth_file : str or None
        The users file: every request must sign in (a bearer token or HTTP Basic); any role
        may predict.  None: no sign-in.
    """

    uri: str
    store: str | None = None
    max_request_bytes: int = 16 * 1024 * 1024
    max_rows: int = 100_000
    poll_seconds: float = 2.0
    batching: bool = True
    trusted: tuple[str, ...] = field(default_factory=tuple)
    auth_file: str | None = None

    def to_json(self) -> str:
        return json.dumps(asdict(self))

    @classmethod
    def from_json(cls, text: str) -> ServeOptions:
        data = json.loads(text)
        data["trusted"] = tuple(data.get("trusted") or ())
        return cls(**data)
