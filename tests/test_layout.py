"""The layout of the code base. The import graph: every module of mockserver/ sits in one layer of ``LAYERS`` and
imports only from its own layer or the ones below; no module imports one that imports it back (directly or
through others), whether the import sits at the top of the module or inside a function, and importing
``a.b.c`` counts as importing the packages ``a.b`` and ``a`` too, whose ``__init__`` runs first. The judge
(contracts/) imports nothing of what it judges; the mock's command line is the one module that hosts its
commands. The keys of ``app.extensions`` are named from mockserver/extensions.py, never spelt as literals. The
constants: each value of the domain is declared once in mockserver/.

A module of a lower layer that needs something of a higher one is a sign the thing lives in the wrong place.
"""

from __future__ import annotations

import ast
from collections import defaultdict
from pathlib import Path

import pytest
from abiquo_mock.mockserver import extensions
from abiquo_mock.mockserver.http import paths

ROOT = Path(__file__).resolve().parent.parent
PACKAGES = ("mockserver", "contracts")
SCANNED = (*PACKAGES, "tests", "benchmarks")  # where an extension key must not be spelt as a literal
MOCK = "abiquo_mock.mockserver"
JUDGE = "abiquo_mock.contracts"
HOST = f"{MOCK}.cli"  # the mock's command line, which offers the judge's commands (abiquo-mock contract …)
# From the bottom: (layer, the modules in it: a name covers the module or package and everything under it)
LAYERS = (
    (
        "the bottom",
        (
            "store",
            "heap",
            "ordering",
            "errors",
            "release",
            "extensions",
            "security",
            "jsontext",
            "shapes",
            "scenarios",
            "labels",
        ),
    ),
    ("the conventions", ("http",)),
    ("models and renderers", ("*",)),  # every module of a context folder but its views
    ("views", ("*.views", "*.control_views")),
    ("the front door", ("frontdoor",)),
    ("the factory, the table, the contract", ("app", "contexts", "openapi", "fidelity", "fidelity_captures")),
    ("the entry points", ("cli", "wsgi", "server", "healthcheck", "__main__")),
)
# The keys the mock puts in app.extensions and in a request's environ, declared once
DECLARED_KEYS = {*extensions.KEYS, extensions.DOOR_REFUSAL, extensions.SITE_CHECKED, paths.PATH_AS_SENT}
KEYS_MODULES = {ROOT / "mockserver" / "extensions.py", ROOT / "mockserver" / "http" / "paths.py"}


def _module_name(path: Path) -> str:
    parts = ("abiquo_mock", *path.relative_to(ROOT).with_suffix("").parts)  # the folders' import namespace
    return ".".join(parts[:-1] if parts[-1] == "__init__" else parts)


def _ancestors(module: str) -> set[str]:
    parts = module.split(".")
    return {".".join(parts[:n]) for n in range(2, len(parts))}  # abiquo_mock itself is the namespace


def _imported(module: str, is_package: bool, tree: ast.AST, known: set[str]) -> set[str]:
    """The project modules ``module`` imports anywhere in its body (``from . import x`` names module x), with
    the packages each of them sits in, which Python runs first (``module``'s own excepted: already running)."""
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
            names = {f"{base}.{alias.name}" for alias in node.names}
            found |= names
            # ``from . import sibling`` in a package runs no __init__ anew; ``from . import Name`` needs it
            if base not in _ancestors(module) or not names <= known:
                found.add(base)
    found |= {parent for name in found for parent in _ancestors(name)} - _ancestors(module)
    return {name for name in found if name in known and name != module}


def _files() -> dict[str, Path]:
    return {
        _module_name(path): path
        for package in PACKAGES
        for path in (ROOT / package).rglob("*.py")
        if "__pycache__" not in path.parts
    }


def import_graph() -> dict[str, set[str]]:
    files = _files()
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


def _covers(pattern: str, module: str) -> bool:
    """Whether a LAYERS name covers a module of mockserver (``*.views``: a views module of any context)."""
    inner = module[len(MOCK) + 1 :].split(".") if module != MOCK else []
    if pattern.startswith("*."):
        return len(inner) == 2 and inner[1] == pattern[2:]
    if pattern == "*":
        return len(inner) >= 2
    return bool(inner) and inner[0] == pattern


def layer_of(module: str) -> int:
    """The index in LAYERS of a module of mockserver (the package itself, which runs first, is the bottom)."""
    if module == MOCK:
        return 0
    found = [
        n for n, (_, names) in enumerate(LAYERS) if any(_covers(name, module) for name in names if "*" not in name)
    ]
    if not found:  # a context folder: its views, or its models
        found = [
            n for n, (_, names) in enumerate(LAYERS) if any(_covers(name, module) for name in names if "." in name)
        ]
        found = found or [n for n, (_, names) in enumerate(LAYERS) if "*" in names]
    return found[0]


GRAPH = import_graph()
MOCK_MODULES = sorted(m for m in GRAPH if m == MOCK or m.startswith(MOCK + "."))


def test_the_graph_sees_the_layers():
    """Guards the test itself: it must see the imports it judges, the packages they run, and every layer."""
    assert "abiquo_mock.mockserver.store" in GRAPH["abiquo_mock.mockserver.app"]
    assert "abiquo_mock.mockserver.http.api" in GRAPH["abiquo_mock.mockserver.metadata.views"]
    # control/views imports faults.hooks: the faults package's __init__ runs first
    assert "abiquo_mock.mockserver.faults" in GRAPH["abiquo_mock.mockserver.control.views"]
    parents = sum(1 for m, deps in GRAPH.items() for d in deps if d in _ancestors_of_imports(m))
    assert parents >= 20, parents
    assert {layer_of(m) for m in MOCK_MODULES} == set(range(len(LAYERS)))
    assert LAYERS[layer_of("abiquo_mock.mockserver.metadata.views")][0] == "views"
    assert LAYERS[layer_of("abiquo_mock.mockserver.metadata.model")][0] == "models and renderers"
    assert LAYERS[layer_of("abiquo_mock.mockserver.http.auth")][0] == "the conventions"
    assert LAYERS[layer_of("abiquo_mock.mockserver.frontdoor.fast")][0] == "the front door"


def _ancestors_of_imports(module: str) -> set[str]:
    return {parent for name in GRAPH[module] for parent in _ancestors(name)}


@pytest.mark.parametrize("module", sorted(GRAPH))
def test_no_module_imports_one_that_imports_it_back(module):
    cycle = _cycle_from(GRAPH, module)
    assert cycle is None, "import cycle: " + " -> ".join(cycle)


@pytest.mark.parametrize("module", MOCK_MODULES)
def test_a_module_imports_only_from_its_layer_and_the_ones_below(module):
    mine = layer_of(module)
    climbing = sorted(
        f"{m} ({LAYERS[layer_of(m)][0]})" for m in GRAPH[module] if m.startswith(MOCK) and layer_of(m) > mine
    )
    assert not climbing, f"{module} ({LAYERS[mine][0]}) imports {', '.join(climbing)}, which sit above it"


@pytest.mark.parametrize("module", sorted(m for m in GRAPH if m.startswith(JUDGE)))
def test_the_judge_imports_nothing_of_the_mock(module):
    """contracts/ judges any server: an app to serve in process is handed to it (contracts/local.py)."""
    reached = sorted(m for m in GRAPH[module] if m == MOCK or m.startswith(MOCK + "."))
    assert not reached, f"{module} imports {', '.join(reached)}"


def test_only_the_command_line_offers_the_judge():
    offering = sorted(m for m in MOCK_MODULES if m != HOST and any(d.startswith(JUDGE) for d in GRAPH[m]))
    assert not offering, offering
    assert any(d.startswith(JUDGE) for d in GRAPH[HOST])  # guards the test: it sees the one that does


def _spelt_keys(path: Path) -> list[str]:
    """Where a module spells a key of DECLARED_KEYS as a literal, or indexes app.extensions with one."""
    found = []
    for node in ast.walk(ast.parse(path.read_text(encoding="utf-8"))):
        literal = None
        if isinstance(node, ast.Constant) and isinstance(node.value, str) and node.value in DECLARED_KEYS:
            literal = node.value
        elif isinstance(node, ast.Subscript) and _is_extensions(node.value) and _is_text(node.slice):
            literal = node.slice.value
        elif _is_extensions_call(node):
            literal = node.args[0].value
        if literal is not None:
            found.append(f"{path.relative_to(ROOT)}:{node.lineno} {literal!r}")
    return found


def _is_extensions_call(node: ast.AST) -> bool:
    """``app.extensions.get("key")``, ``.setdefault("key", …)``, ``.pop("key")``."""
    return (
        isinstance(node, ast.Call)
        and isinstance(node.func, ast.Attribute)
        and _is_extensions(node.func.value)
        and bool(node.args)
        and _is_text(node.args[0])
    )


def _is_extensions(node: ast.AST) -> bool:
    return isinstance(node, ast.Attribute) and node.attr == "extensions"


def _is_text(node: ast.AST) -> bool:
    return isinstance(node, ast.Constant) and isinstance(node.value, str)


def test_no_extension_key_is_spelt_as_a_literal():
    """A key spelt twice drifts the day one spelling changes, and no import test sees the two meet."""
    files = sorted(p for folder in SCANNED for p in (ROOT / folder).rglob("*.py") if p not in KEYS_MODULES)
    spelt = [where for path in files for where in _spelt_keys(path)]
    assert not spelt, spelt
    assert len(DECLARED_KEYS) >= 15  # guards the test: it knows the keys


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
