"""`sktrack runs` and `sktrack run show`: runs as a table, one run in full."""

from __future__ import annotations

import argparse
import fnmatch
from collections.abc import Iterable, Iterator
from typing import TYPE_CHECKING, Any

from ..exceptions import FilterSyntaxError, InvalidArgumentError
from ._common import EXIT_OK, Commands, resolve_run, use_store
from ._errors import order_by_error
from ._format import emit_table, frame_records, print_json, run_json, run_text

if TYPE_CHECKING:
    import pandas as pd

    from .._store import Store

__all__ = ["add_run", "add_runs"]

_BASE_COLUMNS = ["run_id", "run_name", "experiment", "status", "start_time"]
_MAX_KEY_METRICS = 4


def add_runs(commands: Commands, common: argparse.ArgumentParser) -> None:
    p = commands.add_parser("runs", parents=[common], help="list runs as a table")
    p.add_argument("-f", "--filter", default="", help='e.g. "metrics.test_r2_score > 0.4"')
    p.add_argument("--order-by", action="append", default=None, metavar="KEY", help="repeatable")
    p.add_argument(
        "--columns",
        default=None,
        help="comma-separated columns; shell patterns allowed (metrics.test_*)",
    )
    p.add_argument(
        "--experiment",
        action="append",
        default=None,
        metavar="NAME",
        help="repeatable; default or '*': every experiment",
    )
    p.add_argument("--max-results", type=int, default=None, metavar="N")
    p.add_argument(
        "--all",
        action="store_true",
        help="also list the candidates of searches (child runs), not only top-level runs",
    )
    p.add_argument("--json", action="store_true", help="print JSON records")
    p.set_defaults(handler=_cmd_runs)


def add_run(commands: Commands, common: argparse.ArgumentParser) -> None:
    p = commands.add_parser("run", help="one run")
    sub = p.add_subparsers(dest="run_command", required=True, metavar="ACTION")
    show = sub.add_parser("show", parents=[common], help="a run's info, params, metrics...")
    show.add_argument(
        "run_id", metavar="RUN_ID", help="the id, or a unique prefix of 6+ characters"
    )
    show.add_argument("--json", action="store_true")
    show.set_defaults(handler=_cmd_run_show)


def _cmd_runs(args: argparse.Namespace) -> int:
    from .._tracking import search_runs

    store = use_store(args)
    _check_order_by(args.order_by)
    if args.max_results is not None and args.max_results < 0:
        raise InvalidArgumentError(
            f"--max-results {args.max_results}: pass a whole number >= 0 (how many runs to list)"
        )
    frame = search_runs(
        experiment_names=_experiments(store, args.experiment),
        filter_string=args.filter,
        order_by=args.order_by,
        max_results=None if not args.all else args.max_results,
    )
    if not args.all:
        frame = top_level(frame)
        if args.max_results is not None:
            frame = frame.head(args.max_results)
    if args.json:
        columns = _pick_columns(frame, args.columns) if args.columns else list(frame.columns)
        print_json(frame_records(frame, columns))
        return EXIT_OK
    if args.columns:
        columns = _pick_columns(frame, args.columns)
    else:
        columns = _BASE_COLUMNS + key_metric_columns(frame)
        columns += [
            c for c in _referenced_columns(frame, args.filter, args.order_by) if c not in columns
        ]
    if not len(frame):
        print("no runs found")
        return EXIT_OK
    rows = [[row.get(c) for c in columns] for row in frame.to_dict("records")]
    emit_table(columns, rows, footer=f"{len(frame)} run" + ("" if len(frame) == 1 else "s"))
    return EXIT_OK


def _check_order_by(order_by: list[str] | None) -> None:
    from .._query import parse_order_by

    try:
        parse_order_by(order_by)
    except FilterSyntaxError as error:
        raise order_by_error(error) from None


def top_level(frame: pd.DataFrame) -> pd.DataFrame:
    """The runs whose parent is not among ``frame``'s: plain runs and searches, and candidates
    whose search the filter left out."""
    folded = frame["parent_run_id"].isin(set(frame["run_id"]))
    return frame[~folded]


def key_metric_columns(frame: pd.DataFrame) -> list[str]:
    """The ``metrics.<k>`` columns of ``frame``'s key metrics (the refit scorer, held-out,
    CV means, training), those some run has, at most a few."""
    from .._tracking import key_metrics, refit_scorer

    refits = []
    if "params.refit" in frame.columns:
        refits = [r for r in (refit_scorer({"refit": v}) for v in frame["params.refit"]) if r]
    refit = max(set(refits), key=refits.count) if refits else None
    present = [
        c[len("metrics.") :]
        for c in frame.columns
        if c.startswith("metrics.") and frame[c].notna().any()
    ]
    keys = key_metrics([k for k in present if k not in ("test_score", "training_score")], refit)
    return [f"metrics.{k}" for k in keys[:_MAX_KEY_METRICS]]


def _experiments(store: Store, names: list[str] | None) -> list[str] | str:
    if not names or "*" in names:
        return "*"
    for name in names:
        store.get_experiment(name)  # an unknown name is an error, not "no runs"
    return names


def _pick_columns(frame: pd.DataFrame, spec: str) -> list[str]:
    """Columns named in ``spec`` (comma-separated, shell patterns allowed), in its order."""
    chosen: list[str] = []
    for item in (part.strip() for part in spec.split(",")):
        if not item:
            continue
        matches = fnmatch.filter(frame.columns, item) if _is_pattern(item) else [item]
        if not _is_pattern(item) and item not in frame.columns and len(frame):
            raise InvalidArgumentError(_unknown_column(item, frame.columns))
        chosen += [m for m in matches if m not in chosen]
    return chosen


def _is_pattern(text: str) -> bool:
    return any(ch in text for ch in "*?[")


def _unknown_column(name: str, columns: Iterable[str]) -> str:
    close = [c for c in columns if name.split(".")[-1] in c][:8]
    hint = f"; similar: {', '.join(close)}" if close else ""
    return (
        f"no column {name!r} among the runs found{hint}. Columns are run_id, run_name, "
        "experiment, status, start_time, end_time, parent_run_id, then params.<key>, "
        "metrics.<key> and tags.<key>; patterns such as 'metrics.test_*' work too"
    )


def _referenced_columns(
    frame: pd.DataFrame, filter_string: str, order_by: list[str] | None
) -> list[str]:
    """The params, metrics and tags a filter or an order_by names: worth a column each."""
    from .._query import parse_filter, parse_order_by

    names = list(_filter_columns(parse_filter(filter_string)))
    names += [_column(k.entity, k.key) for k in (parse_order_by(order_by) if order_by else [])]
    shown = set(_BASE_COLUMNS)
    out = []
    for name in names:
        if name in frame.columns and name not in shown:
            shown.add(name)
            out.append(name)
    return out


def _filter_columns(node: Any) -> Iterator[str]:
    from .._query import Comparison, Not

    if isinstance(node, Comparison):
        yield _column(node.entity, node.key)
    elif isinstance(node, Not):
        yield from _filter_columns(node.child)
    elif node is not None:  # And, Or
        for child in node.children:
            yield from _filter_columns(child)


def _column(entity: str, key: str) -> str:
    return key if entity == "attributes" else f"{entity}.{key}"


# -- run show --------------------------------------------------------------------------------


def _cmd_run_show(args: argparse.Namespace) -> int:
    from .._tracking import get_run, list_artifacts, search_runs

    store = use_store(args)
    run = get_run(resolve_run(store, args.run_id))
    children = search_runs(
        experiment_names="*", filter_string=f"attributes.parent_run_id = '{run.run_id}'"
    )
    children = best_first(children, run)
    artifacts = list_artifacts(run.run_id)
    if args.json:
        print_json(run_json(run, list(children["run_id"]), artifacts))
    else:
        print(run_text(run, children, artifacts, _child_columns(children, run)))
    return EXIT_OK


def best_first(children: pd.DataFrame, parent: Any) -> pd.DataFrame:
    """A search's children as it ranked them: the refit winner (tag ``sktrack.best``) first,
    then by the rank of the refit scorer, then oldest first; with ``rank`` and ``best``
    columns (1, 2, ... and "★")."""
    from .._tracking import refit_scorer

    refit = refit_scorer(parent.params)
    frame = children.copy()
    best = frame.get("tags.sktrack.best")
    frame["best"] = [
        "★" if v == "true" else "" for v in (best if best is not None else [""] * len(frame))
    ]
    rank_column = f"metrics.rank_test_{refit}" if refit else None
    frame["_rank"] = frame[rank_column] if rank_column in frame.columns else float("inf")
    frame["_not_best"] = frame["best"] != "★"
    frame = frame.sort_values(["_not_best", "_rank", "start_time", "run_id"], na_position="last")
    frame = frame.drop(columns=["_rank", "_not_best"])
    frame.insert(0, "rank", range(1, len(frame) + 1))
    return frame


def _child_columns(children: pd.DataFrame, parent: Any) -> list[str]:
    """The children's table: rank, the best mark, id, name, the searched params, the
    refit scorer's CV score, then their other key metrics."""
    from .._tracking import searched_params

    params = [f"params.{k}" for k in searched_params(parent.params, parent.tags)]
    params = [c for c in params if c in children.columns]
    columns = ["rank", "best", "run_id", "run_name", "status", *params]
    return columns + key_metric_columns_for(children, parent)


def key_metric_columns_for(children: pd.DataFrame, parent: Any) -> list[str]:
    from .._tracking import key_metrics, refit_scorer

    present = [
        c[len("metrics.") :]
        for c in children.columns
        if c.startswith("metrics.") and children[c].notna().any()
    ]
    keys = key_metrics(present, refit_scorer(parent.params))
    return [f"metrics.{k}" for k in keys[:_MAX_KEY_METRICS]]
