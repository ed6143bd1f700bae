"""A real headless Chromium driving the console of a real mock process (Debian's chromium and chromium-driver).

Nothing is downloaded: the system browser and its driver are used, or the tests that need them are skipped
with a reason that says what to install.
"""

from __future__ import annotations

import os
import shutil
from pathlib import Path

import pytest

ROOT = Path(__file__).resolve().parent.parent
# Every run keeps its screenshots under reports/ (not tracked); `make screenshots` writes the README's.
SCREENSHOTS = ROOT / os.environ.get("ABIQUO_MOCK_SCREENSHOTS", "reports/screenshots")
CHROMIUM_ARGS = (
    "--headless",
    "--no-sandbox",
    "--disable-gpu",
    "--disable-background-networking",
    "--disable-component-update",
    "--disable-sync",
    "--no-first-run",
    "--window-size=1440,1000",
)
WAIT = 10  # seconds a page has to show what a test waits for


def find_browser() -> tuple[str, str] | None:
    """(chromium, chromedriver) from ABIQUO_MOCK_CHROMIUM / ABIQUO_MOCK_CHROMEDRIVER or the PATH."""
    browser = os.environ.get("ABIQUO_MOCK_CHROMIUM") or shutil.which("chromium") or shutil.which("chromium-browser")
    driver = os.environ.get("ABIQUO_MOCK_CHROMEDRIVER") or shutil.which("chromedriver")
    return (browser, driver) if browser and driver else None


MISSING = (
    "no browser: the console's browser tests need Chromium and its driver "
    "(Debian: apt-get install chromium chromium-driver)"
)


def start_browser(*extra: str, logs: bool = False):
    """A headless Chromium; ``extra`` arguments after the usual ones (``--host-resolver-rules=…``); with ``logs``, it
    keeps its console and its network events (``driver.get_log``)."""
    found = find_browser()
    if found is None:
        pytest.skip(MISSING)
    webdriver = pytest.importorskip("selenium.webdriver", reason="selenium is not installed (pip install -e '.[dev]')")
    from selenium.webdriver.chrome.service import Service

    options = webdriver.ChromeOptions()
    options.binary_location = found[0]
    for argument in (*CHROMIUM_ARGS, *extra):
        options.add_argument(argument)
    if logs:
        options.set_capability("goog:loggingPrefs", {"browser": "ALL", "performance": "ALL"})
    return webdriver.Chrome(service=Service(executable_path=found[1]), options=options)


def screenshot(driver, name: str) -> None:
    SCREENSHOTS.mkdir(parents=True, exist_ok=True)
    driver.save_screenshot(str(SCREENSHOTS / f"{name}.png"))
