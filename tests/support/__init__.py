"""One way for tests to talk to the mock, in-process (Flask test client) or over HTTP (a real server)."""

from __future__ import annotations

import base64
import functools
import http.cookiejar
import json
from dataclasses import dataclass, field

import requests
from abiquo_mock.contracts.server import MockServer

USERS = {"admin": "xabiquo", "entadmin": "entadmin", "user": "user", "globex": "globex"}
V = "; version=3.8"


def mt(name: str) -> str:
    return f"application/vnd.abiquo.{name}+json"


@dataclass
class Answer:
    status: int
    headers: dict
    text: str
    json: object = field(default=None)

    @property
    def codes(self) -> list[str]:
        return [e["code"] for e in (self.json or {}).get("collection", [])] if isinstance(self.json, dict) else []


def _answer(status: int, headers, text: str) -> Answer:
    try:
        body = json.loads(text) if text else None
    except ValueError:
        body = None
    return Answer(status, {k.lower(): v for k, v in headers.items()}, text, body)


class Api:
    """Requests with Abiquo defaults: Basic auth as ``user``; ``body`` sent as JSON of media ``media``."""

    def __init__(self, base: str = ""):
        self.base = base

    def request(
        self,
        method: str,
        path: str,
        *,
        user: str | None = "admin",
        accept: str | None = None,
        media: str | None = None,
        body: object = None,
        raw: bytes | None = None,
        headers: dict | None = None,
    ) -> Answer:
        sent = dict(headers or {})
        if user is not None:
            sent["Authorization"] = "Basic " + base64.b64encode(f"{user}:{USERS.get(user, 'x')}".encode()).decode()
        if accept is not None:
            sent["Accept"] = accept
        data = raw
        if body is not None:
            data = json.dumps(body).encode()
            sent.setdefault("Content-Type", mt(media) + V if media else "application/json")
        return self._send(method, path, sent, data)

    def _send(self, method, path, headers, data) -> Answer:  # pragma: no cover - overridden
        raise NotImplementedError

    def get(self, path, **kw):
        return self.request("GET", path, **kw)

    def put(self, path, body=None, **kw):
        return self.request("PUT", path, body=body, **kw)

    def post(self, path, body=None, **kw):
        return self.request("POST", path, body=body, **kw)

    def delete(self, path, **kw):
        return self.request("DELETE", path, **kw)

    def reset(self, scenario: str = "demo") -> None:
        answer = self.request("POST", "/_mock/reset", user=None, body={"scenario": scenario})
        assert answer.status == 200, answer.text


class InProcessApi(Api):
    def __init__(self, app):
        super().__init__("http://localhost")
        self.app = app
        self.client = app.test_client(use_cookies=False)  # a test sends the cookies it means to

    def _send(self, method, path, headers, data) -> Answer:
        r = self.client.open(path, method=method, headers=headers, data=data)
        return _answer(r.status_code, r.headers, r.get_data(as_text=True))


class HttpApi(Api):
    def __init__(self, base: str):
        super().__init__(base)
        self.session = requests.Session()
        # a test sends the session cookie it means to (tests/test_sessions.py): none is kept behind its back
        self.session.cookies.set_policy(http.cookiejar.DefaultCookiePolicy(allowed_domains=[]))

    def _send(self, method, path, headers, data) -> Answer:
        r = self.session.request(method, self.base + path, headers=headers, data=data, timeout=30)
        return _answer(r.status_code, r.headers, r.text)


# The tests start the mock exactly as the contract suites do.
ServerProcess = MockServer


def scenarios_folder_of_its_own(folder, monkeypatch):
    """``folder`` holding copies of the shipped scenarios, as the scenarios folder (ABIQUO_MOCK_FIXTURES): what a
    test saves, overwrites or breaks there never touches the shipped files."""
    import shutil

    from abiquo_mock.mockserver import scenarios

    for path in scenarios.fixtures_dir().glob("*.yaml"):
        shutil.copy(path, folder / path.name)
    monkeypatch.setenv("ABIQUO_MOCK_FIXTURES", str(folder))
    return folder


def contract_errors(media: str, document: object) -> list[str]:
    """Why ``document`` does not match the contract's schema of media ``media`` (empty when it does)."""
    return [error.message for error in _contract_validator(media).iter_errors(document)]


@functools.cache
def _contract_validator(media: str):
    import jsonschema_rs
    from abiquo_mock.mockserver.openapi import _component, build

    return jsonschema_rs.Draft4Validator(
        {"components": build()["components"], "$ref": f"#/components/schemas/{_component(media)}"}
    )
