"""The MLflow importer: a whole MLflow history (sqlite or ``mlruns/`` store) into sktrack's.

It owns reading MLflow's stores without MLflow (`sqlite3` for the database, plain files and
PyYAML's safe loader for folders), mapping MLflow's runs, system tags and statuses onto
sktrack's, converting MLflow's scikit-learn models saved with skops (never unpickling), the
registry's import, and `import_mlflow` with its `ImportReport`.

It imports `sktrack.exceptions`, `sktrack._store`, `sktrack._tracking` and `sktrack._models`,
each through its package's public names.
"""

from __future__ import annotations

from ._importer import ImportReport, import_mlflow, open_source

__all__ = ["ImportReport", "import_mlflow", "open_source"]
