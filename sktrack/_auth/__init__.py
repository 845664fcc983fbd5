"""Who may use a shared UI or model server: users, roles, credentials, and the HTTP check.

It owns the users file (``sktrack users``: names, roles, argon2 hashes of passwords and API
tokens, re-read when it changes), the roles and what each may do, checking HTTP Basic and
bearer credentials in constant time with failed logins rate-limited per client, the ASGI
middleware that puts the signed-in user on each request, and the rule that refuses to expose
a store to the network without authentication.  Hashing needs the ``auth`` extra
(``pip install 'sktrack[auth]'``: argon2-cffi), imported where a hash is made or checked.
See docs/ui.md (a team set-up).

It sits above the public face and below `sktrack.ui` and `sktrack._serve`, which use it; it
imports only `sktrack.exceptions`.
"""

from __future__ import annotations

from ._check import Authenticator, RateLimiter
from ._exposure import Exposure, check_exposure, is_loopback
from ._file import AuthFile, UserRecord, default_auth_path
from ._hashing import HASH_PROFILES, Hasher
from ._middleware import USER_SCOPE_KEY, RequireAuth, scope_user
from ._roles import ACTIONS, Role, SignedIn, allows

__all__ = [
    "ACTIONS",
    "HASH_PROFILES",
    "USER_SCOPE_KEY",
    "AuthFile",
    "Authenticator",
    "Exposure",
    "Hasher",
    "RateLimiter",
    "RequireAuth",
    "Role",
    "SignedIn",
    "UserRecord",
    "allows",
    "check_exposure",
    "default_auth_path",
    "is_loopback",
    "scope_user",
]
