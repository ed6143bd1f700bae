"""Group commit at the front door: a write's answer leaves only after an fsync that covers it; writes that pile up
share one fsync; a refused fsync answers 503 and health says why."""

from __future__ import annotations

import asyncio
import errno
import json
import os
import time

import pytest
from abiquo_mock.mockserver.app import create_app
from abiquo_mock.mockserver.frontdoor import build

from .asgi import ADMIN, call, run

STATE = "/_mock/virtualmachines/{}/state"


@pytest.fixture
def door(tmp_path):
    app = create_app({"DB_PATH": str(tmp_path / "store.json"), "SCENARIO": "demo"})
    yield build(app)
    app.extensions["abiquo_store"].close()


@pytest.fixture
def fsyncs(monkeypatch):
    """Each fsync of the journal, as the newest journal seq it was asked to cover."""
    done: list[int] = []
    real = os.fsync

    def counting(fd):
        real(fd)
        done.append(fd)

    monkeypatch.setattr(os, "fsync", counting)
    return done


def _put_state(door, vm: int, state: str):
    body = json.dumps({"state": state}).encode()
    headers = {"Content-Type": "application/json", "Content-Length": str(len(body))}
    return call(door, "PUT", STATE.format(vm), headers=headers, chunks=[body])


def test_no_write_is_answered_before_an_fsync_covers_it(door, monkeypatch):
    store, wrote = door.store, {}
    real_call, real_sync = door._call, store.sync

    def recording_call(environ):
        answer, seq = real_call(environ)
        wrote[environ["PATH_INFO"]] = seq
        return answer, seq

    def slow_sync(seq=None):
        time.sleep(0.02)  # an fsync that takes its time: an answer that did not wait for it would arrive first
        real_sync(seq)

    monkeypatch.setattr(door, "_call", recording_call)
    monkeypatch.setattr(store, "sync", slow_sync)
    unsynced = []

    async def write(vm):
        sent = await _put_state(door, vm, "OFF")
        if not store.durable(wrote[STATE.format(vm)]):  # the answer is in the client's hands
            unsynced.append(vm)
        return sent.status

    async def main():
        return await asyncio.gather(*(write(vm) for vm in (1, 2, 4)))

    assert run(main()) == [200, 200, 200]
    assert all(wrote.values())  # each of them wrote
    assert unsynced == []


def test_writes_that_pile_up_share_an_fsync(door, fsyncs):
    before = len(fsyncs)

    async def main():
        return await asyncio.gather(*(_put_state(door, vm, state) for vm in (1, 2, 4, 5) for state in ("OFF", "ON")))

    answers = run(main())
    assert {a.status for a in answers} == {200}
    made = len(fsyncs) - before
    assert 1 <= made < len(answers), made  # at least one, and fewer than one a write
    assert door.store.durable(door.store.written_seq)


def test_a_read_that_writes_nothing_waits_for_no_fsync(door, fsyncs):
    before = len(fsyncs)
    sent = run(call(door, "GET", "/api/admin/datacenters", headers={"Authorization": ADMIN}))
    assert sent.status == 200
    assert len(fsyncs) == before


def test_a_refused_fsync_answers_503_and_health_says_why(door, monkeypatch):
    def refused(fd):
        raise OSError(errno.EIO, os.strerror(errno.EIO))

    monkeypatch.setattr(os, "fsync", refused)
    sent = run(_put_state(door, 2, "OFF"))
    assert sent.status == 503, sent.body
    assert json.loads(sent.body)["collection"][0]["code"] == "503-SERVICE-UNAVAILABLE"
    assert sent.headers["retry-after"] == "5"
    health = json.loads(run(call(door, "GET", "/_mock/health")).body)
    assert health["status"] == "degraded" and "input/output error" in json.dumps(health), health
    monkeypatch.undo()
    assert run(_put_state(door, 2, "ON")).status == 200  # the disk is back: the next write goes through
