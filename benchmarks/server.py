"""The production server (`python -m abiquo_mock.mockserver serve`, granian) as a process on a free loopback port:
the contract suites' runner (contracts/server.py), with the figures a benchmark needs (the time to the first answer)
and its own HTTP client (http.client: the one the load generators use)."""

from __future__ import annotations

import base64
import http.client
import json
import sys
import time
from pathlib import Path

from abiquo_mock.contracts.server import MockServer, free_port

__all__ = ["ADMIN", "HOST", "Server", "free_port"]

HOST = "127.0.0.1"
ADMIN = "Basic " + base64.b64encode(b"admin:xabiquo").decode()


class Server(MockServer):
    """Starts on construction; ``started_in`` is the time from spawning to the first 200 of its ready path."""

    def __init__(
        self,
        db: Path | None,
        *,
        control: bool = False,
        trivial: bool = False,
        extra: tuple[str, ...] = (),
        env: dict | None = None,
    ):
        self.trivial = trivial
        if trivial:
            self.ready_path = "/trivial"
        store = ["--db", str(db)] if db else ["--memory"]
        super().__init__(*store, "--control" if control else "--no-control", *extra, env=env)
        self.wait_ready(60, poll_s=0.005)
        self.started_in = time.perf_counter() - self.spawned

    def command(self, *args: str) -> list[str]:
        if not self.trivial:
            return super().command(*args)
        # the bench-only app: a bare Flask route on granian's WSGI interface, 1 blocking thread
        return [
            sys.executable,
            "-m",
            "granian",
            "--interface",
            "wsgi",
            "--workers",
            "1",
            "--blocking-threads",
            "1",
            "--host",
            HOST,
            "--port",
            str(self.port),
            "benchmarks.trivial:app",
        ]

    def connection(self, timeout: float = 30) -> http.client.HTTPConnection:
        return http.client.HTTPConnection(HOST, self.port, timeout=timeout)

    def request(
        self,
        method: str,
        path: str,
        body: object = None,
        timeout: float = 30,
        conn: http.client.HTTPConnection | None = None,
    ) -> tuple[int, bytes]:
        own = conn is None
        conn = conn or self.connection(timeout)
        headers = {"Authorization": ADMIN}
        data = None
        if body is not None:
            data = json.dumps(body).encode()
            headers["Content-Type"] = "application/json"
        try:
            conn.request(method, path, body=data, headers=headers)
            response = conn.getresponse()
            return response.status, response.read()
        finally:
            if own:
                conn.close()

    def __enter__(self) -> Server:
        return self
