"""The store under the server. Group commit at the front door: a write's answer leaves only after an fsync that
covers it; writes that pile up share one fsync; a refused fsync answers 503 and health says why. Compaction
folded in the background: writes go on while the snapshot is written, and a crash at any moment of a fold
leaves files that reopen with every acknowledged write."""

from __future__ import annotations

import asyncio
import errno
import json
import os
import shutil
import threading
import time

import pytest
from abiquo_mock.mockserver import jsontext
from abiquo_mock.mockserver import store as store_module
from abiquo_mock.mockserver.app import create_app
from abiquo_mock.mockserver.extensions import store_of
from abiquo_mock.mockserver.frontdoor import build
from abiquo_mock.mockserver.store import Store

from .asgi import ADMIN, call, run

STATE = "/_mock/virtualmachines/{}/state"


@pytest.fixture
def door(tmp_path):
    app = create_app({"DB_PATH": str(tmp_path / "store.json"), "SCENARIO": "demo"})
    yield build(app)
    store_of(app).close()


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


# ---------------------------------------------------------------------------------------------- background folds


def test_the_snapshot_written_in_pieces_is_the_same_text():
    tables = {"_meta": {"1": {"format": "x"}}, "vms": {str(n): {"id": n, "name": f"é{n}"} for n in range(1, 700)}}
    assert b"".join(store_module._snapshot_pieces(tables)) == jsontext.dump(tables)


@pytest.fixture
def folding(tmp_path, monkeypatch):
    """A store as the server runs it, compacting every few writes, whose folds wait for ``release``."""
    monkeypatch.setattr(Store, "compact_min_bytes", 2_000)
    store = Store(tmp_path / "db.json")
    store.defer_sync()
    store.fold_in_background()
    release, started = threading.Event(), threading.Event()
    real = store._write_snapshot

    def held(tables, *, yielding=False):
        if yielding:  # the fold thread
            started.set()
            assert release.wait(30)
        real(tables, yielding=yielding)

    monkeypatch.setattr(store, "_write_snapshot", held)
    yield store, started, release
    release.set()
    store.close()


def _write(store: Store, n: int) -> None:
    with store.transaction():
        store.insert("vms", {"n": n, "pad": "x" * 200})
    store.sync()  # acknowledged


def _write_until_a_fold_starts(store: Store, started: threading.Event, more: int = 0) -> int:
    """Acknowledged writes n = 1, 2, … until a fold starts, then ``more`` of them; returns the last n."""
    n = 0
    while not started.is_set():
        n += 1
        _write(store, n)
    for _ in range(more):
        n += 1
        _write(store, n)
    return n


def _holds_every_write(store: Store, where, n: int) -> None:
    crashed = _reopen_copy(store, where)
    assert sorted(doc["n"] for doc in crashed.all("vms")) == list(range(1, n + 1))
    crashed.close()


def _reopen_copy(store: Store, where) -> Store:
    """What a crash at this moment would leave: the store's files as they are now, opened elsewhere."""
    where.mkdir()
    for f in store.path.parent.iterdir():
        if f.name.startswith(store.path.name):
            shutil.copy(f, where / f.name)
    return Store(where / store.path.name)


def test_writes_go_on_while_a_fold_writes_the_snapshot(folding, tmp_path):
    store, started, release = folding
    n = _write_until_a_fold_starts(store, started, more=30)  # the 30: into the other journal, the fold held
    _holds_every_write(store, tmp_path / "crash-during-fold", n)
    release.set()
    store._await_fold()
    _holds_every_write(store, tmp_path / "crash-after-fold", n)


def test_a_fold_that_fails_keeps_every_write_and_the_next_compaction_folds_them(folding, tmp_path, monkeypatch):
    store, started, release = folding

    def refused(src, dst):
        raise OSError(errno.ENOSPC, os.strerror(errno.ENOSPC))

    monkeypatch.setattr(os, "replace", refused)
    n = _write_until_a_fold_starts(store, started)
    release.set()
    store._await_fold()  # failed: its journal is still there
    monkeypatch.setattr(os, "replace", shutil.move)
    for _ in range(60):  # enough for the next compaction, which folds both journals here
        n += 1
        _write(store, n)
    _holds_every_write(store, tmp_path / "crash", n)


def test_a_reset_during_a_fold_waits_for_it_and_the_new_world_alone_reopens(folding, tmp_path):
    store, started, release = folding
    n = _write_until_a_fold_starts(store, started)
    _write(store, n + 1)  # into the other journal, after the fold's snapshot point
    resetting = threading.Thread(target=store.replace_all, args=({"vms": [{"id": 1, "n": -1}]},))
    resetting.start()
    resetting.join(0.2)
    assert resetting.is_alive()  # it waits: one snapshot writer at a time
    release.set()
    resetting.join(30)
    crashed = _reopen_copy(store, tmp_path / "crash-after-reset")
    assert [doc["n"] for doc in crashed.all("vms")] == [-1]  # no record of the old world replayed over it
    crashed.close()
