"""Handing a reproduction over from the console: the world saved as a scenario loads back into an identical
store (by reset and by --scenario), and exported requests replay against a mock with the same answers."""

from __future__ import annotations

import subprocess
import sys

import pytest
import requests
import yaml
from abiquo_mock.mockserver import scenarios
from abiquo_mock.mockserver.app import create_app
from abiquo_mock.mockserver.extensions import store_of

from .support import InProcessApi, scenarios_folder_of_its_own

VM2 = "/api/cloud/virtualdatacenters/1/virtualappliances/1/virtualmachines/2"
API = "/_mock/console/api"


@pytest.fixture
def fixtures(tmp_path, monkeypatch):
    """A scenarios folder of our own, with the shipped scenarios in it."""
    return scenarios_folder_of_its_own(tmp_path, monkeypatch)


def _change_the_world(api: InProcessApi) -> None:
    assert api.put("/_mock/virtualmachines/3/state", body={"state": "ON"}, user=None).status == 200
    stored = api.get(f"{VM2}/metadata").json["metadata"]
    results = {
        "results": [
            {
                "id": "r-1",
                "status": "done",
                "name": "fs",
                "type": "filesystem",
                "size": 1,
                "date": "2026/11/29 10:00:00 +0000",
            }
        ]
    }
    answer = api.put(
        f"{VM2}/metadata", body={"metadata": {**stored, "backupResults": results, "ticket": "QA-1"}}, media="metadata"
    )
    assert answer.status == 200, answer.text
    assert api.post(f"{VM2}/action/restorebackup", body={"id": "r-1"}, media="restore").status == 204


def test_a_saved_world_loads_back_identically_by_reset_and_at_start(fixtures):
    app = create_app({"DB_PATH": None, "SCENARIO": "policies-3.8.5"})
    api = InProcessApi(app)
    _change_the_world(api)
    saved = api.post(f"{API}/scenarios", body={"name": "qa-repro", "description": "VM 2 restore requested"}, user=None)
    assert saved.status == 201, saved.text
    document = yaml.safe_load((fixtures / "qa-repro.yaml").read_text())
    assert (document["format"], document["name"], document["tags"]) == (scenarios.FORMAT, "qa-repro", [])
    expected = store_of(app).dump()
    assert api.post("/_mock/reset", body={"scenario": "demo"}, user=None).status == 200
    assert store_of(app).dump() != expected
    assert api.post("/_mock/reset", body={"scenario": "qa-repro"}, user=None).status == 200
    assert store_of(app).dump() == expected
    at_start = create_app({"DB_PATH": None, "SCENARIO": "qa-repro"})  # what serve --scenario qa-repro does
    assert store_of(at_start).dump() == expected
    assert "qa-repro" in [s["name"] for s in api.get("/_mock/scenarios", user=None).json["collection"]]


def test_saving_never_overwrites_unless_asked(fixtures):
    api = InProcessApi(create_app({"DB_PATH": None, "SCENARIO": "demo"}))
    refused = api.post(f"{API}/scenarios", body={"name": "empty"}, user=None)
    assert (refused.status, refused.codes) == (409, ["CTRL-2"])
    assert yaml.safe_load((fixtures / "empty.yaml").read_text())["name"] == "empty"
    for bad in ({"name": "../escape"}, {"name": ""}, {"name": "ok", "overwrite": "yes"}, {}):
        answer = api.post(f"{API}/scenarios", body=bad, user=None)
        assert (answer.status, answer.codes) == (400, ["GEN-2"]), bad
    assert not (fixtures.parent / "escape.yaml").exists()
    assert api.post(f"{API}/scenarios", body={"name": "empty", "overwrite": True}, user=None).status == 201


def test_the_scenario_text_is_offered_for_download(fixtures):
    api = InProcessApi(create_app({"DB_PATH": None, "SCENARIO": "demo"}))
    answer = api.get(f"{API}/scenario?name=bug-42", user=None)
    assert answer.json["fileName"] == "bug-42.yaml"
    world = yaml.safe_load(answer.json["yaml"])["world"]
    assert [vm["state"] for vm in world["virtualmachines"]][:3] == ["ON", "ON", "NOT_ALLOCATED"]  # ON stays a string
    assert not (fixtures / "bug-42.yaml").exists()


def test_exported_requests_replay_against_a_mock_with_the_same_answers(tmp_path, live_server):
    app = create_app({"DB_PATH": None, "SCENARIO": "demo"})
    api = InProcessApi(app)
    _change_the_world(api)
    api.get("/api/cloud/virtualdatacenters/99", user="entadmin")  # a refused one replays as refused
    entries = api.get("/_mock/journal", user=None).json["collection"]
    answer = api.post(f"{API}/replayscript", body={"entries": entries}, user=None)
    assert answer.status == 200, answer.text
    script = tmp_path / answer.json["fileName"]
    script.write_text(answer.json["script"])
    run = subprocess.run(
        [sys.executable, str(script), live_server.url, "--reset", "demo"], capture_output=True, text=True, timeout=60
    )
    assert run.returncode == 0, run.stdout + run.stderr
    assert f"{len(entries)}/{len(entries)} answered as recorded" in run.stdout
    recorded = InProcessApi(app).get(f"{VM2}/metadata").json
    replayed = requests.get(live_server.url + VM2 + "/metadata", auth=("admin", "xabiquo"), timeout=10).json()
    assert replayed == recorded


def test_a_replay_says_which_answers_differ(tmp_path, live_server):
    api = InProcessApi(create_app({"DB_PATH": None, "SCENARIO": "demo"}))
    _change_the_world(api)
    entries = [e for e in api.get("/_mock/journal", user=None).json["collection"] if e["method"] == "POST"]
    script = tmp_path / "replay.py"
    script.write_text(api.post(f"{API}/replayscript", body={"entries": entries}, user=None).json["script"])
    run = subprocess.run(
        [sys.executable, str(script), live_server.url, "--reset", "demo"], capture_output=True, text=True, timeout=60
    )
    assert run.returncode == 1 and "(recorded 204)" in run.stdout  # the result to restore was never written


@pytest.mark.parametrize("body", [{}, {"entries": []}, {"entries": [{"method": "GET"}]}, {"entries": "all"}])
def test_a_replay_needs_journal_entries(body):
    answer = InProcessApi(create_app({"DB_PATH": None, "SCENARIO": "demo"})).post(
        f"{API}/replayscript", body=body, user=None
    )
    assert (answer.status, answer.codes) == (400, ["GEN-2"])


def test_a_replay_sends_recorded_paths_with_spaces_accents_and_line_breaks_as_they_were(tmp_path, live_server):
    app = create_app({"DB_PATH": None, "SCENARIO": "demo"})
    api = InProcessApi(app)
    odd = ["a%20b", "%C3%A9t%C3%A9", "x%0Ay", "100%25", "%3Fnot-a-query", "tab%09and%00nul"]
    for tail in odd:
        assert api.get(f"/api/admin/datacenters/{tail}").status == 404
    assert api.get("/api/cloud/virtualmachines?has=caf%C3%A9%20%26%0A").status == 200
    entries = api.get("/_mock/journal", user=None).json["collection"]
    assert {"a b", "été", "x\ny", "100%", "?not-a-query"} <= {e["path"].rsplit("/", 1)[-1] for e in entries}
    script = tmp_path / "replay.py"
    script.write_text(api.post(f"{API}/replayscript", body={"entries": entries}, user=None).json["script"])
    run = subprocess.run(
        [sys.executable, str(script), live_server.url, "--reset", "demo"], capture_output=True, text=True, timeout=60
    )
    assert run.returncode == 0, run.stdout + run.stderr
    assert f"{len(entries)}/{len(entries)} answered as recorded" in run.stdout
    replayed = requests.get(live_server.url + "/_mock/journal", timeout=10).json()["collection"]
    assert [(e["path"], e["query"]) for e in replayed] == [(e["path"], e["query"]) for e in entries]
