"""Where the worker's memory goes at 1,000 VMs: its RSS after a load run (a real server), and the
biggest allocations by file (tracemalloc, the same work done in-process).

    python -m benchmarks.memory [--vms 1000] [--top 12] [--writes 10000]
"""

from __future__ import annotations

import argparse
import asyncio
import gc
import json
import tempfile
import tracemalloc
from pathlib import Path

from abiquo_mock.mockserver.extensions import store_of
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


def top_allocations(db: Path, world: dict, top: int, writes: int = 0) -> list[tuple[str, float]]:
    """The same reads in-process through the front door, then ``writes`` metadata PUTs (each VM of the first 20
    sending its own metadata back, as the mixed load does; each records an event), then tracemalloc's biggest
    allocators by file."""
    from abiquo_mock.mockserver.app import create_app
    from abiquo_mock.mockserver.frontdoor import build

    from tests.asgi import call

    tracemalloc.start(1)
    app = create_app({"DB_PATH": str(db), "CONTROL_ENABLED": True})
    door = build(app)
    admin = {"Authorization": ADMIN}

    async def load():
        for path, accept in reads(world):
            target, _, query = path.partition("?")
            await call(door, "GET", target, headers={**admin, "Accept": accept}, query=query)
        bodies = []
        for vm in worlds.vm_paths(world, limit=20):
            document = json.loads((await call(door, "GET", vm + "/metadata", headers=admin)).body)
            document.pop("links", None)
            bodies.append((vm + "/metadata", json.dumps(document).encode()))
        for n in range(writes):
            path, body = bodies[n % len(bodies)]
            headers = {**admin, "Content-Type": "application/json", "Content-Length": str(len(body))}
            await call(door, "PUT", path, headers=headers, chunks=[body])

    asyncio.run(load())
    gc.collect()
    stats = tracemalloc.take_snapshot().statistics("filename")
    tracemalloc.stop()
    store_of(app).close()
    return [(str(s.traceback[0].filename), s.size / 1024 / 1024) for s in stats[:top]]


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--vms", type=int, default=1000)
    parser.add_argument("--top", type=int, default=12)
    parser.add_argument("--writes", type=int, default=10_000, help="metadata PUTs before the in-process snapshot")
    args = parser.parse_args()
    with tempfile.TemporaryDirectory(prefix="abiquo-memory-") as tmp:
        db = Path(tmp) / "store.json"
        world = worlds.write_store(db, args.vms)
        print(f"worker RSS at {args.vms:,} VMs after a read of everything: {measure_rss(db, world):.1f} MiB")
        print(f"biggest allocations in-process after the same reads and {args.writes:,} metadata PUTs (tracemalloc):")
        for filename, mib in top_allocations(db, world, args.top, args.writes):
            print(f"  {mib:7.2f} MiB  {filename}")


if __name__ == "__main__":
    main()
