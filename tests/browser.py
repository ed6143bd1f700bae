"""A real headless Chromium driving the console of a real mock process (Debian's chromium and chromium-driver).

Nothing is downloaded: the system browser and its driver are used, or the tests that need them are skipped
with a reason that says what to install.
"""

from __future__ import annotations

import os
import re
import shutil
import struct
import zlib
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
    """Save the page as NAME.png with the text it shows inside (a PNG text chunk). Where the README shows a
    screenshot of that name, its text must be the same: a page that changed since makes this fail until
    `make screenshots` (or `make docs`) takes the README's again."""
    page = page_text(driver.execute_script("return document.body.innerText"))
    picture = with_text(driver.get_screenshot_as_png(), page)
    SCREENSHOTS.mkdir(parents=True, exist_ok=True)
    (SCREENSHOTS / f"{name}.png").write_bytes(picture)
    shown = DOCUMENTED / f"{name}.png"
    if SCREENSHOTS.resolve() != DOCUMENTED.resolve() and shown.is_file():
        documented = text_of(shown.read_bytes()) or "(a page taken before screenshots carried their text)"
        if documented != page:
            changed = next(
                (
                    f"{a!r} is now {b!r}"
                    for a, b in zip(documented.splitlines(), page.splitlines(), strict=False)
                    if a != b
                ),
                "",
            )
            pytest.fail(
                f"docs/screenshots/{name}.png shows another page than the console does now ({changed}): "
                "make screenshots takes it again"
            )


DOCUMENTED = ROOT / "docs" / "screenshots"
TEXT_KEY = b"abiquo-mock page"
# What a page shows that changes from run to run: clock times, dates, durations, the store's generation, ids.
VOLATILE = (
    (re.compile(r"\d{4}[-/]\d\d[-/]\d\d([ T]\d\d:\d\d(:\d\d(\.\d+)?)?)?( ?([+-]\d{4}|Z|UTC))?"), "<date>"),
    (re.compile(r"\b\d\d:\d\d(:\d\d(\.\d+)?)?\b"), "<time>"),
    (re.compile(r"\b\d+(\.\d+)? ?(ms|s)\b"), "<duration>"),
    (re.compile(r"generation \d+"), "generation <n>"),
    (re.compile(r"\b[0-9a-f]{32}\b|\b[0-9a-f]{8}(-[0-9a-f]{4}){3}-[0-9a-f]{12}\b"), "<uuid>"),
    (re.compile(r"127\.0\.0\.1:\d+"), "127.0.0.1:<port>"),
    (re.compile(r"\b\d+ (seconds?|minutes?) ago\b"), "<ago>"),
    (re.compile(r"updated live \((event stream|polling)\)"), "updated live"),  # whichever connected first
    (re.compile(r"\b(Python-urllib|python-requests)/[\d.]+"), r"\1/<version>"),  # the Python that ran the test
)


def page_text(text: str) -> str:
    for pattern, replacement in VOLATILE:
        text = pattern.sub(replacement, text)
    return "\n".join(line.rstrip() for line in text.splitlines() if line.strip())


def with_text(png: bytes, text: str) -> bytes:
    """The PNG with an iTXt chunk (UTF-8, uncompressed) holding ``text``, placed right after its header chunk."""
    data = TEXT_KEY + b"\0\0\0\0\0" + text.encode("utf-8")
    chunk = struct.pack(">I", len(data)) + b"iTXt" + data + struct.pack(">I", zlib.crc32(b"iTXt" + data))
    end_of_header = 8 + 4 + 4 + 13 + 4  # signature, then IHDR: length, type, 13 bytes, CRC
    return png[:end_of_header] + chunk + png[end_of_header:]


def text_of(png: bytes) -> str | None:
    offset = 8
    while offset < len(png):
        (length,) = struct.unpack(">I", png[offset : offset + 4])
        kind, data = png[offset + 4 : offset + 8], png[offset + 8 : offset + 8 + length]
        if kind == b"iTXt" and data.startswith(TEXT_KEY + b"\0\0\0\0\0"):
            return data[len(TEXT_KEY) + 5 :].decode("utf-8")
        offset += 12 + length
    return None
