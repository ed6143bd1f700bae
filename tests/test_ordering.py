"""Collections kept in order as the store changes (mockserver/ordering.py) answer exactly what sorting the whole
collection from scratch answers: every page, every group, after any mix of writes, rolled-back transactions,
reads inside a transaction that has written, values that do not compare, and whole replacements."""

from __future__ import annotations

import pytest
from abiquo_mock.mockserver import ordering
from abiquo_mock.mockserver.backup.model import BOUND, HOLDING_SEVERAL
from abiquo_mock.mockserver.infrastructure.model import DEPLOYED_IN, DEPLOYED_ON
from abiquo_mock.mockserver.store import Store
from hypothesis import HealthCheck, settings
from hypothesis import strategies as st
from hypothesis.stateful import RuleBasedStateMachine, initialize, invariant, precondition, rule

TABLE = "virtualmachines"
FIELDS = ("name", "state")  # what `has` looks in
# Names that tie regardless of case, numbers, booleans, null, and (rarely) a value that does not compare at all.
NAMES = st.one_of(
    st.sampled_from(["a", "A", "b", "Ab", "ab", "vm-1", "VM-1", "", "é", "É"]),
    st.none(),
    st.integers(-2, 2),
    st.booleans(),
    st.floats(-1, 1, allow_nan=False, width=16),
)
ODD = st.one_of(st.lists(st.integers(0, 2), max_size=2), st.fixed_dictionaries({"x": st.integers(0, 1)}))
BINDINGS = st.sampled_from(
    [
        None,
        {"policyBindings": {"complete": {"daily": "GOLD"}}},
        {"policyBindings": {"complete": {"daily": "GOLD", "hourly": "SILVER"}}},
        {"policyBindings": {"filesystem": {"weekly_planned": "SILVER"}}},
        {"policyBindings": "not an object"},
        {"backupSchedule": {}},
    ]
)
VM = st.fixed_dictionaries(
    {},
    optional={
        "name": NAMES,
        "state": st.sampled_from(["NOT_ALLOCATED", "ON", "OFF", "on"]),
        "machine": st.sampled_from([None, 1, 2]),
        "virtualappliance": st.sampled_from([1, 2, 3]),
        "enterprise": st.sampled_from([1, 2]),
        "datacenter": st.sampled_from([1, 2]),
        "metadata": BINDINGS,
    },
)
# The groups a collection is read from: what the views and the backup rules ask for.
GROUPS = st.sampled_from(
    [
        (ordering.whole(TABLE), ()),
        (ordering.by_fields(TABLE, ("enterprise",)), (1,)),
        (ordering.by_fields(TABLE, ("virtualappliance",)), (2,)),
        (ordering.by_fields(TABLE, ("virtualappliance",)), (9,)),  # a group nobody is in
        (DEPLOYED_ON, 1),
        (DEPLOYED_ON, None),
        (DEPLOYED_IN, 3),
        (BOUND, (1, "GOLD")),
        (BOUND, (2, "SILVER")),
        (HOLDING_SEVERAL, 1),
    ]
)
PAGES = st.tuples(
    st.sampled_from(["name", "id", "state"]),
    st.booleans(),
    st.sampled_from([None, "a", "VM", "É", "n"]),
    st.integers(0, 12),
    st.integers(0, 6),
)


def from_scratch(store: Store, grouping: ordering.Grouping, key) -> list[dict]:
    return [doc for doc in store.all(grouping.table) if key in grouping.keys(doc)]


def sorted_from_scratch(store: Store, grouping: ordering.Grouping, key, page: tuple) -> tuple[int, list[dict]]:
    by, asc, has, startwith, limit = page
    chosen = ordering.ordered(from_scratch(store, grouping, key), by, asc, has, FIELDS)
    return len(chosen), ordering.cut(chosen, startwith, limit)


def same_as_from_scratch(store: Store, grouping: ordering.Grouping, key, page: tuple) -> None:
    by, asc, has, startwith, limit = page
    kept = outcome(lambda: ordering.select(store, grouping, key).page(by, asc, has, FIELDS, startwith, limit))
    assert kept == outcome(lambda: sorted_from_scratch(store, grouping, key, page))


def outcome(read):
    """What a read answers, or the refusal it raises (values that do not compare cannot be sorted either way)."""
    try:
        return read()
    except TypeError:
        return TypeError


class KeptCollections(RuleBasedStateMachine):
    """Random writes interleaved with reads: each read is compared with the same read sorted from scratch."""

    @initialize(docs=st.lists(VM, max_size=8))
    def start(self, docs):
        self.store = Store(None)
        for doc in docs:
            self.store.insert(TABLE, doc)

    def ids(self) -> list[int]:
        return [doc["id"] for doc in self.store.all(TABLE)]

    @rule(doc=VM)
    def insert(self, doc):
        self.store.insert(TABLE, doc)

    @precondition(lambda self: self.ids())
    @rule(pick=st.integers(0, 100), doc=VM, keep=st.booleans())
    def put(self, pick, doc, keep):
        ids = self.ids()
        doc_id = ids[pick % len(ids)]
        changed = {**self.store.get(TABLE, doc_id), **doc} if keep else doc
        self.store.put(TABLE, doc_id, changed)

    @precondition(lambda self: self.ids())
    @rule(pick=st.integers(0, 100))
    def delete(self, pick):
        ids = self.ids()
        self.store.delete(TABLE, ids[pick % len(ids)])

    @rule(docs=st.lists(VM, min_size=1, max_size=3), group=GROUPS, page=PAGES, commit=st.booleans())
    def transaction(self, docs, group, page, commit):
        """Writes, then a read inside the same transaction (it must see them), then a commit or a rollback."""
        try:
            with self.store.transaction():
                ids = self.ids()
                for n, doc in enumerate(docs):
                    if ids and n % 2:
                        self.store.put(TABLE, ids[n % len(ids)], doc)
                    else:
                        self.store.insert(TABLE, doc)
                self.read(group, page)
                if not commit:
                    raise LookupError("rolled back")
        except LookupError:
            pass

    @precondition(lambda self: self.ids())
    @rule(pick=st.integers(0, 100), name=ODD)
    def name_that_does_not_compare(self, pick, name):
        ids = self.ids()
        doc_id = ids[pick % len(ids)]
        self.store.put(TABLE, doc_id, {**self.store.get(TABLE, doc_id), "name": name})

    @rule(docs=st.lists(VM, max_size=5))
    def replace_all(self, docs):
        self.store.replace_all({TABLE: [{**doc, "id": n + 1} for n, doc in enumerate(docs)]})

    @rule(group=GROUPS, page=PAGES)
    def read(self, group, page):
        same_as_from_scratch(self.store, *group, page)

    @invariant()
    def every_group_holds_its_members_in_id_order_and_sorts_as_from_scratch(self):
        """Reading every order of every group also keeps them all, so that each later write must move them."""
        for grouping, key in GROUPS.elements:
            selection = ordering.select(self.store, grouping, key)
            assert selection.documents() == from_scratch(self.store, grouping, key)
            assert len(selection) == len(from_scratch(self.store, grouping, key))
            for by in ("name", "id", "state"):
                for asc in (True, False):
                    for has in (None, "a"):
                        same_as_from_scratch(self.store, grouping, key, (by, asc, has, 0, 0))


KeptCollections.TestCase.settings = settings(
    max_examples=60, stateful_step_count=25, deadline=None, suppress_health_check=[HealthCheck.too_slow]
)
TestKeptCollections = KeptCollections.TestCase


def test_a_field_equal_to_another_with_another_type_is_found_as_the_store_finds_it():
    store = Store(None)
    for enterprise in (1, True, 1.0, "1", None):
        store.insert(TABLE, {"enterprise": enterprise})
    store.insert(TABLE, {})
    for wanted in (1, "1", None):
        assert ordering.where(store, TABLE, enterprise=wanted).documents() == store.find(TABLE, enterprise=wanted)


def test_a_page_asked_again_after_a_write_that_moves_a_document_shows_it_moved():
    store = Store(None)
    for name in ("carol", "alice", "bob"):
        store.insert(TABLE, {"name": name})
    vms = ordering.select(store, ordering.whole(TABLE))
    assert [vm["name"] for vm in vms.page("name", True, None, FIELDS, 0, 0)[1]] == ["alice", "bob", "carol"]
    store.put(TABLE, 2, {"name": "zoe"})
    assert [vm["name"] for vm in vms.page("name", True, None, FIELDS, 0, 0)[1]] == ["bob", "carol", "zoe"]
    assert [vm["name"] for vm in vms.page("name", False, "o", FIELDS, 0, 2)[1]] == ["zoe", "carol"]


@pytest.mark.parametrize(
    "names", [("b", "a", [1]), ("b", 2, [1]), ("b", {"x": 1}, {"x": 2})], ids=["beside texts", "beside a number", "two"]
)
def test_a_name_that_does_not_compare_sorts_as_sorting_the_whole_list_does(names):
    store = Store(None)
    vms = ordering.select(store, ordering.whole(TABLE))
    store.insert(TABLE, {"name": names[0]})
    vms.page("name", True, None, FIELDS, 0, 0)  # ordered by name from now on
    for name in names[1:]:
        store.insert(TABLE, {"name": name})
    same_as_from_scratch(store, ordering.whole(TABLE), (), ("name", True, None, 0, 0))
    assert [vm["id"] for vm in vms.page("id", False, None, FIELDS, 0, 0)[1]] == [3, 2, 1]
