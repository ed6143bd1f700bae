"""The certification report in a real headless Chromium: it renders, a failure opens from the matrix with its
evidence, and the page sends no request at all (the browser's network log holds the page alone, and its console no
refusal of the page's Content-Security-Policy). Skipped, with the reason, where no Chromium is installed. The
README's screenshot of the report comes from here (`make screenshots`)."""

from __future__ import annotations

import json
import os
import shutil
import sys
from pathlib import Path

import pytest
from abiquo_mock.contracts.certify.run import Options, certify

from .support.browser import ROOT, WAIT, screenshot, start_browser


@pytest.fixture(scope="module")
def driver():
    browser = start_browser(logs=True)
    yield browser
    browser.quit()


@pytest.fixture(scope="module")
def report(tmp_path_factory):
    """A certification with failures: a connector that drops the keys it does not own, on two worlds, run from the
    checkout as its README says (``python`` being this interpreter)."""
    folder = tmp_path_factory.mktemp("certify-report")
    command = "python examples/connectors/fixed_model_connector.py"
    options = Options(command, report_dir=str(folder), generated=0, only={"demo", "legacy-3.8"})
    with pytest.MonkeyPatch.context() as patch:
        patch.chdir(ROOT)
        patch.setenv("PATH", f"{Path(sys.executable).parent}{os.pathsep}{os.environ.get('PATH', '')}")
        certify(options, echo=lambda _line: None)
    return folder / "report.html"


def _requests(driver) -> list[str]:
    """The URLs the page asked for since the last call, as the browser's network log has them."""
    found = []
    for entry in driver.get_log("performance"):
        message = json.loads(entry["message"])["message"]
        if message["method"] == "Network.requestWillBeSent":
            found.append(message["params"]["request"]["url"])
    return found


def _refusals(driver) -> list[str]:
    return [e["message"] for e in driver.get_log("browser") if "Content Security Policy" in e["message"]]


def _opened(driver, report_path):
    from selenium.webdriver.common.by import By
    from selenium.webdriver.support import expected_conditions as ec
    from selenium.webdriver.support.ui import WebDriverWait

    _requests(driver), _refusals(driver)  # forget what earlier pages did
    driver.get(report_path.as_uri())
    WebDriverWait(driver, WAIT).until(ec.visibility_of_element_located((By.ID, "verdict")))
    return driver


def test_the_report_renders_and_a_failure_opens_from_the_matrix_with_its_evidence(driver, report):
    from selenium.webdriver.common.by import By
    from selenium.webdriver.support import expected_conditions as ec
    from selenium.webdriver.support.ui import WebDriverWait

    page = _opened(driver, report)
    assert page.find_element(By.ID, "verdict").text == "FAIL"
    screenshot(page, "certify-report")
    failure = page.find_element(By.ID, "f-demo-preserves-foreign-keys")
    assert not failure.find_element(By.CSS_SELECTOR, "pre.before").is_displayed()  # folded until asked

    page.find_element(By.CSS_SELECTOR, 'a[data-failure="f-demo-preserves-foreign-keys"]').click()

    WebDriverWait(page, WAIT).until(lambda d: failure.find_element(By.CSS_SELECTOR, "pre.before").is_displayed())
    assert "startup-script" in failure.find_element(By.CSS_SELECTOR, "pre.before").text
    assert "policyBindings" in failure.text and "sent keys it does not own changed" in failure.text
    exchange = failure.find_element(By.CSS_SELECTOR, "details.exchange.named")
    exchange.find_element(By.TAG_NAME, "summary").click()
    WebDriverWait(page, WAIT).until(ec.visibility_of(exchange.find_element(By.TAG_NAME, "pre")))
    assert "PUT /api/cloud/" in exchange.text
    reproduce = page.find_element(By.CSS_SELECTOR, "#w-demo pre.reproduce")
    assert "abiquo-mock serve --memory --port 8080 --scenario demo" in reproduce.text
    screenshot(page, "certify-failure")


def test_expand_all_opens_every_failure(driver, report):
    from selenium.webdriver.common.by import By

    page = _opened(driver, report)
    page.find_element(By.ID, "expand-all").click()

    failures = page.find_elements(By.CSS_SELECTOR, "details.failure")
    assert failures and all(f.get_attribute("open") is not None for f in failures)


def test_no_request_leaves_the_page(driver, report):
    _opened(driver, report)

    assert _requests(driver) == [report.as_uri()]
    assert _refusals(driver) == []


def test_the_check_sees_a_page_that_tries_to_fetch_something(driver, report, tmp_path):
    tampered = tmp_path / "report.html"
    shutil.copy(report, tampered)
    text = tampered.read_text(encoding="utf-8")
    tampered.write_text(text.replace("<main>", '<main><img src="http://127.0.0.1:9/pixel.png" alt="">', 1))

    _opened(driver, tampered)

    assert _refusals(driver), "the policy refused the image, and the console says so"
