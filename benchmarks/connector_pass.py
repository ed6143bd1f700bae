"""What one connector pass costs per backed-up VM as the world grows, walking either way: list pages, GET each VM's
metadata, PUT a result on each VM with a schedule. Each pass runs on a fresh copy of the size's store, one
connection, in turn; a size whose pass backs up fewer than ``--min-writes`` VMs is passed again (on another fresh
copy) until it has, so that every size's figure averages as many writes.

    crawl: datacenters -> racks -> machines -> virtualmachines (deployed VMs), by links and `next` pages
    list:  /api/cloud/virtualmachines, by `next` pages (every VM; undeployed ones are skipped)

    python -m benchmarks.connector_pass [--sizes 1000,10000,100000] [--min-writes 2500]

Prints the wall time and the server's CPU time per backed-up VM at each size and their ratios to the smallest
size, then what a world of that size costs besides (benchmarks/growth.py: a page after a write, start, reset, RSS).
"""

from __future__ import annotations

import json
import os
import shutil
import time
from dataclasses import dataclass
from pathlib import Path
from urllib.parse import urlsplit

from abiquo_mock.mockserver.http.media import versioned

from .alternate import _cpu_seconds
from .memory import worker_rss_mib
from .server import ADMIN, Server

METADATA = versioned("metadata")
WALKS = ("crawl", "list")
MIN_WRITES = 2500
AIMS = {10_000: 1.15, 100_000: 1.3}  # the most a backed-up VM may cost at that size, against 1,000 VMs


@dataclass
class Pass:
    seconds: float = 0
    cpu: float = 0  # the server's CPU seconds (every process of it)
    passes: int = 0
    pages: int = 0
    reads: int = 0
    writes: int = 0
    failed: int = 0
    rss_mib: float = 0  # the worker's resident size at the end of the pass (the largest of the passes)

    @property
    def per_vm_ms(self) -> float:
        return self.seconds * 1000 / self.writes if self.writes else float("nan")

    @property
    def cpu_per_vm_ms(self) -> float:
        return self.cpu * 1000 / self.writes if self.writes else float("nan")

    def add(self, other: Pass) -> None:
        for field in ("seconds", "cpu", "passes", "pages", "reads", "writes", "failed"):
            setattr(self, field, getattr(self, field) + getattr(other, field))
        self.rss_mib = max(self.rss_mib, other.rss_mib)


class Walker:
    def __init__(self, server: Server):
        self.conn = server.connection(timeout=120)
        self.result = Pass(passes=1)

    def call(self, method: str, href: str, accept: str, body: dict | None = None) -> dict | None:
        path = urlsplit(href)._replace(scheme="", netloc="").geturl()
        headers = {"Authorization": ADMIN, "Accept": accept}
        data = None
        if body is not None:
            data, headers["Content-Type"] = json.dumps(body).encode(), accept
        self.conn.request(method, path, body=data, headers=headers)
        answer = self.conn.getresponse()
        raw = answer.read()
        if answer.status >= 300:
            self.result.failed += 1
            return None
        return json.loads(raw) if raw else None

    def pages(self, href: str, media: str):
        while href:
            page = self.call("GET", href, versioned(media)) or {}
            self.result.pages += 1
            yield from page.get("collection", [])
            href = _link(page, "next")

    def back_up(self, vm: dict) -> None:
        href = _link(vm, "metadata")
        if not href or vm.get("state") == "NOT_ALLOCATED":
            return
        envelope = self.call("GET", href, METADATA)
        self.result.reads += 1
        metadata = (envelope or {}).get("metadata") or {}
        if not metadata.get("backupSchedule"):
            return
        results = metadata.setdefault("backupResults", {}).setdefault("results", [])
        results.append({"id": f"bench-{vm['id']}", "status": "done", "name": "bench", "type": "complete"})
        results[-1].update(size=1, date="2026/11/29 12:00:00 +0000")
        self.call("PUT", href, METADATA, envelope)
        self.result.writes += 1

    def crawl(self, root: str) -> None:
        for dc in self.pages(root + "/admin/datacenters", "datacenters"):
            for rack in self.pages(_link(dc, "racks"), "racks"):
                for machine in self.pages(_link(rack, "machines"), "machines"):
                    for vm in self.pages(_link(machine, "virtualmachines"), "virtualmachines"):
                        self.back_up(vm)

    def listing(self, root: str) -> None:
        for vm in self.pages(root + "/cloud/virtualmachines", "virtualmachines"):
            self.back_up(vm)


def _link(entity: dict, rel: str) -> str | None:
    return next((link["href"] for link in entity.get("links", []) if link.get("rel") == rel), None)


def measure(db: Path, walk: str) -> Pass:
    """One pass on a fresh copy of the store at ``db``."""
    copy = db.with_name(f"{db.stem}-{walk}.json")
    shutil.copyfile(db, copy)
    with Server(copy, control=False) as server:
        walker = Walker(server)
        root = f"http://127.0.0.1:{server.port}/api"
        cpu = _cpu_seconds(server.process.pid)
        started = time.perf_counter()
        walker.crawl(root) if walk == "crawl" else walker.listing(root)
        walker.result.seconds = time.perf_counter() - started
        walker.result.cpu = _cpu_seconds(server.process.pid) - cpu
        walker.result.rss_mib = worker_rss_mib(server)
        walker.conn.close()
    for leftover in copy.parent.glob(copy.name + "*"):
        leftover.unlink()
    return walker.result


def measure_size(db: Path, min_writes: int = MIN_WRITES) -> dict[str, Pass]:
    """Both walks, alternated, each passed again until it has backed up ``min_writes`` VMs."""
    totals = {walk: Pass() for walk in WALKS}
    while any(p.writes < min_writes for p in totals.values()) or not all(p.passes for p in totals.values()):
        for walk, total in totals.items():
            if total.writes < min_writes or not total.passes:
                total.add(measure(db, walk))
    return totals


def report(results: dict[int, dict[str, Pass]]) -> None:
    print(
        "\nA connector pass: list pages, GET each deployed VM's metadata, PUT a result on each VM with a schedule"
        " (one connection; a size is passed again until it has backed up enough VMs)"
    )
    print(
        f"{'VMs':>7}  {'walk':<6} {'passes':>6} {'pages':>6} {'GETs':>6} {'PUTs':>6} {'total s':>8}"
        f" {'ms per backed-up VM':>20} {'server CPU ms':>14} {'worker MiB':>11}"
    )
    for size, walks in results.items():
        for walk, p in walks.items():
            failed = f"  ({p.failed} failed)" if p.failed else ""
            print(
                f"{size:>7,}  {walk:<6} {p.passes:>6} {p.pages:>6} {p.reads:>6} {p.writes:>6} {p.seconds:>8.2f}"
                f" {p.per_vm_ms:>20.2f} {p.cpu_per_vm_ms:>14.2f} {p.rss_mib:>11.0f}{failed}"
            )
    sizes = sorted(results)
    small = results[sizes[0]]
    for size in sizes[1:]:
        big = results[size]
        wall = ", ".join(f"{walk} {big[walk].per_vm_ms / small[walk].per_vm_ms:.2f}" for walk in small)
        cpu = ", ".join(f"{walk} {big[walk].cpu_per_vm_ms / small[walk].cpu_per_vm_ms:.2f}" for walk in small)
        aim = f" (aim: <= {AIMS[size]})" if size in AIMS and sizes[0] == 1000 else ""
        print(f"connector pass cost per backed-up VM {size:,}/{sizes[0]:,}: {wall}{aim}; server CPU: {cpu}")


def measure_sizes(sizes: list[int], tmp: Path, min_writes: int = MIN_WRITES) -> tuple[dict, dict]:
    """The passes of each size and what that size costs besides (growth.py), each on a store of its own."""
    from . import growth
    from . import world as worlds

    results, figures = {}, {}
    for size in sizes:
        db = tmp / f"pass-store-{size}.json"
        worlds.write_store(db, size)
        print(f"  {size:,} VMs: connector passes (load average {os.getloadavg()[0]:.2f}) ...", flush=True)
        results[size] = measure_size(db, min_writes)
        print(f"  {size:,} VMs: a page after a write (load average {os.getloadavg()[0]:.2f}) ...", flush=True)
        figures[size] = growth.measure(db, size, largest=size == max(sizes))
        db.unlink()
    return results, figures


def main() -> None:
    import argparse
    import tempfile

    from . import growth

    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--sizes", default="1000,10000,100000", help="VM counts, comma-separated")
    parser.add_argument("--min-writes", type=int, default=MIN_WRITES, help="backed-up VMs per size and walk, at least")
    args = parser.parse_args()
    print(f"load average {os.getloadavg()[0]:.2f} at start", flush=True)
    with tempfile.TemporaryDirectory(prefix="abiquo-pass-") as tmp:
        results, figures = measure_sizes([int(s) for s in args.sizes.split(",")], Path(tmp), args.min_writes)
    report(results)
    growth.report(figures)
    print(f"load average {os.getloadavg()[0]:.2f} at the end")


if __name__ == "__main__":
    main()
