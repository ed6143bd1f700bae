"""When and how a store folds its journal into a new snapshot. A snapshot costs O(its bytes): writing one only once
the journal holds more bytes than it keeps compaction amortised O(1) per byte written, and the journal, and so
replay, no bigger than the data. Under the server (``fold_in_background``) the fold runs on a thread of its own
(folding.py) while writes go on."""

from __future__ import annotations

import pathlib
from typing import Any

from . import snapshot
from .documents import META
from .folding import Folder
from .journal import WriteAheadLog
from .tables import Tables


class Compaction:
    """The compaction of a Store (its base class): what it needs of the store is declared here."""

    compact_min_bytes = 8 * 1024 * 1024  # compact when the journal holds more bytes than max(this, the snapshot)
    path: pathlib.Path | None
    _fsync: bool
    _seq: int
    _snapshot_size: int
    _tables: Tables
    _wal: WriteAheadLog | None
    _folder: Folder | None

    def fold_in_background(self) -> None:
        """From now on compaction writes the snapshot on a thread of its own while writes go on (see the module
        docstring), instead of holding the store for as long as the snapshot takes."""
        if self.path is not None and self._folder is None:
            self._folder = Folder(self.path)

    def _all_synced(self) -> None:
        """A snapshot holding every record so far is on disk."""
        if self._wal is not None:
            self._wal.synced(self._seq)

    def _compaction_due(self) -> bool:
        # Counted in bytes, not records: records and documents grow together (each write adds an event).
        return self._wal is not None and self._wal.size > max(self.compact_min_bytes, self._snapshot_size)

    def _compact(self) -> None:
        self._await_fold()  # one snapshot writer at a time
        tables = self._tables.live
        tables[META]["2"] = {"journal_seq": self._seq}
        self._write_snapshot(tables)
        self._all_synced()
        self._truncate_journal()

    def _fold_or_compact(self) -> None:
        assert self._folder is not None and self._wal is not None
        if self._folder.busy():
            return  # one fold at a time: the journal grows until it ends
        self._folder.finish()  # the one before, if it failed: said in the log
        if self._inactive_size():
            self._compact()  # a fold that failed left its journal behind: fold everything now, here
            return
        old = self._wal.switch(self._all_synced)
        tables = {name: dict(raw) for name, raw in self._tables.live.items()}  # docs never change in place
        tables[META] = {**tables[META], "2": {"journal_seq": self._seq}}
        self._folder.start(self._fold_into_snapshot, tables, old)

    def _fold_into_snapshot(self, tables: dict[str, Any], journal_fd: int) -> None:
        """On the fold thread: the snapshot from ``tables``, then the journal it replaces emptied."""
        self._write_snapshot(tables, yielding=True)
        assert self._wal is not None
        self._wal.empty(journal_fd)

    def _await_fold(self) -> None:
        if self._folder is not None:
            self._folder.finish()

    def _inactive_size(self) -> int:
        return self._wal.inactive_size() if self._wal is not None else 0

    def _write_snapshot(self, tables: dict[str, Any], *, yielding: bool = False) -> None:
        """Write ``tables`` as the new snapshot, atomically (``yielding``: in pieces, see snapshot.py)."""
        assert self.path is not None
        self._snapshot_size = snapshot.write(self.path, tables, fsync=self._fsync, yielding=yielding)

    def _truncate_journal(self) -> None:
        """Empty both journals (a snapshot that claims every record was just written)."""
        assert self._wal is not None
        self._wal.truncate()
