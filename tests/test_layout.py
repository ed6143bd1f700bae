"""The layout of the code base. The import graph: layers only import downwards and no module imports one
that imports it back (directly or through others), whether the import sits at the top of the module or
inside a function. The constants: each value of the domain is declared once in mockserver/.

Layers, from the bottom: store.py and errors.py; the conventions in http/; the models and views of each
context; the factory (app.py) and the table of contexts (contexts.py). A module of a lower layer that needs
something of a higher one is a sign the thing lives in the wrong place.
"""

from __future__ import annotations

import ast
from collections import defaultdict
from pathlib import Path

import pytest

ROOT = Path(__file__).resolve().parent.parent
PACKAGES = ("mockserver", "contracts")
# Modules that sit below the views: they may import neither a view module, nor the factory, nor the table.
LOW = (
    "abiquo_mock.mockserver.heap",
    "abiquo_mock.mockserver.store",
    "abiquo_mock.mockserver.ordering",
    "abiquo_mock.mockserver.errors",
    "abiquo_mock.mockserver.extensions",
    "abiquo_mock.mockserver.http",
)
HIGH = (
    "abiquo_mock.mockserver.app",
    "abiquo_mock.mockserver.contexts",
    "abiquo_mock.mockserver.wsgi",
    "abiquo_mock.mockserver.cli",
)


def _module_name(path: Path) -> str:
    parts = ("abiquo_mock", *path.relative_to(ROOT).with_suffix("").parts)  # the folders' import namespace
    return ".".join(parts[:-1] if parts[-1] == "__init__" else parts)


def _imported(module: str, is_package: bool, tree: ast.AST, known: set[str]) -> set[str]:
    """The project modules ``module`` imports anywhere in its body (``from . import x`` names module x)."""
    found: set[str] = set()
    package = module if is_package else module.rpartition(".")[0]
    for node in ast.walk(tree):
        if isinstance(node, ast.Import):
            found |= {alias.name for alias in node.names}
        elif isinstance(node, ast.ImportFrom):
            base = node.module or ""
            if node.level:
                anchor = package.split(".")[: len(package.split(".")) - node.level + 1]
                base = ".".join(anchor + ([base] if base else []))
            found.add(base)
            found |= {f"{base}.{alias.name}" for alias in node.names}
    return {name for name in found if name in known and name != module}


def import_graph() -> dict[str, set[str]]:
    files = {
        _module_name(path): path
        for package in PACKAGES
        for path in (ROOT / package).rglob("*.py")
        if "__pycache__" not in path.parts
    }
    known = set(files)
    return {
        name: _imported(name, path.name == "__init__.py", ast.parse(path.read_text(encoding="utf-8")), known)
        for name, path in files.items()
    }


def _cycle_from(graph: dict[str, set[str]], start: str) -> list[str] | None:
    """The shortest path from ``start`` back to itself, if there is one."""
    paths = {start: [start]}
    queue = [start]
    while queue:
        current = queue.pop(0)
        for nxt in sorted(graph[current]):
            if nxt == start:
                return [*paths[current], start]
            if nxt not in paths:
                paths[nxt] = [*paths[current], nxt]
                queue.append(nxt)
    return None


def _is_under(module: str, prefixes: tuple[str, ...]) -> bool:
    return any(module == p or module.startswith(p + ".") for p in prefixes)


def _is_view(module: str) -> bool:
    return module.startswith("abiquo_mock.mockserver.") and module.rsplit(".", 1)[-1] in ("views", "control_views")


GRAPH = import_graph()


def test_the_graph_sees_the_layers():
    """Guards the test itself: it must see the imports it judges."""
    assert "abiquo_mock.mockserver.store" in GRAPH["abiquo_mock.mockserver.app"]
    assert "abiquo_mock.mockserver.http.api" in GRAPH["abiquo_mock.mockserver.metadata.views"]
    assert _is_view("abiquo_mock.mockserver.metadata.views")


@pytest.mark.parametrize("module", sorted(GRAPH))
def test_no_module_imports_one_that_imports_it_back(module):
    cycle = _cycle_from(GRAPH, module)
    assert cycle is None, "import cycle: " + " -> ".join(cycle)


@pytest.mark.parametrize("module", sorted(m for m in GRAPH if _is_under(m, LOW)))
def test_lower_layers_import_no_view_nor_the_factory(module):
    climbing = sorted(m for m in GRAPH[module] if _is_view(m) or _is_under(m, HIGH))
    assert not climbing, f"{module} imports {', '.join(climbing)}, which sit above it"


def _literal_constants(path: Path) -> dict[str, object]:
    """The module-level NAME = <literal string or tuple of strings> of a module, by name."""
    found = {}
    for node in ast.parse(path.read_text(encoding="utf-8")).body:
        if isinstance(node, ast.Assign) and len(node.targets) == 1 and isinstance(node.targets[0], ast.Name):
            try:
                value = ast.literal_eval(node.value)
            except ValueError:
                continue
            if isinstance(value, str | tuple) and value and all(isinstance(v, str) for v in value):
                found[node.targets[0].id] = value
    return found


def test_each_constant_of_the_domain_is_declared_once():
    """The same value under two names in two modules drifts apart the day one of them changes; a spelling in
    another case (COMPLETE for complete) is the same value and is derived from the one declaration."""
    declared = defaultdict(list)
    for path in sorted((ROOT / "mockserver").rglob("*.py")):
        for name, value in _literal_constants(path).items():
            key = value.lower() if isinstance(value, str) else tuple(v.lower() for v in value)
            declared[key].append(f"{_module_name(path)}.{name}")
    twice = {value: where for value, where in declared.items() if len(where) > 1}
    assert not twice, twice
