"""docs/ARCHITECTURE.md, the map of the code, held to the code: the contexts and the fields of their table,
every file, name and route it cites, the contexts its examples declare, and the tests its table of request
paths names. A map that sends a newcomer to a module that moved is worse than none."""

from __future__ import annotations

import ast
import dataclasses
import importlib
import re
import textwrap
from pathlib import Path

import pytest
from abiquo_mock.mockserver import contexts
from abiquo_mock.mockserver.app import create_app
from abiquo_mock.mockserver.extensions import DOOR_ROUTES
from werkzeug.exceptions import MethodNotAllowed, NotFound
from werkzeug.routing import RequestRedirect

ROOT = Path(__file__).resolve().parent.parent
DOC = (ROOT / "docs" / "ARCHITECTURE.md").read_text(encoding="utf-8")
CITED = re.findall(r"`([^`\n]+)`", DOC)
# a file cited with a name in it: `http/api.py` `operation`, `tests/test_x.py` `test_y`
PAIRS = re.findall(r"`([\w/]+\.py)` `([A-Za-z_][\w.]*)", DOC)
FILE = re.compile(r"^[\w./-]+\.(py|yaml|md)$|^[\w/]+/$")
ROUTE = re.compile(r"^(?:(GET|PUT|POST|DELETE) )?(/(?:api|_mock|m)\b[\w/.-]*)$")


def _table(heading: str) -> list[list[str]]:
    """The rows of the first table after ``heading`` (cells without their backticks), header excluded."""
    text = DOC[DOC.index(heading) :]
    rows = []
    for line in text.splitlines()[1:]:
        if line.startswith("|"):
            rows.append([cell.strip().strip("`") for cell in line.strip("|").split("|")])
        elif rows:
            break
    return rows[1:]  # below the separator


def _where(cited: str) -> Path | None:
    """The file or folder a cited path names: from the repository, from mockserver/, or (a bare file name)
    anywhere in mockserver/."""
    for base in (ROOT, ROOT / "mockserver", ROOT / "docs"):
        if (base / cited).exists():
            return base / cited
    if "/" not in cited:
        return next((ROOT / "mockserver").rglob(cited), None)
    return None


def test_the_contexts_table_names_every_context_and_its_folder():
    rows = _table("| Context | Folder |")
    assert [row[0] for row in rows] == [context.name for context in contexts.CONTEXTS]
    for _, folder, _ in rows:
        assert (ROOT / "mockserver" / folder).is_dir(), folder


def test_the_fields_table_names_every_field_of_a_context():
    rows = _table("| Field | Meaning |")
    assert [row[0] for row in rows] == [field.name for field in dataclasses.fields(contexts.Context)]


@pytest.mark.parametrize("cited", sorted({c for c in CITED if FILE.match(c) and "<" not in c and "*" not in c}))
def test_every_file_the_map_cites_exists(cited):
    assert _where(cited) is not None, f"{cited} is cited but there is no such file"


def _module_of(path: Path) -> str:
    parts = path.relative_to(ROOT).with_suffix("").parts
    return ".".join(("abiquo_mock", *(parts[:-1] if parts[-1] == "__init__" else parts)))


@pytest.mark.parametrize(("cited", "name"), sorted(set(PAIRS)))
def test_every_name_the_map_cites_in_a_file_is_there(cited, name):
    path = _where(cited)
    assert path is not None, cited
    if path.parts[-2] == "tests":  # a test, by its name
        defined = {n.name for n in ast.walk(ast.parse(path.read_text())) if isinstance(n, ast.FunctionDef)}
        assert name in defined, f"{cited} has no test {name}"
        return
    found = importlib.import_module(_module_of(path))
    for attribute in name.split("."):
        assert hasattr(found, attribute), f"{cited} has no {name}"
        found = getattr(found, attribute)


@pytest.fixture(scope="module")
def served():
    app = create_app({"SCENARIO": "demo"})
    return app.url_map.bind("localhost"), set(app.extensions[DOOR_ROUTES])


@pytest.mark.parametrize("cited", sorted({c for c in CITED if ROUTE.match(c)}))
def test_every_route_the_map_cites_is_served(served, cited):
    adapter, door_routes = served
    method, path = ROUTE.match(cited).groups()
    if path in door_routes:
        return
    if path in ("/api", "/_mock", "/m"):  # a prefix: something is served under it
        assert any(rule.rule.startswith(path + "/") for rule in adapter.map.iter_rules()), path
        return
    try:
        adapter.match(path, method=method or "GET")
    except RequestRedirect:  # served under its canonical form (a folder with its slash)
        pass
    except MethodNotAllowed:
        assert method is None, f"{cited}: the path is served, not with {method}"
    except NotFound:
        pytest.fail(f"{cited} is not served")


def _examples() -> list[ast.Call]:
    blocks = re.findall(r"```python\n(.*?)```", DOC, flags=re.S)
    assert len(blocks) >= 3  # guards the test: it reads the examples
    calls = [
        node for block in blocks for node in ast.walk(ast.parse(textwrap.dedent(block))) if isinstance(node, ast.Call)
    ]
    return [call for call in calls if isinstance(call.func, ast.Name) and call.func.id == "Context"]


def test_the_example_contexts_use_real_fields_and_real_names():
    fields = {field.name for field in dataclasses.fields(contexts.Context)}
    examples = _examples()
    assert examples
    for call in examples:
        assert {keyword.arg for keyword in call.keywords} <= fields, ast.unparse(call)
        for node in ast.walk(call):
            if isinstance(node, ast.Attribute) and isinstance(node.value, ast.Name):
                package, name = node.value.id, node.attr  # `stream.door_routes`, `events.bp` (its views)
                modules = [f"abiquo_mock.mockserver.{package}", f"abiquo_mock.mockserver.{package}.views"]
                assert any(hasattr(importlib.import_module(m), name) for m in modules), ast.unparse(node)


def test_the_request_paths_table_names_a_test_for_each_path():
    rows = _table("| Path | Which requests |")
    assert len(rows) == 7
    for row in rows:
        assert re.search(r"tests/\w+\.py", row[-1]), row[0]
