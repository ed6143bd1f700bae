"""Opening a store's files: the snapshot checked to be an abiquo-mock store of a schema this one reads, migrated
from an older schema, its documents' keys checked to be ids; and a whole world checked before it replaces one."""

from __future__ import annotations

import pathlib
from collections.abc import Callable
from typing import Any, NamedTuple

from . import journal, snapshot
from .documents import FORMAT, META, _copy, _is_id
from .errors import StoreError


class Recovered(NamedTuple):
    tables: dict[str, Any]  # the world the files hold, every acknowledged write in it
    seq: int  # the newest journal record's
    size: int  # the snapshot's bytes
    is_new: bool  # no snapshot: a new store
    migrated: bool  # brought from an older schema


def recover(
    path: pathlib.Path,
    wal: journal.WriteAheadLog,
    fresh: Callable[[], dict[str, Any]],
    schema_version: int,
    migrations: dict[int, Callable[[dict[str, Any]], dict[str, Any]]],
) -> Recovered:
    """The world a store's files hold: the snapshot with the journal replayed over it, migrated to
    ``schema_version``; ``fresh()`` for a new store."""
    tables, size = snapshot.read(path)
    seq = 0
    if tables is None:
        # The snapshot is written before the first journal line and is never deleted, only
        # replaced, so journal records without it mean someone removed the file. Neither drop
        # them in silence nor build a partial world from them: ask the human.
        if orphans := wal.read():
            raise StoreError(
                f"{path} is missing but {wal.main.name} holds {len(orphans)} "
                "committed writes; restore the store file, or delete the journal to start empty"
            )
        found, version = fresh(), schema_version
    else:
        version = check_meta(path, tables, schema_version)
        seq = journal.replay(tables, wal.read(), tables[META].get("2", {}).get("journal_seq", 0))
        found = tables
    if version < schema_version:
        found = migrate(path, found, version, schema_version, migrations)
    normalise(path, found)
    return Recovered(found, seq, size, tables is None, version < schema_version)


def check_meta(path: pathlib.Path, tables: object, schema_version: int) -> int:
    """The schema version of the snapshot's ``tables``; StoreError for anything but an abiquo-mock store this
    one reads (``schema_version`` is the newest it reads)."""
    not_store = f"{path}: JSON file is not an abiquo-mock store"
    if not isinstance(tables, dict) or not all(isinstance(t, dict) for t in tables.values()):
        raise StoreError(not_store)
    meta = tables.get(META, {}).get("1")
    if not isinstance(meta, dict) or meta.get("format") != FORMAT:
        raise StoreError(f"{not_store} (no {META} record)")
    version = meta.get("schema_version")
    if not _is_id(version):
        raise StoreError(f"{path}: store has an invalid schema_version {version!r}")
    if version > schema_version:
        raise StoreError(
            f"{path}: store has schema version {version}, written by a newer "
            f"abiquo-mock; this one reads up to version {schema_version}"
        )
    return version


def migrate(
    path: pathlib.Path,
    tables: dict[str, Any],
    version: int,
    schema_version: int,
    migrations: dict[int, Callable[[dict[str, Any]], dict[str, Any]]],
) -> dict[str, Any]:
    """``tables`` of schema ``version`` brought to ``schema_version``, one migration after another."""
    for v in range(version, schema_version):
        if v not in migrations:
            raise StoreError(f"{path}: no migration from schema version {v} to {v + 1}")
        try:
            tables = migrations[v](tables)
        except Exception as exc:
            raise StoreError(f"{path}: migration from schema version {v} failed: {exc!r}") from exc
    tables[META]["1"] = {"format": FORMAT, "schema_version": schema_version}
    return tables


def normalise(path: pathlib.Path | None, tables: dict[str, Any]) -> None:
    # Readers sort by doc["id"] and writers trust that the keys are ids, so check this once, here.
    for name, raw in tables.items():
        if name == META:
            continue
        for key, doc in raw.items():
            if not (isinstance(doc, dict) and key.isascii() and key.isdigit() and key[0] != "0"):
                raise StoreError(f"{path}: table {name!r} has a malformed document {key!r}")
            doc["id"] = int(key)


def check_table(table: object) -> None:
    if not isinstance(table, str) or not table or table == META:
        raise ValueError(f"invalid table name {table!r}")


def build_world(world: dict[str, list[dict[str, Any]]], tables: dict[str, Any]) -> dict[str, Any]:
    """``tables`` (a fresh store's) with a copy of ``world`` in it, checked: every document a positive int id,
    none twice in a table."""
    for name, docs in _copy(world).items():
        check_table(name)
        raw = tables[name] = {}
        for doc in docs:
            if not isinstance(doc, dict) or not _is_id(doc.get("id")):
                raise ValueError(f"replace_all: every doc in {name!r} needs a positive int 'id'")
            if str(doc["id"]) in raw:
                raise ValueError(f"replace_all: duplicate id {doc['id']} in {name!r}")
            raw[str(doc["id"])] = doc
    return tables
