"""``sktrack predict``: scoring a Parquet or CSV file in chunks into a Parquet file.

Only the signature's columns (and the ones asked to be kept) are read, one chunk of rows at a
time, so a file larger than memory is scored in the memory of one chunk.  Every chunk is
checked against the signature; the output is written to a temporary name and renamed when
complete, so a failed run leaves no half-written file under the output's name.
"""

from __future__ import annotations

import os
import time
from collections.abc import Iterator, Sequence
from dataclasses import dataclass
from pathlib import Path
from typing import Any, TextIO

from .._models import Signature, TableSpec
from ..exceptions import InvalidArgumentError, SignatureError
from ._model import METHODS, ServedModel, load_served

__all__ = ["BatchResult", "predict_file"]

_CSV_BLOCK_BYTES = 8 * 1024 * 1024
_ARROW_TYPES = {"float": "float64", "integer": "int64", "string": "string", "boolean": "bool"}


@dataclass(frozen=True)
class BatchResult:
    """What `predict_file` did."""

    output: str
    rows: int
    chunks: int
    seconds: float
    version: int | None


def predict_file(
    uri: str,
    input_path: str | os.PathLike[str],
    output_path: str | os.PathLike[str],
    *,
    method: str = "predict",
    chunk_rows: int = 65_536,
    keep_columns: Sequence[str] = (),
    trusted: Sequence[str] = (),
    progress: TextIO | None = None,
) -> BatchResult:
    """Score a Parquet or CSV file with a model, chunk by chunk, into a Parquet file.

    Parameters
    ----------
    uri : str
        Any model URI `sktrack.load_model` accepts; resolved once, in the store in use.
    input_path : str or path
        ``.parquet`` (or ``.pq``) or ``.csv``.
    output_path : str or path
        The Parquet file to write: the kept columns, then ``prediction`` (or one
        ``prediction_<label>`` column per class or output).
    method : str, default="predict"
        ``predict``, ``predict_proba``, ``predict_log_proba``, ``decision_function`` or
        ``transform``.
    chunk_rows : int, default=65536
        Rows scored at a time; memory use follows this, not the file's size.
    keep_columns : sequence of str
        Input columns copied to the output beside the predictions (an id, a key).
    progress : text stream, optional
        Where progress is shown (a rich bar on a terminal when rich is installed, else one line
        per chunk); None for none.

    Examples
    --------
    >>> import sktrack, tempfile, pandas as pd
    >>> from sklearn.linear_model import LinearRegression
    >>> folder = tempfile.mkdtemp()
    >>> _ = sktrack.set_store(folder)
    >>> X = pd.DataFrame({"x": [0.0, 1.0, 2.0]})
    >>> with sktrack.start_run():
    ...     info = sktrack.log_model(LinearRegression().fit(X, [0.0, 2.0, 4.0]),
    ...                              signature=sktrack.infer_signature(X))
    >>> X.to_parquet(f"{folder}/in.parquet")
    >>> predict_file(info.model_uri, f"{folder}/in.parquet", f"{folder}/out.parquet").rows
    3
    >>> pd.read_parquet(f"{folder}/out.parquet")["prediction"].round(6).tolist()
    [0.0, 2.0, 4.0]
    """
    if method not in METHODS:
        raise InvalidArgumentError(f"unknown method {method!r}; use one of {', '.join(METHODS)}")
    if chunk_rows < 1:
        raise InvalidArgumentError(f"chunk_rows must be at least 1, got {chunk_rows}")
    served = load_served(uri, trusted=trusted)
    if method not in served.methods:
        raise InvalidArgumentError(
            f"model {uri} has no {method}; it answers {', '.join(served.methods)}"
        )
    source, target = Path(input_path), Path(output_path)
    needed = _columns_needed(served.signature, keep_columns)
    total, chunks = _open(source, needed, served.signature, chunk_rows)
    bar = _Progress(progress, total)
    started = time.perf_counter()
    partial = target.with_name(f".{target.name}.partial")
    rows = count = 0
    try:
        with _Writer(partial) as writer:
            for frame in chunks:
                writer.write(_score_chunk(served, method, frame, keep_columns, rows))
                rows += len(frame)
                count += 1
                bar.advance(len(frame))
        os.replace(partial, target)
    finally:
        bar.close()
        partial.unlink(missing_ok=True)
    return BatchResult(str(target), rows, count, time.perf_counter() - started, served.version)


def _columns_needed(signature: Signature | None, keep: Sequence[str]) -> list[str] | None:
    names = None if signature is None else signature.input_names
    if names is None:
        return None  # an array signature (or none): every column, in the file's order
    return list(dict.fromkeys([*keep, *(str(n) for n in names)]))


def _open(
    path: Path, needed: list[str] | None, signature: Signature | None, chunk_rows: int
) -> tuple[int | None, Iterator[Any]]:
    """(rows in the file if known, an iterator of DataFrames of at most ``chunk_rows`` rows)."""
    if not path.is_file():
        raise InvalidArgumentError(f"input file {path} does not exist")
    suffix = path.suffix.lower()
    if suffix in (".parquet", ".pq"):
        import pyarrow.parquet as pq

        file = pq.ParquetFile(path, buffer_size=1 << 20, pre_buffer=False)
        present = set(file.schema_arrow.names)
        columns = None if needed is None else [c for c in needed if c in present]
        batches = file.iter_batches(batch_size=chunk_rows, columns=columns)
        return file.metadata.num_rows, (b.to_pandas() for b in batches)
    if suffix == ".csv":
        return None, _csv_chunks(path, needed, signature, chunk_rows)
    raise InvalidArgumentError(
        f"input file {path} is neither .parquet nor .csv; convert it, or rename it if it is one"
    )


def _csv_chunks(
    path: Path, needed: list[str] | None, signature: Signature | None, chunk_rows: int
) -> Iterator[Any]:
    import pyarrow as pa
    import pyarrow.csv as pacsv

    read = pacsv.ReadOptions(block_size=_CSV_BLOCK_BYTES)
    with pacsv.open_csv(path, read_options=read) as probe:
        present = probe.schema.names
    columns = present if needed is None else [c for c in needed if c in set(present)]
    types = {}
    spec = None if signature is None else signature.inputs
    if isinstance(spec, TableSpec):  # read each column as the signature says, in every block
        for column in spec.columns:
            arrow = _ARROW_TYPES.get(column.type)
            if arrow is not None and str(column.name) in columns:
                types[str(column.name)] = pa.type_for_alias(arrow)
    convert = pacsv.ConvertOptions(include_columns=columns, column_types=types)
    try:
        with pacsv.open_csv(path, read_options=read, convert_options=convert) as reader:
            for batch in reader:
                for start in range(0, batch.num_rows, chunk_rows):
                    yield batch.slice(start, chunk_rows).to_pandas()
    except pa.ArrowInvalid as exc:
        raise InvalidArgumentError(f"cannot read {path} as CSV: {exc}") from None


def _score_chunk(
    served: ServedModel, method: str, frame: Any, keep: Sequence[str], offset: int
) -> Any:
    import pandas as pd

    X = frame
    if served.signature is not None:
        try:
            X = served.signature.check(frame.drop(columns=_only_kept(frame, keep, served)))
        except SignatureError as exc:
            where = f"rows {offset}-{offset + len(frame) - 1}"
            raise SignatureError([f"{where}: {p}" for p in exc.problems]) from None
    out = getattr(served.estimator, method)(X)
    predictions = _as_frame(out, served, method)
    if keep:
        missing = [c for c in keep if c not in frame.columns]
        if missing:
            raise InvalidArgumentError(f"columns to keep not in the input: {missing}")
        predictions = pd.concat([frame[list(keep)].reset_index(drop=True), predictions], axis=1)
    return predictions


def _only_kept(frame: Any, keep: Sequence[str], served: ServedModel) -> list[str]:
    names = {str(n) for n in served.input_names or []}
    return [c for c in keep if c in frame.columns and c not in names]


def _as_frame(out: Any, served: ServedModel, method: str) -> Any:
    import numpy as np
    import pandas as pd

    if isinstance(out, pd.DataFrame):
        return out.reset_index(drop=True)
    if hasattr(out, "toarray"):
        out = out.toarray()
    array = np.asarray(out)
    if array.ndim == 1:
        return pd.DataFrame({"prediction": array})
    labels: Sequence[Any] = range(array.shape[1])
    classes = getattr(served.estimator, "classes_", None)
    if method != "predict" and classes is not None and len(classes) == array.shape[1]:
        labels = list(classes)
    return pd.DataFrame(array, columns=[f"prediction_{label}" for label in labels])


class _Writer:
    """A Parquet file written one chunk at a time, every chunk cast to the first one's schema."""

    def __init__(self, path: Path) -> None:
        self.path = path
        self._writer: Any = None

    def __enter__(self) -> _Writer:
        return self

    def write(self, frame: Any) -> None:
        import pyarrow as pa
        import pyarrow.parquet as pq

        table = pa.Table.from_pandas(frame, preserve_index=False)
        if self._writer is None:
            self._writer = pq.ParquetWriter(self.path, table.schema, compression="zstd")
        elif table.schema != self._writer.schema:
            table = table.cast(self._writer.schema)
        self._writer.write_table(table)

    def __exit__(self, *exc: object) -> None:
        if self._writer is not None:
            self._writer.close()
        elif exc[0] is None:  # an empty input: still an output file, with no rows
            import pandas as pd

            pd.DataFrame({"prediction": []}).to_parquet(self.path)


class _Progress:
    """Rows scored: a rich bar on a terminal when rich is installed, else a line per chunk."""

    def __init__(self, stream: TextIO | None, total: int | None) -> None:
        self.stream, self.total, self.done = stream, total, 0
        self._bar: Any = None
        if stream is not None and stream.isatty():
            try:
                from rich.console import Console
                from rich.progress import Progress
            except ImportError:
                return
            self._bar = Progress(console=Console(file=stream), transient=False)
            self._bar.start()
            self._task = self._bar.add_task("scoring", total=total)

    def advance(self, rows: int) -> None:
        self.done += rows
        if self._bar is not None:
            self._bar.update(self._task, advance=rows)
        elif self.stream is not None:
            of = "" if self.total is None else f" of {self.total} ({self.done / self.total:.0%})"
            print(f"scored {self.done} rows{of}", file=self.stream, flush=True)

    def close(self) -> None:
        if self._bar is not None:
            self._bar.stop()
