"""`sktrack.__all__` is the public API: every name resolves, nothing public is missing."""

from __future__ import annotations

import doctest
import importlib
import pkgutil
import subprocess
import sys

import pytest

import sktrack


@pytest.mark.parametrize("name", sktrack.__all__)
def test_every_public_name_resolves(name: str) -> None:
    assert getattr(sktrack, name) is not None


def test_dir_lists_exactly_all() -> None:
    assert dir(sktrack) == sorted(sktrack.__all__)
    assert len(set(sktrack.__all__)) == len(sktrack.__all__)


def test_unknown_attribute_is_an_attribute_error() -> None:
    with pytest.raises(AttributeError, match="has no attribute 'nope'"):
        sktrack.nope  # noqa: B018


def test_importing_sktrack_loads_none_of_the_heavy_libraries() -> None:
    code = (
        "import sys, sktrack; "
        "print(sorted(m for m in ('pandas', 'pyarrow', 'skops', 'sklearn') if m in sys.modules))"
    )
    out = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True, check=True)
    assert out.stdout.strip() == "[]"


def _private_modules() -> list[str]:
    names = []
    for info in pkgutil.walk_packages(sktrack.__path__, "sktrack."):
        if info.name.startswith("sktrack.ui") or info.name == "sktrack.__main__":
            continue  # the UI is an optional extra, tested on its own; __main__ runs the CLI
        names.append(info.name)
    return names


@pytest.mark.parametrize("module", _private_modules())
def test_every_module_declares_all(module: str) -> None:
    mod = importlib.import_module(module)
    assert hasattr(mod, "__all__"), module
    for name in mod.__all__:
        assert hasattr(mod, name), f"{module}.__all__ names {name!r}, which it does not define"


def test_every_error_is_an_sktrack_error() -> None:
    from sktrack import exceptions

    for name in exceptions.__all__:
        cls = getattr(exceptions, name)
        if name.endswith("Error"):
            assert issubclass(cls, sktrack.SktrackError), name
        else:
            assert issubclass(cls, exceptions.SktrackWarning), name


def _modules_with_examples() -> list[str]:
    finder = doctest.DocTestFinder()
    names = []
    for name in ["sktrack", "sktrack.registry", *_private_modules()]:
        if any(test.examples for test in finder.find(importlib.import_module(name))):
            names.append(name)
    return names


@pytest.mark.parametrize("module", _modules_with_examples())
def test_docstring_examples_run(module: str) -> None:
    if module == "sktrack._sklearn._callback":
        pytest.importorskip("sklearn.callback", reason="callbacks need scikit-learn >= 1.9")
    if module.startswith("sktrack._plots") or module == "sktrack._tracking._images":
        pytest.importorskip("matplotlib")  # the plots extra
    if module.startswith("sktrack._auth"):
        pytest.importorskip("argon2")  # the auth extra
    # an example may use any name its layer's package exports, as a reader of that layer would
    layer = importlib.import_module(module.rpartition(".")[0] or module)
    names = {name: getattr(layer, name) for name in getattr(layer, "__all__", [])}
    results = doctest.testmod(
        importlib.import_module(module), extraglobs=names, optionflags=doctest.NORMALIZE_WHITESPACE
    )
    assert results.attempted > 0 and results.failed == 0


def test_the_api_reference_lists_every_public_name() -> None:
    """docs/api.md (the docs site's API reference) names each public object once."""
    import re
    from pathlib import Path

    page = (Path(__file__).parents[1] / "docs" / "api.md").read_text()
    documented = {line.rsplit(".", 1)[-1] for line in re.findall(r"^::: (\S+)$", page, re.M)}
    public = set(sktrack.__all__) - {"registry", "plot"} | set(sktrack.registry.__all__)
    assert public - documented == set()
