"""The QA console in a real headless Chromium against a real mock: what a QA engineer sees and clicks.
Skipped, with the reason, where no Chromium is installed. The screenshots in docs/screenshots/ come from here."""

from __future__ import annotations

import os
import shutil
import subprocess
import sys
import time
from pathlib import Path

import pytest
import requests
import yaml
from abiquo_mock.mockserver import scenarios

from .support import ServerProcess
from .support.browser import WAIT, screenshot, start_browser

TOKEN = "qa-secret"
CONNECTORS = Path(__file__).resolve().parent.parent / "examples" / "connectors"


@pytest.fixture(scope="module")
def driver():
    browser = start_browser()
    yield browser
    browser.quit()


@pytest.fixture(scope="module")
def server(tmp_path_factory):
    fixtures = tmp_path_factory.mktemp("scenarios")  # a scenarios folder the console may save into
    for path in scenarios.fixtures_dir().glob("*.yaml"):
        shutil.copy(path, fixtures / path.name)
    env = {"ABIQUO_MOCK_FIXTURES": str(fixtures)}
    process = ServerProcess("--memory", "--control-token", TOKEN, env=env).wait_ready()
    yield process
    process.stop()


@pytest.fixture
def mock(server):
    """The server, back at the demo world, and a way to call its control API."""
    session = requests.Session()
    session.headers["X-Mock-Token"] = TOKEN
    assert session.post(server.url + "/_mock/reset", json={"scenario": "demo"}, timeout=30).status_code == 200
    session.base = server.url
    return session


@pytest.fixture
def console(driver, mock):
    """The console opened with the token entered, showing the world."""
    driver.get(mock.base + "/_mock/console/")
    if not driver.execute_script("return sessionStorage.getItem('abiquoMockToken')"):
        _find(driver, "#token").send_keys(TOKEN)
        _find(driver, "#token-form button").click()
    _wait_for_text(driver, "#vm-count", "of 7")
    return driver


def _find(driver, css: str):
    from selenium.webdriver.common.by import By
    from selenium.webdriver.support import expected_conditions as ec
    from selenium.webdriver.support.ui import WebDriverWait

    return WebDriverWait(driver, WAIT).until(ec.visibility_of_element_located((By.CSS_SELECTOR, css)))


def _wait_for_text(driver, css: str, text: str, seconds: float = WAIT):
    from selenium.webdriver.common.by import By
    from selenium.webdriver.support import expected_conditions as ec
    from selenium.webdriver.support.ui import WebDriverWait

    WebDriverWait(driver, seconds).until(ec.text_to_be_present_in_element((By.CSS_SELECTOR, css), text))
    return driver.find_element(By.CSS_SELECTOR, css)


def _all(driver, css: str) -> list:
    from selenium.webdriver.common.by import By

    return driver.find_elements(By.CSS_SELECTOR, css)


def _go(driver, hash_: str) -> None:
    driver.execute_script("location.hash = arguments[0]", hash_)


def test_the_console_asks_for_the_control_token_then_shows_the_world(driver, mock):
    driver.get(mock.base + "/_mock/console/")
    driver.execute_script("sessionStorage.clear()")
    driver.refresh()
    _wait_for_text(driver, "#message", "token")
    assert not _all(driver, "#vm-table tbody tr")  # nothing of the world without the token
    _find(driver, "#token").send_keys(TOKEN)
    _find(driver, "#token-form button").click()
    _wait_for_text(driver, "#vm-count", "1–7 of 7")
    assert "Barcelona" in _find(driver, ".tree").text and "Acme" in _find(driver, ".tree").text
    screenshot(driver, "world")


def test_a_not_apply_vm_is_found_and_its_cells_are_marked(console):
    _find(console, "select[name=notApply] option[value=yes]").click()
    _wait_for_text(console, "#vm-count", "1–1 of 1")
    _find(console, "#vm-table tbody tr a").click()
    cell = _find(console, "td[data-cell='filesystem/weekly_planned']")
    assert "not-apply" in cell.get_attribute("class")
    assert "NOT_APPLY" in cell.text and "backup system decides" in cell.text
    marked = {
        d.get_attribute("data-field"): d.get_attribute("data-source") for d in cell.find_elements("css selector", "dd")
    }
    assert marked == {"time": "not-apply", "days": "not-apply", "paths": "vm"}
    fixed = _find(console, "td[data-cell='complete/daily']")
    assert "not-apply" not in fixed.get_attribute("class")
    assert "fixed by policy" in fixed.text and "22:00:00 +0100" in fixed.text
    assert "NAFS" in _find(console, ".bindings").text
    assert '"policyBindings"' in _find(console, ".vm-raw pre").text
    screenshot(console, "vm")


def test_search_and_the_tree_narrow_the_vm_list(console):
    search = _find(console, "#vm-search")
    search.send_keys("db-")
    _wait_for_text(console, "#vm-count", "1–2 of 2")
    assert [r.text.split()[1] for r in _all(console, "#vm-table tbody tr")] == ["db-01", "db-02"]


def test_deploying_a_vm_from_its_page_places_it_on_a_machine_and_its_events_arrive(console, mock):
    _go(console, "#/vm/3")
    _wait_for_text(console, ".vm-head h2", "NOT_ALLOCATED")
    _find(console, "#deploy").click()
    _wait_for_text(console, ".vm-head h2", "ON")
    assert "on esx-bcn-01" in _find(console, ".vm-head p").text
    vm = mock.get(mock.base + "/_mock/console/api/virtualmachines/3", timeout=10).json()
    assert (vm["state"], vm["machine"]["name"]) == ("ON", "esx-bcn-01")
    _go(console, "#/events")
    _wait_for_text(console, "#events-live", "event stream")  # the server's stream, not polling
    feed = _wait_for_text(console, "#events", "VIRTUAL_MACHINE_DEPLOY_FINISH")
    assert "web-03" in feed.text
    # While the page is open, news comes by the stream: well before the safety-net poll (5 s) would bring it.
    assert mock.put(mock.base + "/_mock/virtualmachines/3/state", json={"state": "NOT_ALLOCATED"}, timeout=10).ok
    _wait_for_text(console, "#events li:first-child", "VIRTUAL_MACHINE_UNDEPLOY_FINISH", seconds=3)


def test_datacenter_properties_are_edited_and_policy_modes_shown(console, mock):
    _go(console, "#/dc/1")
    nafs = _find(console, "#policy-NAFS")
    assert {s.get_attribute("data-mode") for s in nafs.find_elements("css selector", "[data-mode]")} == {"not-apply"}
    gold = _find(console, "#policy-GOLD")
    assert "web-02" in gold.text and "web-03" in gold.text  # the VMs bound to it
    _find(console, "input[name=updateWhileDeployed]").click()
    _find(console, "#properties button").click()
    _wait_for_text(console, "#message", "saved")
    world = mock.get(mock.base + "/_mock/console/api/datacenters/1", timeout=10).json()
    assert world["properties"]["updateWhileDeployed"] is True
    screenshot(console, "datacenter")


def _run_connector(mock, name: str) -> subprocess.CompletedProcess:
    env = {**os.environ, "ABIQUO_API_URL": mock.base + "/api", "ABIQUO_USER": "admin", "ABIQUO_PASSWORD": "xabiquo"}
    return subprocess.run(
        [sys.executable, str(CONNECTORS / name)], env=env, capture_output=True, text=True, timeout=120, check=False
    )


def _diff_of(console, vm_path: str):
    """The journal row of the newest metadata PUT to ``vm_path``, opened, and its diff lines."""
    row = _find(console, f"tr.entry[data-metadata-path='{vm_path}']")
    row.click()
    return _find(console, "tr.detail .diff")


def test_a_connector_run_shows_in_the_journal_with_the_metadata_it_changed(console, mock):
    assert _run_connector(mock, "good_connector.py").returncode == 0
    _go(console, "#/journal")
    _find(console, "select[name=status] option[value=meta]").click()
    _wait_for_text(console, "#journal tbody", "backupResults.results[1] added")
    diff = _diff_of(console, "/api/cloud/virtualdatacenters/1/virtualappliances/1/virtualmachines/1/metadata")
    changes = {
        d.get_attribute("data-path"): d.get_attribute("data-change")
        for d in diff.find_elements("css selector", ".diff-line")
    }
    assert changes == {"backupResults.results[1]": "added"}  # one result appended, chef untouched
    screenshot(console, "journal")


def test_a_connector_that_drops_a_key_shows_it_removed(console, mock):
    _run_connector(mock, "fixed_model_connector.py")  # exits 1 on the refused write; the others went through
    _go(console, "#/journal")
    _find(console, "select[name=status] option[value=meta]").click()
    _wait_for_text(console, "#journal tbody", "chef removed")
    diff = _diff_of(console, "/api/cloud/virtualdatacenters/1/virtualappliances/1/virtualmachines/1/metadata")
    assert "− chef" in diff.text


def _world(mock) -> dict:
    answer = mock.get(mock.base + "/_mock/console/api/scenario", timeout=30)
    return yaml.safe_load(answer.json()["yaml"])["world"]


def test_the_world_is_saved_as_a_scenario_and_loads_back_identically(console, mock):
    assert _run_connector(mock, "good_connector.py").returncode == 0
    assert mock.put(mock.base + "/_mock/virtualmachines/3/state", json={"state": "ON"}, timeout=10).status_code == 200
    expected = _world(mock)
    _go(console, "#/")
    _find(console, "#save-name").send_keys("qa-repro")
    _find(console, "#save-description").send_keys("web-03 deployed after a connector run")
    _find(console, "#save-world button[type=submit]").click()
    _wait_for_text(console, "#message", "Saved as scenario qa-repro")
    assert mock.post(mock.base + "/_mock/reset", json={"scenario": "demo"}, timeout=30).status_code == 200
    assert _world(mock) != expected
    _find(console, "#scenario option[value=qa-repro]").click()
    _find(console, "#reset").click()
    _wait_for_text(console, "#message", "World replaced by scenario qa-repro")
    assert _world(mock) == expected


def test_the_journal_is_exported_as_a_script_that_replays_it(console, mock, tmp_path):
    console.execute_cdp_cmd("Browser.setDownloadBehavior", {"behavior": "allow", "downloadPath": str(tmp_path)})
    assert _run_connector(mock, "good_connector.py").returncode == 0
    _go(console, "#/journal")
    _wait_for_text(console, "#journal tbody", "backupResults.results[1] added")
    _find(console, "#export-requests").click()
    _wait_for_text(console, "#message", "Exported")
    script = tmp_path / "replay.py"
    deadline = time.monotonic() + WAIT
    while not script.exists() and time.monotonic() < deadline:
        time.sleep(0.1)
    env = {**os.environ, "ABIQUO_MOCK_CONTROL_TOKEN": TOKEN}
    run = subprocess.run(
        [sys.executable, str(script), mock.base, "--reset", "demo"],
        env=env,
        capture_output=True,
        text=True,
        timeout=120,
    )
    assert run.returncode == 0, run.stdout + run.stderr
    assert "answered as recorded" in run.stdout and "PUT" in run.stdout


def test_a_restore_is_requested_from_the_results_and_its_event_arrives(console, mock):
    _go(console, "#/vm/2")  # web-02: bound to GOLD and to NAFS, whose time and days are NOT_APPLY
    _wait_for_text(console, ".vm-head h2", "web-02")
    assert _run_connector(mock, "good_connector.py").returncode == 0
    button = _find(console, "li.result .restore-button")  # the page follows the connector's write by itself
    result = button.get_attribute("data-result")
    button.click()
    _wait_for_text(console, "#message", f"Restore of {result} requested as admin")
    _wait_for_text(console, f"li.result[data-result='{result}'] .restore", "requested")
    console.execute_script("document.querySelector('ol.timeline').scrollIntoView()")
    screenshot(console, "vm-results")
    _go(console, "#/events")
    event = _wait_for_text(console, "#events", "VIRTUAL_MACHINE_RESTORE_BACKUP")
    assert "web-02" in event.text
    screenshot(console, "events")


def test_a_fault_is_added_fires_and_is_cleared(console, mock):
    _go(console, "#/faults")
    _find(console, "#fault-form select[name=kind] option[value=error]").click()
    for name, value in (("route", "*/virtualmachines/1/metadata"), ("method", "GET"), ("times", "1")):
        _find(console, f"#fault-form input[name={name}]").send_keys(value)
    _find(console, "#fault-form input[name=code]").send_keys("503-SERVICE-UNAVAILABLE")
    _find(console, "#fault-form button[type=submit]").click()
    _wait_for_text(console, "#message", "switched on")
    _wait_for_text(console, "#faults", "*/virtualmachines/1/metadata")
    metadata = mock.base + "/api/cloud/virtualdatacenters/1/virtualappliances/1/virtualmachines/1/metadata"
    assert requests.get(metadata, auth=("admin", "xabiquo"), timeout=10).status_code == 503
    fired = _wait_for_text(console, "#fired", "virtualmachines/1/metadata")
    assert "GET" in fired.text and "503" in fired.text
    screenshot(console, "faults")
    assert requests.get(metadata, auth=("admin", "xabiquo"), timeout=10).status_code == 200  # it fired once
    _find(console, "#clear-faults").click()
    _wait_for_text(console, "#faults", "No fault is on.")
