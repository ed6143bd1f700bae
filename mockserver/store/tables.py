"""The live tables: TinyDB over a dict edited in place, with the undo log of the writes a transaction has not
committed yet. Nothing here locks or reaches the disk: the Store does both around these."""

from __future__ import annotations

import operator
from collections.abc import Callable, Mapping
from typing import Any

from tinydb.table import Document

from .documents import _DB, META, MaxIds, _copy, _is_id, _LiveStorage
from .marks import ALL, Read, Reads
from .opening import check_table

_by_id = operator.itemgetter("id")
_MISSING = object()

Change = dict[str, Any]  # {"t": table, "id": id, "doc": the document written, or None for a deletion}


class Tables:
    def __init__(self, reads: Reads) -> None:
        self._reading = reads.local  # read on every get: one attribute lookup, not a call
        self.undo: list[tuple[str, int, dict[str, Any] | None]] = []  # (table, id, doc before the write)
        self._ids = MaxIds()  # filled in lazily, kept up to date by _apply
        self._db = _DB(self, storage=_LiveStorage)
        # the live dict, never None once loaded (one bound method: get() calls it on every read)
        self._read: Callable[[], dict[str, Any]] = self._db.storage.read  # type: ignore[assignment]

    @property
    def live(self) -> dict[str, Any]:
        """The live dict: ``{table: {"<id>": doc}}``, ``_meta`` included."""
        return self._read()

    def load(self, tables: dict[str, Any]) -> None:
        """Serve ``tables`` (a snapshot read back, a world built) in place of what was there."""
        self._db.drop_tables()
        self._db.storage.write(tables)
        self._ids.clear()

    def note_read(self, read: Read) -> None:
        tracked = getattr(self._reading, "reads", None)
        if tracked is not None:
            tracked.add(read)

    def get(self, table: str, id: int) -> dict[str, Any] | None:
        tracked = getattr(self._reading, "reads", None)
        if tracked is not None:
            # writes mark documents by int id: any other spelling of an id marks the whole table instead
            tracked.add((table, id) if id.__class__ is int else table)
        found: dict[str, Any] | None = self._read().get(table, {}).get(str(id))
        return found

    def all(self, table: str) -> list[dict[str, Any]]:
        return sorted(self._raw(table).values(), key=_by_id)

    def find(self, table: str, equals: Mapping[str, Any]) -> list[dict[str, Any]]:
        hits = [doc for doc in self._raw(table).values() if all(doc.get(k, _MISSING) == v for k, v in equals.items())]
        return sorted(hits, key=_by_id)

    def count(self, table: str) -> int:
        return len(self._raw(table))

    def names(self) -> list[str]:
        """The tables that hold at least one doc, without _meta."""
        self.note_read(ALL)
        return sorted(n for n, raw in self.live.items() if n != META and raw)

    def dump(self) -> dict[str, list[dict[str, Any]]]:
        return {name: _copy(self.all(name)) for name in self.names()}

    def insert(self, table: str, doc: dict[str, Any]) -> int:
        wanted = doc.get("id")
        raw = self._raw(table)
        doc_id = wanted if _is_id(wanted) and str(wanted) not in raw else self._ids.next_id(table, raw)
        doc["id"] = doc_id
        self._db.table(table).insert(Document(doc, doc_id))
        return doc_id

    def put(self, table: str, id: int, doc: dict[str, Any]) -> None:
        doc["id"] = id
        self._db.table(table).replace(id, doc)  # type: ignore[attr-defined]

    def delete(self, table: str, id: int) -> bool:
        return bool(self._db.table(table).remove(doc_ids=[id]))

    def rollback(self, mark: int) -> None:
        """Undo the writes after the ``mark``-th of the undo log."""
        for table, doc_id, old in reversed(self.undo[mark:]):
            self._apply(table, doc_id, old, log_undo=False)
        del self.undo[mark:]

    def changes(self) -> tuple[list[tuple[str, int]], list[Change]]:
        """What the writes of the undo log changed: the ``(table, id)`` documents, in order, once each, and the
        journal's changes of them."""
        touched = list(dict.fromkeys((t, i) for t, i, _ in self.undo))
        return touched, [{"t": t, "id": i, "doc": self._raw(t).get(str(i))} for t, i in touched]

    def _raw(self, table: str, create: bool = False) -> dict[str, Any]:
        self.note_read(table)
        tables = self._read()
        raw: dict[str, Any] = tables.setdefault(table, {}) if create else tables.get(table, {})
        return raw

    def _apply(self, table: str, doc_id: int, doc: dict[str, Any] | None, *, log_undo: bool = True) -> None:
        # The one place where live docs change (TinyDB updaters, rollback), so undo and max ids stay right.
        raw, key = self._raw(table, create=True), str(doc_id)
        if log_undo:
            self.undo.append((table, doc_id, raw.get(key)))
        if doc is not None:
            raw[key] = doc
            self._ids.stored(table, doc_id)
        elif raw.pop(key, None) is not None:
            self._ids.removed(table, doc_id, raw)


def prepare(table: str, doc: object) -> dict[str, Any]:
    """A stored copy of ``doc`` for ``table`` (TypeError, ValueError for what cannot be one)."""
    check_table(table)
    if not isinstance(doc, Mapping):
        raise TypeError(f"a document must be a mapping, not {type(doc).__name__}")
    copied: dict[str, Any] = _copy(dict(doc))
    return copied
