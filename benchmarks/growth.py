"""What a bigger world costs besides a connector's pass: a page read right after a write against the same page
without one, the first page after a start (which orders the collection), and at the largest size the start, a
reset to the ``scale`` world of that size and the worker's RSS.

"The same page without one": the same startwith and limit asked with the query's parameters the other way round,
so that the answer is computed again (a kept answer is found by the exact query) with no write in between.
"""

from __future__ import annotations

import shutil
import statistics
import time
from dataclasses import dataclass
from pathlib import Path

from abiquo_mock.mockserver.http.media import versioned

from .memory import worker_rss_mib
from .server import ADMIN, Server

PAGE = 25
SAMPLES = 200  # pages asked each way, spread over the list
LIST = "/api/cloud/virtualmachines"


@dataclass
class Growth:
    vms: int
    start_ms: float
    first_page_ms: float  # the first page after the start: the collection is ordered once
    after_write_ms: float  # median
    without_write_ms: float  # median
    reset_ms: float | None = None  # to the scale world of this size
    start_scale_ms: float | None = None  # a start on the store that reset left
    rss_reset_mib: float | None = None


def _get(conn, path: str) -> float:
    started = time.perf_counter()
    conn.request("GET", path, headers={"Authorization": ADMIN, "Accept": versioned("virtualmachines")})
    answer = conn.getresponse()
    answer.read()
    took = (time.perf_counter() - started) * 1000
    if answer.status != 200:
        raise RuntimeError(f"GET {path}: {answer.status}")
    return took


def _pages_after_writes(server: Server, vms: int, vm_id: int) -> tuple[float, float]:
    conn, after, without = server.connection(timeout=120), [], []
    try:
        for n in range(SAMPLES):
            start = n * (vms // SAMPLES) // PAGE * PAGE
            server.request("PUT", f"/_mock/virtualmachines/{vm_id}/state", {"state": "ON"}, conn=conn)
            after.append(_get(conn, f"{LIST}?startwith={start}&limit={PAGE}"))
            without.append(_get(conn, f"{LIST}?limit={PAGE}&startwith={start}"))
    finally:
        conn.close()
    return statistics.median(after), statistics.median(without)


def measure(db: Path, vms: int, *, largest: bool) -> Growth:
    copy = db.with_name(f"{db.stem}-growth.json")
    shutil.copyfile(db, copy)
    with Server(copy, control=True) as server:
        conn = server.connection(timeout=120)
        first = _get(conn, f"{LIST}?startwith={vms // 2}&limit={PAGE}")
        conn.close()
        after, without = _pages_after_writes(server, vms, vm_id=1)
        figures = Growth(vms, server.started_in * 1000, first, after, without)
        if largest:
            started = time.perf_counter()
            status, body = server.request(
                "POST", "/_mock/reset", {"scenario": "scale", "parameters": {"vms": vms}}, timeout=600
            )
            if status != 200:
                raise RuntimeError(f"reset to scale: {status} {body[:200]!r}")
            figures.reset_ms = (time.perf_counter() - started) * 1000
            figures.rss_reset_mib = worker_rss_mib(server)
    if largest:
        with Server(copy, control=True) as server:
            figures.start_scale_ms = server.started_in * 1000
    for leftover in copy.parent.glob(copy.name + "*"):
        leftover.unlink()
    return figures


def report(figures: dict[int, Growth]) -> None:
    print(f"\nA page after a write: PUT a VM's state, then a page of {PAGE} of GET {LIST}; the same page asked")
    print(f"again without a write between (median of {SAMPLES} each, pages spread over the list)")
    print(f"{'VMs':>7}  {'start ms':>9} {'first page ms':>14} {'after a write':>14} {'without':>8} {'ratio':>6}")
    for size, g in figures.items():
        print(
            f"{size:>7,}  {g.start_ms:>9.0f} {g.first_page_ms:>14.1f} {g.after_write_ms:>14.2f}"
            f" {g.without_write_ms:>8.2f} {g.after_write_ms / g.without_write_ms:>6.2f}"
        )
    largest = max(figures)
    g = figures[largest]
    if g.reset_ms is not None:
        print(
            f"At {largest:,} VMs: start {g.start_ms / 1000:.2f} s (aim <= 3), reset to the scale world of {largest:,}"
            f" VMs {g.reset_ms / 1000:.2f} s (aim <= 5), start on the store it left {g.start_scale_ms / 1000:.2f} s,"
            f" worker RSS after the reset {g.rss_reset_mib:.0f} MiB (aim <= 1024);"
            " a page after a write / without one <= 2"
        )
