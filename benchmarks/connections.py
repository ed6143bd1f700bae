"""Idle connections and connection floods against a real server: is a fresh client still answered, how soon, and
what do the held connections cost the worker?

    python -m benchmarks.connections [--idle 1000,2000,5000,10000] [--flood-seconds 10] [--closing]

- idle: N connections that send nothing are held open; 50 fresh clients (a new connection each) then ask
  GET /api/version with a 2 s timeout. Printed: how many were answered, p50 and max latency, the worker's memory.
- closing (--closing): how long the server takes to close 1,000 silent connections (the header timeout).
- flood: 8 threads open connections as fast as they can for --flood-seconds and keep every one open, silent;
  meanwhile a probe asks GET /api/version every 50 ms (1 s timeout). Printed: connections opened and held at
  most, probes answered, their p50, p99 and max.
No pass/fail: the figures go into docs/PERFORMANCE.md.
"""

from __future__ import annotations

import argparse
import contextlib
import http.client
import resource
import socket
import subprocess
import threading
import time

from .load import percentile
from .server import HOST, Server

FRESH_CLIENTS = 50
FLOOD_THREADS = 8
PROBE_EVERY_S = 0.05


def _room(count: int) -> None:
    soft, hard = resource.getrlimit(resource.RLIMIT_NOFILE)
    wanted = count + 500
    if soft != resource.RLIM_INFINITY and soft < wanted:
        resource.setrlimit(
            resource.RLIMIT_NOFILE, (wanted if hard == resource.RLIM_INFINITY else min(wanted, hard), hard)
        )


def _silent(port: int, count: int) -> list[socket.socket]:
    socks = []
    for _ in range(count):
        try:
            socks.append(socket.create_connection((HOST, port), timeout=5))
        except OSError:
            break
    return socks


def _ask(port: int, timeout: float) -> float | None:
    """Seconds a fresh client waited for GET /api/version, None when it was not answered in time."""
    started = time.perf_counter()
    conn = http.client.HTTPConnection(HOST, port, timeout=timeout)
    try:
        conn.request("GET", "/api/version")
        response = conn.getresponse()
        response.read()
        return time.perf_counter() - started if response.status == 200 else None
    except OSError:
        return None
    finally:
        conn.close()


def _worker_mib(server: Server) -> float:
    out = subprocess.run(["ps", "-o", "rss=", "--ppid", str(server.process.pid)], capture_output=True, text=True)
    return sum(int(v) for v in out.stdout.split()) / 1024


def idle(counts: list[int]) -> None:
    print(f"\nIdle connections: {FRESH_CLIENTS} fresh clients (2 s timeout) while N silent connections are held")
    print(f"{'held':>8} {'answered':>9} {'p50 ms':>8} {'max ms':>8} {'worker MiB':>11}")
    with Server(None) as server:
        base = _worker_mib(server)
        print(f"{0:>8} {'':>9} {'':>8} {'':>8} {base:>11.1f}")
        for count in counts:
            socks = _silent(server.port, count)
            waits = [_ask(server.port, 2.0) for _ in range(FRESH_CLIENTS)]
            answered = sorted(w * 1000 for w in waits if w is not None)
            p50 = f"{percentile(answered, 50):.2f}" if answered else "-"
            worst = f"{answered[-1]:.1f}" if answered else "-"
            memory = _worker_mib(server)
            print(f"{len(socks):>8,} {len(answered):>5}/{FRESH_CLIENTS:<3} {p50:>8} {worst:>8} {memory:>11.1f}")
            for sock in socks:
                sock.close()
            time.sleep(0.5)


def closing(count: int = 1000) -> None:
    with Server(None) as server:
        socks = _silent(server.port, count)
        started, open_ = time.perf_counter(), set(socks)
        for sock in socks:
            sock.settimeout(0)
        while open_ and time.perf_counter() - started < 120:
            for sock in list(open_):
                try:
                    if sock.recv(1) == b"":
                        open_.discard(sock)
                except BlockingIOError:
                    pass
                except OSError:
                    open_.discard(sock)
            time.sleep(0.2)
        took = time.perf_counter() - started
        print(f"\n{count - len(open_):,} of {count:,} silent connections closed by the server within {took:.1f} s")
        for sock in socks:
            sock.close()


def flood(seconds: float) -> None:
    with Server(None) as server:
        held: list[socket.socket] = []
        lock, stop = threading.Lock(), threading.Event()
        opened = [0]

        def open_many() -> None:
            while not stop.is_set():
                try:
                    sock = socket.create_connection((HOST, server.port), timeout=1)
                except OSError:
                    time.sleep(0.01)
                    continue
                with lock:
                    held.append(sock)
                    opened[0] += 1

        waits: list[float | None] = []

        def probe() -> None:
            while not stop.is_set():
                waits.append(_ask(server.port, 1.0))
                time.sleep(PROBE_EVERY_S)

        threads = [threading.Thread(target=open_many, daemon=True) for _ in range(FLOOD_THREADS)]
        threads.append(threading.Thread(target=probe, daemon=True))
        for thread in threads:
            thread.start()
        time.sleep(seconds)
        stop.set()
        for thread in threads:
            thread.join()
        peak = len(held)
        answered = sorted(w * 1000 for w in waits if w is not None)
        for sock in held:
            with contextlib.suppress(OSError):
                sock.close()
        print(f"\nConnection flood: {FLOOD_THREADS} threads opening and holding connections for {seconds:.0f} s")
        print(f"connections opened {opened[0]:,}, held at the end {peak:,}")
        if answered:
            print(
                f"probes answered {len(answered)}/{len(waits)}: p50 {percentile(answered, 50):.2f} ms, "
                f"p99 {percentile(answered, 99):.2f} ms, max {answered[-1]:.1f} ms"
            )
        else:
            print(f"probes answered 0/{len(waits)}")


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    parser.add_argument("--idle", default="1000,2000,5000,10000", help="comma-separated counts of idle connections")
    parser.add_argument("--flood-seconds", type=float, default=10)
    parser.add_argument("--closing", action="store_true", help="also time the closing of 1,000 silent connections")
    args = parser.parse_args()
    counts = [int(c) for c in args.idle.split(",") if c]
    _room(max([*counts, 40_000]))
    idle(counts)
    if args.closing:
        closing()
    if args.flood_seconds:
        flood(args.flood_seconds)


if __name__ == "__main__":
    main()
