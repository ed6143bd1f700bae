"""What the two request pipelines (the front door and Flask) share, held together: every request hook is in
its place of the declared order and is either done by the fast path or deliberately not needed there; one
credential decision, taken the same way by the door before a body and by Flask; kept answers keyed on every
header that carries credentials."""

from __future__ import annotations

import base64
import importlib

import pytest
from abiquo_mock.mockserver.app import create_app
from abiquo_mock.mockserver.errors import AbiquoError
from abiquo_mock.mockserver.extensions import store_of
from abiquo_mock.mockserver.frontdoor import build, fast
from abiquo_mock.mockserver.frontdoor.bridge import environ_of
from abiquo_mock.mockserver.http import answers, credentials, hooks

from .asgi import ADMIN, call, run, scope_of

FAULT = [{"kind": "error", "code": "503-SERVICE-UNAVAILABLE", "route": "/api/admin/datacenters/1"}]


def _basic(pair: bytes) -> str:
    return "Basic " + base64.b64encode(pair).decode()


@pytest.fixture
def app():
    # every context that installs hooks does so here: the control API on, a fault configured
    return create_app({"DB_PATH": None, "SCENARIO": "demo", "FAULTS": FAULT})


def test_every_request_hook_of_the_app_has_its_place_in_the_order(app):
    assert hooks.unaccounted(app) == []
    assert sum(len(funcs) for funcs in app.before_request_funcs.values()) >= 6  # guards the test itself


def test_a_hook_installed_outside_the_order_is_found(app):
    def audit():
        return None

    app.before_request(audit)
    assert [entry for entry in hooks.unaccounted(app) if "audit" in entry] != []


def test_a_hook_without_a_place_in_the_order_cannot_be_installed(app):
    with pytest.raises(ValueError, match="ORDER"):
        hooks.install(app, "audit", hooks.BEFORE, lambda: None)


def _resolved(dotted: str):
    """The object a dotted name under mockserver names (a module, then attributes)."""
    parts = dotted.split(".")
    for split in range(len(parts), 0, -1):
        try:
            found = importlib.import_module("abiquo_mock." + ".".join(parts[:split]))
        except ImportError:
            continue
        for attribute in parts[split:]:
            found = getattr(found, attribute)
        return found
    raise AssertionError(f"{dotted} names no module")


@pytest.mark.parametrize("hook", hooks.ORDER, ids=lambda hook: f"{hook.when}-{hook.name}")
def test_each_hook_is_run_or_deliberately_skipped_on_the_fast_path(hook):
    disposition, _, how = hook.fast_path.partition(": ")
    assert disposition in ("runs", "skipped") and how, hook
    if disposition == "runs":  # it names the door's code that does it (or what the door asks)
        assert callable(_resolved(how.split()[0].rstrip(","))), hook


def test_the_hooks_run_in_the_declared_order_whatever_the_order_they_were_installed_in(app):
    before = [hook.name for hook in hooks.ORDER if hook.when == hooks.BEFORE]
    ran = [hooks.name_of(app, func) for func in app.before_request_funcs[None]]
    assert ran == [name for name in before if name in ran]
    after = [hook.name for hook in hooks.ORDER if hook.when == hooks.AFTER]
    ran_after = [hooks.name_of(app, func) for func in reversed(app.after_request_funcs[None])]  # as Flask runs them
    assert ran_after == [name for name in after if name in ran_after]
    assert "faults" in ran and "journal" in ran_after and "console_changes" in ran_after  # every context's


# ---------------------------------------------------------------------------------------------- credentials

CALLERS = {
    "none": {},
    "admin": {"Authorization": ADMIN},
    "wrong password": {"Authorization": _basic(b"admin:wrong")},
    "unknown user": {"Authorization": _basic(b"nobody:x")},
    "another scheme": {"Authorization": "Bearer abc"},
    "not base64": {"Authorization": "Basic %%%"},
    "empty": {"Authorization": ""},
}


@pytest.mark.parametrize("who", sorted(CALLERS))
def test_the_door_and_flask_take_the_same_credential_decision(app, who):
    """A write with a body: the door decides before reading it, Flask again before the view; a caller the
    door lets through is one Flask accepts, and one it refuses unread is one Flask refuses."""
    door = build(app)
    read = []
    body = b'{"state": "OFF"}'
    headers = {**CALLERS[who], "Content-Type": "application/json", "Content-Length": str(len(body))}
    sent = run(call(door, "PUT", "/api/admin/datacenters/1", headers=headers, chunks=[body], read=read))
    through_flask = app.test_client().put("/api/admin/datacenters/1", data=body, headers=headers)
    decided = credentials.caller(store_of(app), lambda name: CALLERS[who].get(name.title()))
    refused = isinstance(decided, AbiquoError)
    assert (sent.status == 401) == (through_flask.status_code == 401) == refused, (sent.status, through_flask.status)
    # refused: answered before the body was asked for; let through: the body read before any answer
    assert all(status is not None for status in read) if refused else read[0] is None


def test_a_public_path_asks_for_no_credentials(app):
    for path in credentials.PUBLIC_PATHS:
        assert credentials.caller_of(store_of(app), path, lambda name: None) is None
        assert app.test_client().get(path).status_code == 200
    assert isinstance(credentials.caller_of(store_of(app), "/api/login", lambda name: None), AbiquoError)


def test_kept_answers_are_keyed_on_every_credential_header_alike_in_both_pipelines():
    headers = {
        "Host": "mock.localhost",
        "Accept": "*/*",
        **{name: f"{name} one" for name in credentials.CREDENTIAL_HEADERS},
    }
    scope = scope_of("GET", "/api/admin/datacenters", headers, query="a=1")
    assert fast.key_of(scope) == answers.key_of(environ_of(scope, b""))
    for name in credentials.CREDENTIAL_HEADERS:
        other = scope_of("GET", "/api/admin/datacenters", {**headers, name: f"{name} two"}, query="a=1")
        assert fast.key_of(other) != fast.key_of(scope), name
        assert answers.key_of(environ_of(other, b"")) != answers.key_of(environ_of(scope, b"")), name
