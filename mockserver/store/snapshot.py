"""The snapshot: the whole world in TinyDB's JSON format, written atomically (temp file, fsync, os.replace, fsync of
the directory), in pieces when a fold writes it beside the requests."""

from __future__ import annotations

import contextlib
import glob
import json
import os
import pathlib
import tempfile
import time
from collections.abc import Iterator
from typing import Any

from .. import jsontext
from .errors import StoreError

# A fold serialises the snapshot in pieces this small and naps between them: whenever the thread serving requests
# lets go of the interpreter (an fsync, a wait for the network), the fold thread takes it and keeps it until its
# piece is done, so a big piece stalls every request; a nap, unlike sleep(0), lets requests run meanwhile.
PIECE_DOCS = 32
FOLD_NAP_S = 0.001


def _snapshot_pieces(tables: dict[str, Any]) -> Iterator[bytes]:
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


def write(path: pathlib.Path, tables: dict[str, Any], *, fsync: bool, yielding: bool = False) -> int:
    """Write ``tables`` as the snapshot at ``path``, atomically; its size in bytes. ``yielding``: in pieces,
    letting other threads run between them (one dump of the whole world would hold the interpreter for all of
    it)."""
    fd, tmp = tempfile.mkstemp(prefix=f".{path.name}.", suffix=".tmp", dir=path.parent)
    size = 0
    try:
        with os.fdopen(fd, "wb") as fh:
            for data in _snapshot_pieces(tables) if yielding else (jsontext.dump(tables),):
                fh.write(data)
                size += len(data)
                if yielding:
                    time.sleep(FOLD_NAP_S)
            fh.flush()
            if fsync:
                os.fsync(fh.fileno())
        os.replace(tmp, path)
    except BaseException:
        with contextlib.suppress(OSError):
            os.unlink(tmp)
        raise
    sync_dir(path, fsync)  # makes the rename itself durable
    return size


def read(path: pathlib.Path) -> tuple[dict[str, Any] | None, int]:
    """The tables of the snapshot at ``path`` (None: no file) and its size; StoreError for a file that is not
    one."""
    try:
        text = path.read_bytes()
    except FileNotFoundError:
        return None, 0
    if not text.strip():
        raise StoreError(f"{path}: empty file, not an abiquo-mock store (delete it to start a new store)")
    try:
        tables = json.loads(text)  # one call: json already shares each field name across the whole file
    except (ValueError, RecursionError) as exc:
        raise StoreError(f"{path}: not a JSON file ({exc})") from None
    if tables is None:  # None means "missing" to the caller; a file holding null is foreign
        raise StoreError(f"{path}: JSON file is not an abiquo-mock store")
    return tables, len(text)


def sync_dir(path: pathlib.Path, fsync: bool) -> None:
    """Make the names in ``path``'s folder durable (a rename, a new file)."""
    if fsync and os.name == "posix":
        fd = os.open(path.parent, os.O_RDONLY)
        try:
            os.fsync(fd)
        finally:
            os.close(fd)


def remove_stale(path: pathlib.Path) -> None:
    """The temp files of snapshots a crash interrupted (the old snapshot is intact)."""
    for stale in path.parent.glob(f".{glob.escape(path.name)}.*.tmp"):
        stale.unlink(missing_ok=True)


def probe(path: pathlib.Path) -> None:
    """Write and sync a small file beside the snapshot, and remove it: OSError while the disk refuses writes."""
    fd, name = tempfile.mkstemp(prefix=f".{path.name}.", suffix=".tmp", dir=path.parent)
    try:
        os.write(fd, b"\0" * 4096)
        os.fsync(fd)
    finally:
        os.close(fd)
        os.unlink(name)
