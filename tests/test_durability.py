"""Durability and thread safety of abiquo_mock.mockserver.store with real processes, signals and threads."""

import pathlib
import random
import select
import signal
import subprocess
import sys
import threading
import time

import pytest
from abiquo_mock.mockserver.store import Store

WRITER = pathlib.Path(__file__).with_name("helpers_store_writer.py")
DELETED = object()


def run_writer_and_kill(path, rng, mode=""):
    # bufsize=0: the readline below must not buffer bytes that communicate() then misses.
    proc = subprocess.Popen(
        [sys.executable, str(WRITER), str(path), mode], bufsize=0, stdout=subprocess.PIPE, stderr=subprocess.PIPE
    )
    if rng.random() < 0.25:
        time.sleep(rng.uniform(0, 0.3))  # often still starting or opening (and compacting) the store
    else:  # wait until it writes, however slow the machine is, then let it write for a while
        assert select.select([proc.stdout], [], [], 30)[0], "writer did not start"
        proc.stdout.readline()
        time.sleep(rng.uniform(0, 0.3))
    proc.send_signal(signal.SIGKILL)
    out, err = proc.communicate(timeout=30)
    assert proc.returncode == -signal.SIGKILL, err.decode()
    # A line cut short by the kill was never acknowledged; keep complete lines only.
    return [line.split() for line in out.decode().split("\n")[:-1]]


def check_against_acknowledged(store, expected, events):
    """Apply the acknowledged events to `expected` (id -> n or DELETED), then compare with the store."""
    in_flight = None
    for event in events:
        if event[:2] == ["ok", "ins"]:
            expected[int(event[2])] = int(event[3])
        elif event[:2] == ["try", "del"]:
            in_flight = int(event[2])
        elif event[:2] == ["ok", "del"]:
            expected[int(event[2])] = DELETED
            in_flight = None
    stored = {doc["id"]: doc["n"] for doc in store.all("vms")}
    for vm_id, n in expected.items():
        if vm_id == in_flight:
            continue
        if n is DELETED:
            assert vm_id not in stored, f"acknowledged delete of vm {vm_id} was lost"
        else:
            assert stored.get(vm_id) == n, f"acknowledged insert of vm {vm_id} was lost"
    unacknowledged = set(stored) - {i for i, n in expected.items() if n is not DELETED}
    assert len(unacknowledged - {in_flight}) <= 1  # at most the insert that was in flight
    # Both halves of every transaction, or neither: the counter matches the vms exactly.
    counter = store.get("counter", 1) or {"inserted": 0, "deleted": 0}
    assert max(stored, default=0) == counter["inserted"]
    assert len(stored) == counter["inserted"] - counter["deleted"]
    # The next run starts from what is stored; adopt the outcome of the in-flight ops.
    expected.update({i: stored.get(i, DELETED) for i in unacknowledged | {in_flight} - {None}})


@pytest.mark.parametrize("mode", ["", "server"], ids=["plain", "group-commit-and-background-fold"])
def test_sigkill_at_random_moments_never_loses_an_acknowledged_write(tmp_path, mode):
    path = tmp_path / "db.json"
    rng = random.Random()
    expected: dict = {}
    acknowledged = 0
    for _ in range(15):
        events = run_writer_and_kill(path, rng, mode)
        acknowledged += sum(e[0] == "ok" for e in events)
        store = Store(path)  # must open: no StoreError, no JSON error
        assert list(tmp_path.glob(".*.tmp")) == []  # half-written snapshots are cleaned up
        try:
            check_against_acknowledged(store, expected, events)
        finally:
            store.close()
    assert acknowledged > 15  # the writer really ran between kills


def run_threads(target, count=8):
    errors = []

    def guarded(n):
        try:
            target(n)
        except BaseException as exc:  # a failing thread must fail the test
            errors.append(exc)

    threads = [threading.Thread(target=guarded, args=(n,)) for n in range(count)]
    for t in threads:
        t.start()
    for t in threads:
        t.join()
    assert errors == []


def test_concurrent_inserts_are_all_stored_once(tmp_path):
    path = tmp_path / "db.json"
    store = Store(path, fsync=False)  # fsync does not matter here; the lock does
    stop = threading.Event()

    def reader():
        while not stop.is_set():
            ids = [doc["id"] for doc in store.all("vms")]
            assert ids == sorted(set(ids))

    reading = threading.Thread(target=reader)
    reading.start()
    try:
        run_threads(lambda t: [store.insert("vms", {"thread": t, "i": i}) for i in range(200)])
    finally:
        stop.set()
        reading.join()
    store.close()
    reopened = Store(path)
    docs = reopened.all("vms")
    assert [d["id"] for d in docs] == list(range(1, 1601))
    assert {(d["thread"], d["i"]) for d in docs} == {(t, i) for t in range(8) for i in range(200)}


def test_concurrent_read_modify_write_in_transactions_loses_no_update(tmp_path):
    path = tmp_path / "db.json"
    store = Store(path, fsync=False)
    store.put("counters", 1, {"n": 0})

    def bump(_):
        for _ in range(200):
            with store.transaction():
                current = store.get("counters", 1)["n"]
                store.put("counters", 1, {"n": current + 1})

    run_threads(bump)
    assert store.get("counters", 1)["n"] == 1600
    store.close()
    assert Store(path).get("counters", 1)["n"] == 1600
