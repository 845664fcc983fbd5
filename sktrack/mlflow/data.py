"""``mlflow.data``: datasets for ``mlflow.log_input`` (`from_pandas`, `from_numpy`)."""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any

from sktrack._sklearn import dataset_fingerprint

from ._unsupported import missing, refuse_arguments

__all__ = ["Dataset", "from_numpy", "from_pandas"]


@dataclass(frozen=True)
class Dataset:
    """A dataset as ``mlflow.data`` builds it: its name, its digest and the data."""

    name: str
    digest: str
    features: Any
    targets: Any = None


def _dataset(features: Any, targets: Any, name: str | None, digest: str | None) -> Dataset:
    given = digest or dataset_fingerprint(features, targets)["hash"][:8]
    return Dataset(name or "dataset", given, features, targets)


def from_pandas(
    df: Any,
    source: Any = None,
    targets: str | None = None,
    name: str | None = None,
    digest: str | None = None,
    predictions: str | None = None,
) -> Dataset:
    refuse_arguments("mlflow.data.from_pandas", {"source": source, "predictions": predictions},
                     {"source": "sktrack records the data's fingerprint, not its source",
                      "predictions": "log predictions as a table: mlflow.log_table"})  # fmt: skip
    if targets is not None:
        return _dataset(df.drop(columns=[targets]), df[targets], name, digest)
    return _dataset(df, None, name, digest)


def from_numpy(
    features: Any,
    source: Any = None,
    targets: Any = None,
    name: str | None = None,
    digest: str | None = None,
) -> Dataset:
    refuse_arguments("mlflow.data.from_numpy", {"source": source},
                     {"source": "sktrack records the data's fingerprint, not its source"})  # fmt: skip
    return _dataset(features, targets, name, digest)


def __getattr__(name: str) -> Any:
    raise missing(__name__, name, {"from_spark": "convert to pandas first: from_pandas(df)"})
