"""The write-ahead log (the store's journal): one line per committed transaction,
``{"seq": n, "changes": [{"t", "id", "doc"}]}``, appended before the write is acknowledged, read back on open in seq
order and replayed over the snapshot. A torn last line was never acknowledged: it is dropped."""

from __future__ import annotations

import contextlib
import operator
import os
import pathlib
import threading
import weakref
from collections.abc import Callable
from typing import Any

from .. import jsontext
from . import snapshot
from .documents import _is_id
from .errors import StoreError


def read(paths: tuple[pathlib.Path, ...]) -> list[dict[str, Any]]:
    """The records of the journals at ``paths``, in seq order."""
    records = [record for path in paths for record in read_file(path)]
    return sorted(records, key=operator.itemgetter("seq"))


def read_file(path: pathlib.Path) -> list[dict[str, Any]]:
    try:
        lines = path.read_bytes().split(b"\n")
    except FileNotFoundError:
        return []
    # Everything after the last newline is a torn write. Its fsync never returned, so it was never
    # acknowledged. The same goes for a bad final line. A bad line in the middle is real damage.
    records = []
    for n, line in enumerate(lines[:-1], 1):
        record = parse_record(line)
        if record is None and n < len(lines) - 1:
            raise StoreError(f"{path}: corrupt journal record at line {n}")
        if record is not None:
            records.append(record)
    return records


def parse_record(line: bytes) -> dict[str, Any] | None:
    try:
        record = jsontext.load(line)
        ok = _is_id(record["seq"]) and all(
            isinstance(c["t"], str) and _is_id(c["id"]) and isinstance(c["doc"], (dict, type(None)))
            for c in record["changes"]
        )
    except (ValueError, KeyError, TypeError):
        return None
    return record if ok else None


def replay(tables: dict[str, Any], records: list[dict[str, Any]], seq: int) -> int:
    """Apply the records after ``seq`` to ``tables``; the seq of the last one applied."""
    for record in records:
        if record["seq"] <= seq:
            continue  # already in the snapshot (we crashed between compaction and truncation)
        for change in record["changes"]:
            raw = tables.setdefault(change["t"], {})
            if change["doc"] is None:
                raw.pop(str(change["id"]), None)
            else:
                raw[str(change["id"])] = change["doc"]
        seq = record["seq"]
    return seq


class WriteAheadLog:
    """The journal files of a store on disk. Appends go to the active one (``fd``). The main journal is opened
    once, holds the store's flock and is never replaced; under the server a fold moves appends to the side
    journal (``switch``) while it folds the main one into the snapshot, then empties it (``empty``): the two take
    turns."""

    def __init__(self, store_path: pathlib.Path, fsync: bool):
        self._store_path = store_path
        self.main = store_path.with_name(store_path.name + ".journal")
        self.side = store_path.with_name(store_path.name + ".journal.2")
        self._fsync = fsync
        self.fd: int | None = None  # the journal taking appends
        self._main_fd: int | None = None
        self._side_fd: int | None = None
        # close the files (and so drop the flock) once; a WriteAheadLog dropped unclosed acts like a crash: safe
        self.release: Callable[[], object] = lambda: None
        self._release_side: Callable[[], object] = lambda: None
        self.size = 0  # bytes of the active journal
        self.records = 0
        self._torn = False  # a failed append may have left a partial line after ``size``
        self.sync_lock = threading.Lock()  # one fsync at a time, and none on a descriptor being closed
        # Group commit (defer): an append leaves the fsync to sync(), one fsync for every record written before
        # it; _synced_seq is the newest record known to be on disk.
        self.deferred = False
        self._synced_seq = 0

    def open(self) -> int:
        """Open (or create) the main journal for appends: its descriptor, which the flock goes on."""
        self.fd = self._main_fd = os.open(self.main, os.O_WRONLY | os.O_APPEND | os.O_CREAT, 0o644)
        self.release = weakref.finalize(self, os.close, self.fd)
        self.size = os.fstat(self.fd).st_size
        return self.fd

    def read(self) -> list[dict[str, Any]]:
        """The records of both journals, in seq order."""
        return read((self.main, self.side))

    def append(self, data: bytes, *, fsync: bool) -> None:
        """Write one whole record line (fsynced when ``fsync``). On failure no partial line stays behind: it is
        cut at once, or before the next append (a restart drops it as a torn tail)."""
        assert self.fd is not None
        if self._torn:  # cut what a failed write left before appending, or the lines would glue together
            os.ftruncate(self.fd, self.size)
            self._torn = False
        try:
            view = memoryview(data)
            while view:
                view = view[os.write(self.fd, view) :]
            if fsync:
                os.fsync(self.fd)
        except BaseException:
            self._torn = True
            with contextlib.suppress(OSError):
                os.ftruncate(self.fd, self.size)
                self._torn = False
            raise
        self.size += len(data)
        self.records += 1

    def defer(self, seq: int) -> None:
        """From now on appends are not fsynced: ``sync`` is; every record up to ``seq`` is on disk."""
        self._synced_seq = seq
        self.deferred = True

    def durable(self, seq: int) -> bool:
        """Whether every record up to ``seq`` is known to be on disk."""
        return not self.deferred or self._synced_seq >= seq

    def synced(self, seq: int) -> None:
        """Every record up to ``seq`` is on disk (a snapshot holding them, or an fsync)."""
        self._synced_seq = max(self._synced_seq, seq)

    def sync(self, seq: int, newest: Callable[[], int | None]) -> None:
        """One fsync covering every record written so far (``newest()``: the seq of the last one written
        whole, None once the store is closed), unless one already covered ``seq``. OSError: the disk refused."""
        with self.sync_lock:
            if self._synced_seq >= seq:
                return
            target, fd = newest(), self.fd
            if fd is None or target is None:
                raise StoreError(f"{self._store_path}: store is closed")
            os.fsync(fd)
            self._synced_seq = max(self._synced_seq, target)

    def cut_back(self) -> None:
        """Cut the active journal back to its last whole record (refused, too, while the disk refuses writes)."""
        assert self.fd is not None
        os.ftruncate(self.fd, self.size)
        self._torn = False

    def other(self, create: bool = False) -> int | None:
        """The journal that is not taking appends (opening the side journal the first time)."""
        if self.fd is None:
            return None
        if self.fd != self._main_fd:
            return self._main_fd
        if self._side_fd is None and (create or self.side.exists()):
            self._side_fd = os.open(self.side, os.O_WRONLY | os.O_APPEND | os.O_CREAT, 0o644)
            self._release_side = weakref.finalize(self, os.close, self._side_fd)
            snapshot.sync_dir(self.side, self._fsync)  # its name is on disk before any record in it is acknowledged
        return self._side_fd

    def inactive_size(self) -> int:
        other = self.other()
        return os.fstat(other).st_size if other is not None else 0

    def switch(self, synced: Callable[[], None]) -> int:
        """Move appends to the other journal, once the active one is on disk (``synced`` runs then, under the sync
        lock); the descriptor of the one they left, for a fold to empty."""
        old, other = self.fd, self.other(create=True)
        assert old is not None and other is not None
        with self.sync_lock:
            if self._fsync:
                os.fsync(old)  # what the fold replaces is on disk before appends move on
            synced()
            self.fd = other
        self.size = self.records = 0
        self._torn = False
        return old

    def empty(self, fd: int) -> None:
        """Empty the journal a fold has just written into the snapshot (on the fold's thread)."""
        os.ftruncate(fd, 0)
        if self._fsync:
            os.fsync(fd)

    def truncate(self) -> None:
        """Empty both journals (a snapshot that claims every record was just written)."""
        self._torn = False
        for fd in (self.fd, self.other()):
            if fd is not None and (fd == self.fd or os.fstat(fd).st_size):
                os.ftruncate(fd, 0)  # O_APPEND: the next write lands at the new end
                if self._fsync:
                    os.fsync(fd)
        self.size = self.records = 0

    def close(self) -> None:
        with self.sync_lock:  # no fsync may run on the descriptor being closed (or its next owner)
            self.release()
            self._release_side()
            self.fd = self._main_fd = self._side_fd = None

    def abandon(self, existed: bool) -> None:
        """Let go of a store that failed to open, leaving a journal it created as it was found: absent."""
        self.release()
        self._release_side()
        if not existed and self.main.exists() and self.main.stat().st_size == 0:
            self.main.unlink()
