"""Behaviour of abiquo_mock.mockserver.store: the API, in memory and on disk, and the store held to a plain model
across reopens (the on-disk format and recovery: test_store_files.py)."""

import pathlib
import tempfile

import pytest
from abiquo_mock.mockserver.store import Store, StoreError
from hypothesis import given, settings
from hypothesis import strategies as st

from .support.store_files import crash


@pytest.fixture(params=["memory", "file"])
def store(request, tmp_path):
    s = Store(None) if request.param == "memory" else Store(tmp_path / "db.json", fsync=False)
    yield s
    s.close()


@pytest.fixture
def path(tmp_path):
    return tmp_path / "db.json"


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
