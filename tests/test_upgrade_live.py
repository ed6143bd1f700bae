"""The upgrade as an event in a running world (docs/BACKUP-RULES.md#upgrade): a timeline step or ``POST /_mock/upgrade``
turns the served 3.8 world into 3.8.5 in one transaction. Readers see the 3.8 world or the 3.8.5 one, never a part of
each; an answer kept from before is not served after; an open event stream stays open and hears what changed."""

from __future__ import annotations

import threading
import time

import requests
from abiquo_mock.mockserver import release
from abiquo_mock.mockserver.app import create_app
from abiquo_mock.mockserver.backup.upgrade import upgrade_store
from abiquo_mock.mockserver.extensions import store_of

from .support import HttpApi, InProcessApi, ServerProcess

DC = "/api/admin/datacenters/1"


def legacy_app(**config):
    return create_app({"DB_PATH": None, "SCENARIO": "legacy-3.8", "LIFECYCLE_MS": 10, **config})


def wait_played(api, count: int) -> list[dict]:
    deadline = time.monotonic() + 10
    while time.monotonic() < deadline:
        played = api.get("/_mock/timeline", user=None).json["played"]
        if len(played) >= count:
            return played
        time.sleep(0.02)
    raise AssertionError(f"the timeline did not play {count} steps")


def test_an_upgrade_step_turns_the_served_world_into_3_8_5():
    api = InProcessApi(legacy_app())
    steps = [{"at": 0, "metadata": 1, "as": "entadmin", "set": {"owner": "web"}}, {"at": 20, "upgrade": True}]
    assert api.post("/_mock/timeline", {"steps": steps}, user=None).status == 200
    played = wait_played(api, 2)

    assert [(p["path"], p["status"]) for p in played][1] == ("/_mock/upgrade", 200)
    assert api.get("/api/version").text == "3.8.5"
    assert api.get(f"{DC}/backuppolicies?limit=0").json["totalSize"] == 11
    events = api.get("/api/events?limit=0&asc=true").json["collection"]
    assert (events[0]["action"], events[0]["user"]) == ("METADATA_MODIFIED", "entadmin")  # the 3.8 write first
    assert {e["user"] for e in events[1:]} == {"SYSTEM"}


def test_an_upgrade_step_is_true_or_refused():
    api = InProcessApi(legacy_app())
    answer = api.post("/_mock/timeline", {"steps": [{"at": 0, "upgrade": 1}]}, user=None)
    assert answer.status == 400 and answer.codes == ["CTRL-TIMELINE"] and "'upgrade' is true" in answer.text


def test_an_upgrade_that_starts_in_the_middle_of_a_request_waits_for_it(monkeypatch):
    """The request reads the release twice (the operation's, its datacenter's links); the upgrade is started on
    another thread right after the first read. The request must answer from the one world it began in."""
    app = legacy_app()
    api, store = InProcessApi(app), store_of(app)
    original, read, upgrading = release.of, [], []

    def of(where):
        found = original(where)
        read.append(found.name)
        if len(read) == 1:
            upgrading.append(threading.Thread(target=upgrade_store, args=(store,)))
            upgrading[0].start()
            upgrading[0].join(0.5)  # time enough to finish, unless the request holds the world
        return found

    monkeypatch.setattr(release, "of", of)
    links = [link["rel"] for link in api.get(DC).json["links"]]
    upgrading[0].join(10)

    assert read[:2] == ["3.8", "3.8"] and links == ["edit", "racks", "backups"]
    assert original(store).name == "3.8.5" and "backuppolicies" in [link["rel"] for link in api.get(DC).json["links"]]


def test_an_answer_kept_before_the_upgrade_is_not_served_after_it():
    with ServerProcess("--memory", "--scenario", "legacy-3.8") as server:
        http = HttpApi(server.url)
        for _ in range(3):  # kept, then served from the front door's fast path
            assert [link["rel"] for link in http.get(DC).json["links"]] == ["edit", "racks", "backups"]
            assert http.get("/api/version", user=None).text == "3.8.0"
            assert http.get(f"{DC}/backuppolicies").status == 404
        assert http.post("/_mock/upgrade", user=None).json["changed"] is True
        assert "backuppolicies" in [link["rel"] for link in http.get(DC).json["links"]]
        assert http.get("/api/version", user=None).text == "3.8.5"
        assert http.get(f"{DC}/backuppolicies").status == 200


def test_an_open_event_stream_stays_open_through_the_upgrade_and_hears_what_it_changed():
    with ServerProcess("--memory", "--scenario", "legacy-3.8") as server:
        received = bytearray()
        opened = threading.Event()
        still_open: list[int] = []

        def listen():
            with requests.get(f"{server.url}/m/stream", auth=("admin", "xabiquo"), stream=True, timeout=30) as answer:
                opened.set()
                for chunk in answer.iter_content(chunk_size=None):
                    received.extend(chunk)
                    if received.count(b"METADATA_MODIFIED") >= 8:  # heard it all, on the stream opened before
                        still_open.append(requests.get(f"{server.url}/_mock/streams", timeout=5).json()["open"])
                        return

        reader = threading.Thread(target=listen, daemon=True)
        reader.start()
        assert opened.wait(10)
        deadline = time.monotonic() + 10
        while requests.get(f"{server.url}/_mock/streams", timeout=5).json()["open"] < 1:
            assert time.monotonic() < deadline, "the stream never opened"
            time.sleep(0.05)
        assert requests.post(f"{server.url}/_mock/upgrade", timeout=30).json()["changed"] is True
        reader.join(15)

        assert received.count(b"METADATA_MODIFIED") == 8, "every VM the upgrade bound is heard of"
        assert b"BACKUP_POLICY" in received and b'"user":"SYSTEM"' in received
        assert still_open == [1]
