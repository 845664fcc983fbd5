"""The rule for binding: no anonymous access, and above all no anonymous writes, off loopback."""

from __future__ import annotations

import ipaddress
from dataclasses import dataclass

from ..exceptions import InvalidArgumentError

__all__ = ["Exposure", "check_exposure", "is_loopback"]


def is_loopback(host: str) -> bool:
    """Whether ``host`` (a name or an address) stays on this machine."""
    if host == "localhost":
        return True
    try:
        return ipaddress.ip_address(host.strip("[]")).is_loopback
    except ValueError:
        return False


@dataclass(frozen=True)
class Exposure:
    """What a server may do, once the rule has been applied."""

    read_only: bool
    warning: str | None  # to print before serving


def check_exposure(
    host: str,
    *,
    auth: bool,
    no_auth: bool = False,
    read_only: bool = False,
    allow_writes: bool = False,
    writes: bool = True,
    command: str = "sktrack ui",
) -> Exposure:
    """Apply the rule: a non-loopback ``host`` needs ``auth``, or an explicit ``no_auth``;
    without authentication there, the server is read-only unless ``allow_writes``.

    ``writes`` says whether the server can change anything at all (the model server cannot).

    Raises
    ------
    InvalidArgumentError
        For a non-loopback host with neither ``auth`` nor ``no_auth``, or contradictory flags.
    """
    if auth and no_auth:
        raise InvalidArgumentError("--auth and --no-auth contradict each other; choose one")
    if allow_writes and read_only:
        raise InvalidArgumentError("--allow-writes and --read-only contradict each other")
    if allow_writes and not no_auth:
        raise InvalidArgumentError(
            "--allow-writes only applies with --no-auth (with --auth, the roles decide)"
        )
    if is_loopback(host) or auth:
        return Exposure(read_only, None)
    if not no_auth:
        raise InvalidArgumentError(
            f"{command} will not serve {host!r} without authentication: it is not a loopback "
            f"address, so anyone who can reach it could use the store. Add users "
            f"(`sktrack users add NAME --role admin`) and start with --auth, or bind "
            f"127.0.0.1; to serve it to everyone anyway, pass --no-auth"
            + (" (read-only unless --allow-writes)" if writes else "")
        )
    read_only = read_only or not allow_writes
    what = "browse the store" if writes else "score with the model and read its metadata"
    if writes and not read_only:
        what += " and change its registry"
    return Exposure(
        read_only,
        f"warning: serving {host} with no authentication: anyone who can reach it can {what}",
    )
