"""Event streams against the API: GET a VM with 0 and with 50 open streams (idle, and 5 of them never read),
the write cost with 50 streams to feed, and how long a committed event takes to reach a stream."""

from __future__ import annotations

import http.client
import json
import socket
import threading
import time
from dataclasses import dataclass

from abiquo_mock.mockserver.http.media import versioned

from .load import Generator, Load, percentile
from .server import ADMIN, HOST, Server

STREAMS = 50
ROUNDS = 3
STALLED = 5  # of the 50: they never read, so the server's socket buffers fill up
REQUEST = "GET /m/stream?X-Atmosphere-Transport=sse HTTP/1.1\r\nHost: {host}\r\nAuthorization: {auth}\r\n\r\n"


@dataclass
class StreamFigures:
    without: Load
    with_streams: Load
    writes_without: list[float]
    writes_with: list[float]
    delivery: list[float]  # ms from sending a write to reading its event on a stream
    opened: int


def _open(port: int) -> socket.socket:
    sock = socket.create_connection((HOST, port), timeout=10)
    sock.sendall(REQUEST.format(host=f"{HOST}:{port}", auth=ADMIN).encode())
    head = b""
    while b"\r\n\r\n" not in head:
        head += sock.recv(4096)
    status_line = head.split(b"\r\n", 1)[0]
    if b" 200 " not in status_line:
        raise RuntimeError(f"/m/stream answered {status_line!r}")
    return sock


def _drain(sock: socket.socket, stop: threading.Event) -> None:
    sock.settimeout(0.5)
    while not stop.is_set():
        try:
            if not sock.recv(65536):
                return
        except TimeoutError:
            continue
        except OSError:
            return


def _writes(server: Server, vm_ids: list[int], count: int) -> list[float]:
    took = []
    for n in range(count):
        state = "OFF" if n % 2 == 0 else "ON"
        started = time.perf_counter()
        server.request("PUT", f"/_mock/virtualmachines/{vm_ids[n % len(vm_ids)]}/state", {"state": state})
        took.append((time.perf_counter() - started) * 1000)
    return took


def _delivery(server: Server, vm_id: int, count: int) -> list[float]:
    """A write, then the wait for its event on a stream that reads line by line."""
    server.request("PUT", f"/_mock/virtualmachines/{vm_id}/state", {"state": "ON"})  # each write below changes it
    conn = http.client.HTTPConnection(HOST, server.port, timeout=10)
    conn.request("GET", "/m/stream", headers={"Authorization": ADMIN})
    answer = conn.getresponse()
    took = []
    try:
        for n in range(count):
            started = time.perf_counter()
            status, body = server.request(
                "PUT", f"/_mock/virtualmachines/{vm_id}/state", {"state": "OFF" if n % 2 == 0 else "ON"}
            )
            if status != 200:
                raise RuntimeError(f"the write whose event is awaited answered {status}: {body[:200]!r}")
            while not answer.readline().startswith(b"data:"):
                pass
            took.append((time.perf_counter() - started) * 1000)
    finally:
        conn.close()
    return took


def _median(loads: list[Load]) -> Load:
    return sorted(loads, key=lambda load: load.p99)[len(loads) // 2]


def measure_streams(server: Server, vm_paths: list[str], vm_ids: list[int], generator: Generator) -> StreamFigures:
    """Rounds without and with streams alternate (the machine's own noise hits both alike); the median
    round of each is reported."""
    accept = versioned("virtualmachine")
    without, with_streams, writes_without, writes_with, delivery, opened = [], [], [], [], [], 0
    for _ in range(ROUNDS):
        without.append(generator.run(server.port, vm_paths, accept))
        writes_without += _writes(server, vm_ids, 100)
        stop = threading.Event()
        socks = [_open(server.port) for _ in range(STREAMS)]
        for sock in socks[STALLED:]:
            threading.Thread(target=_drain, args=(sock, stop), daemon=True).start()
        try:
            with_streams.append(generator.run(server.port, vm_paths, accept))
            writes_with += _writes(server, vm_ids, 100)
            delivery += _delivery(server, vm_ids[0], 50)
            opened = max(opened, json.loads(server.request("GET", "/_mock/streams")[1] or "{}").get("open", 0))
        finally:
            stop.set()
            for sock in socks:
                sock.close()
    return StreamFigures(_median(without), _median(with_streams), writes_without, writes_with, delivery, opened)


def report(figures: StreamFigures) -> None:
    f = figures
    print(
        f"\nEvent streams: GET a VM, the same load with 0 and with {STREAMS} open streams ({STALLED} never read),"
        f" {ROUNDS} alternating rounds each, the median round shown"
    )
    print(f"{'streams':>8} {'req/s':>9} {'p50 ms':>8} {'p99 ms':>8} {'max ms':>8}")
    for count, load in ((0, f.without), (STREAMS, f.with_streams)):
        print(f"{count:>8} {load.rps:>9,.0f} {load.p50:>8.2f} {load.p99:>8.2f} {load.max:>8.1f}")
    change = (f.with_streams.p99 / f.without.p99 - 1) * 100 if f.without.p99 else float("nan")
    print(f"p99 with {STREAMS} streams: {change:+.1f} % (aim: within 10 %); streams open during the run: {f.opened}")
    print(
        f"durable writes (PUT state) p50/p99 ms: {percentile(f.writes_without, 50):.2f}/"
        f"{percentile(f.writes_without, 99):.2f} without streams, {percentile(f.writes_with, 50):.2f}/"
        f"{percentile(f.writes_with, 99):.2f} with {STREAMS}"
    )
    print(
        f"write to event on a stream, {len(f.delivery)} writes: p50 {percentile(f.delivery, 50):.2f} ms,"
        f" p99 {percentile(f.delivery, 99):.2f} ms, max {max(f.delivery):.1f} ms (aim: within 100 ms)"
    )
