"""The production server (`python -m abiquo_mock.mockserver serve`, granian) as a process on a free loopback port."""

from __future__ import annotations

import base64
import http.client
import json
import os
import signal
import socket
import subprocess
import sys
import tempfile
import time
from pathlib import Path

HOST = "127.0.0.1"
ADMIN = "Basic " + base64.b64encode(b"admin:xabiquo").decode()


def free_port() -> int:
    with socket.socket() as sock:
        sock.bind((HOST, 0))
        return sock.getsockname()[1]


class Server:
    """Starts on construction; ``started_in`` is the time from spawning to the first 200 of /api/version."""

    def __init__(self, db: Path | None, *, control: bool = False, trivial: bool = False, extra: tuple[str, ...] = ()):
        self.port = free_port()
        self._log = tempfile.TemporaryFile()  # noqa: SIM115
        command = [
            sys.executable,
            "-m",
            "abiquo_mock.mockserver",
            "serve",
            *(["--db", str(db)] if db else ["--memory"]),
            "--port",
            str(self.port),
            "--control" if control else "--no-control",
            *extra,
        ]
        if trivial:  # the bench-only app: a bare Flask route on granian's WSGI interface, 1 blocking thread
            command = [
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
        started = time.perf_counter()
        # The access log goes nowhere: an unread pipe would fill up and block the server.
        self.process = subprocess.Popen(command, stdout=subprocess.DEVNULL, stderr=self._log, start_new_session=True)
        self.ready_path = "/trivial" if trivial else "/api/version"
        self._wait_ready()
        self.started_in = time.perf_counter() - started

    def _wait_ready(self, timeout: float = 60) -> None:
        deadline = time.monotonic() + timeout
        while time.monotonic() < deadline:
            if self.process.poll() is not None:
                self._log.seek(0)
                raise RuntimeError(f"server exited {self.process.returncode}: {self._log.read().decode()[-2000:]}")
            try:
                if self.request("GET", self.ready_path, timeout=1)[0] == 200:
                    return
            except OSError:
                time.sleep(0.005)
        self.stop()
        raise RuntimeError("server did not answer in time")

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

    def stop(self) -> None:
        if self.process.poll() is None:
            os.killpg(self.process.pid, signal.SIGTERM)
            try:
                self.process.wait(15)
            except subprocess.TimeoutExpired:
                os.killpg(self.process.pid, signal.SIGKILL)
                self.process.wait()
        self._log.close()

    def __enter__(self) -> Server:
        return self

    def __exit__(self, *exc) -> None:
        self.stop()
