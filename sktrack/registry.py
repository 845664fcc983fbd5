"""The model registry: named models with numbered versions, stages, aliases, tags.

The state lives in the store under ``registry/`` (see docs/models.md), written without locks:

- ``registry/models/<name>/versions/<n>.json``: one per version, created with an exclusive
  create, so concurrent registrations (from any number of processes) get distinct numbers,
  1, 2, 3... without gaps.  Never rewritten: numbers are never reused.
- ``registry/models/<name>/copies/<id>/``: the registry's own copy of the model folder, written
  before its version is allocated, so a version always points at a complete folder and
  deleting or compacting runs never breaks it.
- ``registry/models/<name>/events/s<n>.json``: an append-only log, one new file per change
  (stage transition, alias, description, tag, deletion), numbered 1, 2, 3... with an
  exclusive create like versions, and replayed in number order.

Examples
--------
>>> import sktrack, tempfile
>>> from sklearn.linear_model import LinearRegression
>>> _ = sktrack.set_store(tempfile.mkdtemp())
>>> info = sktrack.log_model(LinearRegression().fit([[0], [1]], [0, 1]))
>>> mv = sktrack.registry.register_model(info.model_uri, "prices")
>>> sktrack.registry.transition_stage("prices", mv.version, "staging").stage
<Stage.STAGING: 'Staging'>
>>> sktrack.registry.set_alias("prices", "champion", mv.version)
>>> sktrack.registry.get_model_version_by_alias("prices", "champion").version
1
"""

from __future__ import annotations

from ._models import (
    RegisteredModel,
    RegistryEvent,
    delete_alias,
    delete_model_version,
    delete_model_version_tag,
    delete_registered_model,
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
    rename_registered_model,
    search_model_versions,
    search_registered_models,
    set_alias,
    set_model_version_tag,
    set_registered_model_tag,
    transition_stage,
    update_model_version,
    update_registered_model,
)

__all__ = [
    "RegisteredModel",
    "RegistryEvent",
    "delete_alias",
    "delete_model_version",
    "delete_model_version_tag",
    "delete_registered_model",
    "delete_registered_model_tag",
    "get_alias_history",
    "get_latest_versions",
    "get_model_version",
    "get_model_version_by_alias",
    "get_registered_model",
    "list_events",
    "list_model_versions",
    "list_registered_models",
    "register_model",
    "rename_registered_model",
    "search_model_versions",
    "search_registered_models",
    "set_alias",
    "set_model_version_tag",
    "set_registered_model_tag",
    "transition_stage",
    "update_model_version",
    "update_registered_model",
]
