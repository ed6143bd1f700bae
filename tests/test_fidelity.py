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
    listed = set(re.findall(r"^\| ([A-Z0-9-]+) \| \d{3} \|", TABLE.read_text(), re.M))
    assert set(CATALOGUE) <= listed


def test_every_operation_carries_a_known_label():
    for op in REGISTRY:
        assert op.label in ("verified", "documented", "reconstructed", "mock-only"), op.op_id
