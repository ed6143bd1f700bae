"""Durable writes (each acknowledged only once its journal line is fsync'd), alone and against a reader."""

from __future__ import annotations

import statistics
import threading
import time
from dataclasses import dataclass

from .load import Generator, Load, percentile
from .server import Server

STATES = ("OFF", "ON")


@dataclass
class Writes:
    count: int
    p50: float  # milliseconds
    p99: float
    max: float
    mean: float
    failed: int


def state_path(vm_id: int) -> str:
    return f"/_mock/virtualmachines/{vm_id}/state"


def write_loop(server: Server, vm_ids: list[int], *, count: int, until: float | None = None) -> Writes:
    """PUT a VM's state ``count`` times (or until ``until``) on one keep-alive connection, one at a time."""
    conn = server.connection()
    durations, failed = [], 0
    try:
        for n in range(count):
            if until is not None and time.perf_counter() >= until:
                break
            started = time.perf_counter()
            status, _ = server.request(
                "PUT", state_path(vm_ids[n % len(vm_ids)]), {"state": STATES[n // len(vm_ids) % 2]}, conn=conn
            )
            durations.append((time.perf_counter() - started) * 1000)
            failed += status != 200
    finally:
        conn.close()
    return Writes(
        len(durations),
        statistics.median(durations),
        percentile(durations, 99),
        max(durations),
        statistics.fmean(durations),
        failed,
    )


def reads_during_writes(
    server: Server,
    generator: Generator,
    read_paths: list[str],
    accept: str,
    vm_ids: list[int],
    *,
    seconds: float,
    max_writes: int,
) -> tuple[Load, Writes]:
    """One reader connection (wrk -c1) and one writer loop at the same time, for ``seconds``."""
    written: list[Writes] = []
    until = time.perf_counter() + seconds
    writer = threading.Thread(target=lambda: written.append(write_loop(server, vm_ids, count=max_writes, until=until)))
    writer.start()
    reads = generator.run(server.port, read_paths, accept, connections=1, threads=1, seconds=seconds, warmup=False)
    writer.join()
    return reads, written[0]
