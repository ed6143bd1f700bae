"""Where the worker's memory goes at 1,000 VMs: its RSS after a load run (a real server), and the
biggest allocations by file (tracemalloc, the same work done in-process).

    python -m benchmarks.memory [--vms 1000] [--top 12]
"""

from __future__ import annotations

import argparse
import asyncio
import gc
import tempfile
import tracemalloc
from pathlib import Path

from abiquo_mock.mockserver.http.media import versioned

from . import world as worlds
from .load import prime
from .server import ADMIN, Server


def worker_rss_mib(server: Server) -> float:
    """The resident size of the server's worker process (granian's child), in MiB."""
    children = Path(f"/proc/{server.process.pid}/task/{server.process.pid}/children").read_text().split()
    granian = children[0] if children else str(server.process.pid)
    workers = Path(f"/proc/{granian}/task/{granian}/children").read_text().split() or [granian]
    status = Path(f"/proc/{workers[0]}/status").read_text()
    kib = next(int(line.split()[1]) for line in status.splitlines() if line.startswith("VmRSS:"))
    return kib / 1024


def reads(world: dict) -> list[tuple[str, str]]:
    """What a load run asks for: every VM, the VM list page by page, the infrastructure, the event log."""
    paths = [(p, versioned("virtualmachine")) for p in worlds.vm_paths(world, limit=len(world["virtualmachines"]))]
    vms = len(world["virtualmachines"])
    paths += [
        (f"/api/cloud/virtualmachines?startwith={s}&limit=25", versioned("virtualmachines")) for s in range(0, vms, 25)
    ]
    paths += [
        ("/api/admin/datacenters", versioned("datacenters")),
        ("/api/admin/datacenters/1", versioned("datacenter")),
    ]
    paths += [(f"/api/events?startwith={s}&limit=25", versioned("events")) for s in range(0, 200, 25)]
    return paths


def measure_rss(db: Path, world: dict) -> float:
    with Server(db, control=True) as server:
        for path, accept in reads(world):
            prime(server.port, [path], accept)
        return worker_rss_mib(server)


def top_allocations(db: Path, world: dict, top: int) -> list[tuple[str, float]]:
    """The same reads in-process through the front door, then tracemalloc's biggest allocators by file."""
    from abiquo_mock.mockserver.app import create_app
    from abiquo_mock.mockserver.frontdoor import build

    from tests.asgi import call

    tracemalloc.start(1)
    door = build(create_app({"DB_PATH": str(db), "CONTROL_ENABLED": True}))

    async def load():
        for path, accept in reads(world):
            target, _, query = path.partition("?")
            await call(door, "GET", target, headers={"Authorization": ADMIN, "Accept": accept}, query=query)

    asyncio.run(load())
    gc.collect()
    stats = tracemalloc.take_snapshot().statistics("filename")
    tracemalloc.stop()
    door.executor.shutdown()
    return [(str(s.traceback[0].filename), s.size / 1024 / 1024) for s in stats[:top]]


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--vms", type=int, default=1000)
    parser.add_argument("--top", type=int, default=12)
    args = parser.parse_args()
    with tempfile.TemporaryDirectory(prefix="abiquo-memory-") as tmp:
        db = Path(tmp) / "store.json"
        world = worlds.write_store(db, args.vms)
        print(f"worker RSS at {args.vms:,} VMs after a read of everything: {measure_rss(db, world):.1f} MiB")
        print("biggest allocations in-process (tracemalloc, by file):")
        for filename, mib in top_allocations(db, world, args.top):
            print(f"  {mib:7.2f} MiB  {filename}")


if __name__ == "__main__":
    main()
