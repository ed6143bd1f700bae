"""The store under a hostile disk and a heavy writer: refused writes answered 503 and never latched, files bounded."""

from __future__ import annotations

import errno
import os

import pytest
from abiquo_mock.mockserver.app import create_app
from abiquo_mock.mockserver.extensions import store_of
from abiquo_mock.mockserver.store import Store

from .support import InProcessApi

VM = "/api/cloud/virtualdatacenters/{}/virtualappliances/{}/virtualmachines/{}/metadata"
METADATA = [VM.format(2, 2, 4), VM.format(2, 2, 5)]  # VMs whose metadata may change while deployed
DB01 = METADATA[0]


@pytest.fixture
def on_disk(tmp_path):
    app = create_app({"DB_PATH": str(tmp_path / "db.json"), "SCENARIO": "demo", "FSYNC": False})
    yield InProcessApi(app), store_of(app)
    store_of(app).close()


def _put(api, path, value: str):
    return api.put(path, body={"links": [], "metadata": {"chef": value}}, media="metadata")


def _chef(api, path=DB01) -> str | None:
    return (api.get(path).json.get("metadata") or {}).get("chef")


def _refuse_writes(monkeypatch, store: Store, error: int, *, partial: bool = False, repair_fails: bool = False):
    real_write, real_truncate = os.write, os.ftruncate

    def write(fd, data):
        if not os.readlink(f"/proc/self/fd/{fd}").startswith(str(store.path.parent)):  # only the store's disk
            return real_write(fd, data)
        if partial:  # half a line reaches the file before the disk gives up
            real_write(fd, bytes(data[: len(data) // 2]))
        raise OSError(error, os.strerror(error))

    def ftruncate(fd, size):
        if repair_fails and fd == store._fd:
            raise OSError(errno.EPERM, os.strerror(errno.EPERM))
        return real_truncate(fd, size)

    monkeypatch.setattr(os, "write", write)
    monkeypatch.setattr(os, "ftruncate", ftruncate)


def _health(api) -> dict:
    return api.get("/_mock/health", user=None).json


def test_a_full_disk_is_503_naming_the_cause_and_the_next_write_succeeds(on_disk, monkeypatch):
    api, store = on_disk
    assert _put(api, DB01, "before").status == 200
    _refuse_writes(monkeypatch, store, errno.ENOSPC)

    answer = _put(api, DB01, "refused")
    assert (answer.status, answer.codes) == (503, ["503-SERVICE-UNAVAILABLE"])
    assert "disk full" in answer.json["collection"][0]["message"]
    assert _chef(api) == "before"  # nothing of the refused write is served
    assert _health(api)["status"] == "degraded" and "disk full" in _health(api)["storeError"]

    monkeypatch.undo()  # the disk has room again: no restart needed
    assert _health(api)["status"] == "ok" and "storeError" not in _health(api)  # health tries the disk again
    assert _put(api, DB01, "after").status == 200
    store.close()
    assert Store(store.path).get("virtualmachines", 4)["metadata"]["chef"] == "after"


def test_a_journal_that_could_not_even_be_cut_back_is_repaired_by_the_next_write(on_disk, monkeypatch):
    # An immutable journal: the write fails half-way and so does cutting off the half line.
    api, store = on_disk
    assert _put(api, DB01, "before").status == 200
    _refuse_writes(monkeypatch, store, errno.EPERM, partial=True, repair_fails=True)
    answer = _put(api, DB01, "refused")
    assert answer.status == 503 and "not permitted" in answer.json["collection"][0]["message"]
    assert _put(api, DB01, "refused again").status == 503  # the repair is retried, and refused, first
    assert _health(api)["status"] == "degraded"  # the journal still cannot be cut back

    monkeypatch.undo()
    assert _put(api, DB01, "after").status == 200  # not latched: no 500, no restart
    assert _put(api, METADATA[1], "another").status == 200
    store.close()
    reopened = Store(store.path)  # the journal has no glued half line: every acknowledged write is there
    assert reopened.get("virtualmachines", 4)["metadata"]["chef"] == "after"
    assert reopened.get("virtualmachines", 5)["metadata"]["chef"] == "another"
    reopened.close()


def test_a_reset_the_disk_refuses_is_503_and_keeps_the_world(on_disk, monkeypatch):
    api, _ = on_disk
    assert _put(api, DB01, "kept").status == 200

    def replace(src, dst):
        raise PermissionError(errno.EACCES, os.strerror(errno.EACCES))

    monkeypatch.setattr(os, "replace", replace)
    answer = api.post("/_mock/reset", body={"scenario": "empty"}, user=None)
    assert (answer.status, answer.codes) == (503, ["503-SERVICE-UNAVAILABLE"])
    assert "permission denied" in answer.json["collection"][0]["message"]
    monkeypatch.undo()
    assert _chef(api) == "kept"
    assert api.post("/_mock/reset", body={"scenario": "empty"}, user=None).status == 200


def _store_bytes(store: Store) -> int:
    return sum(p.stat().st_size for p in store.path.parent.iterdir() if p.name.startswith(store.path.name))


def test_store_files_stay_within_three_times_the_live_data_under_large_writes(on_disk):
    api, store = on_disk
    for n in range(120):  # 30 MB written in all, about 500 KB live
        assert _put(api, METADATA[n % 2], f"{n:04d}" + "x" * 250_000).status == 200
    live = len(store.path.read_bytes())  # the snapshot: exactly the live data, events included
    # twice the data plus the journal a small world may keep before it is folded (without folds: all 30 MB)
    assert _store_bytes(store) < 3 * live + Store.compact_min_bytes


def test_a_full_disk_at_shutdown_loses_nothing(on_disk, monkeypatch):
    api, store = on_disk
    assert _put(api, DB01, "last").status == 200

    def replace(src, dst):
        raise OSError(errno.ENOSPC, os.strerror(errno.ENOSPC))

    monkeypatch.setattr(os, "replace", replace)  # the snapshot cannot be rewritten on close
    store.close()  # no exception out of the server's shutdown
    monkeypatch.undo()
    assert Store(store.path).get("virtualmachines", 4)["metadata"]["chef"] == "last"
