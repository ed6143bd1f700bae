"""What serving loads at start: only what serving needs. The contract's libraries (apispec, marshmallow) load
with the first request for /api/openapi.json, YAML with the first scenario file read and jsonschema with the first
control body checked, so a server started on an existing store, as 3.8.5 or as 3.8, imports none of them (start
to first 200 is import-bound: make bench prints it)."""

from __future__ import annotations

import json
import subprocess
import sys

import pytest

LATE = ("marshmallow", "apispec", "yaml", "jsonschema", "defusedxml")  # defusedxml: with the first XML body

PROBE = """
import json, os, sys
from abiquo_mock.mockserver import cli, server, wsgi
from abiquo_mock.mockserver.frontdoor import build
from abiquo_mock.mockserver.store import Store

with Store(sys.argv[1]) as store:
    store.insert("virtualmachines", {"id": 1, "name": "vm"})  # an existing store, as `serve` finds one
os.environ.update({"ABIQUO_MOCK_DB": sys.argv[1], "ABIQUO_MOCK_CONTROL": "on", "ABIQUO_MOCK_ABIQUO": sys.argv[2]})
app = wsgi.app_from_environment()
build(app)
at_start = sorted(name for name in sys.argv[3:] if name in sys.modules)
status = app.test_client().get("/api/openapi.json").status_code
after = sorted(n for n in sys.argv[3:] if n in sys.modules)
print(json.dumps({"at_start": at_start, "contract": status, "after_contract": after}))
"""


@pytest.mark.parametrize("abiquo", ["", "3.8"], ids=["as the world names", "served as 3.8"])
def test_a_server_on_an_existing_store_loads_neither_the_contract_nor_yaml_until_asked(tmp_path, abiquo):
    done = subprocess.run(
        [sys.executable, "-c", PROBE, str(tmp_path / "store.json"), abiquo, *LATE],
        capture_output=True,
        text=True,
        timeout=60,
        check=True,
    )
    loaded = json.loads(done.stdout.splitlines()[-1])

    assert loaded["at_start"] == []
    assert loaded["contract"] == 200
    assert loaded["after_contract"] == ["apispec", "marshmallow"]  # the contract still has its schemas


def test_a_url_is_still_built_from_a_rule_whose_builder_waited():
    from abiquo_mock.mockserver.app import create_app
    from abiquo_mock.mockserver.extensions import store_of
    from flask import url_for

    app = create_app()
    with app.test_request_context():
        first = url_for("infrastructure.getDatacenter", dc=7)
        assert first == "/api/admin/datacenters/7" and url_for("infrastructure.getDatacenter", dc=8).endswith("/8")
    store_of(app).close()
