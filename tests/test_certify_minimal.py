"""Minimal worlds: a generated world of 150 to 250 VMs that a connector fails is shrunk to a scenario file of a few
VMs on which it fails the same way, `serve --scenario PATH` loads it, and the report links it.

The connector here is good_connector.py with one bug that only a generated shape shows: it takes the first day of
every weekly_planned entry, and dies (StopIteration) on one whose days a policy leaves to the backup system.
"""

from __future__ import annotations

import shlex
import sys
from pathlib import Path

import pytest
import yaml
from abiquo_mock.contracts.certify import plan, shrink
from abiquo_mock.contracts.certify.run import Options, certify
from abiquo_mock.contracts.client import MockClient

from .support import ServerProcess
from .support.certify_examples import CONNECTORS

WEEKLY_FIRST_DAY = """
import sys
sys.path.insert(0, {examples!r})
from good_connector import WEEKDAYS, Connector, main

class WeeklyFirstDay(Connector):
    name = "weekly_first_day"

    def plan(self, vm, backup_type, granularity, entry):
        if granularity == "weekly_planned":  # the bug: a weekly entry always names its days
            return "next on %s" % next(day for day in WEEKDAYS if day in entry)
        return super().plan(vm, backup_type, granularity, entry)

sys.exit(main(WeeklyFirstDay))
"""
MAX_VMS = 10


@pytest.fixture(scope="module")
def shrunk(tmp_path_factory):
    folder = tmp_path_factory.mktemp("certify-minimal")
    script = folder / "weekly_first_day.py"
    script.write_text(WEEKLY_FIRST_DAY.format(examples=str(CONNECTORS)), encoding="utf-8")
    command = f"{shlex.quote(sys.executable)} {shlex.quote(str(script))}"
    options = Options(command, report_dir=str(folder / "report"), generated=1, only={"generated"}, kind=plan.ONE_PASS)
    result = certify(options, echo=lambda _line: None)
    [world] = result.worlds
    return result, world, command, folder / "report"


def test_a_failed_generated_world_is_shrunk_to_a_few_vms_that_fail_the_same_obligation(shrunk):
    result, world, _, folder = shrunk
    minimal = world["minimalWorld"]
    written = yaml.safe_load(Path(minimal["path"]).read_text(encoding="utf-8"))

    assert {o for o, v in result.verdicts.items() if v["verdict"] == "FAIL"} == {"handles-every-schedule-shape"}
    assert world["vms"] >= 150
    assert len(written["world"]["virtualmachines"]) == minimal["vms"] <= MAX_VMS
    assert minimal["reproduced"] and minimal["obligations"] == ["handles-every-schedule-shape"]
    assert written["format"] == "abiquo-mock-scenario/1" and "weekly_first_day.py" in written["description"]
    assert Path(folder / "worlds" / f"{world['id']}.yaml").is_file(), "the world it was shrunk from is kept too"


def test_serve_loads_the_minimal_world_and_the_connector_fails_it_the_same_way(shrunk):
    _, world, command, _ = shrunk
    path = Path(world["minimalWorld"]["path"])

    server = ServerProcess("--memory", "--scenario", str(path)).wait_ready()
    try:
        found = shrink.failing(MockClient(server.url), path.stem, command, 30, plan.FORMATS["json"].env)
    finally:
        server.stop()

    assert found == {"handles-every-schedule-shape"}


def test_the_report_links_the_minimal_world_and_says_how_to_serve_it(shrunk):
    _, world, _, folder = shrunk
    page = (folder / "report.html").read_text(encoding="utf-8")
    name = f"worlds/{world['id']}-minimal.yaml"

    assert f'<a class="minimal" href="{name}">' in page
    assert "abiquo-mock serve --memory --port 8080 --scenario" in page and f"{world['id']}-minimal.yaml" in page
    assert f"Minimal world of `{world['id']}`: `{name}`" in (folder / "summary.md").read_text(encoding="utf-8")
