"""`search_runs`' result: filter and order with `_query`, then pivot the chosen runs' long
tables into one wide DataFrame (``params.<k>``, ``metrics.<k>``, ``tags.<k>``)."""

from __future__ import annotations

from collections.abc import Sequence
from typing import TYPE_CHECKING

from .._query import RunTables, evaluate_filter, parse_filter, parse_order_by, sort_indices
from .._store import LIFECYCLE_TAG, deleted_experiment_ids, show
from ..exceptions import InvalidArgumentError

if TYPE_CHECKING:
    import pandas as pd
    import pyarrow as pa

    from .._store import Store

__all__ = [
    "RUN_COLUMNS",
    "artifact_uri",
    "experiment_names_of",
    "lifecycle_mask",
    "parse_view",
    "search",
    "select_runs",
]

RUN_COLUMNS = [
    "run_id",
    "run_name",
    "experiment",
    "status",
    "start_time",
    "end_time",
    "parent_run_id",
]


def select_runs(
    store: Store,
    experiment_names: list[str] | None,
    filter_string: str,
    order_by: Sequence[str] | str | None,
    max_results: int | None,
    view: str | int = "active",
) -> tuple[RunTables, pa.Table]:
    """The store's tables and the chosen runs (rows of the runs table), in order.

    ``view`` is "active" (runs not deleted, of experiments not deleted), "deleted" or "all";
    MLflow's `ViewType` numbers 1, 2, 3 mean the same."""
    import pyarrow as pa
    import pyarrow.compute as pc

    if max_results is not None and (
        isinstance(max_results, bool) or not isinstance(max_results, int) or max_results < 0
    ):
        raise InvalidArgumentError(
            f"max_results={show(max_results)}; pass a whole number >= 0, or None for all"
        )
    node = parse_filter(filter_string or "")
    keys = parse_order_by(order_by or None)
    snap = store.snapshot()
    runs = snap.runs
    if experiment_names is not None:
        names = experiment_names_of(snap.experiments, experiment_names)
        runs = runs.filter(pc.is_in(runs["experiment"], value_set=pa.array(names, pa.string())))
    runs = runs.filter(lifecycle_mask(store, runs, snap.tags, view))
    if _mentions("artifact_uri", filter_string, order_by):
        runs = runs.append_column("artifact_uri", _artifact_uris(store, runs["run_id"]))
    tables = RunTables(runs=runs, params=snap.params, metrics=snap.latest_metrics, tags=snap.tags)
    mask = evaluate_filter(node, tables)
    indices = pc.indices_nonzero(mask)
    # ties keep MLflow's default order: newest first, then run_id
    indices = sort_indices(parse_order_by(None), tables, indices)
    if order_by:
        indices = sort_indices(keys, tables, indices)
    if max_results is not None:
        indices = indices.slice(0, min(max_results, len(indices)))
    return tables, runs.take(indices)


def _mentions(word: str, filter_string: str, order_by: Sequence[str] | str | None) -> bool:
    items = [order_by] if isinstance(order_by, str) else list(order_by or [])
    return any(isinstance(t, str) and word in t for t in [filter_string or "", *items])


def artifact_uri(store: Store, run_id: str) -> str:
    """Where a run's artifacts live, as a URI (MLflow's ``artifact_uri``): ``file://`` and the
    folder's absolute path on a local store, the store's URI and the folder otherwise."""
    folder = store.artifact_dir(run_id)
    local = store.fs.local_path(folder)
    return f"file://{local}" if local else f"{store.location.rstrip('/')}/{folder}"


def _artifact_uris(store: Store, run_ids: pa.ChunkedArray) -> pa.Array:
    import pyarrow.compute as pc

    prefix = artifact_uri(store, "\0").removesuffix("\0")
    return pc.binary_join_element_wise(prefix, run_ids, "")


def search(
    store: Store,
    experiment_names: list[str] | None,
    filter_string: str,
    order_by: Sequence[str] | str | None,
    max_results: int | None,
    view: str | int = "active",
) -> pd.DataFrame:
    tables, chosen = select_runs(
        store, experiment_names, filter_string, order_by, max_results, view
    )
    return runs_frame(tables, chosen)


_VIEWS = {"active": "active", "active_only": "active", "1": "active", "deleted": "deleted",
          "deleted_only": "deleted", "2": "deleted", "all": "all", "3": "all"}  # fmt: skip


def parse_view(view: object) -> str:
    """ "active", "deleted" or "all", from those words, MLflow's names or its `ViewType` ints."""
    name = getattr(view, "name", view)  # an enum member
    found = _VIEWS.get(str(name).lower())
    if found is None or isinstance(view, bool):
        raise InvalidArgumentError(
            f"run_view_type={view!r}; pass 'active', 'deleted' or 'all' (or MLflow's ViewType)"
        )
    return found


def lifecycle_mask(store: Store, runs: pa.Table, tags: pa.Table, view: str | int) -> pa.Array:
    """Which of ``runs`` the view keeps: a run is deleted when its tag says so or when its
    experiment is deleted."""
    import pyarrow as pa
    import pyarrow.compute as pc

    wanted = parse_view(view)
    marked = tags.filter(
        pc.and_(pc.equal(tags["key"], LIFECYCLE_TAG), pc.equal(tags["value"], "deleted"))
    )["run_id"]
    deleted = pc.is_in(runs["run_id"], value_set=marked)
    gone = deleted_experiment_ids(store)
    if gone:
        exp_gone = pc.is_in(runs["experiment_id"], value_set=pa.array(sorted(gone), pa.string()))
        deleted = pc.or_(deleted, exp_gone)
    if wanted == "all":
        return pa.array([True] * runs.num_rows, pa.bool_())
    return deleted if wanted == "deleted" else pc.invert(deleted)


def experiment_names_of(experiments: pa.Table, given: list[str]) -> list[str]:
    """The experiment names ``given`` stands for: names as they are, sktrack experiment ids
    turned into their names; what looks like an MLflow experiment id ("0", "1", ...) and names
    no experiment is an error, not a silent empty result."""
    names = experiments["name"].to_pylist()
    by_id = dict(zip(experiments["experiment_id"].to_pylist(), names, strict=True))
    out = []
    for item in given:
        if not isinstance(item, str):
            raise InvalidArgumentError(
                f"experiment_names holds {item!r} ({type(item).__name__}); pass names as text"
            )
        if item in names or (item not in by_id and not item.isdigit()):
            out.append(item)
        elif item in by_id:
            out.append(by_id[item])
        else:
            known = ", ".join(repr(n) for n in names[:10]) or "none yet"
            raise InvalidArgumentError(
                f"search_runs got {item!r}, which looks like an MLflow experiment id; sktrack's "
                "first argument is experiment *names* (MLflow's is ids). Pass "
                f"experiment_names=[...] with names such as {known}, or sktrack experiment ids "
                "(Experiment.experiment_id)"
            )
    return out


def runs_frame(tables: RunTables, chosen: pa.Table) -> pd.DataFrame:
    """The wide DataFrame of the ``chosen`` runs."""
    import pandas as pd
    import pyarrow.compute as pc

    frame = chosen.select(RUN_COLUMNS).to_pandas()
    for col in ("start_time", "end_time"):
        frame[col] = pd.to_datetime(frame[col], unit="ms", utc=True)
    run_ids = chosen["run_id"]
    position = {rid: i for i, rid in enumerate(run_ids.to_pylist())}
    columns: dict[str, pd.Series] = {}
    for prefix, table in (
        ("params", tables.params),
        ("metrics", tables.metrics),
        ("tags", tables.tags),
    ):
        part = table.filter(pc.is_in(table["run_id"], value_set=run_ids))
        columns.update(_pivot(prefix, part, position, len(frame)))
    if columns:
        extra = pd.DataFrame(columns, index=frame.index)
        frame = pd.concat([frame, extra[sorted(extra.columns, key=_column_order)]], axis=1)
    return frame


def _column_order(name: str) -> tuple[int, str]:
    prefix, _, key = name.partition(".")
    return (("params", "metrics", "tags").index(prefix), key)


def _pivot(prefix: str, part: pa.Table, position: dict[str, int], n: int) -> dict[str, pd.Series]:
    """One column per key; params keep their Python types where one type fits the column."""
    import numpy as np
    import pandas as pd
    import pyarrow.compute as pc

    out: dict[str, pd.Series] = {}
    if part.num_rows == 0:
        return out
    rows = np.fromiter(
        (position[r] for r in part["run_id"].to_pylist()), dtype=np.int64, count=part.num_rows
    )
    keys = part["key"].to_numpy(zero_copy_only=False)
    for key in pc.unique(part["key"]).to_pylist():
        where = np.flatnonzero(keys == key)
        if prefix == "params":
            values = _param_values(part.take(where))
        else:
            values = part["value"].take(where).to_numpy(zero_copy_only=False)
        if prefix == "metrics":
            column = np.full(n, np.nan)
            column[rows[where]] = values
            series = pd.Series(column)
        else:
            cells = np.full(n, None, dtype=object)
            cells[rows[where]] = values
            series = pd.Series(cells, dtype=object)
            if prefix == "params":
                series = series.infer_objects()
        out[f"{prefix}.{key}"] = series
    return out


def _param_values(part: pa.Table) -> list[object]:
    from .._store import decode_param

    texts = part["value"].to_pylist()
    kinds = part["value_type"].to_pylist()
    return [decode_param(t, k) for t, k in zip(texts, kinds, strict=True)]
