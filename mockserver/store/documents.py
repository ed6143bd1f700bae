"""The documents as TinyDB holds them here: a live dict of tables edited in place, each stored document a
private, compact copy that nothing changes once stored (a write swaps in a new one)."""

from __future__ import annotations

import sys
import weakref
from collections.abc import Callable, Iterator, MutableMapping
from typing import Any, Protocol, TypeGuard

from tinydb import TinyDB
from tinydb.storages import MemoryStorage
from tinydb.table import Table

from .. import jsontext

FORMAT = "abiquo-mock"
META = "_meta"  # the table of the store's own records: its format and schema, the journal seq, the scenario
SHARED_TEXT = 96  # texts up to this long are held once however many stored documents carry them (_snug)


class Applies(Protocol):
    """What a live table view needs of its store: the raw table, and the one place where documents change."""

    def _raw(self, table: str, create: bool = False) -> dict[str, Any]: ...

    def _apply(self, table: str, doc_id: int, doc: dict[str, Any] | None, *, log_undo: bool = True) -> None: ...


def _copy(value: Any) -> Any:
    # A JSON round trip makes a deep copy. It also proves that the value can be journaled, and it
    # makes memory mode hold exactly what file mode reads back after a restart.
    copied = jsontext.copy(value)  # type: ignore[no-untyped-call]
    return _snug(copied) if type(copied) is dict else copied


def _snug(doc: dict[str, Any], depth: int = 2) -> dict[str, Any]:
    """A stored document made to take less memory, its content unchanged: a dict of its own size (orjson gives a
    document of 17 fields a table for 42: 632 bytes instead of 464), and one string for each short text that
    recurs from document to document (a user, a component, an entity's path), down to ``depth`` levels. About
    1.6 KB an event became about 0.9 KB."""
    return {
        key: sys.intern(value)
        if type(value) is str and len(value) <= SHARED_TEXT
        else _snug(value, depth - 1)
        if depth > 1 and type(value) is dict
        else value
        for key, value in doc.items()
    }


def _is_id(value: object) -> TypeGuard[int]:
    return type(value) is int and value > 0


class _IdView(MutableMapping[int, dict[str, Any]]):
    """What TinyDB's updaters see: one live table, keyed by int id. Each change goes through
    Store._apply, which logs it for undo and for the journal. Nothing rebuilds the table."""

    def __init__(self, store: Applies, name: str):
        self._store, self._name = store, name
        self._raw = store._raw(name, create=True)

    def __getitem__(self, doc_id: int) -> dict[str, Any]:
        # TinyDB's update() mutates the dict it is given, so it gets a private copy (copy-on-write).
        # The undo log keeps the original, and a reader holding the old dict never sees it change.
        doc: dict[str, Any] = _copy(self._raw[str(doc_id)])
        self._store._apply(self._name, doc_id, doc)
        return doc

    def __setitem__(self, doc_id: int, doc: dict[str, Any]) -> None:
        self._store._apply(self._name, doc_id, doc)

    def __delitem__(self, doc_id: int) -> None:
        if str(doc_id) not in self._raw:
            raise KeyError(doc_id)
        self._store._apply(self._name, doc_id, None)

    def __contains__(self, doc_id: object) -> bool:  # MutableMapping's default would call __getitem__ and copy
        return str(doc_id) in self._raw

    def __iter__(self) -> Iterator[int]:
        return (int(key) for key in list(self._raw))

    def __len__(self) -> int:
        return len(self._raw)


class _Table(Table):
    def _update_table(self, updater: Callable[[_IdView], None]) -> None:  # type: ignore[override]  # a live view
        # Stock TinyDB reads the whole table, rebuilds it and writes it back. We edit it in place.
        updater(_IdView(self._storage.store(), self.name))  # type: ignore[attr-defined]
        self.clear_cache()

    def replace(self, doc_id: int, doc: dict[str, Any]) -> None:
        """Store doc under doc_id whole. (upsert() would merge it into the old doc.)"""
        self._update_table(lambda view: view.__setitem__(doc_id, doc))


class _LiveStorage(MemoryStorage):
    """Gives TinyDB the live dict without copying it, and lets our tables find their Store."""

    def __init__(self, store: Applies):
        super().__init__()  # type: ignore[no-untyped-call]
        # A weak ref, so that a Store nobody closed is freed at once and its finalizer drops the file lock.
        self.store = weakref.ref(store)


class _DB(TinyDB):
    table_class = _Table


class MaxIds:
    """The highest id of each table, found once and kept up to date by every change, for insert's next id."""

    def __init__(self) -> None:
        self._max: dict[str, int] = {}

    def clear(self) -> None:
        self._max.clear()

    def next_id(self, table: str, raw: dict[str, Any]) -> int:
        if table not in self._max:
            self._max[table] = max(map(int, raw), default=0)
        return self._max[table] + 1

    def stored(self, table: str, doc_id: int) -> None:
        if table in self._max and doc_id > self._max[table]:
            self._max[table] = doc_id

    def removed(self, table: str, doc_id: int, raw: dict[str, Any]) -> None:
        if self._max.get(table) == doc_id:
            self._max[table] = _max_below(raw, doc_id)


def _max_below(raw: dict[str, Any], start: int) -> int:
    # Deleting the newest doc is common (create, then delete). Walk down across the gap rather
    # than scanning every key, but never walk further than a full scan would cost.
    for n in range(start - 1, max(start - 1 - len(raw), 0), -1):
        if str(n) in raw:
            return n
    return max(map(int, raw), default=0)
