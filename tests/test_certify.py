"""`abiquo-mock certify` on the example connectors, each on a world that shows its bug (the full certification of
every example is `make certify-examples`): the verdict names exactly the obligation of the bug, every failure
carries its evidence and a command that reproduces it, and the reports are what a CI job and a vendor read.

The certification of bad_status_connector.py on demo is shared by the tests of the reports: it writes results
with status "success", which the API refuses with 400 BC-15.
"""

from __future__ import annotations

import json
import threading
import time
import xml.etree.ElementTree as ET
from concurrent import futures
from types import SimpleNamespace

import jsonschema_rs
import pytest
from abiquo_mock.contracts.certify import outputs, plan, reproduce, run
from abiquo_mock.contracts.certify.run import Options, certify, detect
from abiquo_mock.contracts.client import MockClient, MockProcess
from abiquo_mock.mockserver.cli import main
from click.testing import CliRunner

from .support.certify_examples import EXAMPLES, python

# the good connector's certification is test_a_good_connector_passes…; the Java ones run in make certify-examples
# (tests/test_java_connectors.py judges them in make test); of the listening ones, which the listening
# suite's tests already run, one that passes and one that fails (make certify-examples runs them all)
ONE_PASS = {e.name for e in EXAMPLES if "living" not in e.shows_on and e.name != "good_connector.py" and not e.needs}
QUICK = ONE_PASS | {"listening_connector.py", "forgetful_connector.py"}


def quiet(_line: str) -> None:
    """The certification's progress lines are not needed here: its results are asserted."""


def certified(command: str, folder, *worlds: str, **options):
    generated = 1 if "generated" in worlds else 0
    chosen = Options(
        command,
        report_dir=str(folder),
        generated=generated,
        only=set(worlds),
        workers=min(2, len(worlds)),
        shrink_seconds=5,
        **options,
    )
    return certify(chosen, echo=quiet)


def failed(result) -> set[str]:
    return {o for o, v in result.verdicts.items() if v["verdict"] == "FAIL"}


@pytest.mark.parametrize("example", [e for e in EXAMPLES if e.name in QUICK], ids=lambda e: e.name)
def test_an_example_connector_fails_exactly_the_obligation_of_its_bug_on_a_world_that_shows_it(example, tmp_path):
    example.skip_unless_runnable()

    result = certified(example.command, tmp_path, *example.shows_on, formats=example.formats)

    assert failed(result) == set(example.fails), outputs.terminal(result)
    assert result.exit_code == (1 if example.fails else 0)
    assert {w["id"].split("-across-upgrade")[0].split("-0-")[0] for w in result.worlds} == set(example.shows_on)


@pytest.fixture(scope="module")
def bad_status(tmp_path_factory):
    folder = tmp_path_factory.mktemp("certify-bad-status")
    result = certified(python("bad_status_connector.py"), folder, "demo")
    return result, json.loads((folder / "results.json").read_text(encoding="utf-8")), folder


def test_a_failure_carries_the_request_and_answer_the_metadata_before_and_after_and_how_to_reproduce_it(bad_status):
    _, document, _ = bad_status
    [demo] = document["worlds"]
    check = next(c for c in demo["checks"] if c["check"] == "valid-results")
    found = check["evidence"][0]

    assert demo["cells"]["writes-valid-results"]["verdict"] == "FAIL"
    assert set(demo["cells"]["writes-valid-results"]["failed"]) == {"valid-results", "no-refused-writes"}
    [put] = [r for r in found["requests"] if r["named"]]
    assert (put["method"], put["status"]) == ("PUT", 400) and put["path"].endswith("/metadata")
    assert '"status": "success"' in put["requestBody"] and "BC-15" in put["responseBody"]
    assert "Authorization" not in put["requestHeaders"]  # credentials never leave the journal
    assert found["metadata"]["before"] == found["metadata"]["after"], "a refused write changes nothing"
    assert "backupSchedule" in found["metadata"]["before"]
    _, _, folder = bad_status
    assert demo["worldFile"] == "worlds/demo.yaml"  # the world as it was loaded, as a scenario file
    assert "format: abiquo-mock-scenario/1" in (folder / demo["worldFile"]).read_text(encoding="utf-8")
    script = demo["reproduce"]["script"]
    assert "abiquo-mock serve --memory --port 8080 --scenario demo" in script
    assert "ABIQUO_API_URL=http://127.0.0.1:8080/api ABIQUO_USER=admin ABIQUO_PASSWORD=xabiquo" in script
    assert script.endswith(document["connector"]["command"])


def test_results_json_matches_its_published_schema_and_the_schema_refuses_what_it_does_not_describe(bad_status):
    _, document, _ = bad_status
    validator = jsonschema_rs.validator_for(json.loads(outputs.SCHEMA.read_text(encoding="utf-8")))

    assert [e.message for e in validator.iter_errors(document)] == []
    broken = json.loads(json.dumps(document))
    broken["worlds"][0]["cells"]["writes-valid-results"]["verdict"] = "SUCCESS"
    del broken["worlds"][0]["reproduce"]
    assert len(list(validator.iter_errors(broken))) == 2


def test_junit_holds_a_test_case_per_world_and_obligation_failing_where_the_verdict_fails(bad_status):
    _, document, folder = bad_status
    root = ET.parse(folder / "junit.xml").getroot()
    [suite] = root.findall("testsuite")
    cases = {case.get("name"): case for case in suite.findall("testcase")}

    assert set(cases) == {o["id"] for o in document["obligations"]}
    assert [name for name, case in cases.items() if case.find("failure") is not None] == ["writes-valid-results"]
    failure = cases["writes-valid-results"].find("failure")
    assert "BC-15" in failure.text and "abiquo-mock serve --memory" in failure.text
    assert suite.get("failures") == "1" and int(suite.get("skipped")) >= 3


def test_the_summary_fits_a_ci_job_summary_with_the_verdict_every_obligation_and_the_failures(bad_status):
    _, document, folder = bad_status
    text = (folder / "summary.md").read_text(encoding="utf-8")

    assert text.startswith("## abiquo-mock certification: ❌ FAIL\n")
    assert all(f"| {o['title']} | " in text for o in document["obligations"])
    assert "| Writes valid results | ❌ FAIL | fails on demo |" in text
    assert "- **Writes valid results** on `demo`" in text and "BC-15" in text
    assert len(text.encode()) < 1024 * 1024  # GitHub's limit for a step summary


def test_the_report_page_loads_nothing_and_holds_every_failure_with_its_evidence(bad_status):
    _, _, folder = bad_status
    page = (folder / "report.html").read_text(encoding="utf-8")

    assert "default-src 'none'" in page and "'unsafe-inline'" not in page
    assert not any(marker in page for marker in ("<link", " src=", "@import", "url("))
    assert 'id="f-demo-writes-valid-results"' in page and "BC-15" in page
    assert page.count('class="exchange') >= 1 and "Metadata before the pass" in page


def test_a_good_connector_passes_and_says_why_each_obligation_it_is_not_judged_on_does_not_apply(tmp_path):
    result = certified(python("good_connector.py"), tmp_path, "demo", "legacy-3.8")

    assert result.exit_code == 0 and result.kind == plan.ONE_PASS
    assert result.verdicts["reacts-to-lifecycle"]["verdict"] == "N/A"
    assert "listens to no event" in result.verdicts["reacts-to-lifecycle"]["why"]
    assert result.verdicts["survives-faults"]["why"].startswith("this world switches no fault on")
    assert "Failures" in (tmp_path / "report.html").read_text() and "None: every obligation judged passed" in (
        tmp_path / "report.html"
    ).read_text(encoding="utf-8")


def test_whether_a_connector_listens_to_events_is_found_by_running_it_once():
    with MockProcess() as mock:
        client = MockClient(mock.url)
        one_pass = detect(client, python("good_connector.py"), timeout=30)
        listening = detect(client, python("listening_connector.py"), timeout=30)
        deadline = time.monotonic() + 5  # the probe stopped it: the server sees its stream close
        while client.control("GET", "/streams")["open"] and time.monotonic() < deadline:
            time.sleep(0.05)
        assert client.control("GET", "/streams")["open"] == 0

    assert one_pass[0] == plan.ONE_PASS and "exited with status 0" in one_pass[1]
    assert listening[0] == plan.EVENT_DRIVEN and "held it" in listening[1]


@pytest.mark.parametrize(
    ("arguments", "said"),
    [
        (["--format", "yaml"], "the mock serves json, xml only, not yaml"),
        (["--world", "no-such-world"], "no world is named no-such-world"),
    ],
)
def test_bad_arguments_are_one_line_and_exit_status_2(tmp_path, arguments, said):
    result = CliRunner().invoke(
        main, ["certify", "--command", "true", "--report-dir", str(tmp_path), "--one-pass", *arguments]
    )

    assert result.exit_code == 2, result.output
    assert said in result.output


def test_a_connector_that_cannot_start_fails_on_its_exit_alone_with_what_it_printed(tmp_path):
    result = certified("no-such-connector --sync", tmp_path, "demo", kind=plan.ONE_PASS)
    document = json.loads((tmp_path / "results.json").read_text(encoding="utf-8"))
    [demo] = document["worlds"]

    assert failed(result) == {"handles-every-schedule-shape"}
    assert demo["cells"]["preserves-foreign-keys"]["why"] == "not judged: the connector sent no request to the API"
    exits = next(c for c in demo["checks"] if c["check"] == "exits-cleanly")
    assert "not found" in exits["evidence"][0]["stderr"]


def test_each_pass_of_a_world_has_its_own_lines_to_reproduce_it(tmp_path):
    scale = plan.WorldSpec("scale", plan.SCENARIO, "scale", faults=({"kind": "error"},), seed=7)
    across = plan.WorldSpec("legacy-3.8-across-upgrade", plan.ACROSS_UPGRADE, "legacy-3.8")
    listening = plan.WorldSpec("living", plan.LISTENING, "living")

    without, with_faults = reproduce.passes(scale, None, str(tmp_path), str(tmp_path))
    [upgrade] = reproduce.passes(across, None, str(tmp_path), str(tmp_path))
    [listen] = reproduce.passes(listening, None, str(tmp_path), str(tmp_path))

    assert without["serve"].endswith("--scenario scale --faults worlds/no-faults.yaml")
    assert with_faults["serve"].endswith("--scenario scale --fault-seed 7")
    assert upgrade["serve"].endswith("--scenario legacy-3.8 --abiquo 3.8")
    assert upgrade["steps"] == ["$CONNECTOR", "curl -s -X POST http://127.0.0.1:8080/_mock/upgrade", "$CONNECTOR"]
    assert listen["steps"][0] == "$CONNECTOR &" and '{"scenario": "living"}' in listen["steps"][1]


def test_the_worlds_are_printed_in_the_order_of_the_plan_whichever_mock_ends_first(tmp_path, monkeypatch):
    specs = [plan.WorldSpec("demo", plan.SCENARIO, "demo"), plan.WorldSpec("scale", plan.SCENARIO, "scale", cost=2)]
    submitted: dict[str, futures.Future] = {}

    def submit(self, pool, work, url):  # each world's run is a future this test ends
        submitted[work.id] = futures.Future()
        return submitted[work.id]

    monkeypatch.setattr(run._Pool, "_submit", submit)
    said: list[str] = []
    mocks = [SimpleNamespace(url="http://127.0.0.1:1"), SimpleNamespace(url="http://127.0.0.1:2")]
    pool = run._Pool(specs, mocks, Options("true", report_dir=str(tmp_path)), tmp_path, said.append)

    def end(world: str) -> None:
        spec = next(s for s in specs if s.id == world)
        submitted[world].set_result(
            {"id": world, "spec": spec, "checks": [], "error": None, "notServed": False, "seconds": 1.0}
        )

    def scale_ends_first():
        deadline = time.monotonic() + 30  # a pool that fails leaves this thread no reason to wait on
        while len(submitted) < 2 and time.monotonic() < deadline:
            time.sleep(0.01)
        end("scale")
        while "scale" not in pool.results and time.monotonic() < deadline:
            time.sleep(0.01)
        end("demo")

    ender = threading.Thread(target=scale_ends_first, daemon=True)
    ender.start()
    pool.run()
    ender.join()

    assert [line.split(":")[0] for line in said] == ["demo", "scale"]


def test_a_connector_that_speaks_json_fails_a_certification_in_xml(tmp_path):
    result = certified(python("good_connector.py"), tmp_path, "demo", formats=("xml",))

    assert result.exit_code == 1
    failures = [f for world in result.worlds for check in world["checks"] for f in check["failures"]]
    assert failures and all("not judged in XML: the connector spoke JSON" in f for f in failures), failures
