"""The mock as a real process on a free loopback port, for suites that need a server of their own."""

from __future__ import annotations

import contextlib
import os
import signal
import socket
import subprocess
import sys
import tempfile
import threading
import time
from collections.abc import Iterator

import requests


def free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return s.getsockname()[1]


class MockServer:
    """``python -m abiquo_mock.mockserver serve --port <free> ARGS`` with its output kept in a temporary file. The
    benchmarks start theirs with it too (benchmarks/server.py), timing the start from ``spawned``."""

    ready_path = "/api/version"  # answers 200 once the server serves

    def __init__(self, *args: str, env: dict | None = None):
        self.port = free_port()
        self.url = f"http://127.0.0.1:{self.port}"
        self.log = tempfile.TemporaryFile()  # a pipe nobody reads would fill up and block the server  # noqa: SIM115
        self.spawned = time.perf_counter()
        self.process = subprocess.Popen(
            self.command(*args),
            stdout=self.log,
            stderr=subprocess.STDOUT,
            env={**os.environ, **(env or {})},
            start_new_session=True,
        )

    def command(self, *args: str) -> list[str]:
        return [sys.executable, "-m", "abiquo_mock.mockserver", "serve", "--port", str(self.port), *args]

    def wait_ready(self, timeout: float = 30, poll_s: float = 0.05) -> MockServer:
        deadline = time.monotonic() + timeout
        while time.monotonic() < deadline:
            if self.process.poll() is not None:
                raise RuntimeError(f"the mock exited with {self.process.returncode}: {self.output()}")
            try:
                if requests.get(self.url + self.ready_path, timeout=1).status_code == 200:
                    return self
            except requests.RequestException:
                time.sleep(poll_s)
        self.stop()
        raise RuntimeError(f"the mock did not answer on {self.url} within {timeout:.0f} s")

    def stop(self, sig: int = signal.SIGTERM, timeout: float = 15) -> int:
        """Send ``sig`` to the server's main process (as `docker stop` or `kill` do), or SIGKILL to its whole
        process group (a crash); SIGKILL the group if it has not exited after ``timeout``. A polite signal goes to
        the main process only: a worker that got it too could exit before the main process asked it to, which
        the main process reports as a failure."""
        if self.process.poll() is None:
            (os.killpg if sig == signal.SIGKILL else os.kill)(self.process.pid, sig)
            try:
                self.process.wait(timeout)
            except subprocess.TimeoutExpired:
                os.killpg(self.process.pid, signal.SIGKILL)
                self.process.wait()
        return self.process.returncode

    def output(self) -> str:
        self.log.seek(0)
        return self.log.read().decode(errors="replace")

    def __enter__(self) -> MockServer:
        return self.wait_ready()

    def __exit__(self, *exc) -> None:
        self.stop()
        self.log.close()


@contextlib.contextmanager
def serve_app(app) -> Iterator[str]:
    """A WSGI app served by this process on a free loopback port, for as long as the block runs; yields its URL."""
    from werkzeug.serving import make_server

    server = make_server("127.0.0.1", 0, app, threaded=True)
    thread = threading.Thread(target=server.serve_forever, name="abiquo-mock-in-process", daemon=True)
    thread.start()
    try:
        yield f"http://127.0.0.1:{server.server_port}"
    finally:
        server.shutdown()
        thread.join()
