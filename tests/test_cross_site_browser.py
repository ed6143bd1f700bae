"""A hostile page in a real headless Chromium, next to a real mock with no control token (the worst case): a page
on another loopback origin posts forms, text/plain and beacons at the control API and deploys a VM with the Basic
credentials the browser holds; a DNS-rebinding page (``rebind.test``, resolved to 127.0.0.1 by the browser) loads
the console and reads the journal as if same-origin. None of it changes or reads anything. Skipped, with the
reason, where no Chromium is installed."""

from __future__ import annotations

import http.server
import threading
import time

import pytest
import requests

from .support import ServerProcess
from .support.browser import WAIT, start_browser

VM3 = "/api/cloud/virtualdatacenters/1/virtualappliances/1/virtualmachines/3"
ATTACK = """<!doctype html><html><body>
<iframe name="sink"></iframe>
<form id="reset" method="post" enctype="text/plain" target="sink" action="{mock}/_mock/reset">
  <input name='{{"scenario": "empty", "x": "' value='"}}'></form>
<form id="deploy" method="post" target="sink" action="{mock}{vm}/action/deploy"></form>
<script>
(async () => {{
  const fault = JSON.stringify({{faults: [{{kind: "error", route: "*"}}]}});
  const shots = [
    fetch("{mock}/_mock/faults", {{method: "POST", mode: "no-cors", body: fault}}),
    fetch("{mock}/_mock/reset", {{method: "POST", mode: "no-cors"}}),
    fetch("{mock}{vm}/action/deploy", {{method: "POST", mode: "no-cors", credentials: "include"}}),
    fetch("{mock}/_mock/console/api/scenarios", {{method: "POST", mode: "no-cors",
      body: JSON.stringify({{name: "demo", overwrite: true}})}}),
  ];
  navigator.sendBeacon("{mock}/_mock/reset", JSON.stringify({{scenario: "empty"}}));
  await Promise.allSettled(shots);
  document.getElementById("reset").submit();
  setTimeout(() => {{ document.getElementById("deploy").submit(); document.title = "fired"; }}, 500);
}})();
</script></body></html>"""


@pytest.fixture(scope="module")
def driver():
    browser = start_browser("--host-resolver-rules=MAP rebind.test 127.0.0.1")
    yield browser
    browser.quit()


@pytest.fixture(scope="module")
def mock():
    with ServerProcess("--memory") as server:
        yield server


@pytest.fixture
def attacker():
    """A page server of its own on another loopback port; the page is set per test."""
    pages: dict[str, bytes] = {}

    class Pages(http.server.BaseHTTPRequestHandler):
        def do_GET(self):
            body = pages.get(self.path, b"")
            self.send_response(200 if body else 404)
            self.send_header("Content-Type", "text/html")
            self.end_headers()
            self.wfile.write(body)

        def log_message(self, *args):
            pass

    server = http.server.ThreadingHTTPServer(("127.0.0.1", 0), Pages)
    threading.Thread(target=server.serve_forever, daemon=True).start()
    yield pages, server.server_address[1]
    server.shutdown()


def _world(mock) -> tuple:
    vms = requests.get(mock.url + "/api/cloud/virtualmachines", auth=("admin", "xabiquo"), timeout=10).json()
    faults = requests.get(mock.url + "/_mock/faults", timeout=10).json()["collection"]
    state = requests.get(mock.url + VM3, auth=("admin", "xabiquo"), timeout=10).json()["state"]
    return vms["totalSize"], faults, state


@pytest.mark.parametrize("target", ["127.0.0.1", "localhost"], ids=["cross-site", "same-site-other-port"])
def test_a_page_on_another_origin_cannot_drive_the_mock(driver, mock, attacker, target):
    assert requests.post(mock.url + "/_mock/reset", json={}, timeout=30).status_code == 200
    base = f"http://{target}:{mock.port}"
    driver.get(f"http://admin:xabiquo@{target}:{mock.port}/api/admin/datacenters")  # the browser now holds them
    pages, port = attacker
    pages["/attack.html"] = ATTACK.format(mock=base, vm=VM3).encode()
    driver.get(f"http://localhost:{port}/attack.html")
    deadline = time.monotonic() + WAIT
    while driver.title != "fired" and time.monotonic() < deadline:
        time.sleep(0.1)
    assert driver.title == "fired", "the attack page did not run"
    time.sleep(1)  # the last form's request
    assert _world(mock) == (7, [], "NOT_ALLOCATED")
    assert "demo" in [s["name"] for s in requests.get(mock.url + "/_mock/scenarios", timeout=10).json()["collection"]]


def test_a_dns_rebinding_page_reads_nothing(driver, mock):
    driver.get(f"http://rebind.test:{mock.port}/_mock/console/")
    assert "403-FORBIDDEN" in driver.page_source and "console.js" not in driver.page_source
    read = driver.execute_async_script(
        "const done = arguments[0];"
        "fetch('/_mock/journal').then(r => r.text().then(t => done([r.status, t]))).catch(e => done([0, String(e)]));"
    )
    assert read[0] == 403 and "403-FORBIDDEN" in read[1], read
