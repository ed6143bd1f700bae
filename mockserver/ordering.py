"""The store's collections kept ordered as they change: a page costs the page, a group its members, a write the
entries it moves.

A ``Grouping`` says which groups a document of a table belongs to: those of the values of some of its fields
(``where(store, "virtualmachines", virtualappliance=7)``), or any function of the document, which may put it in
several groups or in none (the VMs deployed on a machine, the VMs bound to a policy). ``select(store, grouping,
key)`` is one group as a ``Selection``: iterated, it gives the stored documents in id order, as ``store.find``
does; ``page()`` gives one page sorted by a field, ascending or descending, filtered by ``has``: exactly the page
that sorting the whole group would give (``ordered``, which http/paging.py applies to plain lists).

What is kept, for each store, from the first time it is asked for: each table's documents by id; per grouping,
the ids of each group; per group and sort field, the (sort value, id) entries in order; and per ``has`` asked
lately, the entries that match it. Every commit (``Store.on_commit``) moves the entries of the documents it
changed, and nothing else; a ``replace_all`` drops it all, to be built again when next asked. Inside a transaction
that has written anything, what is kept lags the store, so a selection reads the store instead (and costs what
a scan costs).
"""

from __future__ import annotations

import logging
import threading
import weakref
from collections import OrderedDict
from collections.abc import Callable, Hashable, Iterator

from sortedcontainers import SortedList

from . import heap
from .store import Store

KEPT_FILTERS = 32  # `has` filters followed as the store changes, for each table: the latest asked
_MISSING = object()
_SCALARS = (str, int, float, bool)
log = logging.getLogger(__name__)


def sort_value(doc: dict, field: str) -> tuple:
    """Where ``doc`` sorts by ``field``: without it (or null) first, then numbers and booleans, then texts
    regardless of case. Ties are broken by id."""
    value = doc.get(field)
    if isinstance(value, str):
        return (1, value.lower())
    return (0, value) if value is not None else (-1, 0)


def matches(doc: dict, needle: str, fields: tuple[str, ...]) -> bool:
    """Whether one of ``fields`` of ``doc`` is a text holding ``needle``, regardless of case."""
    needle = needle.lower()
    return any(isinstance(doc.get(f), str) and needle in doc[f].lower() for f in fields)


def ordered(docs: list[dict], by: str, asc: bool, has: str | None, fields: tuple[str, ...]) -> list[dict]:
    """``docs`` filtered by ``has`` and sorted by ``by``: what a page of an Abiquo collection is cut from."""
    chosen = [d for d in docs if matches(d, has, fields)] if has else docs
    return sorted(chosen, key=lambda d: (sort_value(d, by), d.get("id", 0)), reverse=not asc)


def cut(chosen: list, startwith: int, limit: int) -> list:
    """The page of ``chosen`` from ``startwith``, ``limit`` long (0: to the end)."""
    return chosen[startwith:] if limit == 0 else chosen[startwith : startwith + limit]


class Grouping:
    """What puts a document of ``table`` in groups: ``keys(doc)`` is the tuple of the groups it belongs to (a key
    that cannot be hashed, a list or an object, names no group)."""

    def __init__(self, table: str, name: str, keys: Callable[[dict], tuple]):
        self.table, self.name = table, name

        def hashable_keys(doc: dict) -> tuple:
            found = keys(doc)
            return found if _hashable(found) else tuple(k for k in found if _hashable(k))

        self.keys = hashable_keys

    def __repr__(self) -> str:
        return f"Grouping({self.table!r}, {self.name!r})"


def by_fields(table: str, fields: tuple[str, ...]) -> Grouping:
    """The grouping of ``table`` by the values of ``fields`` (in that order), one for each table and fields."""
    with _lock:
        found = _field_groupings.get((table, fields))
        if found is None:
            found = _field_groupings[(table, fields)] = Grouping(table, ", ".join(fields), _field_keys(fields))
        return found


def _field_keys(fields: tuple[str, ...]) -> Callable[[dict], tuple]:
    def keys(doc: dict) -> tuple:
        return (tuple(doc.get(f, _MISSING) for f in fields),)

    return keys


def _hashable(value) -> bool:
    try:
        hash(value)
    except TypeError:
        return False
    return True


def where(store: Store, table: str, **equals) -> Selection:
    """The documents of ``table`` whose fields equal ``equals``, like ``store.find`` but kept grouped."""
    fields = tuple(sorted(equals))
    return Selection(store, by_fields(table, fields), tuple(equals[f] for f in fields))


def select(store: Store, grouping: Grouping, key: Hashable = ()) -> Selection:
    """The group ``key`` of ``grouping`` (``()`` for a grouping that puts every document in one group)."""
    return Selection(store, grouping, key)


def whole(table: str) -> Grouping:
    """Every document of ``table``, in one group: ``select(store, whole(table))``."""
    return by_fields(table, ())


class Selection:
    """One group of a grouping, read when it is used (not when it is made): the documents in id order when
    iterated, or one page of them sorted (``page``)."""

    def __init__(self, store: Store, grouping: Grouping, key: Hashable):
        self.store, self.grouping, self.key = store, grouping, key

    def documents(self) -> list[dict]:
        store = self.store
        with store.lock:
            table = _kept(store, self.grouping.table, self.key)
            if table is None:
                return self._scanned()
            return [table.docs[i] for i in sorted(table.groups_of(self.grouping).members.get(self.key, ()))]

    def __iter__(self) -> Iterator[dict]:
        return iter(self.documents())

    def __len__(self) -> int:
        with self.store.lock:
            table = _kept(self.store, self.grouping.table, self.key)
            if table is None:
                return len(self._scanned())
            return len(table.groups_of(self.grouping).members.get(self.key, ()))

    def __bool__(self) -> bool:
        return len(self) > 0

    def first(self) -> dict | None:
        found = self.documents()
        return found[0] if found else None

    def page(
        self, by: str, asc: bool, has: str | None, fields: tuple[str, ...], startwith: int, limit: int
    ) -> tuple[int, list[dict]]:
        """(how many documents of the group ``has`` matches, the page of them from ``startwith``): the same as
        ``cut(ordered(list(self), by, asc, has, fields), startwith, limit)`` and its length."""
        store = self.store
        with store.lock:
            table = _kept(store, self.grouping.table, self.key)
            if table is None or by in table.unordered:
                chosen = ordered(self.documents(), by, asc, has, fields)
                return len(chosen), cut(chosen, startwith, limit)
            entries = table.entries(self.grouping, self.key, by, has or None, fields)
            if entries is None:  # a value met while ordering them does not compare with the others
                chosen = ordered(self.documents(), by, asc, has, fields)
                return len(chosen), cut(chosen, startwith, limit)
            docs = table.docs
            return len(entries), [docs[i] for _, i in _window(entries, asc, startwith, limit)]

    def _scanned(self) -> list[dict]:
        keys, key = self.grouping.keys, self.key
        return [doc for doc in self.store.all(self.grouping.table) if key in keys(doc)]


def _window(entries: SortedList, asc: bool, startwith: int, limit: int):
    n = len(entries)
    if asc:
        return entries.islice(startwith, n if limit == 0 else min(n, startwith + limit)) if startwith < n else ()
    stop = n - startwith  # descending is ascending reversed: ids make every entry unique
    return entries.islice(0 if limit == 0 else max(0, stop - limit), stop, reverse=True) if stop > 0 else ()


class _Groups:
    """One grouping of a table: the ids of each group, and each group's entries in order by the fields asked."""

    def __init__(self, grouping: Grouping, docs: dict[int, dict]):
        self.grouping = grouping
        self.members: dict[Hashable, set[int]] = {}
        self.orders: dict[Hashable, dict[str, SortedList]] = {}
        for doc_id, doc in docs.items():
            for key in grouping.keys(doc):
                self.members.setdefault(key, set()).add(doc_id)

    def join(self, key: Hashable, doc: dict) -> None:
        self.members.setdefault(key, set()).add(doc["id"])
        for field, entries in self.orders.get(key, {}).items():
            entries.add((sort_value(doc, field), doc["id"]))

    def leave(self, key: Hashable, doc: dict) -> None:
        members = self.members[key]
        members.discard(doc["id"])
        for field, entries in self.orders.get(key, {}).items():
            entries.remove((sort_value(doc, field), doc["id"]))
        if not members:
            del self.members[key]
            self.orders.pop(key, None)

    def move(self, key: Hashable, old: dict, new: dict) -> None:
        for field, entries in self.orders.get(key, {}).items():
            before, after = sort_value(old, field), sort_value(new, field)
            if before != after:
                entries.remove((before, old["id"]))
                entries.add((after, new["id"]))


class _Table:
    """What is kept of one table of one store."""

    def __init__(self, docs: list[dict]):
        self.docs: dict[int, dict] = {doc["id"]: doc for doc in docs}
        self.groups: dict[Grouping, _Groups] = {}
        self.ordered: set[str] = set()  # the fields some group is kept in order by
        self.unordered: set[str] = set()  # fields holding a value that does not compare with the others
        self.filters: OrderedDict[tuple, SortedList] = OrderedDict()  # (grouping, key, field, has, fields)

    def groups_of(self, grouping: Grouping) -> _Groups:
        found = self.groups.get(grouping)
        if found is None:
            found = self.groups[grouping] = _Groups(grouping, self.docs)
        return found

    def entries(
        self, grouping: Grouping, key: Hashable, field: str, has: str | None, fields: tuple[str, ...]
    ) -> SortedList | None:
        """The group's entries in order by ``field``, only those ``has`` matches if given; None if a value of
        ``field`` does not compare with the others."""
        groups = self.groups_of(grouping)
        orders = groups.orders.setdefault(key, {}) if key in groups.members else {}
        entries = orders.get(field)
        if entries is None:
            values = [(sort_value(self.docs[i], field), i) for i in groups.members.get(key, ())]
            if not all(_orderable(value[1]) for value, _ in values):
                self.unordered.add(field)
                return None
            entries = SortedList(values)
            self.ordered.add(field)
            if key in groups.members:
                orders[field] = entries
        if has is None:
            return entries
        wanted = (grouping, key, field, has, fields)
        found = self.filters.get(wanted)
        if found is None:
            docs = self.docs
            found = self.filters[wanted] = SortedList(e for e in entries if matches(docs[e[1]], has, fields))
            while len(self.filters) > KEPT_FILTERS:
                self.filters.popitem(last=False)
        self.filters.move_to_end(wanted)
        return found

    def change(self, doc_id: int, new: dict | None) -> None:
        """Follow one committed change of a document (``new`` None: deleted)."""
        old = self.docs.pop(doc_id, None)
        if new is not None:
            self.docs[doc_id] = new
            self._check_orderable(new)
        moved: dict[Grouping, tuple[tuple, tuple]] = {}
        for grouping, groups in self.groups.items():
            before = grouping.keys(old) if old is not None else ()
            after = grouping.keys(new) if new is not None else ()
            moved[grouping] = before, after
            for key in before:  # before is () when there was no document, after when there is none
                if key not in after:
                    assert old is not None
                    groups.leave(key, old)
            for key in after:
                assert new is not None
                if key in before:
                    assert old is not None
                    groups.move(key, old, new)
                else:
                    groups.join(key, new)
        for (grouping, key, field, has, fields), entries in self.filters.items():
            before, after = moved[grouping]
            if old is not None and key in before and matches(old, has, fields):
                entries.remove((sort_value(old, field), doc_id))
            if new is not None and key in after and matches(new, has, fields):
                entries.add((sort_value(new, field), doc_id))

    def _check_orderable(self, doc: dict) -> None:
        """A value that does not compare with the others (a list, an object) cannot be kept in order: every
        order by its field is dropped and that field is sorted plainly from now on."""
        for field in [f for f in self.ordered if not _orderable(doc.get(f))]:
            self._drop_field(field)

    def _drop_field(self, field: str) -> None:
        self.ordered.discard(field)
        self.unordered.add(field)
        for groups in self.groups.values():
            for orders in groups.orders.values():
                orders.pop(field, None)
        for wanted in [w for w in self.filters if w[2] == field]:
            del self.filters[wanted]


def _orderable(value) -> bool:
    return value is None or type(value) in _SCALARS


class _Kept:
    """Every table kept for one store, following its commits."""

    def __init__(self) -> None:
        self.tables: dict[str, _Table] = {}

    def committed(self, changes: list[dict] | None) -> None:
        if changes is None:
            self.tables.clear()  # another world: built again when asked
            return
        for change in changes:
            table = self.tables.get(change["t"])
            if table is None:
                continue
            try:
                table.change(change["id"], change["doc"])
            except Exception:  # never serve what may have gone wrong: build the table again when next asked
                log.exception("ordering of %s dropped after a failed update", change["t"])
                del self.tables[change["t"]]


_lock = threading.Lock()
_field_groupings: dict[tuple[str, tuple[str, ...]], Grouping] = {}
_stores: weakref.WeakKeyDictionary[Store, _Kept] = weakref.WeakKeyDictionary()


def _kept(store: Store, name: str, key: Hashable) -> _Table | None:
    """The kept table ``name`` of ``store`` (made the first time), or None where it cannot answer: inside a
    transaction that has written, or for a key no document can hold. Called holding ``store.lock``."""
    if store.uncommitted() or not _hashable(key):
        return None
    with _lock:
        kept = _stores.get(store)
        if kept is None:
            kept = _stores[store] = _Kept()
            store.on_commit(kept.committed)
    table = kept.tables.get(name)
    if table is None:
        with heap.building():
            table = kept.tables[name] = _Table(store.all(name))
    store.note_read(name)
    return table
