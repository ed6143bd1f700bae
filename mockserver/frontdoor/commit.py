"""Group commit in the event loop: the writes made during one turn of the loop share one fsync, taken once the
requests already scheduled in that turn have run, and no answer to any of them leaves before it.

The first write of a turn schedules the fsync (``loop.call_soon``); every write until it runs joins it. The fsync
runs in the loop's own thread: handing it to another thread would make that thread wait for the interpreter lock
to say it is done, which under load costs more than the fsync itself. A refused fsync settles every write it was
to cover with the refusal.
"""

from __future__ import annotations

import asyncio
import errno

from ..store import Store, StoreError, StoreUnavailable


class GroupCommit:
    def __init__(self, store: Store):
        self.store = store
        self._waiting: list[asyncio.Future[StoreUnavailable | None]] = []  # writes of this turn, waiting for its fsync

    async def durable(self, seq: int) -> StoreUnavailable | None:
        """Once an fsync covers the journal record ``seq``: None, or the refusal if that fsync failed."""
        if self.store.durable(seq):
            return None
        loop = asyncio.get_running_loop()
        future = loop.create_future()
        self._waiting.append(future)
        if len(self._waiting) == 1:
            loop.call_soon(self._sync)
        refused: StoreUnavailable | None = await future
        return refused

    def _sync(self) -> None:
        waiting, self._waiting = self._waiting, []
        refusal = None
        try:
            self.store.sync()  # everything written so far, this turn's writes among it
        except StoreUnavailable as exc:
            refusal = exc
        except StoreError:  # closed under them: what it was to cover cannot be acknowledged
            refusal = StoreUnavailable(self.store.path, OSError(errno.EBADF, "the store is closed"))
        for future in waiting:
            if not future.done():
                future.set_result(refusal)
