"""The world's clock: work due later (a deploy finishing, a timeline step) runs on one background thread.

One thread, in due order, so that steps due at the same time run in the order they were scheduled and a
timeline plays the same way every time. Each step is a store transaction like any API write (the store's
lock keeps it apart from requests). ``clear()`` drops everything pending, as a reset of the world must.
"""

from __future__ import annotations

import heapq
import itertools
import logging
import threading
import time
from collections.abc import Callable

log = logging.getLogger(__name__)


class Clock:
    def __init__(self, after_step: Callable[[], None] = lambda: None):
        self._after_step = after_step
        self._due: list[tuple[float, int, int, Callable[[], None]]] = []
        self._order = itertools.count()
        self._epoch = 0  # bumped by clear(); a step scheduled before it never runs
        self._wake = threading.Condition()
        self._thread: threading.Thread | None = None

    def after(self, delay_s: float, step: Callable[[], None]) -> None:
        with self._wake:
            heapq.heappush(self._due, (time.monotonic() + max(delay_s, 0), next(self._order), self._epoch, step))
            if self._thread is None:
                self._thread = threading.Thread(target=self._run, name="abiquo-mock-clock", daemon=True)
                self._thread.start()
            self._wake.notify()

    def clear(self) -> None:
        with self._wake:
            self._epoch += 1
            self._due.clear()
            self._wake.notify()

    def pending(self) -> int:
        with self._wake:
            return len(self._due)

    def _next(self) -> Callable[[], None]:
        with self._wake:
            while True:
                if self._due:
                    wait = self._due[0][0] - time.monotonic()
                    if wait <= 0:
                        _, _, epoch, step = heapq.heappop(self._due)
                        if epoch == self._epoch:
                            return step
                        continue
                    self._wake.wait(wait)
                else:
                    self._wake.wait()

    def _run(self) -> None:
        while True:
            step = self._next()
            try:
                step()
            except Exception:  # a step that fails (a VM deleted meanwhile) must not stop the clock
                log.exception("a scheduled step failed")
            try:
                self._after_step()
            except Exception:
                log.exception("a scheduled step's writes could not be made durable")
