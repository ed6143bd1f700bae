"""The only door to TinyDB: one lock, every acknowledged write durable, write cost independent of size.

Files for Store("mock.json"): ``mock.json`` is a snapshot in TinyDB's JSON format, rewritten only by
compaction and always atomically (temp file, fsync, os.replace, fsync of the directory).
``mock.json.journal`` gets one line per committed transaction,
``{"seq": n, "changes": [{"t": table, "id": id, "doc": {...} | null}]}``, which is fsync'd before the
write call returns. On open: load the snapshot, replay the journal (a torn last line was never
acknowledged, so it is dropped), then compact. Only a missing file starts a new store: an empty one, or one
holding anything but an abiquo-mock store, is refused.

Why not TinyDB's JSONStorage: it rewrites the whole file in place on every write (O(n), and torn on a
crash), and Table._update_table rebuilds the whole table dict (O(n) even in memory). Here TinyDB runs over a
live in-memory dict that _Table edits in place. A write costs one doc plus one append; the snapshot is
rewritten only when the journal's bytes outgrow both the snapshot's and 8 MiB, which is amortised O(1) per byte
written and keeps both files together under about twice the data plus 8 MiB (so start time and memory follow the
data, not the number of writes ever made). The 8 MiB floor spares a small world a snapshot every fraction of a
second under a steady stream of writes (each one slows the fsyncs that writes wait for); replaying that much
journal on a restart takes a fraction of a second.

Under the server (fold_in_background) a compaction does not hold the store: appends move to the other journal
file (``mock.json.journal.2``; the two take turns), and a thread writes the snapshot from a copy of the tables
(documents are never changed in place, so copying each table's dict is enough) and then empties the journal it
replaces. A crash at any point leaves a snapshot and journals whose records after the snapshot's seq rebuild
every acknowledged write; opening reads both journals in seq order.

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
import ctypes
import errno
import glob
import json
import logging
import operator
import os
import pathlib
import sys
import tempfile
import threading
import time
import weakref
from collections.abc import Callable, Iterator, Mapping, MutableMapping
from concurrent.futures import Future, ThreadPoolExecutor

try:
    import fcntl
except ImportError:  # not POSIX: no guard against a second process
    fcntl = None

from tinydb import TinyDB
from tinydb.storages import MemoryStorage
from tinydb.table import Document, Table

from . import heap, jsontext

SCHEMA_VERSION = 1
FORMAT = "abiquo-mock"
META = "_meta"
ORIGIN = "3"  # the _meta record that says which scenario the world was made from
# MIGRATIONS[n] turns the raw tables dict of schema version n into version n + 1. The raw dict is
# {"table": {"<id>": doc}}, with _meta included, and the journal has already been replayed into it.
MIGRATIONS: dict[int, Callable[[dict], dict]] = {}

log = logging.getLogger(__name__)
_by_id = operator.itemgetter("id")
_MISSING = object()
ALL = "*"  # in a set of tables read: every table
DOC_MARKS = 100_000  # documents whose last write generation is remembered (see Store.unchanged_since)
# A fold serialises the snapshot in pieces this small and naps between them: whenever the thread serving requests
# lets go of the interpreter (an fsync, a wait for the network), the fold thread takes it and keeps it until its
# piece is done, so a big piece stalls every request; a nap, unlike sleep(0), lets requests run meanwhile.
PIECE_DOCS = 32
FOLD_NAP_S = 0.001
# Under the server, every this many writes the fold thread hands memory freed since back to the system
# (_give_back_freed_memory).
TRIM_EVERY = 2048
SHARED_TEXT = 96  # texts up to this long are held once however many stored documents carry them (_snug)


class StoreError(Exception):
    """The store cannot be opened or used. str(exc) is a one-line message that names the file."""


class StoreLocked(StoreError):
    """Another process holds the store's lock: ``holder`` is its pid where the system tells, else None."""

    def __init__(self, message: str, holder: int | None):
        super().__init__(message)
        self.holder = holder


class StoreUnavailable(StoreError):
    """A write the disk refused; ``cause`` says why in a few words (disk full, permission denied…)."""

    def __init__(self, path, exc: OSError):
        self.cause = _CAUSES.get(exc.errno, exc.strerror or type(exc).__name__)
        super().__init__(f"{path}: cannot write the store: {self.cause}")


_CAUSES = {
    errno.ENOSPC: "disk full",
    errno.EDQUOT: "disk quota exceeded",
    errno.EACCES: "permission denied",
    errno.EPERM: "operation not permitted (is the file immutable?)",
    errno.EROFS: "read-only file system",
    errno.EIO: "input/output error",
}


def _copy(value):
    # A JSON round trip makes a deep copy. It also proves that the value can be journaled, and it
    # makes memory mode hold exactly what file mode reads back after a restart.
    copied = jsontext.copy(value)
    return _snug(copied) if type(copied) is dict else copied


def _snug(doc: dict, depth: int = 2) -> dict:
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


def _snapshot_pieces(tables: dict) -> Iterator[bytes]:
    """``jsontext.dump(tables)`` in pieces of PIECE_DOCS documents, the same bytes once joined."""
    yield b"{"
    for n, (name, raw) in enumerate(tables.items()):
        yield (b"," if n else b"") + jsontext.dump(name) + b":{"
        items = list(raw.items())
        for start in range(0, len(items), PIECE_DOCS):
            piece = b",".join(
                jsontext.dump(key) + b":" + jsontext.dump(doc) for key, doc in items[start : start + PIECE_DOCS]
            )
            yield (b"," if start else b"") + piece
        yield b"}"
    yield b"}"


def _libc_trim() -> Callable[[int], int] | None:
    try:
        return ctypes.CDLL("libc.so.6").malloc_trim
    except (OSError, AttributeError):  # not glibc
        return None


_malloc_trim = _libc_trim()


def _give_back_freed_memory() -> None:
    """glibc keeps the memory a program frees for its next allocations, and a write's short-lived buffers (a JSON
    text is written into 16 KiB) leave free pages between the documents that stay: the worker's resident size grew
    by about 10 MiB over 10,000 writes. malloc_trim returns the whole free pages to the system; ctypes lets the
    interpreter go on meanwhile."""
    if _malloc_trim is not None:
        _malloc_trim(0)


def _is_id(value) -> bool:
    return type(value) is int and value > 0


def _fresh_tables() -> dict:
    return {META: {"1": {"format": FORMAT, "schema_version": SCHEMA_VERSION}}}


class _IdView(MutableMapping):
    """What TinyDB's updaters see: one live table, keyed by int id. Each change goes through
    Store._apply, which logs it for undo and for the journal. Nothing rebuilds the table."""

    def __init__(self, store: Store, name: str):
        self._store, self._name = store, name
        self._raw = store._raw(name, create=True)

    def __getitem__(self, doc_id):
        # TinyDB's update() mutates the dict it is given, so it gets a private copy (copy-on-write).
        # The undo log keeps the original, and a reader holding the old dict never sees it change.
        doc = _copy(self._raw[str(doc_id)])
        self._store._apply(self._name, doc_id, doc)
        return doc

    def __setitem__(self, doc_id, doc):
        self._store._apply(self._name, doc_id, doc)

    def __delitem__(self, doc_id):
        if str(doc_id) not in self._raw:
            raise KeyError(doc_id)
        self._store._apply(self._name, doc_id, None)

    def __contains__(self, doc_id):  # MutableMapping's default would call __getitem__ and copy
        return str(doc_id) in self._raw

    def __iter__(self) -> Iterator[int]:
        return (int(key) for key in list(self._raw))

    def __len__(self) -> int:
        return len(self._raw)


class _Table(Table):
    def _update_table(self, updater):
        # Stock TinyDB reads the whole table, rebuilds it and writes it back. We edit it in place.
        updater(_IdView(self._storage.store(), self.name))
        self.clear_cache()

    def replace(self, doc_id: int, doc: dict) -> None:
        """Store doc under doc_id whole. (upsert() would merge it into the old doc.)"""
        self._update_table(lambda view: view.__setitem__(doc_id, doc))


class _LiveStorage(MemoryStorage):
    """Gives TinyDB the live dict without copying it, and lets our tables find their Store."""

    def __init__(self, store: Store):
        super().__init__()
        # A weak ref, so that a Store nobody closed is freed at once and its finalizer drops the file lock.
        self.store = weakref.ref(store)


class _DB(TinyDB):
    table_class = _Table


class Store:
    """Store(path) keeps its data in that file plus a journal beside it; Store(None) keeps it in memory only.
    fsync=False keeps every guarantee against a killed process, but not against power loss."""

    compact_min_bytes = 8 * 1024 * 1024  # compact when the journal holds more bytes than max(this, the snapshot)

    def __init__(self, path: str | os.PathLike | None, *, fsync: bool = True, lock_held: bool = False):
        """lock_held: the caller's process already holds the store's lock (see hold_lock), so do not take it."""
        self.path = pathlib.Path(path) if path is not None else None
        self.lock = threading.RLock()
        # Moves on with every write, a commit or a whole replacement, as the journal's seq does: it counts the
        # writes since the store was made, so it goes on across restarts and never repeats a value.
        self.generation = 0
        self.is_new = True
        self._fsync = fsync
        self._undo: list[tuple[str, int, dict | None]] = []  # (table, id, doc before the write)
        self._depth = 0  # how deeply transactions are nested
        self._seq = 0  # seq of the newest journal record (kept across compactions)
        # Group commit (defer_sync): a commit writes its record and sync() fsyncs later, one fsync for every
        # record written before it; _synced_seq is the newest record known to be on disk.
        self._deferred = False
        self._synced_seq = 0
        self._sync_lock = threading.Lock()  # one fsync at a time, and none on a descriptor being closed
        # Folding in the background (fold_in_background): the journal that holds the lock is opened once and
        # never replaced; appends go to it or to the side journal, whichever is active (self._fd).
        self._main_fd: int | None = None
        self._side_fd: int | None = None
        self._release_side: Callable[[], None] = lambda: None
        self._folder: ThreadPoolExecutor | None = None
        self._fold: Future | None = None
        self._max_id: dict[str, int] = {}  # filled in lazily, kept up to date by _apply
        self._fd: int | None = None
        self._release: Callable[[], None] = lambda: None  # closes _fd (and so drops the flock) once
        self._journal_size = self._journal_records = self._snapshot_size = 0
        self._closed = False
        self._on_commit: list[Callable[[list[dict] | None], None]] = []
        self._lock_held = lock_held
        self._torn = False  # a failed append may have left a partial line after _journal_size
        self.unavailable: StoreUnavailable | None = None  # the last write the disk refused, until one succeeds
        # What changed when, so that something computed from a few tables or documents is dropped only when one
        # of those changes: table -> generation of its last write, (table, id) -> the same for one document
        # (at most DOC_MARKS of them; forgetting them raises _docs_floor, below which any document counts as
        # changed), and the generation of the last whole replacement.
        self._changed_at: dict[str, int] = {}
        self._doc_changed_at: dict[tuple[str, int], int] = {}
        self._docs_floor = 0
        self._replaced_at = 0
        self._reading = threading.local()  # .tables: the tables read on this thread while reads are tracked
        self._db = _DB(self, storage=_LiveStorage)
        if self.path is None:
            self._db.storage.write(_fresh_tables())
            return
        self._journal = self.path.with_name(self.path.name + ".journal")
        self._side = self.path.with_name(self.path.name + ".journal.2")
        journal_existed = self._journal.exists()
        try:
            with heap.building():  # reading a big snapshot allocates the whole world
                self._open_files()
        except BaseException as exc:
            self._release()  # a store that failed to open must not keep the file locked
            self._release_side()
            if not journal_existed and self._journal.exists() and self._journal.stat().st_size == 0:
                self._journal.unlink()  # leave a refused file exactly as we found it
            if isinstance(exc, OSError):
                raise StoreError(f"{self.path}: cannot open store ({exc.strerror or exc})") from exc
            raise

    def track_reads(self) -> set:
        """Start recording what this thread reads (until untrack_reads); returns the growing set: a table's
        name for a scan of it, ``(table, id)`` for one document asked by id (``get``), ``ALL`` for every
        table (tables(), dump())."""
        self._reading.tables = tables = set()
        return tables

    def untrack_reads(self) -> set:
        tables, self._reading.tables = getattr(self._reading, "tables", None), None
        return tables or set()

    def unchanged_since(self, generation: int, tables) -> bool:
        """Whether no write since ``generation`` touched any of ``tables`` (nor replaced the whole store); an
        item of ``tables`` is what ``track_reads`` records: a table, a ``(table, id)`` document or ``ALL``."""
        if self._replaced_at > generation:
            return False
        if ALL in tables:
            return self.generation == generation
        changed_at, doc_changed_at = self._changed_at, self._doc_changed_at
        for read in tables:
            if read.__class__ is tuple:
                if self._docs_floor > generation or doc_changed_at.get(read, 0) > generation:
                    return False
            elif changed_at.get(read, 0) > generation:
                return False
        return True

    def defer_sync(self) -> None:
        """Group commit: from now on a commit writes its journal record and leaves the fsync to ``sync``.
        Whoever acknowledges a write must first call ``sync(seq)`` with the ``written_seq`` read after it (the
        front door does, so that requests go on meanwhile and one fsync covers every write that piled up). A
        killed process loses nothing either way (a written record survives it); a power cut loses no
        acknowledged write, since none is acknowledged before its fsync. A read may show a write whose own
        answer still waits for that fsync."""
        if self.path is not None and self._fsync:
            self._synced_seq = self._seq
            self._deferred = True

    @property
    def written_seq(self) -> int:
        """The seq of the newest record written to the journal."""
        return self._seq

    def durable(self, seq: int) -> bool:
        """Whether every record up to ``seq`` is known to be on disk."""
        return not self._deferred or self._synced_seq >= seq

    def sync(self, seq: int | None = None) -> None:
        """Make every record up to ``seq`` (default: all written so far) durable: nothing when an fsync already
        covered it, else one fsync for everything written until now. A refused fsync raises StoreUnavailable
        (health reports it until a write succeeds): what it was to cover must not be acknowledged."""
        seq = self._seq if seq is None else seq
        if not self._deferred or self._synced_seq >= seq:
            return
        with self._sync_lock:
            if self._synced_seq >= seq:
                return
            target, fd = self._seq, self._fd  # _seq moves only once its record is written whole
            if fd is None or self._closed:
                raise StoreError(f"{self.path}: store is closed")
            try:
                os.fsync(fd)
            except OSError as exc:
                self.unavailable = StoreUnavailable(self.path, exc)
                raise self.unavailable from exc
            self._synced_seq = max(self._synced_seq, target)

    def fold_in_background(self) -> None:
        """From now on compaction writes the snapshot on a thread of its own while writes go on (see the module
        docstring), instead of holding the store for as long as the snapshot takes."""
        if self.path is not None and self._folder is None:
            self._folder = ThreadPoolExecutor(1, thread_name_prefix="abiquo-fold")

    def _all_synced(self) -> None:
        """A snapshot holding every record so far is on disk."""
        self._synced_seq = max(self._synced_seq, self._seq)

    def on_commit(self, callback: Callable[[list[dict] | None], None]) -> None:
        """Call ``callback(changes)`` after each commit, on the committing thread, still holding the lock and
        after the journal line is written (and fsynced, unless defer_sync leaves that to sync()): ``changes``
        are the committed ``{"t", "id", "doc"}`` records, in order, or None when replace_all swapped the whole
        world. A callback must be quick and must not raise."""
        self._on_commit.append(callback)

    def note_read(self, table: str) -> None:
        """Record a read of the whole of ``table`` (see track_reads), for what reads it through an index of its own."""
        self._note_read(table)

    def uncommitted(self) -> bool:
        """Whether the transaction this thread holds open has written what on_commit has not announced yet."""
        with self.lock:
            return bool(self._undo)

    def get(self, table: str, id: int) -> dict | None:
        with self.lock:
            tracked = getattr(self._reading, "tables", None)
            if tracked is not None:
                # writes mark documents by int id: any other spelling of an id marks the whole table instead
                tracked.add((table, id) if id.__class__ is int else table)
            return self._db.storage.read().get(table, {}).get(str(id))

    def all(self, table: str) -> list[dict]:
        with self.lock:
            return sorted(self._raw(table).values(), key=_by_id)

    def find(self, table: str, **equals) -> list[dict]:
        with self.lock:
            hits = [
                doc for doc in self._raw(table).values() if all(doc.get(k, _MISSING) == v for k, v in equals.items())
            ]
            return sorted(hits, key=_by_id)

    def first(self, table: str, **equals) -> dict | None:
        found = self.find(table, **equals)
        return found[0] if found else None

    def count(self, table: str) -> int:
        with self.lock:
            return len(self._raw(table))

    def tables(self) -> list[str]:
        """The tables that hold at least one doc, without _meta."""
        with self.lock:
            self._note_read(ALL)
            return sorted(n for n, raw in self._db.storage.read().items() if n != META and raw)

    def dump(self) -> dict[str, list[dict]]:
        with self.lock:
            return {name: _copy(self.all(name)) for name in self.tables()}

    def insert(self, table: str, doc: Mapping) -> int:
        """Store a copy of doc. It keeps doc["id"] if that is a free positive int; otherwise it gets max id + 1."""
        doc = self._prepare(table, doc)
        with self.transaction():
            wanted = doc.get("id")
            doc_id = wanted if _is_id(wanted) and str(wanted) not in self._raw(table) else self._next_id(table)
            doc["id"] = doc_id
            self._db.table(table).insert(Document(doc, doc_id))
        return doc_id

    def put(self, table: str, id: int, doc: Mapping) -> None:
        if not _is_id(id):
            raise ValueError(f"id must be a positive int, not {id!r}")
        doc = self._prepare(table, doc)
        doc["id"] = id
        with self.transaction():
            self._db.table(table).replace(id, doc)

    def delete(self, table: str, id: int) -> bool:
        self._check_table(table)
        if not _is_id(id):
            return False
        with self.transaction():
            return bool(self._db.table(table).remove(doc_ids=[id]))

    @contextlib.contextmanager
    def transaction(self):
        """Hold the lock. On exit, all writes inside become ONE journal record, fsync'd before the block
        ends. If the block raises, its writes are undone in memory and nothing is written."""
        with self.lock:
            if self._closed:
                raise StoreError(f"{self.path or 'memory store'}: store is closed")
            mark = len(self._undo)
            self._depth += 1
            try:
                yield
            except BaseException:
                self._rollback(mark)
                raise
            finally:
                self._depth -= 1
            if self._depth == 0:
                self._commit()

    def replace_all(self, world: dict[str, list[dict]], scenario: str | None = None) -> None:
        """Replace every table with ``world``, made from ``scenario`` (recorded with it: see ``scenario``)."""
        with heap.building():
            self._replace_all(world, scenario)

    def _replace_all(self, world: dict[str, list[dict]], scenario: str | None) -> None:
        tables = self._build_world(world)  # validate and copy before touching anything
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
            self._db.drop_tables()
            self._db.storage.write(tables)
            self._max_id.clear()
            self.generation += 1
            self._replaced_at = self.generation
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
        return self._db.storage.read()[META].get(ORIGIN, {}).get("scenario")

    def close(self) -> None:
        with self.lock:
            if self._closed:
                return
            self._closed = True
            if self._fd is None:
                return
            try:
                self._await_fold()
                if self._journal_size or self._inactive_size():
                    self._compact()
            except OSError as exc:  # a full disk at shutdown: the journal holds every write, the next open replays it
                log.warning("%s: not compacted on close: %s", self.path, exc)
            finally:
                with self._sync_lock:  # no fsync may run on the descriptor being closed (or its next owner)
                    self._release()
                    self._release_side()
                    self._fd = self._main_fd = self._side_fd = None
                if self._folder is not None:
                    self._folder.shutdown(wait=True)

    def __enter__(self) -> Store:
        return self

    def __exit__(self, *exc) -> None:
        self.close()

    def _note_read(self, table: str) -> None:
        tracked = getattr(self._reading, "tables", None)
        if tracked is not None:
            tracked.add(table)

    def _raw(self, table: str, create: bool = False) -> dict:
        self._note_read(table)
        tables = self._db.storage.read()
        return tables.setdefault(table, {}) if create else tables.get(table, {})

    def _check_table(self, table) -> None:
        if not isinstance(table, str) or not table or table == META:
            raise ValueError(f"invalid table name {table!r}")

    def _prepare(self, table, doc) -> dict:
        self._check_table(table)
        if not isinstance(doc, Mapping):
            raise TypeError(f"a document must be a mapping, not {type(doc).__name__}")
        return _copy(dict(doc))

    def _apply(self, table: str, doc_id: int, doc: dict | None, *, log_undo: bool = True) -> None:
        # The one place where live docs change (TinyDB updaters, rollback), so undo and max ids stay right.
        raw, key = self._raw(table, create=True), str(doc_id)
        if log_undo:
            self._undo.append((table, doc_id, raw.get(key)))
        if doc is not None:
            raw[key] = doc
            if table in self._max_id and doc_id > self._max_id[table]:
                self._max_id[table] = doc_id
        elif raw.pop(key, None) is not None and self._max_id.get(table) == doc_id:
            self._max_id[table] = self._max_below(raw, doc_id)

    @staticmethod
    def _max_below(raw: dict, start: int) -> int:
        # Deleting the newest doc is common (create, then delete). Walk down across the gap rather
        # than scanning every key, but never walk further than a full scan would cost.
        for n in range(start - 1, max(start - 1 - len(raw), 0), -1):
            if str(n) in raw:
                return n
        return max(map(int, raw), default=0)

    def _next_id(self, table: str) -> int:
        if table not in self._max_id:
            self._max_id[table] = max(map(int, self._raw(table)), default=0)
        return self._max_id[table] + 1

    def _rollback(self, mark: int) -> None:
        for table, doc_id, old in reversed(self._undo[mark:]):
            self._apply(table, doc_id, old, log_undo=False)
        del self._undo[mark:]

    def _commit(self) -> None:
        if not self._undo:
            return
        touched = dict.fromkeys((t, i) for t, i, _ in self._undo)  # ordered, deduplicated
        changes = [{"t": t, "id": i, "doc": self._raw(t).get(str(i))} for t, i in touched]
        try:
            self._append({"seq": self._seq + 1, "changes": changes})
        except BaseException:
            self._rollback(0)  # not on disk, so it must not stay visible in memory either
            raise
        self._seq += 1
        self._undo.clear()
        self.generation += 1
        doc_changed_at = self._doc_changed_at
        if len(doc_changed_at) + len(touched) > DOC_MARKS:
            doc_changed_at.clear()  # bounded memory: every document read before now counts as changed
            self._docs_floor = self.generation
        for table, doc_id in touched:
            self._changed_at[table] = self.generation
            doc_changed_at[(table, doc_id)] = self.generation
        self._announce(changes)
        if self._folder is not None and self._seq % TRIM_EVERY == 0:
            self._folder.submit(_give_back_freed_memory)
        if self._compaction_due():
            try:
                self._fold_or_compact() if self._folder is not None else self._compact()
            except OSError as exc:  # the write is safe in the journal; retry on a later write
                log.warning("%s: compaction failed, will retry: %s", self.path, exc)

    def _announce(self, changes: list[dict] | None) -> None:
        for callback in self._on_commit:
            try:
                callback(changes)
            except Exception:  # the write is committed and acknowledged whatever a listener does
                log.exception("%s: a commit listener failed", self.path or "memory store")

    def _compaction_due(self) -> bool:
        # A snapshot costs O(its bytes). Writing one only once the journal holds more bytes than it keeps
        # compaction amortised O(1) per byte written, and the journal, and so replay, no bigger than the data.
        # Counted in bytes, not records: records and documents grow together (each write adds an event).
        return self._journal_size > max(self.compact_min_bytes, self._snapshot_size)

    @contextlib.contextmanager
    def _disk_errors(self):
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
            if self.unavailable is None or self._fd is None:
                return self.unavailable
            with contextlib.suppress(StoreUnavailable), self._disk_errors():
                os.ftruncate(self._fd, self._journal_size)  # also refused while the journal is immutable
                self._torn = False
                fd, probe = tempfile.mkstemp(prefix=f".{self.path.name}.", suffix=".tmp", dir=self.path.parent)
                try:
                    os.write(fd, b"\0" * 4096)
                    os.fsync(fd)
                finally:
                    os.close(fd)
                    os.unlink(probe)
            return self.unavailable

    def _append(self, record: dict) -> None:
        if self.path is None:
            return
        if self._fd is None:
            raise StoreError(f"{self.path}: store is closed")
        data = jsontext.dump(record) + b"\n"
        with self._disk_errors():
            if self._torn:  # cut what a failed write left before appending, or the lines would glue together
                os.ftruncate(self._fd, self._journal_size)
                self._torn = False
            try:
                view = memoryview(data)
                while view:
                    view = view[os.write(self._fd, view) :]
                if self._fsync and not self._deferred:
                    os.fsync(self._fd)
            except BaseException:
                # A partial line would glue onto the next record and make it unreadable, so cut it off now;
                # if even that fails, the next write cuts it first (a restart drops it as a torn tail).
                self._torn = True
                with contextlib.suppress(OSError):
                    os.ftruncate(self._fd, self._journal_size)
                    self._torn = False
                raise
        self._journal_size += len(data)
        self._journal_records += 1

    def _compact(self) -> None:
        self._await_fold()  # one snapshot writer at a time
        tables = self._db.storage.read()
        tables[META]["2"] = {"journal_seq": self._seq}
        self._write_snapshot(tables)
        self._all_synced()
        self._truncate_journal()

    # ------------------------------------------------------------------ folding in the background
    def _fold_or_compact(self) -> None:
        if self._fold is not None:
            if not self._fold.done():
                return  # one fold at a time: the journal grows until it ends
            self._finish_fold()
        if self._inactive_size():
            self._compact()  # a fold that failed left its journal behind: fold everything now, here
            return
        old, other = self._fd, self._other_fd(create=True)
        with self._sync_lock:
            if self._fsync:
                os.fsync(old)  # what the fold replaces is on disk before appends move on
            self._synced_seq = max(self._synced_seq, self._seq)
            self._fd = other
        self._journal_size = self._journal_records = 0
        self._torn = False
        tables = {name: dict(raw) for name, raw in self._db.storage.read().items()}  # docs never change in place
        tables[META] = {**tables[META], "2": {"journal_seq": self._seq}}
        self._fold = self._folder.submit(self._fold_into_snapshot, tables, old)

    def _fold_into_snapshot(self, tables: dict, journal_fd: int) -> None:
        """On the fold thread: the snapshot from ``tables``, then the journal it replaces emptied."""
        self._write_snapshot(tables, yielding=True)
        os.ftruncate(journal_fd, 0)
        if self._fsync:
            os.fsync(journal_fd)

    def _finish_fold(self) -> None:
        fold, self._fold = self._fold, None
        try:
            fold.result()
        except Exception as exc:  # its journal keeps every record; the next compaction folds it here
            log.warning("%s: folding the journal into the snapshot failed, will retry: %s", self.path, exc)

    def _await_fold(self) -> None:
        if self._fold is not None:
            self._fold.exception()  # waits
            self._finish_fold()

    def _other_fd(self, create: bool = False) -> int | None:
        """The journal that is not taking appends (opening the side journal the first time)."""
        if self._fd is None:
            return None
        if self._fd != self._main_fd:
            return self._main_fd
        if self._side_fd is None and (create or self._side.exists()):
            self._side_fd = os.open(self._side, os.O_WRONLY | os.O_APPEND | os.O_CREAT, 0o644)
            self._release_side = weakref.finalize(self, os.close, self._side_fd)
            self._sync_dir()  # its name is on disk before any record in it is acknowledged
        return self._side_fd

    def _inactive_size(self) -> int:
        other = self._other_fd()
        return os.fstat(other).st_size if other is not None else 0

    def _write_snapshot(self, tables: dict, *, yielding: bool = False) -> None:
        """Write ``tables`` as the new snapshot, atomically. ``yielding``: in pieces, letting other threads run
        between them (one json.dumps of the whole world would hold the interpreter for all of it)."""
        fd, tmp = tempfile.mkstemp(prefix=f".{self.path.name}.", suffix=".tmp", dir=self.path.parent)
        size = 0
        try:
            with os.fdopen(fd, "wb") as fh:
                for data in _snapshot_pieces(tables) if yielding else (jsontext.dump(tables),):
                    fh.write(data)
                    size += len(data)
                    if yielding:
                        time.sleep(FOLD_NAP_S)
                fh.flush()
                if self._fsync:
                    os.fsync(fh.fileno())
            os.replace(tmp, self.path)
        except BaseException:
            with contextlib.suppress(OSError):
                os.unlink(tmp)
            raise
        self._snapshot_size = size
        self._sync_dir()  # makes the rename itself durable

    def _truncate_journal(self) -> None:
        """Empty both journals (a snapshot that claims every record was just written)."""
        self._torn = False
        for fd in (self._fd, self._other_fd()):
            if fd is not None and (fd == self._fd or os.fstat(fd).st_size):
                os.ftruncate(fd, 0)  # O_APPEND: the next write lands at the new end
                if self._fsync:
                    os.fsync(fd)
        self._journal_size = self._journal_records = 0

    def _sync_dir(self) -> None:
        if self._fsync and os.name == "posix":
            fd = os.open(self.path.parent, os.O_RDONLY)
            try:
                os.fsync(fd)
            finally:
                os.close(fd)

    def _open_files(self) -> None:
        self.path.parent.mkdir(parents=True, exist_ok=True)
        self._fd = self._main_fd = os.open(self._journal, os.O_WRONLY | os.O_APPEND | os.O_CREAT, 0o644)
        # Dropping a Store without close() then acts like a crash, which is safe: the journal has it all.
        self._release = weakref.finalize(self, os.close, self._fd)
        self._lock_files()
        for stale in self.path.parent.glob(f".{glob.escape(self.path.name)}.*.tmp"):
            stale.unlink(missing_ok=True)  # a snapshot that a crash interrupted; the old one is intact
        tables = self._read_snapshot()
        self.is_new = tables is None
        if self.is_new:
            # The snapshot is written before the first journal line and is never deleted, only
            # replaced, so journal records without it mean someone removed the file. Neither drop
            # them in silence nor build a partial world from them: ask the human.
            if orphans := self._read_journal():
                raise StoreError(
                    f"{self.path} is missing but {self._journal.name} holds {len(orphans)} "
                    "committed writes; restore the store file, or delete the journal to start empty"
                )
            tables, version = _fresh_tables(), SCHEMA_VERSION
        else:
            version = self._check_meta(tables)
            snapshot_seq = tables[META].get("2", {}).get("journal_seq", 0)
            self._seq = self._replay(tables, self._read_journal(), snapshot_seq)
        if version < SCHEMA_VERSION:
            tables = self._migrate(tables, version)
        self._normalise(tables)
        self._db.storage.write(tables)
        self.generation = self._seq  # counts every write since the store was made, not since this process began
        self._journal_size = os.fstat(self._fd).st_size
        self._sync_dir()
        if self.is_new or version < SCHEMA_VERSION or self._journal_size or self._inactive_size():
            self._compact()  # fold the replayed journal, and any torn tail, into a fresh snapshot

    def _lock_files(self) -> None:
        # Two writers would each compact their own view over the other's journal lines and lose them.
        # flock belongs to this open file, so a second Store in this process is refused too.
        if not self._lock_held:
            _flock(self.path, self._fd)

    def _read_snapshot(self):
        try:
            text = self.path.read_bytes()
        except FileNotFoundError:
            return None
        self._snapshot_size = len(text)
        if not text.strip():
            raise StoreError(f"{self.path}: empty file, not an abiquo-mock store (delete it to start a new store)")
        try:
            tables = json.loads(text)  # one call: json already shares each field name across the whole file
        except (ValueError, RecursionError) as exc:
            raise StoreError(f"{self.path}: not a JSON file ({exc})") from None
        if tables is None:  # None means "missing" to the caller; a file holding null is foreign
            raise StoreError(f"{self.path}: JSON file is not an abiquo-mock store")
        return tables

    def _check_meta(self, tables) -> int:
        not_store = f"{self.path}: JSON file is not an abiquo-mock store"
        if not isinstance(tables, dict) or not all(isinstance(t, dict) for t in tables.values()):
            raise StoreError(not_store)
        meta = tables.get(META, {}).get("1")
        if not isinstance(meta, dict) or meta.get("format") != FORMAT:
            raise StoreError(f"{not_store} (no {META} record)")
        version = meta.get("schema_version")
        if not _is_id(version):
            raise StoreError(f"{self.path}: store has an invalid schema_version {version!r}")
        if version > SCHEMA_VERSION:
            raise StoreError(
                f"{self.path}: store has schema version {version}, written by a newer "
                f"abiquo-mock; this one reads up to version {SCHEMA_VERSION}"
            )
        return version

    def _read_journal(self) -> list[dict]:
        """The records of both journals, in seq order."""
        records = self._read_journal_file(self._journal) + self._read_journal_file(self._side)
        return sorted(records, key=operator.itemgetter("seq"))

    def _read_journal_file(self, path: pathlib.Path) -> list[dict]:
        try:
            lines = path.read_bytes().split(b"\n")
        except FileNotFoundError:
            return []
        # Everything after the last newline is a torn write. Its fsync never returned, so it was never
        # acknowledged. The same goes for a bad final line. A bad line in the middle is real damage.
        records = []
        for n, line in enumerate(lines[:-1], 1):
            record = self._parse_record(line)
            if record is None and n < len(lines) - 1:
                raise StoreError(f"{path}: corrupt journal record at line {n}")
            if record is not None:
                records.append(record)
        return records

    @staticmethod
    def _parse_record(line: bytes) -> dict | None:
        try:
            record = jsontext.load(line)
            ok = _is_id(record["seq"]) and all(
                isinstance(c["t"], str) and _is_id(c["id"]) and isinstance(c["doc"], (dict, type(None)))
                for c in record["changes"]
            )
        except (ValueError, KeyError, TypeError):
            return None
        return record if ok else None

    @staticmethod
    def _replay(tables: dict, records: list[dict], seq: int) -> int:
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

    def _migrate(self, tables: dict, version: int) -> dict:
        for v in range(version, SCHEMA_VERSION):
            if v not in MIGRATIONS:
                raise StoreError(f"{self.path}: no migration from schema version {v} to {v + 1}")
            try:
                tables = MIGRATIONS[v](tables)
            except Exception as exc:
                raise StoreError(f"{self.path}: migration from schema version {v} failed: {exc!r}") from exc
        tables[META]["1"] = {"format": FORMAT, "schema_version": SCHEMA_VERSION}
        return tables

    def _normalise(self, tables: dict) -> None:
        # Readers sort by doc["id"] and writers trust that the keys are ids, so check this once, here.
        for name, raw in tables.items():
            if name == META:
                continue
            for key, doc in raw.items():
                if not (isinstance(doc, dict) and key.isascii() and key.isdigit() and key[0] != "0"):
                    raise StoreError(f"{self.path}: table {name!r} has a malformed document {key!r}")
                doc["id"] = int(key)

    def _build_world(self, world: dict[str, list[dict]]) -> dict:
        tables = _fresh_tables()
        for name, docs in _copy(world).items():
            self._check_table(name)
            raw = tables[name] = {}
            for doc in docs:
                if not isinstance(doc, dict) or not _is_id(doc.get("id")):
                    raise ValueError(f"replace_all: every doc in {name!r} needs a positive int 'id'")
                if str(doc["id"]) in raw:
                    raise ValueError(f"replace_all: duplicate id {doc['id']} in {name!r}")
                raw[str(doc["id"])] = doc
        return tables


def _flock(path, fd: int) -> None:
    if fcntl is None:  # not POSIX: no guard against a second process
        return
    try:
        fcntl.flock(fd, fcntl.LOCK_EX | fcntl.LOCK_NB)
    except BlockingIOError:
        holder = lock_holder(fd)
        by = f"held by pid {holder}" if holder else "one store, one server process"
        raise StoreLocked(f"{path}: already open in another Store or process ({by})", holder) from None


def lock_holder(fd: int) -> int | None:
    """The pid holding the flock on ``fd``'s file, where the system says (Linux's /proc/locks), else None."""
    found = os.fstat(fd)
    key = f"{os.major(found.st_dev):02x}:{os.minor(found.st_dev):02x}:{found.st_ino}"
    try:
        with open("/proc/locks", encoding="ascii") as locks:  # "1: FLOCK  ADVISORY  WRITE 4242 fd:01:1234 0 EOF"
            for line in locks:
                fields = line.split()
                if len(fields) > 5 and fields[1] == "FLOCK" and fields[5] == key:
                    return int(fields[4])
    except (OSError, ValueError):
        pass
    return None


def hold_lock(path: str | os.PathLike) -> Callable[[], None]:
    """Take the lock of the store at ``path`` for this process, before anything reads or writes the store,
    and return what releases it. A server holds it for its whole life, so that a second server on the same
    store fails before touching it; the Stores the holder opens then pass lock_held=True."""
    path = pathlib.Path(path)
    journal = path.with_name(path.name + ".journal")
    existed = journal.exists()
    try:
        path.parent.mkdir(parents=True, exist_ok=True)
        fd = os.open(journal, os.O_WRONLY | os.O_APPEND | os.O_CREAT, 0o644)
    except OSError as exc:
        raise StoreError(f"{path}: cannot open store ({exc.strerror or exc})") from exc
    try:
        _flock(path, fd)
    except StoreError:
        os.close(fd)
        raise

    def release(drop_empty_journal: bool = False) -> None:
        if drop_empty_journal and not existed and os.fstat(fd).st_size == 0:
            journal.unlink(missing_ok=True)  # a store refused at its first open is left as it was found
        os.close(fd)

    return release
