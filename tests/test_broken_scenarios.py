"""One bad file in the scenarios folder never hides the others: every listing (GET /_mock/scenarios, the console's
picker, ``abiquo-mock scenarios``) shows it as broken with why, and loading it is a clear 4xx or one line at start.
The folder: the shipped scenarios plus files that are not YAML, not UTF-8, not a scenario, a folder, a world that
names what it lacks, and a file whose name is not a scenario name."""

from __future__ import annotations

import pytest
from abiquo_mock.mockserver.app import create_app
from abiquo_mock.mockserver.cli import main
from click.testing import CliRunner

from .support import InProcessApi, scenarios_folder_of_its_own

HEAD = "format: abiquo-mock-scenario/1\nname: x\n"
BROKEN = {
    "bad-yaml": ("text", "format: [unclosed\n", "not valid YAML"),
    "latin-1": ("bytes", "description: caf\xe9\n".encode("latin-1"), "cannot be read"),
    "no-format": ("text", "name: x\nworld: {}\n", "'format: abiquo-mock-scenario/1' is required"),
    "folder": ("folder", None, "cannot be read"),
    "bad-tags": ("text", HEAD + "tags: integration\nworld: {}\n", "'tags' must be a list"),
    "dangling": ("text", HEAD + "world:\n  virtualmachines: [{id: 1, virtualappliance: 9}]\n", None),
    "two words": ("text", HEAD + "world: {}\n", "Invalid scenario name"),
}


@pytest.fixture
def folder(tmp_path, monkeypatch):
    scenarios_folder_of_its_own(tmp_path, monkeypatch)
    for name, (kind, content, _) in BROKEN.items():
        path = tmp_path / f"{name}.yaml"
        if kind == "folder":
            path.mkdir()
        elif kind == "bytes":
            path.write_bytes(content)
        else:
            path.write_text(content)
    return tmp_path


def test_the_control_api_lists_every_scenario_and_each_broken_file_with_why(folder):
    api = InProcessApi(create_app({"DB_PATH": None, "SCENARIO": "demo"}))
    answer = api.get("/_mock/scenarios", user=None)
    assert answer.status == 200, answer.text
    listed = {s["name"]: s for s in answer.json["collection"]}
    assert "broken" not in listed["demo"] and listed["demo"]["tags"] == ["integration"]
    for name, (_, _, why) in BROKEN.items():
        if why is not None:
            assert why in listed[name]["broken"], listed[name]
        else:
            assert "broken" not in listed[name]  # found only when loaded
        assert listed[name]["tags"] == []  # never picked by the integration suite


@pytest.mark.parametrize("name", sorted(BROKEN))
def test_loading_a_broken_scenario_is_a_clear_4xx_and_keeps_the_world(folder, name):
    api = InProcessApi(create_app({"DB_PATH": None, "SCENARIO": "demo"}))
    answer = api.post("/_mock/reset", body={"scenario": name}, user=None)
    assert answer.status in (400, 404) and answer.codes in (["GEN-2"], ["CTRL-1"]), answer.text
    assert api.get("/api/cloud/virtualmachines").json["totalSize"] == 7


def test_the_command_line_lists_broken_files_and_refuses_to_serve_one(folder):
    listing = CliRunner().invoke(main, ["scenarios"])
    assert listing.exit_code == 0, listing.output
    lines = {line.split(" ", 1)[0]: line for line in listing.stdout.splitlines()}
    assert "BROKEN: " in lines["bad-yaml"] and "not valid YAML" in lines["bad-yaml"]
    assert lines["demo"].split()[1] != "BROKEN:"
    served = CliRunner().invoke(main, ["serve", "--memory", "--port", "0", "--scenario", "dangling"])
    assert served.exit_code == 2 and served.stderr.count("\n") == 1, served.stderr
    assert "names what the world lacks" in served.stderr
