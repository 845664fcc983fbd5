"""MLflow's model registry into sktrack's: models, versions, stages, aliases, descriptions, tags.

A version is registered from the sktrack model folder its MLflow model became; a version whose
model was not converted (a pickle, untrusted types, files elsewhere) is skipped and reported.
Each imported version carries the tag ``sktrack.imported_from`` (``<name>/<version>`` in
MLflow), so importing again registers nothing twice and only brings stages and aliases up to
date.
"""

from __future__ import annotations

from collections.abc import Callable, Mapping

from .. import _models as registry
from ..exceptions import SktrackError
from ._records import MlflowModelVersion, MlflowRegisteredModel

__all__ = ["IMPORTED_FROM", "import_registered_model"]

IMPORTED_FROM = "sktrack.imported_from"
_STAGES = {"none": None, "staging": "Staging", "production": "Production", "archived": "Archived"}


def import_registered_model(
    model: MlflowRegisteredModel,
    model_uri: Callable[[MlflowModelVersion], str | None],
    skip: Callable[[str, str], None],
) -> int:
    """Import ``model``; ``model_uri`` gives the sktrack model a version's source became.
    Returns the number of versions registered."""
    existing = _imported_versions(model.name)
    numbers: dict[int, int] = {}
    added = 0
    for mv in model.versions:
        what = f"registered model {model.name!r} version {mv.version}"
        number = existing.get(mv.version)
        if number is None:
            uri = model_uri(mv)
            if uri is None:
                skip(what, f"its model ({mv.source}) was not converted; see the model's entry")
                continue
            try:
                number = _register(model, mv, uri)
            except SktrackError as exc:
                skip(what, str(exc))
                continue
            added += 1
            if number != mv.version:
                skip(what, f"registered as version {number}: earlier versions were skipped")
        numbers[mv.version] = number
        _sync_stage(model.name, number, mv.stage)
    _sync_model(model, numbers, skip)
    return added


def _imported_versions(name: str) -> dict[int, int]:
    """MLflow version -> sktrack version, for the versions an earlier import registered."""
    try:
        versions = registry.list_model_versions(name)
    except SktrackError:
        return {}
    out = {}
    for mv in versions:
        origin = mv.tags.get(IMPORTED_FROM, "")
        if origin.startswith(f"{name}/") and origin.rsplit("/", 1)[1].isdigit():
            out[int(origin.rsplit("/", 1)[1])] = mv.version
    return out


def _register(model: MlflowRegisteredModel, mv: MlflowModelVersion, uri: str) -> int:
    tags = {**mv.tags, IMPORTED_FROM: f"{model.name}/{mv.version}"}
    return registry.register_model(uri, model.name, description=mv.description, tags=tags).version


def _sync_stage(name: str, number: int, stage: str) -> None:
    target = _STAGES.get(stage.lower())
    if registry.get_model_version(name, number).stage.value != (target or "None"):
        registry.transition_stage(name, number, target)


def _sync_model(
    model: MlflowRegisteredModel, numbers: Mapping[int, int], skip: Callable[[str, str], None]
) -> None:
    if not numbers:
        return
    current = registry.get_registered_model(model.name)
    if model.description and current.description != model.description:
        registry.update_registered_model(model.name, model.description)
    for key, value in model.tags.items():
        if current.tags.get(key) != value:
            registry.set_registered_model_tag(model.name, key, value)
    for alias, version in sorted(model.aliases.items()):
        number = numbers.get(version)
        if number is None:
            skip(f"alias {alias!r} of {model.name!r}", f"its version {version} was skipped")
        elif current.aliases.get(alias) != number:
            try:
                registry.set_alias(model.name, alias, number)
            except SktrackError as exc:
                skip(f"alias {alias!r} of {model.name!r}", str(exc))
