"""Password and token hashes: argon2id through argon2-cffi (the ``auth`` extra).

A hash carries its own parameters, so checking one costs what it cost to make; the profile
only chooses the cost of new hashes.  ``"cheapest"`` is argon2-cffi's own profile for tests
and must not be used for real credentials.
"""

from __future__ import annotations

import os
from typing import Any

from ..exceptions import SktrackError

__all__ = ["HASH_PROFILES", "HASH_PROFILE_ENV", "Hasher"]

#: The names of argon2-cffi's parameter profiles a hasher may use.
HASH_PROFILES = {"default": "RFC_9106_LOW_MEMORY", "cheapest": "CHEAPEST"}
#: Read when no profile is given: tests set it to ``cheapest``.
HASH_PROFILE_ENV = "SKTRACK_AUTH_HASH_PROFILE"
_EXTRA_HINT = "authentication needs its extra: pip install 'sktrack[auth]' (argon2-cffi)"


def _argon2() -> Any:
    try:
        import argon2
        import argon2.profiles
    except ImportError as error:
        raise SktrackError(f"{_EXTRA_HINT} ({error})") from None
    return argon2


class Hasher:
    """Makes and checks argon2id hashes.

    Parameters
    ----------
    profile : {"default", "cheapest"}, optional
        The cost of new hashes: argon2-cffi's RFC 9106 low-memory profile, or its cheapest
        (for tests only).  Default: ``$SKTRACK_AUTH_HASH_PROFILE``, else ``"default"``.
    """

    def __init__(self, profile: str | None = None) -> None:
        profile = profile or os.environ.get(HASH_PROFILE_ENV) or "default"
        if profile not in HASH_PROFILES:
            raise SktrackError(f"hash profile {profile!r} is not one of {', '.join(HASH_PROFILES)}")
        argon2 = _argon2()
        parameters = getattr(argon2.profiles, HASH_PROFILES[profile])
        self._hasher = argon2.PasswordHasher.from_parameters(parameters)
        self._errors = (argon2.exceptions.VerificationError, argon2.exceptions.InvalidHashError)

    def hash(self, secret: str) -> str:
        return str(self._hasher.hash(secret))

    def verify(self, stored: str, secret: str) -> bool:
        """Whether ``secret`` matches ``stored`` (argon2's own comparison is constant-time)."""
        try:
            return bool(self._hasher.verify(stored, secret))
        except self._errors:
            return False
