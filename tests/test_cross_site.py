"""What a web page on another site, or a DNS-rebinding page, can make the mock do while a developer's browser is
open next to it: nothing. The demo world; every request is sent as a browser would send it, through Flask
(``serve --dev``, the in-process app) and through the front door (``serve``), which ask the same question.

- A host the mock does not answer for (``Host: evil.example``): 403 on every path, before anything runs.
- A request another site sent (``Origin``, ``Sec-Fetch-Site``): 403 on the control API whatever its method,
  403 on every API write; an API read is served (the browser does not let the page read it).
- What a page may POST without asking (a form, ``text/plain``, a body without a type) to the control API: 415;
  a bodiless POST with no type at all is refused by the Origin the browser sends on it.
"""

from __future__ import annotations

import json
import re

import pytest
import requests
from abiquo_mock.mockserver.app import create_app
from abiquo_mock.mockserver.extensions import FAULT_PLAN, JOURNAL, store_of
from abiquo_mock.mockserver.frontdoor import build
from abiquo_mock.mockserver.http.api import REGISTRY

from .asgi import ADMIN, call, run
from .support import ServerProcess, scenarios_folder_of_its_own

JSON = "application/json"
DEPLOY = "/api/cloud/virtualdatacenters/1/virtualappliances/1/virtualmachines/3/action/deploy"
VALUES = {"vm": "3", "dc": "1", "policy": "1", "backup": "1", "enterprise": "2", "limit": "1", "vdc": "1", "vapp": "1"}
# What each control write would do if it were served: overwrite a shipped scenario, empty the world, ...
BODIES = {
    "/_mock/reset": {"scenario": "empty"},
    "/_mock/console/api/scenarios": {"name": "demo", "overwrite": True},
    "/_mock/faults": {"faults": [{"kind": "error", "code": "503-SERVICE-UNAVAILABLE"}]},
    "/_mock/timeline": {"steps": [{"at": 0, "undeploy": 1}]},
    "/_mock/virtualmachines/3/state": {"state": "ON"},
    "/_mock/console/api/datacenters/1/backupproperties": {
        "multipleRestore": False,
        "multiplePolicies": False,
        "updateWhileDeployed": True,
    },
}
FOREIGN = [
    {"Origin": "http://evil.example"},
    {"Origin": "null"},  # a sandboxed frame, a file, a redirect from elsewhere
    {"Origin": "http://localhost:9999"},  # another loopback origin: a dev server on another port
    {"Origin": "http://127.0.0.1"},  # another host name of the same machine is another origin
    {"Origin": "not a url"},
    {"Sec-Fetch-Site": "cross-site"},
    {"Sec-Fetch-Site": "same-site"},  # localhost:3000 -> localhost:8080 is "same-site"
    {"Origin": "http://localhost", "Sec-Fetch-Site": "cross-site"},
]
SIMPLE = [  # what a page may send to any address without the browser asking first (a CORS "simple" request)
    ("text/plain", json.dumps({"scenario": "empty"}).encode()),
    ("text/plain;charset=UTF-8", b'{"scenario": "empty", "x": "="}'),
    ("application/x-www-form-urlencoded", b"scenario=empty"),
    ("application/x-www-form-urlencoded", b""),  # an HTML form with nothing in it
    (
        "multipart/form-data; boundary=x",
        b'--x\r\nContent-Disposition: form-data; name="scenario"\r\n\r\nempty\r\n--x--',
    ),
    (None, b'{"scenario": "empty"}'),  # a body without a type
]
BAD_HOSTS = [
    "evil.example",
    "evil.example:8080",
    "localhost.evil.example",
    "127.0.0.1.evil.example",
    "evil.example,localhost",  # two Host headers, joined
    "localhost:80abc",
    "[::1]evil",
    "",
]
GOOD_HOSTS = ["localhost", "LOCALHOST:8080", "console.localhost:8080", "127.0.0.1:8080", "127.9.9.9", "[::1]:8080"]
GOOD_HOSTS += ["10.1.2.3:8080", "localhost."]
PATHS = ["/api/version", "/api/admin/datacenters", "/api/openapi.json", "/_mock/health", "/_mock/journal"]
PATHS += ["/_mock/console/", "/_mock/console/api/world", "/nowhere", DEPLOY]


def _concrete(path: str) -> str:
    return re.sub(r"\{(\w+)\}", lambda m: VALUES[m.group(1)], path)


def _operations(prefix: str, methods: tuple[str, ...]) -> list[tuple[str, str]]:
    create_app({"DB_PATH": None, "SCENARIO": "empty"})  # every context's operations are declared by now
    found = {(op.method, _concrete(op.path)) for op in REGISTRY if op.prefix == prefix and op.method in methods}
    return sorted(found)


CONTROL_WRITES = _operations("/_mock", ("POST", "PUT", "PATCH"))
CONTROL = _operations("/_mock", ("GET", "POST", "PUT", "PATCH", "DELETE"))
API_WRITES = _operations("/api", ("POST", "PUT", "PATCH", "DELETE"))


@pytest.fixture
def fixtures(tmp_path, monkeypatch):
    """A scenarios folder of the test's own, holding the shipped scenarios: a page must not overwrite one."""
    return scenarios_folder_of_its_own(tmp_path, monkeypatch)


class Through:
    """One way in: Flask's own (the dev server, the in-process app) or the front door (what ``serve`` runs)."""

    def __init__(self, way: str, **config):
        self.app = create_app({"DB_PATH": None, "SCENARIO": "demo", **config})
        self.way = way
        self.door = build(self.app) if way == "door" else None
        self.client = self.app.test_client()

    def send(self, method: str, path: str, headers: dict | None = None, body: bytes = b"") -> tuple[int, list[str]]:
        headers = dict(headers or {})
        if self.door is not None:
            if body:
                headers["Content-Length"] = str(len(body))
            sent = run(call(self.door, method, path, headers=headers, chunks=[body] if body else ()))
            status, text = sent.status, sent.body
        else:
            answer = self.client.open(path, method=method, headers=headers, data=body)
            status, text = answer.status_code, answer.get_data()
        try:
            document = json.loads(text)
        except ValueError:
            return status, []
        codes = [e.get("code") for e in document.get("collection", [])] if isinstance(document, dict) else []
        return status, codes

    def state(self, fixtures) -> tuple:
        """All a refused request could have changed: the world, the faults, the timeline, the scenarios folder."""
        plan = self.app.extensions[FAULT_PLAN]
        store = store_of(self.app)
        files = {path.name: path.read_bytes() for path in sorted(fixtures.glob("*.yaml"))}
        return store.generation, store.dump(), len(plan.rules), self.client.get("/_mock/timeline").get_json(), files


@pytest.fixture(params=["flask", "door"])
def way(request, fixtures):
    return Through(request.param)


@pytest.mark.parametrize("method, path", CONTROL_WRITES)
def test_a_control_write_a_page_could_send_without_asking_is_415_and_changes_nothing(way, fixtures, method, path):
    before = way.state(fixtures)
    for content_type, body in SIMPLE:
        headers = {"Content-Type": content_type} if content_type else {}
        assert way.send(method, path, headers, body) == (415, ["415-UNSUPPORTED-MEDIA-TYPE"]), content_type
    assert way.state(fixtures) == before


@pytest.mark.parametrize("method, path", CONTROL)
def test_the_control_api_refuses_any_request_another_site_sent(way, fixtures, method, path):
    before = way.state(fixtures)
    body = json.dumps(BODIES.get(path, {})).encode() if method != "GET" else b""
    for foreign in FOREIGN:
        headers = {**foreign, **({"Content-Type": JSON} if body else {})}
        assert way.send(method, path, headers, body) == (403, ["403-FORBIDDEN"]), foreign
    assert way.state(fixtures) == before


@pytest.mark.parametrize(
    "same", [{"Origin": "http://localhost"}, {"Sec-Fetch-Site": "same-origin"}, {"Sec-Fetch-Site": "none"}, {}]
)
def test_the_console_and_a_script_are_still_served(way, same):
    body = json.dumps({"scenario": "empty"}).encode()
    assert way.send("POST", "/_mock/reset", {**same, "Host": "localhost", "Content-Type": JSON}, body)[0] == 200
    assert way.send("GET", "/_mock/health", {**same, "Host": "localhost"})[0] == 200


def test_a_bodiless_post_without_a_type_is_served_from_outside_a_browser_and_refused_from_a_page(way, fixtures):
    # fetch(url, {method: "POST", mode: "no-cors"}) sends no type: the browser sends Origin on it
    before = way.state(fixtures)
    for foreign in FOREIGN:
        assert way.send("POST", "/_mock/reset", foreign) == (403, ["403-FORBIDDEN"]), foreign
    assert way.state(fixtures) == before
    assert way.send("POST", "/_mock/reset")[0] == 200  # curl -X POST, the suites' client: the demo world


def test_a_link_from_another_site_still_opens_the_console_page_but_no_frame_of_it(way):
    navigation = {"Sec-Fetch-Site": "cross-site", "Sec-Fetch-Mode": "navigate"}
    assert way.send("GET", "/_mock/console/", navigation)[0] == 200  # the page holds no data
    assert way.send("GET", "/_mock/console/api/world", navigation) == (403, ["403-FORBIDDEN"])  # its data does
    page = way.client.get("/_mock/console/")
    assert (
        page.headers["Content-Security-Policy"] == "frame-ancestors 'none'"
        and page.headers["X-Frame-Options"] == "DENY"
    )


@pytest.mark.parametrize("method, path", API_WRITES)
def test_an_api_write_from_another_site_is_refused_and_changes_nothing(way, fixtures, method, path):
    before = way.state(fixtures)
    headers = {"Authorization": ADMIN, "Origin": "http://evil.example", "Content-Type": "text/plain"}
    assert way.send(method, path, headers, b'{"id": 1}') == (403, ["403-FORBIDDEN"])
    assert way.send(method, path, {"Authorization": ADMIN, "Sec-Fetch-Site": "cross-site"})[0] == 403
    assert way.state(fixtures) == before


def test_a_bodiless_deploy_from_another_site_is_refused_and_a_connectors_is_served(way, fixtures):
    assert way.send("POST", DEPLOY, {"Authorization": ADMIN, "Origin": "http://evil.example"})[0] == 403
    assert store_of(way.app).get("virtualmachines", 3)["state"] == "NOT_ALLOCATED"
    assert way.send("POST", DEPLOY, {"Authorization": ADMIN})[0] == 202  # a connector sends no Origin


def test_an_api_read_from_another_site_is_served(way):
    assert (
        way.send("GET", "/api/admin/datacenters", {"Authorization": ADMIN, "Origin": "http://evil.example"})[0] == 200
    )


@pytest.mark.parametrize("host", BAD_HOSTS)
def test_every_path_refuses_a_host_the_mock_does_not_answer_for(way, fixtures, host):
    before = way.state(fixtures)
    for path in PATHS:
        method = "POST" if path == DEPLOY else "GET"
        assert way.send(method, path, {"Host": host, "Authorization": ADMIN}) == (403, ["403-FORBIDDEN"]), path
    assert way.state(fixtures) == before


def test_loopback_names_and_ip_addresses_are_answered(way):
    for host in GOOD_HOSTS:
        assert way.send("GET", "/api/version", {"Host": host})[0] == 200, host


def test_allowed_hosts_add_names_domains_or_any_host():
    door = Through("door", ALLOWED_HOSTS=("abiquo-mock", ".ci.example"))
    for host in ("abiquo-mock:8080", "ci.example", "runner-1.ci.example"):
        assert door.send("GET", "/api/version", {"Host": host})[0] == 200, host
    for host in ("abiquo-mock.evil.example", "evilci.example", "evil.example"):
        assert door.send("GET", "/api/version", {"Host": host})[0] == 403, host
    assert Through("flask", ALLOWED_HOSTS=("*",)).send("GET", "/api/version", {"Host": "evil.example"})[0] == 200
    assert Through("flask", BIND_HOST="mock.lan").send("GET", "/api/version", {"Host": "mock.lan:8080"})[0] == 200


def test_links_carry_an_allowed_host_only():
    app = create_app({"DB_PATH": None, "SCENARIO": "demo", "ALLOWED_HOSTS": ("abiquo-mock",)})
    answer = app.test_client().get(
        "/api/admin/datacenters", headers={"Host": "abiquo-mock:8080", "Authorization": ADMIN}
    )
    hrefs = [link["href"] for dc in answer.get_json()["collection"] for link in dc["links"]]
    assert hrefs and all(href.startswith("http://abiquo-mock:8080/api/") for href in hrefs)


def test_a_refused_request_never_reaches_the_journal(way):
    way.send("GET", "/api/admin/datacenters", {"Host": "evil.example", "Authorization": ADMIN})
    way.send("POST", DEPLOY, {"Authorization": ADMIN, "Origin": "http://evil.example"})
    assert way.app.extensions[JOURNAL].select(_everything()) == []


def _everything():
    from abiquo_mock.mockserver.control.journal import Pattern

    return Pattern.of({})


# ---------------------------------------------------------------------------------------------- real servers


def _http(url: str, method: str, path: str, **headers) -> tuple[int, str]:
    answer = requests.request(method, url + path, headers=headers, timeout=10)
    return answer.status_code, answer.text


def test_a_real_server_refuses_what_a_page_sends(live_server):
    url = live_server.url
    assert requests.post(url + "/_mock/reset", json={}, timeout=30).status_code == 200
    for path in ("/api/version", "/_mock/health", "/_mock/console/", "/m/stream", "/api/admin/datacenters"):
        headers = {"Host": "evil.example", "Authorization": ADMIN}
        with requests.get(url + path, headers=headers, stream=True, timeout=10) as answer:  # a stream never ends
            assert answer.status_code == 403, path
            assert json.loads(answer.raw.read(1000))["collection"][0]["code"] == "403-FORBIDDEN"
    reset = requests.post(url + "/_mock/reset", data='{"scenario": "empty"}', headers={"Content-Type": "text/plain"})
    assert reset.status_code == 415
    assert _http(url, "POST", DEPLOY, Authorization=ADMIN, Origin="http://evil.example")[0] == 403
    vm = requests.get(url + DEPLOY.rsplit("/action", 1)[0], auth=("admin", "xabiquo"), timeout=10).json()
    assert vm["state"] == "NOT_ALLOCATED"  # neither reset to the empty world nor deployed


@pytest.mark.parametrize("dev", [False, True], ids=["serve", "serve --dev"])
def test_a_container_or_ci_service_name_is_allowed_by_flag_or_environment(dev):
    env = {"ABIQUO_MOCK_ALLOWED_HOSTS": "ci-mock, .svc.example"}
    with ServerProcess("--memory", "--allowed-host", "abiquo-mock", *(["--dev"] if dev else []), env=env) as server:
        for host in ("abiquo-mock", "ci-mock:8080", "mock.svc.example"):
            assert _http(server.url, "GET", "/_mock/health", Host=host)[0] == 200, host
        assert _http(server.url, "GET", "/_mock/health", Host="evil.example")[0] == 403
        links = requests.get(
            server.url + "/api/admin/datacenters/1", headers={"Host": "ci-mock:8080"}, auth=("admin", "xabiquo")
        )
        assert links.json()["links"][0]["href"].startswith("http://ci-mock:8080/api/")


def test_any_host_is_answered_only_when_asked():
    with ServerProcess("--memory", "--allowed-host", "*") as server:
        assert _http(server.url, "GET", "/api/version", Host="evil.example")[0] == 200
        assert _http(server.url, "POST", DEPLOY, Authorization=ADMIN, Origin="http://evil.example")[0] == 403
