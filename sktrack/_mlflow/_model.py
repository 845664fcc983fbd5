"""MLflow scikit-learn models as sktrack model folders: skops ones converted, pickles refused.

An MLflow model folder holds an ``MLmodel`` file (YAML) naming its flavours.  A scikit-learn
flavour saved with ``serialization_format: skops`` is loaded with skops under sktrack's trust
rules (only trusted types are constructed; others are refused and reported) and saved again as
an sktrack model folder, with the signature taken from the folder's input example.  Pickle and
cloudpickle files are never loaded: unpickling runs whatever code the file holds.  MLflow's own
files (``MLmodel``, environment files, input example) are kept beside ``model.skops`` so MLflow
still loads the folder.
"""

from __future__ import annotations

import json
from collections.abc import Iterable
from dataclasses import dataclass
from pathlib import Path
from typing import Any

from .._models import infer_signature, load_skops_bytes, log_model_into
from .._store import Store
from ..exceptions import SktrackError, StoreError
from ._artifacts import copy_tree
from ._folder import read_yaml

__all__ = ["Conversion", "convert_model", "read_mlmodel"]

MLMODEL = "MLmodel"


@dataclass(frozen=True)
class Conversion:
    """What became of one MLflow model folder: ``uri`` when converted, else ``reason``."""

    folder: Path
    name: str
    uri: str | None = None
    reason: str = ""
    new: bool = True  # False: an earlier import converted it


def read_mlmodel(folder: Path) -> dict[str, Any]:
    return read_yaml(folder / MLMODEL)


def convert_model(
    store: Store,
    run_id: str,
    folder: Path,
    name: str,
    *,
    trusted: Iterable[str | type] | None = None,
) -> Conversion:
    """Make the MLflow model in ``folder`` the sktrack model ``name`` of run ``run_id``."""
    if store.fs.exists(f"{store.artifact_dir(run_id)}/{name}/model.json"):
        return Conversion(folder, name, f"runs:/{run_id}/{name}", new=False)
    try:
        mlmodel = read_mlmodel(folder)
    except StoreError as exc:
        return Conversion(folder, name, reason=str(exc))
    sklearn = (mlmodel.get("flavors") or {}).get("sklearn")
    if not isinstance(sklearn, dict):
        flavours = ", ".join(sorted(mlmodel.get("flavors") or {})) or "none"
        return Conversion(folder, name, reason=f"not a scikit-learn model (flavours: {flavours})")
    serialization = sklearn.get("serialization_format", "cloudpickle")
    if serialization != "skops":
        return Conversion(
            folder, name,
            reason=f"saved with {serialization}; sktrack never unpickles a file (loading it runs "
            "whatever code it holds). Its files are kept as plain artifacts; re-save the model "
            "with skops (mlflow.sklearn.log_model(..., serialization_format='skops')) to convert it",
        )  # fmt: skip
    model_file = folder / str(sklearn.get("pickled_model") or "model.skops")
    try:
        estimator = load_skops_bytes(model_file.read_bytes(), source=str(folder), trusted=trusted)
    except (OSError, SktrackError) as exc:
        return Conversion(folder, name, reason=str(exc))
    run = store.get_run(run_id)
    _mlflow_files(store, run_id, folder, name, model_file)
    log_model_into(run, estimator, name, _signature(folder))
    return Conversion(folder, name, f"runs:/{run_id}/{name}")


def _mlflow_files(store: Store, run_id: str, folder: Path, name: str, model_file: Path) -> int:
    """Keep MLflow's own files of the folder (all but the model file, which sktrack writes)."""
    have = set(store.list_artifacts(run_id, name)) if store.fs.exists(
        f"{store.artifact_dir(run_id)}/{name}"
    ) else set()  # fmt: skip
    have.add(f"{name}/{model_file.name}")
    return copy_tree(store, run_id, folder, name, have, set())


def _signature(folder: Path) -> Any:
    """The signature of the model's input example (MLflow's ``split`` JSON), if it has one."""
    path = folder / "input_example.json"
    if not path.is_file():
        return None
    try:
        import pandas as pd

        doc = json.loads(path.read_text(encoding="utf-8"))
        if isinstance(doc, dict) and "columns" in doc and "data" in doc:
            return infer_signature(pd.DataFrame(doc["data"], columns=doc["columns"]))
    except (ValueError, TypeError, SktrackError):
        return None
    return None
