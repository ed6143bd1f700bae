"""Change marks: the store's generation and what each write changed, so that something computed from a few
tables or documents (a kept answer, a checked password) is dropped only when one of those changes; and the
reads a thread makes while it computes such a thing."""

from __future__ import annotations

import threading
from collections.abc import Collection, Iterable

ALL = "*"  # in a set of tables read: every table
DOC_MARKS = 100_000  # documents whose last write generation is remembered (see ChangeMarks.unchanged_since)

Read = str | tuple[str, int]  # a table scanned, or one document asked by id


class ChangeMarks:
    """The generation moves on with every write, a commit or a whole replacement, as the journal's seq does: it
    counts the writes since the store was made, so it goes on across restarts and never repeats a value. For
    each table, and each of at most DOC_MARKS documents, the generation of its last write; forgetting the
    documents' raises a floor, below which any document counts as changed."""

    def __init__(self) -> None:
        self.generation = 0
        self._tables: dict[str, int] = {}
        self._docs: dict[tuple[str, int], int] = {}
        self._docs_floor = 0
        self._replaced_at = 0

    def written(self, touched: Collection[tuple[str, int]]) -> int:
        """A commit changed the ``(table, id)`` documents ``touched``: the generation it made."""
        self.generation += 1
        docs = self._docs
        if len(docs) + len(touched) > DOC_MARKS:
            docs.clear()  # bounded memory: every document read before now counts as changed
            self._docs_floor = self.generation
        for table, doc_id in touched:
            self._tables[table] = self.generation
            docs[(table, doc_id)] = self.generation
        return self.generation

    def replaced(self) -> int:
        """The whole world was replaced: the generation that made."""
        self.generation += 1
        self._replaced_at = self.generation
        return self.generation

    def unchanged_since(self, generation: int, reads: Iterable[Read]) -> bool:
        """Whether no write since ``generation`` touched any of ``reads`` (nor replaced the whole world)."""
        if self._replaced_at > generation:
            return False
        if ALL in reads:
            return self.generation == generation
        tables, docs = self._tables, self._docs
        for read in reads:
            if read.__class__ is tuple:
                if self._docs_floor > generation or docs.get(read, 0) > generation:
                    return False
            elif tables.get(read, 0) > generation:  # type: ignore[arg-type]
                return False
        return True


class Reads:
    """The reads each thread makes while it tracks them: a table's name for a scan of it, ``(table, id)`` for one
    document asked by id, ``ALL`` for every table."""

    def __init__(self) -> None:
        self.local = threading.local()  # .reads: this thread's, while tracked

    def track(self) -> set[Read]:
        reads: set[Read] = set()
        self.local.reads = reads
        return reads

    def untrack(self) -> set[Read]:
        reads, self.local.reads = getattr(self.local, "reads", None), None
        return reads or set()

    def tracked(self) -> set[Read] | None:
        """The reads being tracked on this thread, or None."""
        return getattr(self.local, "reads", None)
