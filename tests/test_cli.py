"""The abiquo-mock command: listing scenarios, refusing bad arguments in one line, serving a store file."""

from __future__ import annotations

import os
import signal
import sys
from pathlib import Path

import pytest
import requests
import yaml
from abiquo_mock.mockserver import scenarios
from abiquo_mock.mockserver.cli import LOCAL_MOCK, main
from click.testing import CliRunner

from .support import ServerProcess


def vm_names(server: ServerProcess) -> list[str]:
    answer = requests.get(server.url + "/api/cloud/virtualmachines", auth=("admin", "xabiquo"), timeout=10)
    assert answer.status_code == 200, answer.text
    return sorted(vm["name"] for vm in answer.json()["collection"])


def test_version_names_the_installed_release():
    from importlib.metadata import version

    result = CliRunner().invoke(main, ["--version"])

    assert (result.exit_code, result.output) == (0, f"abiquo-mock {version('abiquo-mock')}\n")


def test_scenarios_lists_every_scenario_with_its_tags():
    result = CliRunner().invoke(main, ["scenarios"])

    assert result.exit_code == 0
    lines = result.output.splitlines()
    assert [line.split()[0] for line in lines] == scenarios.names()
    assert next(line for line in lines if line.startswith("demo ")).endswith("[integration]")


@pytest.mark.parametrize(
    "arguments, message",
    [
        (["--scenario", "no-such-world"], "abiquo-mock: there is no scenario 'no-such-world' (known: demo, "),
        (["--memory", "--scenario", "no-such-world"], "abiquo-mock: there is no scenario 'no-such-world' (known: "),
        (["--db", "store.json", "--memory"], "abiquo-mock: --db and --memory exclude each other"),
        (["--db", "corrupt.json"], "abiquo-mock: corrupt.json: not a JSON file"),
    ],
)
def test_serve_refuses_bad_arguments_in_one_line(tmp_path, monkeypatch, arguments, message):
    monkeypatch.chdir(tmp_path)
    (tmp_path / "corrupt.json").write_text('{"virtualmachines": {"1": ')

    result = CliRunner().invoke(main, ["serve", "--port", "0", *arguments])

    assert result.exit_code == 2
    assert result.stderr.startswith(message) and result.stderr.count("\n") == 1, result.stderr
    assert "Traceback" not in result.output and isinstance(result.exception, SystemExit)
    assert (tmp_path / "corrupt.json").read_text() == '{"virtualmachines": {"1": '  # left as it was
    assert sorted(p.name for p in tmp_path.iterdir()) == ["corrupt.json"]  # and nothing added beside it


@pytest.mark.parametrize(
    "arguments, environment, message",
    [
        (["--control-token", ""], {}, "abiquo-mock: --control-token is empty: "),
        (["--control-token", "   "], {}, "abiquo-mock: --control-token is empty: "),
        ([], {"ABIQUO_MOCK_CONTROL_TOKEN": ""}, "abiquo-mock: ABIQUO_MOCK_CONTROL_TOKEN is empty: "),
        ([], {"ABIQUO_MOCK_CONTROL_TOKEN": " s3cret"}, "abiquo-mock: ABIQUO_MOCK_CONTROL_TOKEN starts or ends with"),
        (["--control-token", "a\nb"], {}, "abiquo-mock: --control-token starts or ends with spaces or holds control"),
        (["--allowed-host", "http://ci-mock:8080"], {}, "abiquo-mock: --allowed-host 'http://ci-mock:8080' is not"),
        ([], {"ABIQUO_MOCK_ALLOWED_HOSTS": "ci-mock,a b"}, "abiquo-mock: --allowed-host 'a b' is not a host name"),
    ],
)
def test_serve_refuses_a_token_that_guards_nothing_and_a_host_that_is_none(tmp_path, arguments, environment, message):
    """An empty token (a CI secret that was not set) would leave the control API open to anyone, silently."""
    result = CliRunner().invoke(main, ["serve", "--memory", "--port", "0", *arguments], env=environment)

    assert result.exit_code == 2
    assert result.stderr.startswith(message) and result.stderr.count("\n") == 1, result.stderr


def test_serve_refuses_a_fault_file_it_cannot_use_in_one_line(tmp_path):
    faults = tmp_path / "faults.yaml"
    faults.write_text("seed: 3\nfaults:\n  - {kind: error, code: NOPE-1}\n")

    result = CliRunner().invoke(main, ["serve", "--memory", "--port", "0", "--faults", str(faults)])

    assert result.exit_code == 2
    assert (
        result.stderr
        == f"abiquo-mock: {faults}: Invalid fault: 'faults[0].code' 'NOPE-1' is not in the error catalogue\n"
    )


def test_serve_switches_on_the_faults_of_a_file_with_its_seed(tmp_path):
    faults = tmp_path / "faults.yaml"
    faults.write_text("seed: 3\nfaults:\n  - {kind: error, route: /api/admin/datacenters, times: 1}\n")
    server = ServerProcess("--memory", "--faults", str(faults)).wait_ready()
    try:
        listed = requests.get(server.url + "/_mock/faults", timeout=10).json()
        first, again = (
            requests.get(server.url + "/api/admin/datacenters", auth=("admin", "xabiquo"), timeout=10) for _ in range(2)
        )
    finally:
        server.stop()
    assert listed["seed"] == 3 and len(listed["collection"]) == 1
    assert (first.status_code, again.status_code) == (503, 200)


@pytest.mark.parametrize("how", ["SIGTERM", "SIGINT"])
def test_serve_answers_and_stops_cleanly(how):
    server = ServerProcess("--memory").wait_ready()

    assert requests.get(server.url + "/api/version", timeout=10).text == "3.8.5"

    os.kill(server.process.pid, getattr(signal, how))
    assert server.process.wait(15) == 0
    assert "Traceback" not in server.output()


@pytest.mark.parametrize("flag", [(), ("--access-log",)], ids=["quiet", "access-log"])
def test_serve_prints_a_line_per_request_only_when_asked(flag):
    server = ServerProcess("--memory", *flag).wait_ready()
    try:
        assert requests.get(server.url + "/api/version?probe=1", timeout=10).ok
    finally:
        server.stop()
    assert ("GET /api/version" in server.output()) == bool(flag), server.output()


@pytest.mark.slow
def test_serve_stops_on_ctrl_c_in_a_terminal():
    for _ in range(3):  # a lost race used to hang the shutdown: give it chances
        server = ServerProcess("--memory").wait_ready()
        os.killpg(server.process.pid, signal.SIGINT)  # a terminal signals the whole foreground group
        try:
            assert server.process.wait(8) == 0
        finally:
            server.stop(signal.SIGKILL)


def test_a_new_store_file_starts_from_demo_an_existing_one_is_kept_and_scenario_replaces_it(tmp_path):
    db = str(tmp_path / "var" / "store.json")
    demo = sorted(vm["name"] for vm in scenarios.world("demo")["virtualmachines"])

    first = ServerProcess("--db", db).wait_ready()
    assert vm_names(first) == demo
    assert requests.put(first.url + "/_mock/virtualmachines/5/state", json={"state": "ON"}, timeout=10).ok
    assert first.stop() == 0

    again = ServerProcess("--db", db).wait_ready()
    states = requests.get(again.url + "/api/cloud/virtualmachines", auth=("admin", "xabiquo"), timeout=10).json()
    assert {vm["name"]: vm["state"] for vm in states["collection"]}["db-02"] == "ON"
    assert again.stop() == 0

    replaced = ServerProcess("--db", db, "--scenario", "empty").wait_ready()
    assert vm_names(replaced) == []
    assert replaced.stop() == 0


def test_serve_loads_a_scenario_file_by_its_path_and_knows_it_by_its_name_after(tmp_path):
    shipped = yaml.safe_load(scenarios.scenario_path("not-apply").read_text(encoding="utf-8"))
    world = shipped["world"]
    world["virtualmachines"] = world["virtualmachines"][:1]
    path = tmp_path / "bug-1234.yaml"
    path.write_text(yaml.safe_dump({**shipped, "name": "bug-1234", "tags": []}), encoding="utf-8")

    server = ServerProcess("--memory", "--scenario", str(path)).wait_ready()
    try:
        assert vm_names(server) == [world["virtualmachines"][0]["name"]]
        health = requests.get(server.url + "/_mock/health", timeout=10).json()
        assert health["scenario"] == "bug-1234"
        again = requests.post(server.url + "/_mock/reset", json={"scenario": "bug-1234"}, timeout=10)
        assert again.status_code == 200, again.text  # the file is the scenario bug-1234 for the server's life
    finally:
        assert server.stop() == 0


@pytest.mark.parametrize(
    "content, message",
    [
        (None, "no such scenario file"),
        ("world: {}\n", "'format: abiquo-mock-scenario/1' is required at the top"),
        ("format: abiquo-mock-scenario/1\nworld: {virtualmachines: 3}\n", "world.virtualmachines must be a list"),
    ],
)
def test_serve_refuses_a_scenario_file_it_cannot_load_in_one_line(tmp_path, monkeypatch, content, message):
    monkeypatch.setenv(scenarios.FILES, "")  # the command names the file for its own process: undone after
    path = tmp_path / "broken.yaml"
    if content is not None:
        path.write_text(content, encoding="utf-8")

    result = CliRunner().invoke(main, ["serve", "--port", "0", "--memory", "--scenario", str(path)])

    assert result.exit_code == 2 and result.stderr.count("\n") == 1, result.stderr
    assert result.stderr.startswith(f"abiquo-mock: {path if content is None else ''}")
    assert message in result.stderr


# ---------------------------------------------------------------------------------------------- contract


def test_contract_integration_prints_the_table_writes_junit_and_exits_with_the_verdict(tmp_path):
    connector = Path(__file__).resolve().parent.parent / "examples" / "connectors" / "bad_status_connector.py"
    junit = tmp_path / "integration.xml"

    result = CliRunner().invoke(
        main,
        [
            "contract",
            "integration",
            "--command",
            f"{sys.executable} {connector}",
            "--scenario",
            "demo",
            "--timeout",
            "30",
            "--report",
            "junit",
            str(junit),
        ],
    )

    assert result.exit_code == 1, result.output
    assert "demo      valid-results           FAIL" in result.output
    assert result.output.rstrip().endswith("4/7 checks passed: FAILED")
    assert 'name="valid-results"><failure message="VM ' in junit.read_text()


def test_contract_integration_needs_a_command():
    result = CliRunner().invoke(main, ["contract", "integration"])

    assert result.exit_code == 2 and "Missing option '--command'" in result.output


@pytest.mark.parametrize("sizes", ["3-400", "300-200", "many"])
def test_contract_integration_refuses_generated_sizes_that_would_not_page(sizes):
    result = CliRunner().invoke(main, ["contract", "integration", "--command", "true", "--sizes", sizes])

    assert result.exit_code == 2 and "--sizes" in result.output


def test_contract_integration_refuses_generated_worlds_larger_than_the_mock_builds():
    result = CliRunner().invoke(main, ["contract", "integration", "--command", "true", "--sizes", "150-100001"])

    assert result.exit_code == 2 and "within 150-100000" in result.output


def test_contract_provider_passes_its_options_and_exits_with_the_suite_status(monkeypatch):
    import abiquo_mock.contracts.provider

    calls = []
    monkeypatch.setattr(abiquo_mock.contracts.provider, "run", lambda url, **kw: calls.append((url, kw)) or 3)

    result = CliRunner().invoke(
        main,
        [
            "contract",
            "provider",
            "--url",
            "http://abiquo.example/api",
            "--seed",
            "7",
            "--max-examples",
            "5",
            "--report",
            "junit",
            "out.xml",
        ],
    )

    assert result.exit_code == 3
    ((url, options),) = calls
    assert url == "http://abiquo.example/api"
    assert {k: options[k] for k in ("user", "password", "seed", "max_examples", "report_junit", "in_process")} == {
        "user": "admin",
        "password": "xabiquo",
        "seed": 7,
        "max_examples": 5,
        "report_junit": "out.xml",
        "in_process": False,
    }
    assert options["local"] is LOCAL_MOCK  # the judge is handed the mock's factory; it never imports it


def test_the_healthcheck_passes_on_a_serving_mock_and_fails_where_none_answers():
    from abiquo_mock.mockserver import healthcheck

    with ServerProcess("--memory") as server:
        assert healthcheck.main([server.url]) == 0
    assert healthcheck.main(["http://127.0.0.1:9", "--wait", "0.2"]) == 1


def test_the_contract_suites_without_their_extra_say_how_to_install_it(monkeypatch):
    monkeypatch.delitem(sys.modules, "abiquo_mock.contracts.provider", raising=False)
    monkeypatch.setitem(sys.modules, "requests", None)  # as in an install without the contract extra

    result = CliRunner().invoke(main, ["contract", "provider", "--url", "http://127.0.0.1:9"])

    assert result.exit_code == 3
    assert "pip install 'abiquo-mock[contract]'" in result.output


def test_a_user_folder_adds_and_overrides_scenarios(tmp_path, monkeypatch):
    shipped = scenarios.scenario_path("empty").read_text(encoding="utf-8")
    (tmp_path / "mine.yaml").write_text(shipped.replace("description: ", "description: Mine. ", 1))
    (tmp_path / "empty.yaml").write_text(shipped.replace("description: ", "description: Overridden. ", 1))
    monkeypatch.setenv("ABIQUO_MOCK_FIXTURES", str(tmp_path))

    result = CliRunner().invoke(main, ["scenarios"])

    names = [line.split()[0] for line in result.output.splitlines()]
    assert "mine" in names and "demo" in names  # added beside the shipped ones
    assert next(line for line in result.output.splitlines() if line.startswith("empty ")).split()[1] == "Overridden."


def test_without_any_scenario_the_commands_fail_loudly(tmp_path, monkeypatch):
    monkeypatch.setattr(scenarios, "folders", lambda: [tmp_path])
    monkeypatch.chdir(tmp_path)

    listed = CliRunner().invoke(main, ["scenarios"])
    served = CliRunner().invoke(main, ["serve", "--port", "0", "--db", "x.json"])

    for result in (listed, served):
        assert result.exit_code == 2 and result.stderr.startswith("abiquo-mock: no scenario found: no *.yaml in ")
    assert list(tmp_path.iterdir()) == []  # no store file left behind


def test_a_first_load_that_fails_leaves_no_store_file(tmp_path, monkeypatch):
    (tmp_path / "fixtures").mkdir()
    (tmp_path / "fixtures" / "demo.yaml").write_text("format: abiquo-mock-scenario/1\nworld: {virtualmachines: 3}\n")
    monkeypatch.setenv("ABIQUO_MOCK_FIXTURES", str(tmp_path / "fixtures"))
    monkeypatch.chdir(tmp_path)

    result = CliRunner().invoke(main, ["serve", "--port", "0", "--db", "x.json"])

    assert result.exit_code == 2 and "world.virtualmachines must be a list" in result.stderr
    assert sorted(p.name for p in tmp_path.iterdir()) == ["fixtures"]
