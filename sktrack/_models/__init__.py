"""The models layer: fitted estimators as files, and the registry over them.

It owns model folders (skops files, their hashes, what loading may construct, the estimator as it
is saved), `log_model` and `load_model`, model URIs (parsed once, resolved offline), the
registry's files and its verbs (public as `sktrack.registry`), `StagedModel`, signatures, and
`sktrack doctor` (which checks model hashes along with the store's files).

It imports `sktrack.exceptions`, `sktrack._store` and `sktrack._tracking`.
"""

from __future__ import annotations

from typing import TYPE_CHECKING, Any

from ._doctor import (
    DoctorReport,
    run_doctor,
)
from ._folder import (
    ModelInfo,
    load_skops_bytes,
    log_model_into,
    verify_store_models,
)
from ._gc import GcReport, gc
from ._log import (
    LoadedModel,
    load_located,
    load_model,
    log_model,
)
from ._registry import (
    RegisteredModel,
    RegistryEvent,
    delete_alias,
    delete_model_version,
    delete_model_version_tag,
    delete_registered_model_tag,
    get_alias_history,
    get_latest_versions,
    get_model_version,
    get_model_version_by_alias,
    get_registered_model,
    list_events,
    list_model_versions,
    list_registered_models,
    register_model,
    set_alias,
    set_model_version_tag,
    set_registered_model_tag,
    transition_stage,
    update_model_version,
    update_registered_model,
)
from ._registry_search import (
    DELETED_ROOT,
    delete_registered_model,
    deleted_models,
    rename_registered_model,
    search_model_versions,
    search_registered_models,
)
from ._resolve import (
    ModelLocation,
    resolve_model_uri,
)
from ._signature import (
    ColumnSpec,
    Signature,
    TableSpec,
    TensorSpec,
    infer_signature,
)
from ._trust import (
    trusted_types,
)
from ._uri import (
    check_name,
    parse_model_uri,
)

if TYPE_CHECKING:
    from ._staged import StagedModel


def __getattr__(name: str) -> Any:
    # `StagedModel` is a scikit-learn estimator: importing it imports scikit-learn, which the
    # rest of this layer (and `import sktrack`) must not pay for.
    if name == "StagedModel":
        from ._staged import StagedModel

        return StagedModel
    raise AttributeError(f"module {__name__!r} has no attribute {name!r}")


__all__ = [
    "DELETED_ROOT",
    "ColumnSpec",
    "DoctorReport",
    "GcReport",
    "LoadedModel",
    "ModelInfo",
    "ModelLocation",
    "RegisteredModel",
    "RegistryEvent",
    "Signature",
    "StagedModel",
    "TableSpec",
    "TensorSpec",
    "check_name",
    "delete_alias",
    "delete_model_version",
    "delete_model_version_tag",
    "delete_registered_model",
    "delete_registered_model_tag",
    "deleted_models",
    "gc",
    "get_alias_history",
    "get_latest_versions",
    "get_model_version",
    "get_model_version_by_alias",
    "get_registered_model",
    "infer_signature",
    "list_events",
    "list_model_versions",
    "list_registered_models",
    "load_located",
    "load_model",
    "load_skops_bytes",
    "log_model",
    "log_model_into",
    "parse_model_uri",
    "register_model",
    "rename_registered_model",
    "resolve_model_uri",
    "run_doctor",
    "search_model_versions",
    "search_registered_models",
    "set_alias",
    "set_model_version_tag",
    "set_registered_model_tag",
    "transition_stage",
    "trusted_types",
    "update_model_version",
    "update_registered_model",
    "verify_store_models",
]
