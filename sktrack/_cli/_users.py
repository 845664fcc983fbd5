"""`sktrack users`: who may sign in to a shared UI or model server, and with which role."""

from __future__ import annotations

import argparse
import getpass
import sys
from datetime import UTC, datetime
from pathlib import Path

from ..exceptions import InvalidArgumentError
from ._common import EXIT_OK, Commands, location
from ._format import format_table, print_json

__all__ = ["add_auth_options", "add_users", "auth_file"]

_ROLES = ("reader", "writer", "admin")


def add_users(commands: Commands, common: argparse.ArgumentParser) -> None:
    users = commands.add_parser(
        "users", help="users and roles of `sktrack ui --auth` and `sktrack serve --auth`"
    )
    verbs = users.add_subparsers(dest="users_command", required=True, metavar="VERB")
    file_option = argparse.ArgumentParser(add_help=False)
    file_option.add_argument(
        "--auth-file", default=None, help="the users file (default: <store folder>.users.json)"
    )
    parents = [common, file_option]
    p = verbs.add_parser("add", parents=parents, help="add a user (prompts for a password)")
    p.add_argument("name", metavar="NAME")
    p.add_argument("--role", required=True, choices=_ROLES)
    secret = p.add_mutually_exclusive_group()
    secret.add_argument(
        "--token", action="store_true", help="generate an API token (printed once) instead"
    )
    secret.add_argument(
        "--password-stdin", action="store_true", help="read the password from standard input"
    )
    p.set_defaults(handler=_cmd_add)
    p = verbs.add_parser("list", parents=parents, help="the users and their roles")
    p.add_argument("--json", action="store_true")
    p.set_defaults(handler=_cmd_list)
    p = verbs.add_parser("remove", parents=parents, help="remove a user")
    p.add_argument("name", metavar="NAME")
    p.set_defaults(handler=_cmd_remove)
    p = verbs.add_parser("set-role", parents=parents, help="change a user's role")
    p.add_argument("name", metavar="NAME")
    p.add_argument("role", metavar="ROLE", choices=_ROLES)
    p.set_defaults(handler=_cmd_set_role)


def add_auth_options(parser: argparse.ArgumentParser) -> None:
    """``--auth``, ``--auth-file`` and ``--no-auth`` for the commands that serve."""
    parser.add_argument(
        "--auth", action="store_true", help="every request signs in (see `sktrack users`)"
    )
    parser.add_argument(
        "--auth-file",
        default=None,
        help="the users file (implies --auth; default: <store folder>.users.json)",
    )
    parser.add_argument(
        "--no-auth", action="store_true", help="serve a non-loopback address with no sign-in"
    )
    parser.add_argument("--ssl-certfile", default=None, help="serve HTTPS with this certificate")
    parser.add_argument("--ssl-keyfile", default=None, help="the certificate's private key")


def auth_file(args: argparse.Namespace) -> Path:
    """The users file these arguments name: ``--auth-file``, else the one beside the store."""
    from .._auth import default_auth_path
    from .._store import open_store

    if args.auth_file:
        return Path(args.auth_file)
    store = open_store(location(args))
    return default_auth_path(store.fs.local_path(""), store.location)


def _users(args: argparse.Namespace):  # -> AuthFile
    from .._auth import AuthFile

    return AuthFile(auth_file(args))


def _cmd_add(args: argparse.Namespace) -> int:
    users = _users(args)
    if args.token:
        token = users.add(args.name, args.role, token=True)
        print(
            f"added {args.name} ({args.role}) to {users.path} with an API token; it is shown "
            "only now, so keep it (send it as `Authorization: Bearer <token>`):"
        )
        print(token)
    else:
        if users.exists() and args.name in users.users():  # before asking for a password
            raise InvalidArgumentError(
                f"user {args.name!r} exists already; remove it first with "
                f"`sktrack users remove {args.name}`"
            )
        users.add(args.name, args.role, password=_password(args))
        print(f"added {args.name} ({args.role}) to {users.path}")
    return EXIT_OK


def _password(args: argparse.Namespace) -> str:
    if args.password_stdin:
        return sys.stdin.readline().rstrip("\r\n")
    if not sys.stdin.isatty():
        raise InvalidArgumentError(
            "no terminal to ask for a password: pass --password-stdin (and the password on "
            "standard input), or --token for an API token"
        )
    first = getpass.getpass(f"Password for {args.name}: ")
    if getpass.getpass("Again: ") != first:
        raise InvalidArgumentError("the two passwords differ; nothing was changed")
    return first


def _cmd_list(args: argparse.Namespace) -> int:
    users = _users(args)
    records = sorted(users.users().values(), key=lambda u: u.name) if users.exists() else []
    rows = [
        {
            "name": u.name,
            "role": u.role.value,
            "signs_in_with": u.kind,
            "created": datetime.fromtimestamp(u.created_at / 1000, UTC).isoformat(
                timespec="seconds"
            ),
        }
        for u in records
    ]
    if args.json:
        print_json(rows)
        return EXIT_OK
    if not rows:
        print(f"no users in {users.path}; add one with `sktrack users add NAME --role admin`")
        return EXIT_OK
    print(
        format_table(["name", "role", "signs_in_with", "created"], [list(r.values()) for r in rows])
    )
    print(f"{len(rows)} user{'s' if len(rows) != 1 else ''} in {users.path}")
    return EXIT_OK


def _cmd_remove(args: argparse.Namespace) -> int:
    users = _users(args)
    users.remove(args.name)
    print(f"removed {args.name} from {users.path}")
    return EXIT_OK


def _cmd_set_role(args: argparse.Namespace) -> int:
    users = _users(args)
    users.set_role(args.name, args.role)
    print(f"{args.name} is now a {args.role} ({users.path})")
    return EXIT_OK
