"""The write-ahead log: one line per committed transaction, ``{"seq": n, "changes": [{"t", "id", "doc"}]}``, read
back on open in seq order and replayed over the snapshot. A torn last line was never acknowledged: dropped."""

from __future__ import annotations

import operator
import pathlib

from .. import jsontext
from .documents import _is_id
from .errors import StoreError


def read(paths: tuple[pathlib.Path, ...]) -> list[dict]:
    """The records of the journals at ``paths``, in seq order."""
    records = [record for path in paths for record in read_file(path)]
    return sorted(records, key=operator.itemgetter("seq"))


def read_file(path: pathlib.Path) -> list[dict]:
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


def parse_record(line: bytes) -> dict | None:
    try:
        record = jsontext.load(line)
        ok = _is_id(record["seq"]) and all(
            isinstance(c["t"], str) and _is_id(c["id"]) and isinstance(c["doc"], (dict, type(None)))
            for c in record["changes"]
        )
    except (ValueError, KeyError, TypeError):
        return None
    return record if ok else None


def replay(tables: dict, records: list[dict], seq: int) -> int:
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
