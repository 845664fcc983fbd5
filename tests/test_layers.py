"""The package's layers, read from its own imports.

Every ``import`` and ``from ... import`` in every module counts, at any depth: inside functions
and under ``if TYPE_CHECKING:`` too.  The layer order is written once, in `LAYERS`; a module
that belongs to no layer fails the test, so a new package has to be placed.
"""

from __future__ import annotations

import ast
from pathlib import Path

import pytest

PACKAGE = Path(__file__).parents[1] / "sktrack"

#: Lowest first.  A module may import its own layer and the layers below it.  A layer is one or
#: more units; a unit is a package (with its modules) or a few modules that go together.  Units
#: on the same level are peers: neither imports the other.
LAYERS: list[list[tuple[str, ...]]] = [
    [("sktrack.exceptions",)],
    [("sktrack._store",), ("sktrack._query",)],
    [("sktrack._tracking",)],
    [("sktrack._models",), ("sktrack._plots",)],  # _plots: figures of logged curves
    [("sktrack._sklearn",), ("sktrack._mlflow",)],
    [("sktrack", "sktrack.registry")],  # the public face
    [("sktrack._auth",)],  # users, roles and sign-in, for the UI and the model server
    [("sktrack.ui",), ("sktrack.mlflow",)],  # mlflow: MLflow's API over the public face
    [("sktrack._serve",)],  # beside the UI, using its exported host check
    [("sktrack._cli", "sktrack.__main__")],
]


def _modules() -> dict[str, Path]:
    found = {}
    for path in sorted(PACKAGE.rglob("*.py")):
        parts = path.relative_to(PACKAGE.parent).with_suffix("").parts
        if parts[-1] == "__init__":
            parts = parts[:-1]
        found[".".join(parts)] = path
    return found


MODULES = _modules()


def _unit(module: str) -> tuple[int, tuple[str, ...]]:
    """The layer level of ``module`` and the unit it belongs to."""
    for level, units in enumerate(LAYERS):
        for unit in units:
            for name in unit:
                # `sktrack` holds every module: only the package's own __init__ is the face
                if module == name or (name != "sktrack" and module.startswith(name + ".")):
                    return level, unit
    raise AssertionError(f"{module} belongs to no layer: place its package in LAYERS")


def _imports(module: str) -> list[tuple[str, list[str], int]]:
    """(target module, names imported from it, line) for each import in ``module``."""
    path = MODULES[module]
    package = module if path.name == "__init__.py" else module.rpartition(".")[0]
    out = []
    for node in ast.walk(ast.parse(path.read_text(), str(path))):
        if isinstance(node, ast.Import):
            out += [(a.name, [], node.lineno) for a in node.names if a.name.startswith("sktrack")]
        elif isinstance(node, ast.ImportFrom):
            if node.level:
                base = package.split(".")[: len(package.split(".")) - node.level + 1]
                target = ".".join(base + ([node.module] if node.module else []))
            else:
                target = node.module or ""
            if not target.startswith("sktrack"):
                continue
            names = [a.name for a in node.names]
            submodules = [n for n in names if f"{target}.{n}" in MODULES]
            out += [(f"{target}.{n}", [], node.lineno) for n in submodules]
            rest = [n for n in names if n not in submodules]
            if rest or not submodules:
                out.append((target, rest, node.lineno))
    return out


def _graph() -> dict[str, set[str]]:
    return {m: {t for t, _, _ in _imports(m) if t in MODULES and t != m} for m in MODULES}


def _cycles(graph: dict[str, set[str]]) -> list[list[str]]:
    """Strongly connected components of more than one module (Tarjan, iterative)."""
    index: dict[str, int] = {}
    low: dict[str, int] = {}
    stack: list[str] = []
    on_stack: set[str] = set()
    found = []
    for root in graph:
        if root in index:
            continue
        work = [(root, iter(sorted(graph[root])))]
        index[root] = low[root] = len(index)
        stack.append(root)
        on_stack.add(root)
        while work:
            node, children = work[-1]
            child = next(children, None)
            if child is not None:
                if child not in index:
                    index[child] = low[child] = len(index)
                    stack.append(child)
                    on_stack.add(child)
                    work.append((child, iter(sorted(graph[child]))))
                elif child in on_stack:
                    low[node] = min(low[node], index[child])
                continue
            work.pop()
            if work:
                low[work[-1][0]] = min(low[work[-1][0]], low[node])
            if low[node] == index[node]:
                component = []
                while True:
                    member = stack.pop()
                    on_stack.discard(member)
                    component.append(member)
                    if member == node:
                        break
                if len(component) > 1:
                    found.append(sorted(component))
    return found


def test_every_module_belongs_to_a_layer() -> None:
    for module in MODULES:
        _unit(module)


def test_no_import_cycle_between_modules() -> None:
    assert _cycles(_graph()) == []


def test_the_cycle_finder_finds_a_cycle() -> None:
    graph = {"a": {"b"}, "b": {"c"}, "c": {"a"}, "d": {"a"}}
    assert _cycles(graph) == [["a", "b", "c"]]


@pytest.mark.parametrize("module", sorted(MODULES))
def test_imports_run_down_the_layers(module: str) -> None:
    level, unit = _unit(module)
    wrong = []
    for target, names, line in _imports(module):
        if target not in MODULES:
            continue
        target_level, target_unit = _unit(target)
        if target_unit == unit or (target == "sktrack" and names == ["__version__"]):
            continue
        where = f"{module}:{line} imports {target}"
        if target_level > level:
            wrong.append(f"{where}: a higher layer")
        elif target_level == level:
            wrong.append(f"{where}: a peer layer")
        elif target not in target_unit:
            wrong.append(f"{where}: a module inside another layer; import from {target_unit[0]}")
        else:
            private = [n for n in names if n.startswith("_")]
            if private:
                wrong.append(f"{where}: private names {private}")
    assert wrong == []


def test_a_layer_package_says_what_it_owns_and_may_import() -> None:
    for units in LAYERS:
        for unit in units:
            path = MODULES[unit[0]]
            if path.name != "__init__.py" or unit[0] == "sktrack":
                continue
            doc = ast.get_docstring(ast.parse(path.read_text())) or ""
            assert "import" in doc, f"{unit[0]}'s docstring does not say what it may import"
