"""The store's files: one journal line per write, replayed after a crash; a torn tail dropped, damage refused;
compaction; the schema recorded, migrated, a newer one refused; one process per store."""

import json
import os

import pytest
from abiquo_mock.mockserver import store as store_mod
from abiquo_mock.mockserver.store import SCHEMA_VERSION, Store, StoreError, StoreUnavailable

from .support.store_files import crash, journal_lines, snapshot


@pytest.fixture
def path(tmp_path):
    return tmp_path / "db.json"


def test_reopen_keeps_data(path):
    with Store(path) as s:
        s.insert("vms", {"name": "a"})
        s.put("vms", 7, {"name": "b"})
        s.delete("vms", 1)
    again = Store(path)
    assert not again.is_new
    assert again.all("vms") == [{"name": "b", "id": 7}]
    assert again.insert("vms", {}) == 8


def test_each_write_is_one_journal_line_and_replayed_after_a_crash(path):
    s = Store(path)
    s.put("vms", 1, {"a": 1})
    with s.transaction():
        s.put("vms", 2, {})
        s.delete("vms", 1)
    lines = [json.loads(line) for line in journal_lines(path)]
    assert lines[1] == {
        "seq": 2,
        "changes": [{"t": "vms", "id": 2, "doc": {"id": 2}}, {"t": "vms", "id": 1, "doc": None}],
    }
    crash(s)  # only the journal holds the writes now
    assert Store(path).all("vms") == [{"id": 2}]


def test_a_write_appends_to_the_journal_and_never_touches_the_snapshot(path):
    s = Store(path)
    for i in range(50):
        s.insert("vms", {"n": i})
    before = os.stat(path)
    s.put("vms", 3, {"n": "changed"})
    after = os.stat(path)
    assert (after.st_mtime_ns, after.st_size, after.st_ino) == (before.st_mtime_ns, before.st_size, before.st_ino)
    assert len(journal_lines(path)) == 51


def test_torn_last_journal_line_is_ignored_and_cut_off(path):
    s = Store(path)
    s.put("vms", 1, {"ok": True})
    journal = path.parent / (path.name + ".journal")
    with open(journal, "ab") as fh:
        fh.write(b'{"seq": 2, "changes": [{"t": "vms", "id": 2, "doc": {"ha')
    crash(s)
    again = Store(path)
    assert again.all("vms") == [{"ok": True, "id": 1}]
    assert b"ha" not in journal.read_bytes()
    again.put("vms", 3, {})
    crash(again)
    assert Store(path).count("vms") == 2


def test_corrupt_journal_line_in_the_middle_is_refused(path):
    s = Store(path)
    s.put("vms", 1, {})
    s.put("vms", 2, {})
    journal = path.parent / (path.name + ".journal")
    lines = journal.read_bytes().splitlines(keepends=True)
    journal.write_bytes(b"garbage\n" + lines[1])
    crash(s)
    with pytest.raises(StoreError, match="line 1"):
        Store(path)


def test_compaction_folds_the_journal_into_the_snapshot(path, monkeypatch):
    monkeypatch.setattr(Store, "compact_min_bytes", 500)
    s = Store(path, fsync=False)
    s.insert("vms", {"n": -1})
    for i in range(25):
        s.put("vms", 2, {"n": i})
    assert len(journal_lines(path)) < 11
    assert snapshot(path)["vms"]["2"]["n"] >= 10
    crash(s)
    assert Store(path).all("vms") == [{"n": -1, "id": 1}, {"n": 24, "id": 2}]


def test_compaction_waits_until_the_journal_outgrows_the_data(path):
    s = Store(path, fsync=False)
    s.replace_all({"vms": [{"id": i, "pad": "x" * 100} for i in range(1, 1501)]})  # a snapshot of about 170 KB
    for _ in range(1200):  # about 60 KB of journal: less than the snapshot
        s.put("vms", 1, {"n": 1})
    assert len(journal_lines(path)) == 1200


def test_crash_between_snapshot_and_journal_truncation_does_not_replay_old_writes(path, monkeypatch):
    s = Store(path)
    s.put("vms", 1, {"world": "old"})
    monkeypatch.setattr(Store, "_truncate_journal", lambda self: None)  # "crash" right after the replace
    s.replace_all({"vms": [{"id": 2, "world": "new"}]})
    monkeypatch.undo()
    crash(s)
    assert Store(path).all("vms") == [{"id": 2, "world": "new"}]


def test_failed_transaction_leaves_nothing_on_disk(path):
    s = Store(path)
    s.put("vms", 1, {"v": 1})
    with pytest.raises(RuntimeError), s.transaction():
        s.put("vms", 1, {"v": 2})
        s.put("vms", 2, {})
        raise RuntimeError
    assert len(journal_lines(path)) == 1
    crash(s)
    assert Store(path).all("vms") == [{"v": 1, "id": 1}]


def test_failed_journal_write_rolls_back_and_leaves_no_partial_line(path, monkeypatch):
    s = Store(path)
    s.put("vms", 1, {"v": 1})

    def broken_fsync(fd):
        raise OSError(5, "I/O error")

    monkeypatch.setattr(os, "fsync", broken_fsync)
    with pytest.raises(StoreUnavailable, match="input/output error"):
        s.put("vms", 1, {"v": 2})
    monkeypatch.undo()
    assert s.get("vms", 1) == {"v": 1, "id": 1}
    s.put("vms", 2, {})
    crash(s)
    assert Store(path).all("vms") == [{"v": 1, "id": 1}, {"id": 2}]


def test_replace_all_writes_a_snapshot_and_empties_the_journal(path):
    s = Store(path)
    s.put("vms", 1, {})
    s.replace_all({"dcs": [{"id": 3, "name": "dc"}]})
    assert snapshot(path)["dcs"] == {"3": {"id": 3, "name": "dc"}}
    assert journal_lines(path) == []
    crash(s)
    assert Store(path).dump() == {"dcs": [{"id": 3, "name": "dc"}]}


def test_schema_version_is_recorded(path):
    Store(path).close()
    assert snapshot(path)["_meta"]["1"] == {"format": "abiquo-mock", "schema_version": SCHEMA_VERSION}


def test_deleting_the_store_file_after_a_clean_close_starts_afresh(path):
    with Store(path) as s:
        s.put("vms", 1, {})
    path.unlink()
    assert Store(path).tables() == []


def test_a_second_open_of_the_same_store_is_refused_until_the_first_is_closed(path):
    first = Store(path)
    with pytest.raises(StoreError, match="already open"):
        Store(path)
    first.close()
    Store(path).close()


def test_a_store_dropped_without_close_releases_the_file_like_a_crash(path):
    s = Store(path)
    s.put("vms", 1, {})
    del s
    assert Store(path).all("vms") == [{"id": 1}]


def test_journal_records_without_the_store_file_are_refused_not_dropped(path):
    Store(path).put("vms", 1, {})  # no close: the write lives only in the journal
    path.unlink()
    with pytest.raises(StoreError, match="1 committed writes"):
        Store(path)


def test_newer_schema_version_is_refused(path):
    path.write_text(json.dumps({"_meta": {"1": {"format": "abiquo-mock", "schema_version": SCHEMA_VERSION + 1}}}))
    with pytest.raises(StoreError, match="newer") as err:
        Store(path)
    assert str(path) in str(err.value) and "\n" not in str(err.value)


@pytest.mark.parametrize(
    "content, problem",
    [
        ("not json at all", "not a JSON file"),
        ('{"vms": {"1": {"id": 1}}}', "not an abiquo-mock store"),
        ("[1, 2]", "not an abiquo-mock store"),
        ('{"_meta": {"1": {"format": "other", "schema_version": 1}}}', "not an abiquo-mock store"),
        # only a missing file starts a new store: an empty one may be a store whose content was lost
        ("", "empty file"),
        ("  \n", "empty file"),
        ("null", "not an abiquo-mock store"),
        ("{}", "not an abiquo-mock store"),
    ],
)
def test_foreign_files_are_refused_with_a_one_line_message(path, content, problem):
    path.write_text(content)
    with pytest.raises(StoreError, match=problem) as err:
        Store(path)
    assert str(path) in str(err.value) and "\n" not in str(err.value)
    assert path.read_text() == content  # never overwritten
    assert not path.with_name(path.name + ".journal").exists()  # and nothing left beside it


def test_older_schema_is_migrated_once_and_saved(path, monkeypatch):
    path.write_text(
        json.dumps(
            {"_meta": {"1": {"format": "abiquo-mock", "schema_version": 1}}, "vms": {"1": {"id": 1, "name": "a"}}}
        )
    )
    calls = []

    def rename_field(tables):
        calls.append(1)
        for doc in tables["vms"].values():
            doc["label"] = doc.pop("name")
        return tables

    monkeypatch.setattr(store_mod, "SCHEMA_VERSION", 2)
    monkeypatch.setattr(store_mod, "MIGRATIONS", {1: rename_field})
    Store(path).close()
    assert Store(path).get("vms", 1) == {"id": 1, "label": "a"}
    assert calls == [1]
    assert snapshot(path)["_meta"]["1"]["schema_version"] == 2


def test_missing_migration_is_reported(path, monkeypatch):
    Store(path).close()
    monkeypatch.setattr(store_mod, "SCHEMA_VERSION", 2)
    with pytest.raises(StoreError, match="no migration from schema version 1 to 2"):
        Store(path)
