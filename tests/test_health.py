"""What /_mock/health (and the console, which shows it) says about the store it serves, across restarts: the
scenario the world was made from, and a generation that counts every write since the store was made.

The worlds: not-apply and legacy-3.8 (any scenario but the default one, demo, would do).
"""

from __future__ import annotations

import requests
from abiquo_mock.mockserver.app import create_app
from abiquo_mock.mockserver.extensions import store_of

from .support import InProcessApi, ServerProcess

VM3 = "/api/cloud/virtualdatacenters/1/virtualappliances/1/virtualmachines/3/metadata"


def _open(db, **config) -> InProcessApi:
    return InProcessApi(create_app({"DB_PATH": str(db), "FSYNC": False, **config}))


def _health(api: InProcessApi) -> dict:
    return api.get("/_mock/health", user=None).json


def _close(api: InProcessApi) -> None:
    store_of(api.app).close()


def test_a_restarted_store_still_names_the_scenario_it_was_made_from(tmp_path):
    api = _open(tmp_path / "mock.json", SCENARIO="not-apply")
    assert _health(api)["scenario"] == "not-apply"
    _close(api)

    api = _open(tmp_path / "mock.json")  # no scenario named: the store is kept as it is
    assert _health(api)["scenario"] == "not-apply"
    assert api.get("/_mock/console/api/world", user=None).json["scenario"] == "not-apply"
    api.reset("legacy-3.8")
    _close(api)

    assert _health(_open(tmp_path / "mock.json"))["scenario"] == "legacy-3.8"


def test_the_generation_goes_on_across_restarts_and_never_comes_back(tmp_path):
    api = _open(tmp_path / "mock.json", SCENARIO="not-apply")
    seen = [_health(api)["generation"]]
    api.reset("legacy-3.8")
    seen.append(_health(api)["generation"])
    _close(api)

    api = _open(tmp_path / "mock.json")
    seen.append(_health(api)["generation"])
    body = {"links": [], "metadata": {"note": "after the restart"}}
    assert api.put(VM3, media="metadata", body=body).status == 200
    seen.append(_health(api)["generation"])
    _close(api)
    seen.append(_health(_open(tmp_path / "mock.json"))["generation"])

    assert seen[0] > 0 and seen[1] > seen[0]  # a reset is a write
    assert seen[2] == seen[1]  # a restart changes nothing
    assert seen[3] > seen[2] and seen[4] == seen[3]


def test_a_server_restarted_on_its_store_reports_its_scenario(tmp_path):
    db = str(tmp_path / "mock.json")
    server = ServerProcess("--db", db, "--scenario", "not-apply").wait_ready()
    try:
        before = requests.get(server.url + "/_mock/health", timeout=10).json()
    finally:
        server.stop()
    server = ServerProcess("--db", db).wait_ready()
    try:
        after = requests.get(server.url + "/_mock/health", timeout=10).json()
    finally:
        server.stop()

    assert after["scenario"] == before["scenario"] == "not-apply"
    assert after["generation"] == before["generation"] > 0
