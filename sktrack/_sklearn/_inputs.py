"""`log_input`: a dataset a run used, by name, digest and context, searchable with
``datasets.name``, ``datasets.digest`` and ``datasets.context`` (as MLflow's dataset inputs)."""

from __future__ import annotations

from typing import Any

from .._store import check_text, show, validate_name
from .._tracking import active_run, get_run, start_run
from ..exceptions import InvalidArgumentError
from ._dataset import dataset_fingerprint

__all__ = ["INPUT_TAG", "log_input"]

#: A run's i-th input is the tags ``sktrack.input.<i>.name``, ``.digest`` and ``.context``
#: (the import of MLflow's dataset inputs writes the same tags)
INPUT_TAG = "sktrack.input.{}.{}"

_DIGEST_LENGTH = 8  # as MLflow's dataset digests


def log_input(
    data: Any, name: str = "dataset", *, context: str | None = None, targets: Any = None
) -> str:
    """Record that the active run used a dataset: its name, a digest of its content and the
    context it was used in (``"training"``, ``"test"``...).

    The digest is the first eight hex digits of the dataset fingerprint's SHA-256 (the one a
    tracked fit records in the ``dataset.hash`` tag), so the same data always gets the same
    digest.  Filters find runs by their inputs: ``datasets.name = 'train'``,
    ``datasets.digest = '...'``, ``datasets.context = 'training'``.

    Parameters
    ----------
    data : DataFrame, Series, ndarray, sparse matrix or list
        The features (or the whole table).
    name : str, default="dataset"
        The dataset's name.
    context : str, optional
        What the run used it for.
    targets : same types as ``data``, optional
        The targets, part of the digest.

    Returns
    -------
    str
        The digest.

    Examples
    --------
    >>> import sktrack, tempfile, numpy as np
    >>> _ = sktrack.set_store(tempfile.mkdtemp())
    >>> with sktrack.start_run() as run:
    ...     digest = sktrack.log_input(np.eye(3), "identity", context="training")
    >>> found = sktrack.search_runs(filter_string="datasets.name = 'identity'")
    >>> found["run_id"].tolist() == [run.run_id]
    True
    """
    name = validate_name("dataset name", name)
    digest = dataset_fingerprint(data, targets)["hash"][:_DIGEST_LENGTH]
    run = active_run() or start_run()  # as MLflow does, logging with no active run starts one
    taken = get_run(run.run_id).tags
    i = 0
    while INPUT_TAG.format(i, "name") in taken:
        i += 1
    tags = {INPUT_TAG.format(i, "name"): name, INPUT_TAG.format(i, "digest"): digest}
    if context is not None and not isinstance(context, str):
        raise InvalidArgumentError(
            f"context {show(context)} is a {type(context).__name__}; pass a str such as "
            "'training', or None"
        )
    if context:
        tags[INPUT_TAG.format(i, "context")] = check_text("context", context)
    run.set_tags(tags)
    return digest
