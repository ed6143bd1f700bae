"""The fidelity table lists every route and every error code the mock can answer."""

from __future__ import annotations

import re
from pathlib import Path

from abiquo_mock.mockserver.errors import CATALOGUE
from abiquo_mock.mockserver.http.api import REGISTRY
from abiquo_mock.mockserver.openapi import build

TABLE = Path(__file__).resolve().parent.parent / "docs" / "FIDELITY.md"


def _listed_operations() -> set[tuple[str, str]]:
    return set(re.findall(r"^\| (GET|POST|PUT|DELETE) \| `([^`]+)` \|", TABLE.read_text(), re.M))


def test_every_route_is_in_the_fidelity_table():
    build()
    served = {(op.method, op.path) for op in REGISTRY}
    missing = served - _listed_operations()
    assert not missing, f"routes missing from docs/FIDELITY.md (run make fidelity): {sorted(missing)}"


def test_the_fidelity_table_lists_no_route_that_is_gone():
    from abiquo_mock.mockserver import contexts

    build()
    served = {(op.method, op.path) for op in REGISTRY}
    served |= {(method.upper(), path) for path, item in contexts.door_docs().items() for method in item}
    assert not _listed_operations() - served


def test_every_error_code_is_in_the_fidelity_table():
    listed = set(re.findall(r"^\| ([A-Za-z0-9_-]+) \| \d{3} \|", TABLE.read_text(), re.M))
    assert set(CATALOGUE) <= listed


def test_every_operation_carries_a_known_label():
    for op in REGISTRY:
        assert op.label in ("verified", "documented", "reconstructed", "mock-only"), op.op_id


def test_what_a_capture_shows_is_verified_with_the_capture_named():
    text = TABLE.read_text()
    assert re.search(r"^\| event \| `timestamp` \| verified \(`3\.8/GET_evts_AC_evts_j`\) \|", text, re.M)
    assert re.search(r"^\| GET \| `/api/events` \| listEvents \| verified \(`3\.8/GET_evts", text, re.M)
    assert re.search(r"^\| limit \| `repositorySoftInMb` \| verified \(`3\.", text, re.M)


def test_every_difference_of_abiquo_3_8_is_labelled_and_held_by_a_test_that_exists():
    import yaml
    from abiquo_mock.mockserver.fidelity import LABELS_FILE

    root = TABLE.parent.parent
    for difference in yaml.safe_load(LABELS_FILE.read_text())["releases"]["3.8"]:
        assert difference["label"].split(" ")[0] in ("verified", "documented", "reconstructed", "mock-only")
        path, _, name = difference["test"].partition("::")
        assert f"def {name}(" in (root / path).read_text(), difference["test"]


def test_the_fidelity_table_names_every_operation_abiquo_3_8_does_not_have():
    from abiquo_mock.mockserver import release

    build()
    section = TABLE.read_text().split("## Abiquo 3.8", 1)[1]
    for op in REGISTRY:
        if op.prefix == "/api" and not release.named("3.8").offers(op.since):
            assert f"| {op.method} `{op.path}` ({op.op_id}): 404" in section, op.op_id
