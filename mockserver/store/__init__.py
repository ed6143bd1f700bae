"""The only door to TinyDB: one lock, every acknowledged write durable, write cost independent of size.

Files for Store("mock.json"): ``mock.json`` is a snapshot in TinyDB's JSON format (snapshot.py), rewritten only by
compaction and always atomically; ``mock.json.journal`` is the write-ahead log (journal.py), one line per
committed transaction, fsync'd before the write call returns. On open: load the snapshot, replay the journal (a
torn last line was never acknowledged, so it is dropped), then compact. Only a missing file starts a new store: an
empty one, or one holding anything but an abiquo-mock store, is refused (opening.py). A write costs one doc plus
one append (tables.py, documents.py); the snapshot is rewritten only when the journal's bytes outgrow both the
snapshot's and 8 MiB, which is amortised O(1) per byte written and keeps both files together under about twice the
data plus 8 MiB (so start time and memory follow the data, not the number of writes ever made). The 8 MiB floor
spares a small world a snapshot every fraction of a second under a steady stream of writes (each one slows the
fsyncs that writes wait for); replaying that much journal on a restart takes a fraction of a second. Under the
server a compaction folds on a thread of its own (folding.py).

A write that the disk refuses (full, read-only, permission) raises StoreUnavailable, which names the cause;
nothing of it stays in memory or on disk, and the store stays usable: the next write tries again.

Callers: every method takes ``store.lock``, an RLock. To read and then write without interleaving,
use ``transaction()``. get/all/find/first return the STORED dicts, so copy one before changing it.
Writes never mutate a stored dict, they swap in a new one, so a dict you got stays a stable snapshot.
insert/put store a deep copy (a JSON round trip), so docs must be JSON-serialisable. A transaction
that raises is rolled back in memory and never reaches the disk. Nested transactions join the outer
one; if an inner one raises, only the writes inside it are undone.
"""

from __future__ import annotations

import contextlib
import logging
import os
import pathlib
import threading
from collections.abc import Callable, Iterable, Iterator, Mapping
from typing import Any

from .. import heap, jsontext
from . import opening, snapshot
from .compaction import Compaction
from .documents import FORMAT, META, _is_id
from .errors import StoreError, StoreLocked, StoreUnavailable
from .folding import Folder
from .journal import WriteAheadLog
from .locking import _flock, hold_lock, lock_holder
from .marks import ALL, ChangeMarks, Read, Reads
from .snapshot import _snapshot_pieces
from .tables import Tables, prepare

__all__ = ["ALL", "MIGRATIONS", "SCHEMA_VERSION", "Store", "StoreError", "StoreLocked", "StoreUnavailable"]
__all__ += ["_snapshot_pieces", "hold_lock", "lock_holder"]

SCHEMA_VERSION = 1
ORIGIN = "3"  # the _meta record that says which scenario the world was made from
# MIGRATIONS[n] turns the raw tables dict of schema version n into version n + 1. The raw dict is
# {"table": {"<id>": doc}}, with _meta included, and the journal has already been replayed into it.
MIGRATIONS: dict[int, Callable[[dict[str, Any]], dict[str, Any]]] = {}

log = logging.getLogger(__name__)
# Under the server, every this many writes the fold thread hands memory freed since back to the system
# (_give_back_freed_memory).
TRIM_EVERY = 2048


def _fresh_tables() -> dict[str, Any]:
    return {META: {"1": {"format": FORMAT, "schema_version": SCHEMA_VERSION}}}


class Store(Compaction):
    """Store(path) keeps its data in that file plus a journal beside it; Store(None) keeps it in memory only.
    fsync=False keeps every guarantee against a killed process, but not against power loss."""

    def __init__(self, path: str | os.PathLike[str] | None, *, fsync: bool = True, lock_held: bool = False):
        """lock_held: the caller's process already holds the store's lock (see hold_lock), so do not take it."""
        self.path = pathlib.Path(path) if path is not None else None
        self.lock = threading.RLock()
        self.is_new = True
        self._fsync = fsync
        self._depth = 0  # how deeply transactions are nested
        self._seq = 0  # seq of the newest journal record (kept across compactions)
        self._folder: Folder | None = None  # folding in the background (fold_in_background)
        self._snapshot_size = 0
        self._closed = False
        self._on_commit: list[Callable[[list[dict[str, Any]] | None], None]] = []
        self._lock_held = lock_held
        self.unavailable: StoreUnavailable | None = None  # the last write the disk refused, until one succeeds
        self._marks = ChangeMarks()
        self._reads = Reads()
        self._tables = Tables(self._reads)
        self._wal: WriteAheadLog | None = None
        if self.path is None:
            self._tables.load(_fresh_tables())
            return
        self._wal = WriteAheadLog(self.path, fsync)
        self._journal = self._wal.main
        journal_existed = self._journal.exists()
        try:
            with heap.building():  # reading a big snapshot allocates the whole world
                self._open_files()
        except BaseException as exc:
            self._wal.abandon(journal_existed)  # a store that failed to open must not keep the file locked
            if isinstance(exc, OSError):
                raise StoreError(f"{self.path}: cannot open store ({exc.strerror or exc})") from exc
            raise

    @property
    def generation(self) -> int:
        """Moves on with every write, a commit or a whole replacement (marks.py ChangeMarks)."""
        return self._marks.generation

    @property
    def _fd(self) -> int | None:
        """The journal taking appends; None for a memory store, or a closed one."""
        return self._wal.fd if self._wal is not None else None

    @property
    def _journal_records(self) -> int:
        """Records in the journal taking appends (a subclass may compact by them: tests/helpers_store_writer.py)."""
        return self._wal.records if self._wal is not None else 0

    @property
    def _release(self) -> Callable[[], object]:
        """What lets go of the files at once, as a killed process would (no compaction)."""
        return self._wal.release if self._wal is not None else lambda: None

    def track_reads(self) -> set[Any]:
        """Start recording what this thread reads (until untrack_reads); returns the growing set: a table's
        name for a scan of it, ``(table, id)`` for one document asked by id (``get``), ``ALL`` for every
        table (tables(), dump())."""
        return self._reads.track()

    def untrack_reads(self) -> set[Any]:
        return self._reads.untrack()

    def unchanged_since(self, generation: int, tables: Iterable[Read]) -> bool:
        """Whether no write since ``generation`` touched any of ``tables`` (nor replaced the whole store); an
        item of ``tables`` is what ``track_reads`` records: a table, a ``(table, id)`` document or ``ALL``."""
        return self._marks.unchanged_since(generation, tables)

    def defer_sync(self) -> None:
        """Group commit: from now on a commit writes its journal record and leaves the fsync to ``sync``.
        Whoever acknowledges a write must first call ``sync(seq)`` with the ``written_seq`` read after it (the
        front door does, so that requests go on meanwhile and one fsync covers every write that piled up). A
        killed process loses nothing either way (a written record survives it); a power cut loses no
        acknowledged write, since none is acknowledged before its fsync. A read may show a write whose own
        answer still waits for that fsync."""
        if self._wal is not None and self._fsync:
            self._wal.defer(self._seq)

    @property
    def written_seq(self) -> int:
        """The seq of the newest record written to the journal."""
        return self._seq

    def durable(self, seq: int) -> bool:
        """Whether every record up to ``seq`` is known to be on disk."""
        return self._wal is None or self._wal.durable(seq)

    def sync(self, seq: int | None = None) -> None:
        """Make every record up to ``seq`` (default: all written so far) durable: nothing when an fsync already
        covered it, else one fsync for everything written until now. A refused fsync raises StoreUnavailable
        (health reports it until a write succeeds): what it was to cover must not be acknowledged."""
        seq = self._seq if seq is None else seq
        if self._wal is None or self._wal.durable(seq):
            return
        try:
            self._wal.sync(seq, lambda: None if self._closed else self._seq)  # _seq: moves once a record is whole
        except OSError as exc:
            self.unavailable = StoreUnavailable(self.path, exc)
            raise self.unavailable from exc

    def on_commit(self, callback: Callable[[list[dict[str, Any]] | None], None]) -> None:
        """Call ``callback(changes)`` after each commit, on the committing thread, still holding the lock and
        after the journal line is written (and fsynced, unless defer_sync leaves that to sync()): ``changes``
        are the committed ``{"t", "id", "doc"}`` records, in order, or None when replace_all swapped the whole
        world. A callback must be quick and must not raise."""
        self._on_commit.append(callback)

    def note_read(self, table: str) -> None:
        """Record a read of the whole of ``table`` (see track_reads), for what reads it through an index of its own."""
        self._tables.note_read(table)

    def uncommitted(self) -> bool:
        """Whether the transaction this thread holds open has written what on_commit has not announced yet."""
        with self.lock:
            return bool(self._tables.undo)

    def get(self, table: str, id: int) -> dict[str, Any] | None:
        with self.lock:
            return self._tables.get(table, id)

    def all(self, table: str) -> list[dict[str, Any]]:
        with self.lock:
            return self._tables.all(table)

    def find(self, table: str, **equals: object) -> list[dict[str, Any]]:
        with self.lock:
            return self._tables.find(table, equals)

    def first(self, table: str, **equals: object) -> dict[str, Any] | None:
        found = self.find(table, **equals)
        return found[0] if found else None

    def count(self, table: str) -> int:
        with self.lock:
            return self._tables.count(table)

    def tables(self) -> list[str]:
        """The tables that hold at least one doc, without _meta."""
        with self.lock:
            return self._tables.names()

    def dump(self) -> dict[str, list[dict[str, Any]]]:
        with self.lock:
            return self._tables.dump()

    def insert(self, table: str, doc: Mapping[str, Any]) -> int:
        """Store a copy of doc. It keeps doc["id"] if that is a free positive int; otherwise it gets max id + 1."""
        prepared = prepare(table, doc)
        with self.transaction():
            return self._tables.insert(table, prepared)

    def put(self, table: str, id: int, doc: Mapping[str, Any]) -> None:
        if not _is_id(id):
            raise ValueError(f"id must be a positive int, not {id!r}")
        prepared = prepare(table, doc)
        with self.transaction():
            self._tables.put(table, id, prepared)

    def delete(self, table: str, id: int) -> bool:
        opening.check_table(table)
        if not _is_id(id):
            return False
        with self.transaction():
            return self._tables.delete(table, id)

    @contextlib.contextmanager
    def transaction(self) -> Iterator[None]:
        """Hold the lock. On exit, all writes inside become ONE journal record, fsync'd before the block
        ends. If the block raises, its writes are undone in memory and nothing is written."""
        with self.lock:
            if self._closed:
                raise StoreError(f"{self.path or 'memory store'}: store is closed")
            mark = len(self._tables.undo)
            self._depth += 1
            try:
                yield
            except BaseException:
                self._tables.rollback(mark)
                raise
            finally:
                self._depth -= 1
            if self._depth == 0:
                self._commit()

    def replace_all(self, world: dict[str, list[dict[str, Any]]], scenario: str | None = None) -> None:
        """Replace every table with ``world``, made from ``scenario`` (recorded with it: see ``scenario``)."""
        with heap.building():
            self._replace_all(world, scenario)

    def _replace_all(self, world: dict[str, list[dict[str, Any]]], scenario: str | None) -> None:
        tables = opening.build_world(world, _fresh_tables())  # validate and copy before touching anything
        with self.lock:
            if self._closed or self._depth:
                raise StoreError(f"{self.path or 'memory store'}: replace_all needs an open store and no transaction")
            # The snapshot claims every journal record so far, so a crash before the journal is
            # truncated cannot replay the old world over the new one. The replacement is a write of its own:
            # it takes the next seq, which the generation follows.
            self._seq += 1
            tables[META]["2"] = {"journal_seq": self._seq}
            tables[META][ORIGIN] = {"scenario": scenario}
            if self._fd is not None:
                self._await_fold()  # one snapshot writer at a time
                with self._disk_errors():
                    self._write_snapshot(tables)
                self._all_synced()
            self._tables.load(tables)
            self._marks.replaced()
            if self._fd is not None:
                try:
                    self._truncate_journal()
                except OSError as exc:  # the snapshot claims every record in it, so this is only space
                    log.warning(
                        "%s: journal not emptied after a reset, will be on the next compaction: %s", self.path, exc
                    )
            self._announce(None)

    @property
    def scenario(self) -> str | None:
        """The scenario the served world was made from (the last replace_all's), kept across restarts."""
        scenario: str | None = self._tables.live[META].get(ORIGIN, {}).get("scenario")
        return scenario

    def close(self) -> None:
        with self.lock:
            if self._closed:
                return
            self._closed = True
            if self._fd is None or self._wal is None:
                return
            try:
                self._await_fold()
                if self._wal.size or self._inactive_size():
                    self._compact()
            except OSError as exc:  # a full disk at shutdown: the journal holds every write, the next open replays it
                log.warning("%s: not compacted on close: %s", self.path, exc)
            finally:
                self._wal.close()
                if self._folder is not None:
                    self._folder.shutdown()

    def __enter__(self) -> Store:
        return self

    def __exit__(self, *exc: object) -> None:
        self.close()

    def _commit(self) -> None:
        if not self._tables.undo:
            return
        touched, changes = self._tables.changes()
        try:
            self._append({"seq": self._seq + 1, "changes": changes})
        except BaseException:
            self._tables.rollback(0)  # not on disk, so it must not stay visible in memory either
            raise
        self._seq += 1
        self._tables.undo.clear()
        self._marks.written(touched)
        self._announce(changes)
        if self._folder is not None and self._seq % TRIM_EVERY == 0:
            self._folder.give_back_memory()
        if self._compaction_due():
            try:
                self._fold_or_compact() if self._folder is not None else self._compact()
            except OSError as exc:  # the write is safe in the journal; retry on a later write
                log.warning("%s: compaction failed, will retry: %s", self.path, exc)

    def _announce(self, changes: list[dict[str, Any]] | None) -> None:
        for callback in self._on_commit:
            try:
                callback(changes)
            except Exception:  # the write is committed and acknowledged whatever a listener does
                log.exception("%s: a commit listener failed", self.path or "memory store")

    @contextlib.contextmanager
    def _disk_errors(self) -> Iterator[None]:
        """An OSError from the disk becomes StoreUnavailable and marks the store unavailable until a write
        succeeds; health reports it."""
        try:
            yield
        except OSError as exc:
            self.unavailable = StoreUnavailable(self.path, exc)
            raise self.unavailable from exc
        self.unavailable = None

    def recheck(self) -> StoreUnavailable | None:
        """While the disk refuses writes, try it again without writing to the store (health asks): the journal
        can be cut back and a small file can be written and synced beside it. The refusal, if it remains."""
        with self.lock:
            if self.unavailable is None or self._wal is None or self._fd is None:
                return self.unavailable
            with contextlib.suppress(StoreUnavailable), self._disk_errors():
                self._wal.cut_back()  # also refused while the journal is immutable
                assert self.path is not None
                snapshot.probe(self.path)
            return self.unavailable

    def _append(self, record: dict[str, Any]) -> None:
        if self._wal is None:
            return
        if self._fd is None:
            raise StoreError(f"{self.path}: store is closed")
        with self._disk_errors():
            self._wal.append(jsontext.dump(record) + b"\n", fsync=self._fsync and not self._wal.deferred)

    def _open_files(self) -> None:
        assert self.path is not None and self._wal is not None
        self.path.parent.mkdir(parents=True, exist_ok=True)
        fd = self._wal.open()  # dropping a Store without close() then acts like a crash: the journal has it all
        if not self._lock_held:  # two writers would each compact their view over the other's lines and lose them
            _flock(self.path, fd)  # it belongs to this open file: a second Store in this process is refused too
        snapshot.remove_stale(self.path)
        found = opening.recover(self.path, self._wal, _fresh_tables, SCHEMA_VERSION, MIGRATIONS)
        tables, self._seq, self._snapshot_size, self.is_new = found.tables, found.seq, found.size, found.is_new
        self._tables.load(tables)
        self._marks.generation = self._seq  # counts every write since the store was made, not since this process
        snapshot.sync_dir(self.path, self._fsync)
        if self.is_new or found.migrated or self._wal.size or self._wal.inactive_size():
            self._compact()  # fold the replayed journal, and any torn tail, into a fresh snapshot
