"""Commands that score with a model: `serve` (HTTP, MLflow's protocol) and `predict` (a file)."""

from __future__ import annotations

import argparse
import sys

from ..exceptions import SktrackError
from ._common import EXIT_OK, Commands, location, use_store
from ._users import add_auth_options, auth_file

__all__ = ["add_predict", "add_serve"]

_SERVE_PACKAGES = ("starlette", "uvicorn")


def add_serve(commands: Commands, common: argparse.ArgumentParser) -> None:
    p = commands.add_parser(
        "serve", parents=[common], help="serve a model over HTTP (pip install 'sktrack[serve]')"
    )
    p.add_argument("model_uri", metavar="MODEL_URI", help="e.g. models:/prices@champion")
    p.add_argument("--host", default="127.0.0.1")
    p.add_argument("--port", type=int, default=5001)
    p.add_argument("--workers", type=int, default=1, help="server processes (default: 1)")
    p.add_argument("--max-request-bytes", type=int, default=16 * 1024 * 1024)
    p.add_argument("--max-rows", type=int, default=100_000)
    p.add_argument(
        "--poll-seconds",
        type=float,
        default=2.0,
        help="how often to check whether the alias or stage moved (0: never)",
    )
    p.add_argument("--no-batching", action="store_true", help="score every request alone")
    p.add_argument(
        "--trust",
        action="append",
        default=[],
        metavar="TYPE",
        help="a type to trust when loading (repeatable)",
    )
    add_auth_options(p)
    p.set_defaults(handler=_cmd_serve)


def add_predict(commands: Commands, common: argparse.ArgumentParser) -> None:
    p = commands.add_parser("predict", parents=[common], help="score a Parquet or CSV file")
    p.add_argument("model_uri", metavar="MODEL_URI")
    p.add_argument("--input", required=True, help="a .parquet or .csv file")
    p.add_argument("--output", required=True, help="the Parquet file to write")
    p.add_argument(
        "--method",
        default="predict",
        help="predict, predict_proba, predict_log_proba, decision_function, transform",
    )
    p.add_argument("--chunk-rows", type=int, default=65_536)
    p.add_argument(
        "--keep",
        action="append",
        default=[],
        metavar="COLUMN",
        help="an input column to copy to the output (repeatable)",
    )
    p.add_argument("--trust", action="append", default=[], metavar="TYPE")
    p.add_argument("--quiet", action="store_true", help="no progress")
    p.set_defaults(handler=_cmd_predict)


def _cmd_serve(args: argparse.Namespace) -> int:
    _require(_SERVE_PACKAGES)
    use_store(args)
    from .._serve import ServeOptions, serve

    options = ServeOptions(
        uri=args.model_uri,
        store=location(args),
        max_request_bytes=args.max_request_bytes,
        max_rows=args.max_rows,
        poll_seconds=args.poll_seconds,
        batching=not args.no_batching,
        trusted=tuple(args.trust),
        auth_file=str(auth_file(args).absolute()) if args.auth or args.auth_file else None,
    )
    serve(
        options,
        host=args.host,
        port=args.port,
        workers=args.workers,
        no_auth=args.no_auth,
        ssl_certfile=args.ssl_certfile,
        ssl_keyfile=args.ssl_keyfile,
    )
    return EXIT_OK


def _cmd_predict(args: argparse.Namespace) -> int:
    use_store(args)
    from .._serve import predict_file

    result = predict_file(
        args.model_uri,
        args.input,
        args.output,
        method=args.method,
        chunk_rows=args.chunk_rows,
        keep_columns=args.keep,
        trusted=args.trust,
        progress=None if args.quiet else sys.stderr,
    )
    version = "" if result.version is None else f" (version {result.version})"
    print(
        f"{result.output}: {result.rows} rows scored by {args.model_uri}{version} "
        f"in {result.chunks} chunks, {result.seconds:.1f} s"
    )
    return EXIT_OK


def _require(packages: tuple[str, ...]) -> None:
    import importlib

    missing = []
    for name in packages:
        try:
            importlib.import_module(name)
        except ImportError:
            missing.append(name)
    if missing:
        raise SktrackError(
            f"sktrack serve needs {', '.join(missing)}, which "
            f"{'is' if len(missing) == 1 else 'are'} not installed: pip install 'sktrack[serve]'"
        )
