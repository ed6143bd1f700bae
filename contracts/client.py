"""A client of one mock: its control API (/_mock) and the Abiquo API as the cloud administrator, and a mock
process of the suites' own. The integration suite, the generated worlds and the pytest plugin share it."""

from __future__ import annotations

import os
from urllib.parse import urlencode

import requests

from .server import MockServer

# contracts/ judges the mock from outside: it keeps its own copy of the Abiquo values it checks instead of
# importing mockserver's, so that a wrong value in the mock cannot make its own judge agree with it.
ADMIN = ("admin", "xabiquo")
VERSION = "; version=3.8"


def media(name: str) -> str:
    return f"application/vnd.abiquo.{name}+json{VERSION}"


class MockError(RuntimeError):
    """The mock answered something unexpected; the message names the request and the answer."""


class MockClient:
    """One mock server, reached at ``url`` (scheme, host and port, without /api)."""

    def __init__(
        self, url: str, user: str = ADMIN[0], password: str = ADMIN[1], token: str | None = None, form: str = "json"
    ):
        self.url = url.rstrip("/")
        self.api_url = self.url + "/api"
        self.auth = (user, password)
        self.form = form  # the rendering the connectors run against this mock are asked to speak
        self.session = requests.Session()
        if token:
            self.session.headers["X-Mock-Token"] = token

    # ------------------------------------------------------------------ control API
    def control(self, method: str, path: str, body: dict | None = None, expect: tuple[int, ...] = (200, 204)):
        answer = self.session.request(method, f"{self.url}/_mock{path}", json=body, timeout=30)
        if answer.status_code not in expect:
            raise MockError(f"{method} /_mock{path} answered {answer.status_code}: {answer.text[:300]}")
        return answer.json() if answer.content else None

    def reset(self, scenario: str = "demo", parameters: dict | None = None, abiquo: str | None = None) -> dict:
        """Load ``scenario``, served as the Abiquo release ``abiquo`` when one is named."""
        body = {"scenario": scenario, **({"parameters": parameters} if parameters else {})}
        return self.control("POST", "/reset", {**body, **({"abiquo": abiquo} if abiquo else {})})

    def upgrade(self) -> dict:
        """Upgrade the served Abiquo 3.8 world to 3.8.5 in place."""
        return self.control("POST", "/upgrade")

    def clear_faults(self) -> None:
        self.control("DELETE", "/faults")

    def scenarios(self) -> list[dict]:
        return self.control("GET", "/scenarios")["collection"]

    def journal(self, path: str | None = None, method: str | None = None, **filters) -> list[dict]:
        """Every recorded exchange matching the filters (path prefix, method, pathPattern, status, user,
        since, until), oldest first, read page by page."""
        query = {k: v for k, v in {"path": path, "method": method, **filters}.items() if v is not None}
        entries: list[dict] = []
        while True:
            page = self.control("GET", "/journal?" + urlencode({**query, "startwith": len(entries), "limit": 1000}))
            entries.extend(page["collection"])
            if not page["collection"] or len(entries) >= page["totalSize"]:
                return entries

    def count_requests(self, **pattern) -> int:
        return self.control("POST", "/journal/count", pattern)["count"]

    def verify_requests(self, **pattern) -> dict:
        return self.control("POST", "/journal/verify", pattern)

    def clear_journal(self) -> None:
        self.control("DELETE", "/journal")

    def set_state(self, vm: int, state: str) -> dict:
        return self.control("PUT", f"/virtualmachines/{vm}/state", {"state": state})

    # ------------------------------------------------------------------ Abiquo API, as admin
    def api(
        self, method: str, path: str, *, accept: str | None = None, body: object = None, content: str | None = None
    ) -> requests.Response:
        href = path if path.startswith("http") else self.api_url + "/" + path.lstrip("/")
        headers = {"Accept": accept or "application/json"}
        if content:
            headers["Content-Type"] = content
        return self.session.request(
            method, href, auth=self.auth, headers=headers, timeout=30, json=body if body is not None else None
        )

    def collection(self, path: str, item_media: str) -> list[dict]:
        """Every item of a collection, following `next` links."""
        items, href = [], path
        while href:
            answer = self.api("GET", href, accept=media(item_media))
            if answer.status_code != 200:
                raise MockError(f"GET {href} answered {answer.status_code}: {answer.text[:300]}")
            page = answer.json()
            items.extend(page.get("collection", []))
            href = next((link["href"] for link in page.get("links", []) if link.get("rel") == "next"), "")
        return items


def link(entity: dict, rel: str) -> str | None:
    return next((link["href"] for link in entity.get("links", []) if link.get("rel") == rel), None)


class MockProcess(MockServer):
    """A mock of the suite's own, in memory; a mock that does not start is a MockError."""

    def __init__(self, *args: str, env: dict | None = None):
        # A connector's whole run is judged from the journal: give it room for far more than one run needs.
        super().__init__("--memory", "--journal-mib", "256", *args, env=env)

    def wait_ready(self, timeout: float = 30, poll_s: float = 0.05) -> MockProcess:
        try:
            super().wait_ready(timeout, poll_s)
        except RuntimeError as exc:
            raise MockError(str(exc)) from None
        return self


def connector_env(client: MockClient, **extra: str) -> dict[str, str]:
    """What a connector is started with: this environment, pointed at the mock as the cloud administrator."""
    return {
        **os.environ,
        "ABIQUO_API_URL": client.api_url,
        "ABIQUO_USER": ADMIN[0],
        "ABIQUO_PASSWORD": ADMIN[1],
        "ABIQUO_FORMAT": client.form,  # json or xml: the rendering the run judges the connector in (as certify)
        **extra,
    }
