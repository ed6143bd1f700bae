"""Behaviour of abiquo_mock.mockserver.store: the API (memory and file modes), the on-disk format and recovery."""

import json
import os
import pathlib
import tempfile

import pytest
from abiquo_mock.mockserver import store as store_mod
from abiquo_mock.mockserver.store import SCHEMA_VERSION, Store, StoreError, StoreUnavailable
from hypothesis import given, settings
from hypothesis import strategies as st


@pytest.fixture(params=["memory", "file"])
def store(request, tmp_path):
    s = Store(None) if request.param == "memory" else Store(tmp_path / "db.json", fsync=False)
    yield s
    s.close()


@pytest.fixture
def path(tmp_path):
    return tmp_path / "db.json"


def crash(store):
    """Let go of the files as a killed process would: no close(), so no compaction."""
    store._release()


def journal_lines(path):
    return (path.parent / (path.name + ".journal")).read_bytes().splitlines()


def snapshot(path):
    return json.loads(path.read_text())


# ------------------------------------------------------------------ API, both modes
def test_new_store_is_empty_and_new(store):
    assert store.is_new
    assert store.tables() == [] and store.dump() == {}
    assert store.get("vms", 1) is None and store.all("vms") == [] and store.count("vms") == 0


def test_insert_assigns_increasing_ids_and_stores_the_id(store):
    assert [store.insert("vms", {"name": n}) for n in "abc"] == [1, 2, 3]
    assert store.get("vms", 2) == {"name": "b", "id": 2}


def test_insert_keeps_a_free_given_id_and_replaces_a_taken_one(store):
    assert store.insert("vms", {"id": 10}) == 10
    assert store.insert("vms", {"id": 10, "name": "dup"}) == 11
    assert store.insert("vms", {"id": "x"}) == 12
    assert store.get("vms", 11) == {"id": 11, "name": "dup"}


def test_next_id_after_deleting_the_newest_is_max_existing_plus_one(store):
    for _ in range(3):
        store.insert("vms", {})
    assert store.delete("vms", 3)
    assert store.insert("vms", {}) == 3


def test_put_replaces_the_whole_doc_and_creates_missing_ones(store):
    store.put("vms", 5, {"a": 1, "b": 2})
    store.put("vms", 5, {"a": 9})
    assert store.get("vms", 5) == {"a": 9, "id": 5}
    with pytest.raises(ValueError):
        store.put("vms", 0, {})


def test_delete_reports_whether_something_was_deleted(store):
    store.insert("vms", {})
    assert store.delete("vms", 1) is True
    assert store.delete("vms", 1) is False
    assert store.delete("nothing", 1) is False


def test_all_find_first_count_are_in_id_order(store):
    for i, colour in [(5, "red"), (2, "blue"), (9, "red"), (1, "red")]:
        store.put("vms", i, {"colour": colour, "size": i % 2})
    assert [d["id"] for d in store.all("vms")] == [1, 2, 5, 9]
    assert [d["id"] for d in store.find("vms", colour="red")] == [1, 5, 9]
    assert [d["id"] for d in store.find("vms", colour="red", size=1)] == [1, 5, 9]
    assert store.find("vms", missing=None) == []
    assert store.first("vms", colour="blue")["id"] == 2
    assert store.first("vms", colour="green") is None
    assert store.count("vms") == 4


def test_insert_and_put_store_a_deep_copy(store):
    doc = {"links": [{"rel": "self"}]}
    store.insert("vms", doc)
    store.put("vms", 2, doc)
    doc["links"][0]["rel"] = "changed"
    doc["extra"] = 1
    assert store.get("vms", 1) == {"links": [{"rel": "self"}], "id": 1}
    assert store.get("vms", 2) == {"links": [{"rel": "self"}], "id": 2}


def test_a_read_doc_is_not_changed_by_later_writes(store):
    store.put("vms", 1, {"state": "OFF"})
    seen = store.get("vms", 1)
    store.put("vms", 1, {"state": "ON"})
    assert seen == {"state": "OFF", "id": 1}


def test_unserialisable_doc_is_refused_and_nothing_is_stored(store):
    with pytest.raises(TypeError):
        store.insert("vms", {"when": object()})
    with pytest.raises(TypeError):
        store.put("vms", 1, {"x": {1, 2}})
    assert store.count("vms") == 0 and store.generation == 0


def test_a_float_json_cannot_spell_is_kept_as_null_in_memory_and_on_disk(store):
    # no request can carry one (bodies with NaN or Infinity are refused); a document that has one anyway reads
    # back the same from memory as after a restart
    store.put("vms", 1, {"x": float("nan"), "y": float("inf")})
    store.put("vms", 2, {"n": 2**70})  # beyond 64 bits, kept whole
    assert store.get("vms", 1) == {"id": 1, "x": None, "y": None}
    assert store.get("vms", 2) == {"id": 2, "n": 2**70}
    if store.path is not None:
        store.close()
        with Store(store.path) as again:
            assert again.all("vms") == [{"id": 1, "x": None, "y": None}, {"id": 2, "n": 2**70}]


def test_meta_table_cannot_be_written(store):
    with pytest.raises(ValueError):
        store.put("_meta", 1, {})


def test_generation_counts_committed_writes_not_reads(store):
    store.insert("vms", {})
    store.get("vms", 1)
    store.all("vms")
    with store.transaction():
        store.put("vms", 1, {"a": 1})
        store.insert("vms", {})
    with store.transaction():
        pass
    assert store.generation == 2


def test_failed_transaction_is_rolled_back_in_memory(store):
    store.put("vms", 1, {"state": "OFF"})
    with pytest.raises(RuntimeError), store.transaction():
        store.put("vms", 1, {"state": "ON"})
        store.insert("vms", {"name": "new"})
        store.delete("vms", 1)
        raise RuntimeError("validation failed")
    assert store.all("vms") == [{"state": "OFF", "id": 1}]
    assert store.generation == 1
    assert store.insert("vms", {}) == 2


def test_nested_transaction_failure_undoes_only_the_inner_writes(store):
    with store.transaction():
        store.put("vms", 1, {})
        with pytest.raises(KeyError), store.transaction():
            store.put("vms", 2, {})
            raise KeyError
        store.put("vms", 3, {})
    assert [d["id"] for d in store.all("vms")] == [1, 3]
    assert store.generation == 1


def test_dump_is_a_deep_copy_without_meta(store):
    store.put("vms", 1, {"tags": ["a"]})
    dumped = store.dump()
    dumped["vms"][0]["tags"].append("b")
    assert dumped.keys() == {"vms"}
    assert store.get("vms", 1)["tags"] == ["a"]


def test_replace_all_drops_old_tables_and_loads_the_world(store):
    store.put("old", 1, {})
    store.replace_all({"vms": [{"id": 4, "n": 1}, {"id": 2, "n": 2}], "dcs": [{"id": 1}]})
    assert store.tables() == ["dcs", "vms"]
    assert [d["id"] for d in store.all("vms")] == [2, 4]
    assert store.insert("vms", {}) == 5
    assert store.generation == 3


def test_replace_all_refuses_docs_without_ids_and_changes_nothing(store):
    store.put("vms", 1, {})
    for bad in ({"vms": [{"n": 1}]}, {"vms": [{"id": 1}, {"id": 1}]}):
        with pytest.raises(ValueError):
            store.replace_all(bad)
    assert store.all("vms") == [{"id": 1}]


def test_writes_after_close_are_refused_and_close_is_idempotent(store):
    store.close()
    store.close()
    with pytest.raises(StoreError):
        store.insert("vms", {})


# ------------------------------------------------------------------ file format and recovery
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


# ------------------------------------------------------------------ against a model, with reopen
OPS = st.lists(
    st.tuples(
        st.sampled_from(["insert", "put", "delete", "failed_txn"]),
        st.sampled_from(["a", "b"]),
        st.integers(0, 6),
        st.integers(0, 99),
    ),
    max_size=40,
)


@settings(max_examples=60, deadline=None)
@given(ops=OPS, reopen_every=st.integers(1, 10))
def test_store_matches_a_plain_dict_model_across_reopens(ops, reopen_every):
    model: dict[str, dict[int, dict]] = {"a": {}, "b": {}}
    with tempfile.TemporaryDirectory() as tmp:
        path = pathlib.Path(tmp) / "db.json"
        s = Store(path, fsync=False)
        for step, (op, table, doc_id, value) in enumerate(ops, 1):
            rows = model[table]
            if op == "insert":
                new_id = doc_id if doc_id and doc_id not in rows else max(rows, default=0) + 1
                assert s.insert(table, {"id": doc_id or None, "v": value}) == new_id
                rows[new_id] = {"id": new_id, "v": value}
            elif op == "put" and doc_id:
                s.put(table, doc_id, {"v": value})
                rows[doc_id] = {"id": doc_id, "v": value}
            elif op == "delete":
                assert s.delete(table, doc_id) == (rows.pop(doc_id, None) is not None)
            elif op == "failed_txn":
                with pytest.raises(ZeroDivisionError), s.transaction():
                    s.insert(table, {"v": value})
                    s.delete(table, doc_id)
                    1 / 0  # noqa: B018
            if step % reopen_every == 0:
                if value % 2:
                    s.close()
                else:
                    crash(s)
                s = Store(path, fsync=False)
            expected = {t: [rows[i] for i in sorted(rows)] for t, rows in model.items() if rows}
            assert s.dump() == expected
        s.close()
