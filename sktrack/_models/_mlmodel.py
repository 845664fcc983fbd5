"""An ``MLmodel`` file beside each saved model, so MLflow and the tools that read MLflow
models load sktrack's folders: MLflow's scikit-learn flavour with skops serialisation, the
``python_function`` flavour over it, and the signature in MLflow's column-spec schema.

The file is written by hand (it is small, flat YAML; every string is a JSON string, which YAML
reads as a double-quoted scalar), so saving a model needs neither MLflow nor PyYAML.  MLflow
takes ``skops_trusted_types`` from this file when it loads; sktrack never does (its trust comes
from the caller), so the list written here is only what the model needs.
"""

from __future__ import annotations

import json
import sys
import time
import uuid
from collections.abc import Mapping
from typing import Any

__all__ = ["MLMODEL_FILE", "mlflow_signature", "mlmodel_text"]

MLMODEL_FILE = "MLmodel"

# numpy dtype -> MLflow's column type
_COLUMN_TYPES = {
    "bool": "boolean",
    "int8": "integer",
    "int16": "integer",
    "int32": "integer",
    "int64": "long",
    "uint8": "integer",
    "uint16": "integer",
    "uint32": "long",
    "float32": "float",
    "float64": "double",
    "str": "string",
    "object": "string",
    "string": "string",
    "datetime64[ns]": "datetime",
}


def _spec(spec: Mapping[str, Any] | None) -> list[dict[str, Any]] | None:
    """One side of a signature in MLflow's schema, or None when a type has no MLflow twin."""
    if spec is None:
        return None
    if spec.get("kind") == "tensor":
        return [{"type": "tensor", "tensor-spec": {"dtype": spec["dtype"], "shape": spec["shape"]}}]
    out = []
    for column in spec.get("columns", []):
        kind = _COLUMN_TYPES.get(str(column.get("dtype")))
        if kind is None:
            return None
        entry: dict[str, Any] = {"type": kind, "required": not column.get("nullable", False)}
        if column.get("name") is not None:
            entry["name"] = str(column["name"])
        out.append(entry)
    return out


def mlflow_signature(signature: Mapping[str, Any] | None) -> dict[str, str | None] | None:
    """sktrack's signature dict as MLflow's ``signature:`` block (JSON texts), or None."""
    if signature is None:
        return None
    inputs = _spec(signature.get("inputs"))
    if inputs is None:
        return None
    outputs = _spec(signature.get("outputs"))
    return {
        "inputs": json.dumps(inputs),
        "outputs": None if outputs is None else json.dumps(outputs),
    }


def _q(value: Any) -> str:
    return json.dumps(value)


def mlmodel_text(
    *,
    model_file: str,
    sklearn_version: str,
    trusted_types: list[str],
    signature: Mapping[str, Any] | None,
    artifact_path: str,
    run_id: str | None,
) -> bytes:
    """The ``MLmodel`` file of a model folder."""
    python = ".".join(map(str, sys.version_info[:3]))
    created = time.strftime("%Y-%m-%d %H:%M:%S", time.gmtime())
    lines = [
        f"artifact_path: {_q(artifact_path)}",
        "flavors:",
        "  python_function:",
        "    loader_module: mlflow.sklearn",
        f"    model_path: {_q(model_file)}",
        "    predict_fn: predict",
        f"    python_version: {_q(python)}",
        "  sklearn:",
        "    code: null",
        f"    pickled_model: {_q(model_file)}",
        "    serialization_format: skops",
        f"    sklearn_version: {_q(sklearn_version)}",
        f"    skops_trusted_types: {json.dumps(sorted(trusted_types))}",
        f"model_uuid: {_q(uuid.uuid4().hex)}",
    ]
    if run_id:
        lines.append(f"run_id: {_q(run_id)}")
    schema = mlflow_signature(signature)
    if schema is not None:
        lines += [
            "signature:",
            f"  inputs: {_q(schema['inputs'])}",
            "  outputs: " + ("null" if schema["outputs"] is None else _q(schema["outputs"])),
            "  params: null",
        ]
    lines.append(f"utc_time_created: {_q(created)}")
    return ("\n".join(lines) + "\n").encode("utf-8")
