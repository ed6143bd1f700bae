"""Request paths as Abiquo's server reads them: adjacent slashes count as one, with no redirect, on every /api
operation and on the event stream, and one trailing slash changes nothing, in-process and over HTTP (front door,
fast path and Flask alike); the request journal keeps each path as it was sent.

The world is the demo; Abiquo's events-notifier builds ``"%s:%s/api/%s" % (url, port, user_uri)`` with a user URI
that starts with ``/``, so every lookup it makes has a doubled slash.
"""

from __future__ import annotations

import requests

from .support import mt

USER = "/api//admin/enterprises/2/users/2"  # as the events-notifier asks for the user an event names
ROLE_RECIPIENTS = "/api//admin/enterprises/2/users/"  # as it asks for the users of an event's enterprise
METADATA = "/api/cloud//virtualdatacenters/1/virtualappliances/1/virtualmachines/1//metadata"


def _journaled(api, path: str) -> list[dict]:
    entries = api.get("/_mock/journal?limit=1000", user=None).json["collection"]
    return [e for e in entries if e["path"] == path]


def test_a_doubled_slash_reaches_the_user_as_tomcat_dispatches_it(api):
    for _ in range(2):  # the second answer is a kept one: over HTTP the front door's fast path serves it
        answer = api.get(USER, accept=mt("user"))
        assert answer.status == 200, answer.text
        assert answer.json["nick"] == "entadmin"
    assert [e["status"] for e in _journaled(api, USER)] == [200, 200]  # the path as sent, both times


def test_a_trailing_slash_names_the_same_resource_as_jax_rs_matches_it(api):
    answer = api.get(ROLE_RECIPIENTS, accept="application/vnd.abiquo.usersWithRoles+json")
    assert answer.status == 200, answer.text
    assert {u["email"]: u["role"]["name"] for u in answer.json["collection"]} == {
        "ada@acme.example": "ENTERPRISE_ADMIN",
        "ulf@acme.example": "USER",
    }
    assert api.get("/api/admin/datacenters/1/", accept=mt("datacenter")).json["id"] == 1
    assert api.get("/api/admin/datacenters/1//").status == 200
    assert api.get("/api/admin/datacenters/1/x").status == 404


def test_a_write_through_doubled_slashes_is_the_write(api):
    envelope = api.get(METADATA, accept=mt("metadata")).json
    envelope["metadata"]["owner"] = "ops"
    answer = api.put(METADATA, body=envelope, media="metadata")
    assert answer.status == 200, answer.text
    assert api.get(METADATA.replace("//", "/"), accept=mt("metadata")).json["metadata"]["owner"] == "ops"
    assert [e["method"] for e in _journaled(api, METADATA)] == ["GET", "PUT"]


def test_the_stream_and_the_api_root_take_any_run_of_slashes(live_server):
    auth = ("admin", "xabiquo")
    version = requests.get(f"{live_server.url}//api///version", auth=auth, timeout=10)
    assert (version.status_code, version.text) == (200, "3.8.5")
    with requests.get(f"{live_server.url}//m//stream", auth=auth, stream=True, timeout=10) as stream:
        assert stream.status_code == 200
        assert stream.headers["content-type"].startswith("text/event-stream")
