"""The event log read through its index answers exactly what sorting the whole log would, page by page, as
events arrive and the oldest leave, after a reset, and for a tenant that sees only its own."""

from __future__ import annotations

import json

import pytest
from abiquo_mock.mockserver.app import create_app
from abiquo_mock.mockserver.events import model
from abiquo_mock.mockserver.extensions import ANSWERS, store_of
from abiquo_mock.mockserver.security import User

ADMIN = User(1, "admin", 1, 1, frozenset({"ENTERPRISE_ADMINISTER_ALL"}))
QUERIES = [
    "",
    "?limit=7",
    "?startwith=5&limit=7",
    "?startwith=25&limit=10",
    "?limit=0",
    "?startwith=3&limit=0",
    "?asc=false",
    "?asc=true&limit=4&startwith=6",
    "?asc=false&limit=4&startwith=6",
    "?asc=false&limit=0&startwith=2",
    "?by=id&asc=false&limit=5",
    "?startwith=1000",
    "?datefrom={middle}",
    "?datefrom={middle}&asc=false&limit=3&startwith=1",
    "?datefrom=99999999999",
]


@pytest.fixture
def app(monkeypatch):
    monkeypatch.setattr(model, "KEPT", 30)  # the oldest events leave early
    return create_app({"DB_PATH": None, "SCENARIO": "demo"})


def _record(app, count: int, start: int = 0) -> None:
    store = store_of(app)
    for n in range(start, start + count):
        model.record(store, ADMIN, "BACKUP_POLICY", "MODIFY", enterprise=1 + n % 2, entity=f"/x/{n}")


def _answers(app, user: tuple[str, str], middle: int) -> list[tuple[int, dict]]:
    client = app.test_client()
    found = []
    for query in QUERIES:
        app.extensions[ANSWERS]._kept.clear()
        answer = client.get("/api/events" + query.format(middle=middle), auth=user)
        found.append((answer.status_code, json.loads(answer.data)))
    return found


def _compare(app, monkeypatch, user=("admin", "xabiquo")) -> None:
    events = store_of(app).all("events")
    middle = events[len(events) // 2]["timestamp"] // 1000 if events else 0
    indexed = _answers(app, user, middle)
    with monkeypatch.context() as patch:
        patch.setattr(model, "page", lambda *args: None)  # the generic path: filter and sort the whole log
        sorted_whole = _answers(app, user, middle)
    assert indexed == sorted_whole


@pytest.mark.parametrize("user", [("admin", "xabiquo"), ("entadmin", "entadmin")])
def test_pages_from_the_index_match_sorting_the_log(app, monkeypatch, user):
    _compare(app, monkeypatch, user)  # no events yet
    _record(app, 12)
    _compare(app, monkeypatch, user)
    _record(app, 40, start=12)  # the oldest leave: only the newest 30 are kept
    assert store_of(app).count("events") == 30
    _compare(app, monkeypatch, user)


def test_a_reset_rebuilds_the_index(app, monkeypatch):
    _record(app, 20)
    _compare(app, monkeypatch)
    assert app.test_client().post("/_mock/reset", json={"scenario": "demo"}).status_code == 200
    _record(app, 3, start=100)
    _compare(app, monkeypatch)
    assert app.test_client().get("/api/events", auth=("admin", "xabiquo")).json["totalSize"] == 3


def test_a_clock_that_goes_back_falls_back_to_sorting(app, monkeypatch):
    _record(app, 5)
    clock = iter([1000.0, 999.0, 998.0])
    monkeypatch.setattr(model.time, "time", lambda: next(clock))
    _record(app, 3, start=5)
    monkeypatch.undo()
    events = app.test_client().get("/api/events?limit=0", auth=("admin", "xabiquo")).json["collection"]
    assert [e["timestamp"] for e in events] == sorted(
        (e["timestamp"] for e in events), reverse=True
    )  # newest first by default
    monkeypatch.setattr(model, "KEPT", 30)
    _compare(app, monkeypatch)


def test_the_index_follows_the_log_without_reading_it_whole(app, monkeypatch):
    store = store_of(app)
    _record(app, 12)
    client = app.test_client()
    assert client.get("/api/events", auth=("admin", "xabiquo")).status_code == 200
    whole_reads = []
    all_of = store.all
    monkeypatch.setattr(store, "all", lambda table: whole_reads.append(table) or all_of(table))
    for n in range(40):  # arrivals and departures, each followed by a read
        _record(app, 1, start=100 + n)
        assert client.get("/api/events?asc=false&limit=1", auth=("admin", "xabiquo")).json["totalSize"] == min(
            30, 13 + n
        )
    assert "events" not in whole_reads
