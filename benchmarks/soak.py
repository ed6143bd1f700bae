"""Mixed load for minutes against a real server, printing how it holds up over time (no pass/fail).

    python -m benchmarks.soak [--minutes 3] [--every 10] [--dribblers 20]

Readers crawl VMs and metadata, a writer PUTs 70 KB metadata documents, a tester reads and queries the
request journal, and a prober sends the odd input an attacker would (bad credentials, accented passwords,
deeply nested JSON, over-long scenario names), and ``--dribblers`` clients send an authenticated PUT whose
body comes one byte a second (the server answers them 408 once its body deadline passes). Every ``--every``
seconds it prints the readers' GET p50 / p99, the worker's resident memory, the request journal's size and the
store's files.
"""

from __future__ import annotations

import argparse
import base64
import itertools
import json
import select
import socket
import tempfile
import threading
import time
from pathlib import Path

from .bounds import METADATA, MIB, VMS, memory_mib, store_bytes, worker_pid
from .load import percentile
from .server import HOST, Server


class Stats:
    def __init__(self) -> None:
        self.lock = threading.Lock()
        self.gets: list[float] = []
        self.counts = {"ok": 0, "4xx": 0, "5xx": 0, "errors": 0}

    def add(self, status: int | None, elapsed: float | None = None) -> None:
        with self.lock:
            key = "errors" if status is None else "5xx" if status >= 500 else "4xx" if status >= 400 else "ok"
            self.counts[key] += 1
            if elapsed is not None:
                self.gets.append(elapsed * 1000)

    def take(self) -> tuple[list[float], dict]:
        with self.lock:
            gets, self.gets = self.gets, []
            return gets, dict(self.counts)


def _call(server: Server, stats: Stats, method: str, path: str, body=None, headers=None, timed=False) -> None:
    started = time.perf_counter()
    try:
        conn = server.connection(timeout=60)
        conn.request(method, path, body=body, headers={"Authorization": ADMIN, **(headers or {})})
        status = conn.getresponse().status
        conn.close()
    except OSError:
        stats.add(None)
        return
    stats.add(status, time.perf_counter() - started if timed else None)


ADMIN = "Basic " + base64.b64encode(b"admin:xabiquo").decode()
JSON = {"Content-Type": "application/json"}


def reader(server: Server, stats: Stats, stop: threading.Event) -> None:
    paths = itertools.cycle(["/api/cloud/virtualmachines", METADATA.format(4), "/api/admin/datacenters"])
    while not stop.is_set():
        _call(server, stats, "GET", next(paths), timed=True)


def writer(server: Server, stats: Stats, stop: threading.Event) -> None:
    for n in itertools.count():
        if stop.is_set():
            return
        body = f'{{"links": [], "metadata": {{"chef": "{n:08d}{"x" * 70_000}"}}}}'
        _call(server, stats, "PUT", METADATA.format(VMS[n % 2]), body.encode(), JSON)


def tester(server: Server, stats: Stats, stop: threading.Event) -> None:
    while not stop.wait(1):
        _call(server, stats, "GET", "/_mock/journal?limit=100&status=2xx")
        _call(server, stats, "POST", "/_mock/journal/count", b'{"method": "PUT"}', JSON)


def prober(server: Server, stats: Stats, stop: threading.Event) -> None:
    accented = "Basic " + base64.b64encode("admin:pässwörd".encode()).decode()
    odd = [
        ("GET", "/api/login", None, {"Authorization": accented}),
        ("GET", "/api/admin/datacenters", None, {"Authorization": "Basic bm9ib2R5Ong="}),
        ("POST", "/_mock/reset", b"[" * 100_000, JSON),
        ("POST", "/_mock/reset", b'{"scenario": "' + b"a" * 300 + b'"}', JSON),
        ("PUT", "/_mock/virtualmachines/1/state", b'{"state": ' + b"{" * 50_000, JSON),
    ]
    for method, path, body, headers in itertools.cycle(odd):
        if stop.wait(0.2):
            return
        _call(server, stats, method, path, body, headers)


def dribbler(server: Server, stats: Stats, stop: threading.Event) -> None:
    """An authenticated PUT whose body comes one byte a second, until the server answers (408 expected)."""
    head = (
        f"PUT {METADATA.format(4)} HTTP/1.1\r\nHost: 127.0.0.1\r\nAuthorization: {ADMIN}\r\n"
        "Content-Type: application/json\r\nContent-Length: 100\r\n\r\n"
    ).encode()
    while not stop.is_set():
        try:
            with socket.create_connection((HOST, server.port), timeout=120) as sock:
                sock.sendall(head)
                stats.add(_dribble(sock, stop))
        except OSError:
            stats.add(None)


def _dribble(sock: socket.socket, stop: threading.Event) -> int | None:
    for _ in range(100):
        if select.select([sock], [], [], 1)[0] or stop.is_set():
            break
        sock.sendall(b" ")
    answer = sock.recv(64) if not stop.is_set() else b""
    return int(answer.split()[1]) if answer.startswith(b"HTTP/") else None


def report(server: Server, db: Path, stats: Stats, started: float) -> None:
    gets, counts = stats.take()
    rss, peak = memory_mib(worker_pid(server))
    try:
        usage = json.loads(server.request("GET", "/_mock/journal?limit=0", timeout=60)[1])["usage"]
        journal = f"{usage['bytes'] / MIB:5.1f} MiB/{usage['entries']:>5}"
    except (OSError, ValueError, KeyError):
        journal = "   (no answer)"
    print(
        f"{time.perf_counter() - started:6.0f} s  GET p50 {percentile(gets, 50):7.1f} ms  p99 "
        f"{percentile(gets, 99):7.1f} ms  ({len(gets):>5} GETs)  RSS {rss:6.1f} MiB (peak {peak:6.1f})  "
        f"journal {journal}  store {store_bytes(db) / MIB:6.2f} MiB  "
        f"ok {counts['ok']} 4xx {counts['4xx']} 5xx {counts['5xx']} errors {counts['errors']}",
        flush=True,
    )


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--minutes", type=float, default=3)
    parser.add_argument("--every", type=float, default=10, help="seconds between two lines")
    parser.add_argument("--dribblers", type=int, default=20, help="clients sending a body one byte a second")
    args = parser.parse_args()
    with tempfile.TemporaryDirectory() as tmp:
        db = Path(tmp) / "store.json"
        server, stats, stop = Server(db, control=True), Stats(), threading.Event()
        roles = [reader, reader, writer, tester, prober] + [dribbler] * args.dribblers
        threads = [threading.Thread(target=role, args=(server, stats, stop), daemon=True) for role in roles]
        print(f"soak: {len(roles)} clients ({args.dribblers} dribbling) for {args.minutes:g} min, store {db}")
        started = time.perf_counter()
        for thread in threads:
            thread.start()
        try:
            while time.perf_counter() - started < args.minutes * 60:
                time.sleep(args.every)
                report(server, db, stats, started)
        finally:
            stop.set()
            server.stop()


if __name__ == "__main__":
    main()
