"""Every error and warning sktrack raises on purpose.

Each error names the value it received, what was allowed, and what to do; it keeps the
offending values as attributes.  Errors also inherit the builtin that fits, so code that
catches ``ValueError`` or ``LookupError`` keeps working::

    SktrackError(Exception)
    ├── InvalidArgumentError(ValueError)      bad key, value, name or option
    │   ├── ParamConflictError                a param logged again with another value
    │   ├── FilterSyntaxError                 a malformed search filter or order_by
    │   ├── InvalidURIError                   a model URI that does not parse
    │   └── SignatureError                    input that does not match a model's signature
    ├── NotFoundError(LookupError)
    │   ├── ExperimentNotFoundError
    │   ├── RunNotFoundError
    │   ├── ArtifactNotFoundError
    │   ├── ModelNotFoundError                no registered model of that name
    │   ├── ModelVersionNotFoundError         no such version, stage or alias
    ├── RunStateError(RuntimeError)           no active run, or a run already ended
    ├── UnsupportedError(NotImplementedError) an MLflow call `sktrack.mlflow` does not speak
    ├── StoreError(OSError)                   the store cannot be read or written
    ├── ModelIntegrityError(ValueError)       a model file whose hash does not match
    └── UntrustedTypesError(TypeError)        a model file that needs types nobody trusted

    SktrackWarning(UserWarning)
    ├── DamagedFileWarning                    a store file skipped because it cannot be read
    ├── ExtraColumnsWarning                   input columns a signature does not know, dropped
    ├── MethodologyWarning                    an evaluation or a search set up so it misleads
    └── VersionMismatchWarning                a model saved with other library versions
"""

from __future__ import annotations

from collections.abc import Iterable

__all__ = [
    "ArtifactNotFoundError",
    "DamagedFileWarning",
    "ExperimentNotFoundError",
    "ExtraColumnsWarning",
    "FilterSyntaxError",
    "InvalidArgumentError",
    "InvalidURIError",
    "MethodologyWarning",
    "ModelIntegrityError",
    "ModelNotFoundError",
    "ModelVersionNotFoundError",
    "NotFoundError",
    "ParamConflictError",
    "RunNotFoundError",
    "RunStateError",
    "SignatureError",
    "SktrackError",
    "SktrackWarning",
    "StoreError",
    "UnsupportedError",
    "UntrustedTypesError",
    "VersionMismatchWarning",
]


class SktrackError(Exception):
    """The root of every error sktrack raises on purpose."""


class InvalidArgumentError(SktrackError, ValueError):
    """A key, value, name or option that sktrack cannot accept."""


class ParamConflictError(InvalidArgumentError):
    """A param logged again in the same run with a different value."""

    def __init__(self, run_id: str, key: str, old: object, new: object) -> None:
        self.run_id, self.key, self.old, self.new = run_id, key, old, new
        super().__init__(
            f"param {key!r} of run {run_id} is already {old!r}; it cannot become {new!r}. "
            "Params are immutable: log the new value under another key, or start a new run."
        )


class FilterSyntaxError(InvalidArgumentError):
    """A search filter or order_by clause that does not parse."""

    def __init__(self, text: str, position: int, problem: str) -> None:
        self.text, self.position, self.problem = text, position, problem
        pointer = " " * position + "^"
        super().__init__(
            f"{problem} at position {position} of the filter:\n  {text}\n  {pointer}\n"
            "Filters look like: metrics.r2 > 0.5 and params.alpha = '0.1' "
            "(see the search grammar in docs/search.md)."
        )


class InvalidURIError(InvalidArgumentError):
    """A model URI that does not match any of the accepted forms."""

    def __init__(self, uri: str, problem: str) -> None:
        self.uri, self.problem = uri, problem
        super().__init__(
            f"cannot resolve model URI {uri!r}: {problem}. Accepted forms: runs:/<run_id>/<name>, "
            "models:/<name>/<version|stage|latest>, models:/<name>@<alias>, or a model folder path."
        )


class SignatureError(InvalidArgumentError):
    """Input data that does not match a model's signature."""

    def __init__(self, problems: Iterable[str]) -> None:
        self.problems = list(problems)
        super().__init__(
            "input does not match the model's signature: "
            + "; ".join(self.problems)
            + ". Pass data with the columns and dtypes the model was trained on."
        )


class NotFoundError(SktrackError, LookupError):
    """Something looked up by name or id that the store does not have."""

    def __init__(self, message: str) -> None:
        super().__init__(message)

    def __str__(self) -> str:  # LookupError would otherwise repr() the message
        return str(self.args[0])


class ExperimentNotFoundError(NotFoundError):
    """No experiment with that name or id."""


class RunNotFoundError(NotFoundError):
    """No run with that id."""

    def __init__(self, run_id: str) -> None:
        self.run_id = run_id
        super().__init__(
            f"no run with id {run_id!r} in this store; list runs with sktrack.search_runs() "
            "or check that set_store() points at the right store"
        )


class ArtifactNotFoundError(NotFoundError):
    """No artifact at that path in a run."""


class ModelNotFoundError(NotFoundError):
    """No registered model with that name."""


class ModelVersionNotFoundError(NotFoundError):
    """No version, stage or alias of a registered model that matches."""


class RunStateError(SktrackError, RuntimeError):
    """An action that the run's state does not allow (no active run, run already ended)."""


class UnsupportedError(SktrackError, NotImplementedError):
    """An MLflow call, argument or value that `sktrack.mlflow` does not speak; the message
    names the sktrack way to do it."""


class StoreError(SktrackError, OSError):
    """The store cannot be read or written."""


class ModelIntegrityError(SktrackError, ValueError):
    """A model file whose content does not match the hash recorded when it was logged."""

    def __init__(self, path: str, expected: str, actual: str) -> None:
        self.path, self.expected, self.actual = path, expected, actual
        super().__init__(
            f"model file {path} has sha256 {actual}, but {expected} was recorded when it was "
            "logged: the file was changed or damaged. Refusing to load it; log the model again."
        )


class UntrustedTypesError(SktrackError, TypeError):
    """A model file that needs types outside the trusted set."""

    def __init__(self, source: str, types: Iterable[str]) -> None:
        self.source, self.types = source, sorted(types)
        super().__init__(
            f"model {source} needs types that are not trusted: {', '.join(self.types)}. "
            "If you trust where this model comes from, pass trusted=[...] with these names to "
            "load_model(), or list them in $SKTRACK_TRUSTED_TYPES."
        )


class SktrackWarning(UserWarning):
    """The root of every warning sktrack emits."""


class DamagedFileWarning(SktrackWarning):
    """A store file that could not be read and was skipped."""


class ExtraColumnsWarning(SktrackWarning):
    """Input columns that a signature does not know; they are dropped."""


class VersionMismatchWarning(SktrackWarning):
    """A model loaded with library versions other than those it was saved with."""


class MethodologyWarning(SktrackWarning):
    """An evaluation or a search set up in a way that makes its numbers mislead.

    ``code`` names the mistake (the run's tag is ``sktrack.warning.<code>``); the message says
    what is wrong and what to do.
    """

    def __init__(self, code: str, message: str) -> None:
        super().__init__(message)
        self.code = code
        self.message = message
