"""Serving a model: ``sktrack serve`` (MLflow's scoring protocol over HTTP) and ``sktrack predict``
(scoring a Parquet or CSV file in chunks).

It owns the model as served (loaded once, checked against its signature, swapped when its alias
or stage moves), the request formats and their errors, the HTTP app, and batch scoring of files.
See docs/serve.md.

It sits beside `sktrack.ui`, above the public face: it imports `sktrack.exceptions`,
`sktrack._tracking` (the store in use), the public names of `sktrack._models` (URIs, loading,
signatures), and the host check that `sktrack.ui` exports.  The HTTP part needs the ``serve``
extra (Starlette, uvicorn); batch scoring needs only the core dependencies.
"""

from __future__ import annotations

from ._batch import predict_file
from ._model import METHODS, ModelHolder, ServedModel, load_served
from ._options import ServeOptions
from ._server import create_app, serve

__all__ = [
    "METHODS",
    "ModelHolder",
    "ServeOptions",
    "ServedModel",
    "create_app",
    "load_served",
    "predict_file",
    "serve",
]
