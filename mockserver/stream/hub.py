"""Fan-out of committed events to open streams, without ever holding the thread that serves the API.

The store calls ``Hub.committed`` on the committing thread, right after the journal line is written. It picks
the new events out of the commit and hands them to each event loop that has listeners with ONE
``call_soon_threadsafe``;
everything else (tenancy filter, per-listener queues, writing to sockets) happens in the loop. A listener
whose queue is full (a reader too slow to keep up) is closed rather than buffered without end: the client
reconnects with its cursor and misses nothing.

Exactly once, in commit order: ``attach`` registers the listener and reads the backlog after the client's
cursor under the store's lock, so each commit lands either in the backlog or in the queue; a listener also
drops any event at or below the last id it was given (ids grow in commit order). A reset of the world
starts a new event log: listeners then take its events from the first one.
"""

from __future__ import annotations

import asyncio
import threading
import time
from dataclasses import dataclass, field

from ..events.model import TABLE
from ..security import User
from ..store import Store

QUEUE_BATCHES = 1000  # commits a listener may fall behind before it is closed


def visible_to(user: User, event: dict) -> bool:
    return user.can("ENTERPRISE_ADMINISTER_ALL") or event.get("idEnterprise") == user.enterprise


@dataclass(eq=False)
class Listener:
    loop: asyncio.AbstractEventLoop
    user: User
    queue: asyncio.Queue = field(default_factory=lambda: asyncio.Queue(QUEUE_BATCHES))
    last_id: int = 0  # the newest event id this listener was given
    world: int = 0  # the event log (bumped by a reset) last_id belongs to
    closed: str | None = None  # why the hub closed it
    shut: asyncio.Event = field(default_factory=asyncio.Event)  # set with closed: cuts a write that hangs

    def offer(self, world: int, events: list[dict]) -> None:
        """In the loop: queue the events this listener has not had and may see."""
        if self.closed:
            return
        if world != self.world:
            if world < self.world:
                return  # a commit of a log this listener never started from
            self.world, self.last_id = world, 0
        fresh = [e for e in events if e["id"] > self.last_id and visible_to(self.user, e)]
        if not fresh:
            return
        self.last_id = fresh[-1]["id"]
        try:
            self.queue.put_nowait(fresh)
        except asyncio.QueueFull:
            self.close("the reader fell too far behind")

    def close(self, why: str) -> None:
        self.closed = why
        self.shut.set()
        _wake(self.queue)


def _wake(queue: asyncio.Queue) -> None:
    """Make a waiting reader return even when the queue is full (its getter is woken by any item)."""
    try:
        queue.put_nowait([])
    except asyncio.QueueFull:
        pass  # a full queue already wakes its reader


class Hub:
    def __init__(self, store: Store):
        self.store = store
        self.world = 0
        self._guard = threading.Lock()
        self._listeners: dict[asyncio.AbstractEventLoop, set[Listener]] = {}
        self._refused_until = 0.0
        store.on_commit(self.committed)

    # ------------------------------------------------------------------ the committing thread
    def committed(self, changes: list[dict] | None) -> None:
        if changes is None:
            self.world += 1
            events: list[dict] = []
        else:
            events = [c["doc"] for c in changes if c["t"] == TABLE and c["doc"] is not None]
            if not events:
                return
        with self._guard:
            loops = [loop for loop, listeners in self._listeners.items() if listeners]
        for loop in loops:
            try:
                loop.call_soon_threadsafe(self._fan_out, loop, self.world, events)
            except RuntimeError:  # that loop is closed: its listeners are gone with it
                pass

    # ------------------------------------------------------------------ a worker thread (store lock held)
    def attach(self, listener: Listener, cursor: int | None) -> list[dict]:
        """Register ``listener`` and return what it must be sent first: the events after ``cursor`` (none
        when there is no cursor: it starts at the present)."""
        with self.store.lock:
            listener.world = self.world
            backlog = [] if cursor is None else self._after(listener.user, cursor)
            listener.last_id = backlog[-1]["id"] if backlog else max(cursor or 0, self._newest())
            with self._guard:
                self._listeners.setdefault(listener.loop, set()).add(listener)
        return backlog

    def _after(self, user: User, cursor: int) -> list[dict]:
        return [e for e in self.store.all(TABLE) if e["id"] > cursor and visible_to(user, e)]

    def _newest(self) -> int:
        newest = self.store.all(TABLE)
        return newest[-1]["id"] if newest else 0

    # ------------------------------------------------------------------ the loop
    def detach(self, listener: Listener) -> None:
        with self._guard:
            self._listeners.get(listener.loop, set()).discard(listener)

    def drop_all(self, why: str = "the server closed the stream") -> int:
        """Close every open stream (QA: a forced disconnect). Returns how many were open."""
        with self._guard:
            everyone = [(loop, set(listeners)) for loop, listeners in self._listeners.items()]
        for loop, listeners in everyone:
            for listener in listeners:
                loop.call_soon_threadsafe(listener.close, why)
        return sum(len(listeners) for _, listeners in everyone)

    def refuse_for(self, seconds: float) -> None:
        """Refuse new streams for a while (503), so that what commits meanwhile must be caught up."""
        with self._guard:
            self._refused_until = time.monotonic() + seconds

    def refusing(self) -> bool:
        with self._guard:
            return time.monotonic() < self._refused_until

    def drop_and_refuse(self, seconds: float) -> int:
        self.refuse_for(seconds)
        return self.drop_all()

    def open_streams(self) -> int:
        with self._guard:
            return sum(len(listeners) for listeners in self._listeners.values())

    def _fan_out(self, loop: asyncio.AbstractEventLoop, world: int, events: list[dict]) -> None:
        with self._guard:
            listeners = list(self._listeners.get(loop, ()))
        for listener in listeners:
            listener.offer(world, events)
