"""The event log kept in order as it grows, so that reading a page costs the page, not the log.

Events arrive with the next id and leave oldest first (model.record), so an index in id order follows the
table by looking at its two ends after each write: drop what left at the front, append what arrived at the
back. Anything else (a reset, a table edited otherwise) makes it rebuild from the table. While timestamps
never go backwards, id order is also timestamp order, and ``datefrom`` is a binary search.
"""

from __future__ import annotations

import bisect
import threading
import weakref
from itertools import pairwise

from ..store import Store


class EventIndex:
    def __init__(self, table: str) -> None:
        self._table = table
        self._events: list[dict] = []  # the stored event docs in id order, from _start on
        self._start = 0
        self._generation: int | None = None  # the store generation it was last brought up to
        self.monotonic = True  # timestamps never decrease in id order
        self._lock = threading.Lock()

    def since(self, store: Store, since_ms: int) -> tuple[list[dict], int] | None:
        """(events, first): the events at or after ``since_ms`` are ``events[first:]``, oldest first (the
        list is the index's own: do not change it). None when timestamps went backwards somewhere, so that
        id order is not time order and the caller must sort."""
        with self._lock:
            self._sync(store)
            if not self.monotonic:
                return None
            events = self._events
            return events, bisect.bisect_left(events, since_ms, lo=self._start, key=_timestamp)

    def _sync(self, store: Store) -> None:
        if self._generation is not None and store.unchanged_since(self._generation, (self._table,)):
            return
        with store.lock:
            generation = store.generation
            if not self._follow(store):
                self._events, self._start = store.all(self._table), 0
                self.monotonic = all(a["timestamp"] <= b["timestamp"] for a, b in pairwise(self._events))
            self._generation = generation

    def _follow(self, store: Store) -> bool:
        """Bring the index up to date from its ends; False when the table changed in another way."""
        events, start = self._events, self._start
        while start < len(events) and store.get(self._table, events[start]["id"]) is None:
            start += 1
        if start < len(events) and store.get(self._table, events[-1]["id"]) is not events[-1]:
            return False  # the newest event we know was replaced: not a growing log
        next_id = events[-1]["id"] + 1 if events else 1
        while (event := store.get(self._table, next_id)) is not None:
            if events and event["timestamp"] < events[-1]["timestamp"]:
                self.monotonic = False
            events.append(event)
            next_id += 1
        if start > len(events) // 2:  # forget the dropped front now and then, not on every write
            events, start = events[start:], 0
            self._events = events
        self._start = start
        return len(events) - start == store.count(self._table)


def _timestamp(event: dict) -> int:
    return event["timestamp"]


_indexes: weakref.WeakKeyDictionary[Store, EventIndex] = weakref.WeakKeyDictionary()
_indexes_lock = threading.Lock()


def of(store: Store, table: str) -> EventIndex:
    """The index of ``table`` (the event log) in ``store``."""
    with _indexes_lock:
        index = _indexes.get(store)
        if index is None:
            index = _indexes[store] = EventIndex(table)
        return index
