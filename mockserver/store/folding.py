"""Folding in the background (``Store.fold_in_background``, under the server): a compaction does not hold the
store. Appends move to the other journal file (``mock.json.journal.2``; the two take turns), and the fold's thread
writes the snapshot from a copy of the tables (documents are never changed in place, so copying each table's dict
is enough) and then empties the journal it replaces. A crash at any point leaves a snapshot and journals whose
records after the snapshot's seq rebuild every acknowledged write; opening reads both journals in seq order."""

from __future__ import annotations

import logging
from collections.abc import Callable
from concurrent.futures import Future, ThreadPoolExecutor
from typing import Any

from .memory import _give_back_freed_memory

log = logging.getLogger(__name__)


class Folder:
    """The one thread a store folds on, one fold at a time."""

    def __init__(self, where: object):
        self._where = where  # the store's path, for the log
        self._pool = ThreadPoolExecutor(1, thread_name_prefix="abiquo-fold")
        self._fold: Future[Any] | None = None

    def busy(self) -> bool:
        """A fold is running: the journal grows until it ends."""
        return self._fold is not None and not self._fold.done()

    def start(self, fold: Callable[..., None], *args: object) -> None:
        self._fold = self._pool.submit(fold, *args)

    def finish(self) -> None:
        """Wait for the fold, if any; one that failed is logged (its journal keeps every record)."""
        fold, self._fold = self._fold, None
        if fold is None:
            return
        try:
            fold.result()
        except Exception as exc:  # the next compaction folds it on the writing thread
            log.warning("%s: folding the journal into the snapshot failed, will retry: %s", self._where, exc)

    def give_back_memory(self) -> None:
        self._pool.submit(_give_back_freed_memory)

    def shutdown(self) -> None:
        self._pool.shutdown(wait=True)
