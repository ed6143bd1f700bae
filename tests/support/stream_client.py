"""Drive the event stream's ASGI handler directly, as the front door would, and read what it writes."""

from __future__ import annotations

import asyncio
import base64
import json

from abiquo_mock.mockserver.stream import PATH


def basic(user: str, password: str) -> tuple[bytes, bytes]:
    return (b"authorization", b"Basic " + base64.b64encode(f"{user}:{password}".encode()))


class StreamClient:
    """One open stream: ``start()`` runs the handler; ``events()`` waits for the next parsed events."""

    def __init__(self, handler, query: str = "", headers: list | None = None, method: str = "GET"):
        self.handler = handler
        self.scope = {
            "type": "http",
            "method": method,
            "path": PATH,
            "query_string": query.encode(),
            "headers": headers if headers is not None else [basic("admin", "xabiquo")],
        }
        self.status: int | None = None
        self.headers: dict[str, str] = {}
        self.body = bytearray()
        self._messages: list[str] = []  # parsed once, as they arrive: a long stream is not parsed again and again
        self._events: list[dict] = []
        self._unparsed = ""
        self.ended = False
        self._gone = asyncio.Event()
        self._more = asyncio.Event()
        self.task: asyncio.Task | None = None

    async def _receive(self) -> dict:
        await self._gone.wait()
        return {"type": "http.disconnect"}

    async def _send(self, message: dict) -> None:
        if self._gone.is_set():
            raise OSError("the client is gone")
        if message["type"] == "http.response.start":
            self.status = message["status"]
            self.headers = {k.decode(): v.decode() for k, v in message["headers"]}
        else:
            self.body += message.get("body", b"")
            self._absorb(message.get("body", b"").decode())
            self.ended = self.ended or not message.get("more_body", False)
        self._more.set()

    async def start(self) -> StreamClient:
        self.task = asyncio.ensure_future(self.handler(self.scope, self._receive, self._send))
        while self.status is None and not self.task.done():
            await self._wait()
        return self

    async def _wait(self, timeout: float = 5) -> None:
        self._more.clear()
        await asyncio.wait_for(self._more.wait(), timeout)

    async def close(self) -> None:
        self._gone.set()
        if self.task is not None:
            await asyncio.wait_for(self.task, 5)

    def _absorb(self, text: str) -> None:
        """Keep the SSE data payloads of the blocks now complete (Atmosphere's \\r\\n framing or plain \\n);
        keep-alives have none."""
        *blocks, self._unparsed = (self._unparsed + text).replace("\r\n", "\n").split("\n\n")
        for block in blocks:
            data = [line.split(":", 1)[1].removeprefix(" ") for line in block.split("\n") if line.startswith("data:")]
            if data:
                self._messages.append("\n".join(data))
                if self._messages[-1].startswith("{"):
                    self._events.append(json.loads(self._messages[-1]))

    def messages(self) -> list[str]:
        """SSE data payloads so far, keep-alives left out."""
        return list(self._messages)

    def events(self) -> list[dict]:
        return list(self._events)

    async def wait_events(self, count: int, timeout: float = 5) -> list[dict]:
        loop = asyncio.get_running_loop()
        deadline = loop.time() + timeout
        while len(self.events()) < count and not self.ended:
            if loop.time() > deadline:
                break
            try:
                await self._wait(max(deadline - loop.time(), 0.01))
            except TimeoutError:
                break
        return self.events()


async def read_through_drops(handler, finished: asyncio.Event, final: list, ready: asyncio.Event) -> list[int]:
    """One reader: stays on the stream, resumes with its cursor whenever the server drops it, and stops
    once it has the last event written. Returns the event ids it was given, in order."""
    cursor, seen = None, []
    while True:
        stream = await StreamClient(handler, f"lastEventId={cursor}" if cursor is not None else "").start()
        ready.set()
        while not stream.ended:
            done = (
                finished.is_set() and (seen + stream.events())[-1:] and (seen + stream.events())[-1]["id"] >= final[0]
            )
            if done:
                break
            await stream.wait_events(len(stream.events()) + 1, timeout=0.2)
        seen += stream.events()
        await stream.close()
        if finished.is_set() and seen and seen[-1]["id"] >= final[0]:
            return [e["id"] for e in seen]
        cursor = seen[-1]["id"] if seen else 0  # the world started with no event


async def exactly_once(handler, hub, write, last_id, writes: int, streams: int, drops: int) -> list[list[int]]:
    """``streams`` readers while ``write()`` runs ``writes`` times on another thread and the server drops
    every stream ``drops`` times; what each reader got."""
    finished, final = asyncio.Event(), [0]
    ready = [asyncio.Event() for _ in range(streams)]
    readers = [asyncio.ensure_future(read_through_drops(handler, finished, final, r)) for r in ready]
    for r in ready:
        await r.wait()

    def writer():
        for n in range(writes):
            write()
            if drops and n % (writes // (drops + 1)) == 0 and 0 < n < writes - 1:
                hub.drop_all("forced disconnect")

    await asyncio.to_thread(writer)
    final[0] = await asyncio.to_thread(last_id)
    finished.set()
    return await asyncio.wait_for(asyncio.gather(*readers), 120)
