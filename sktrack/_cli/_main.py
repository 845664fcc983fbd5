"""The ``sktrack`` command: a thin argparse layer over the library.

Every subcommand parses its arguments, calls the public API (or the store's own methods)
and prints the result: a plain-text table for people, ``--json`` for scripts.  Errors that
sktrack raises on purpose are printed as one message on stderr with exit status 2; no
traceback.  Exit status 1 means "ran, and found problems" (``sktrack doctor``).  How the
results look, as tables and as JSON, is `_format`'s business; each group of commands has its
own module (`_experiments`, `_runs`, `_models`, `_admin`, `_serve`, `_mlflow`, `_users`), which adds its
parsers and handlers.
"""

from __future__ import annotations

import argparse
import contextvars
import os
import sys
import warnings
from collections.abc import Callable, Sequence
from typing import TextIO

from ..exceptions import SktrackError, SktrackWarning
from ._admin import add_demo, add_store_commands, add_ui
from ._common import EXIT_ERROR, EXIT_OK
from ._errors import cli_message
from ._experiments import add_experiments
from ._gc import add_gc
from ._mlflow import add_import_mlflow
from ._models import add_models
from ._runs import add_run, add_runs
from ._serve import add_predict, add_serve
from ._users import add_users

__all__ = ["build_parser", "main"]


def main(argv: Sequence[str] | None = None) -> int:
    """Run the ``sktrack`` command line; returns the exit status.

    Parameters
    ----------
    argv : sequence of str, optional
        The arguments after the program name; defaults to ``sys.argv[1:]``.

    Returns
    -------
    int
        0 on success, 1 when ``doctor`` finds problems, 2 on a user error.

    Examples
    --------
    >>> import tempfile
    >>> main(["--store", tempfile.mkdtemp(), "runs"])  # doctest: +SKIP
    """
    try:
        args = build_parser().parse_args(argv)
    except SystemExit as exc:  # --help, or a usage error already printed by argparse
        return exc.code if isinstance(exc.code, int) else EXIT_ERROR
    # The command's set_store/set_experiment stay inside this call, so a caller (a test, a
    # notebook) keeps its own tracking state.
    return contextvars.copy_context().run(_run_command, args)


def _run_command(args: argparse.Namespace) -> int:
    from .._tracking import scoped_defaults

    with scoped_defaults():
        return _run_scoped(args)


def _run_scoped(args: argparse.Namespace) -> int:
    with warnings.catch_warnings():
        # A damaged file is news for the user, not a reason to stop: show it and go on.
        warnings.simplefilter("always", SktrackWarning)
        warnings.showwarning = _show_warning
        try:
            handler: Callable[[argparse.Namespace], int] = args.handler
            return handler(args)
        except SktrackError as exc:
            print(f"sktrack: error: {cli_message(exc)}", file=sys.stderr)
            return EXIT_ERROR
        except KeyboardInterrupt:
            print("sktrack: interrupted", file=sys.stderr)
            return 130
        except BrokenPipeError:  # `sktrack runs | head`: the reader left, nothing is wrong
            _silence_stdout()
            return EXIT_OK


def _show_warning(
    message: Warning | str,
    category: type[Warning],
    filename: str,
    lineno: int,
    file: TextIO | None = None,
    line: str | None = None,
) -> None:
    if issubclass(category, SktrackWarning):
        text = f"sktrack: warning: {message}\n"
    else:
        text = warnings.formatwarning(message, category, filename, lineno, line)
    (file or sys.stderr).write(text)


def _silence_stdout() -> None:
    try:
        devnull = os.open(os.devnull, os.O_WRONLY)
        os.dup2(devnull, sys.stdout.fileno())
    except (OSError, ValueError):  # a stdout without a file descriptor (captured)
        pass


# -- the parser ----------------------------------------------------------------------------


def build_parser() -> argparse.ArgumentParser:
    """The argument parser of the ``sktrack`` command."""
    from .. import __version__

    parser = argparse.ArgumentParser(
        prog="sktrack",
        description="Browse, compare and promote what sktrack tracked.",
        epilog="The store is --store, else $SKTRACK_STORE, else ./sktrack-store.",
    )
    parser.add_argument("--version", action="version", version=f"sktrack {__version__}")
    parser.add_argument("--store", default=None, help="the store folder or URI")
    # --store is accepted after the subcommand too (`sktrack ui --store s`); SUPPRESS keeps
    # an absent one from overwriting the global value.
    common = argparse.ArgumentParser(add_help=False)
    common.add_argument("--store", default=argparse.SUPPRESS, help="the store folder or URI")
    commands = parser.add_subparsers(dest="command", required=True, metavar="COMMAND")
    add_experiments(commands, common)
    add_runs(commands, common)
    add_run(commands, common)
    add_models(commands, common)
    add_store_commands(commands, common)
    add_gc(commands, common)
    add_ui(commands, common)
    add_serve(commands, common)
    add_predict(commands, common)
    add_demo(commands, common)
    add_users(commands, common)
    add_import_mlflow(commands, common)
    return parser
