"""`make bench`: read throughput and latency against the ceiling, durable write cost, read stalls during
writes, start and reset times at 1,000 and 10,000 VMs; event streams against the API at the first size; then a
connector's pass per backed-up VM walking either way, a page after a write, and start, reset and RSS at the
largest, at 1,000, 10,000 and 100,000 VMs (benchmarks/connector_pass.py, benchmarks/growth.py).
It prints figures; nothing passes or fails.

    python -m benchmarks.run [--sizes 1000,10000] [--pass-sizes 1000,10000,100000] [--seconds 5] [--writes 500]
"""

from __future__ import annotations

import argparse
import os
import platform
import tempfile
import time
from pathlib import Path

from abiquo_mock.mockserver.http.media import versioned

from . import anchors, connector_pass, growth, stalls, streams
from . import world as worlds
from .load import Generator, Load, percentile, prime
from .server import ADMIN, Server
from .writes import Writes, reads_during_writes, write_loop

PAGE = 25
CRAWL_PAGES = 100
AIM = (
    "aims: reads >= 70 % of the ceiling with p99 <= 10 ms at 16 connections; write cost 10,000/1,000 <= 2;"
    " start to first 200 <= 0.3 s (1,000 VMs, the median of the warm starts)"
)


def _list_paths(vm_count: int) -> list[str]:
    # A connector paging through every VM, 25 at a time, by name then by id.
    pages = range(0, vm_count, PAGE * 7)
    return [f"/api/cloud/virtualmachines?startwith={s}&limit={PAGE}" for s in pages] + [
        f"/api/cloud/virtualmachines?startwith={s}&limit={PAGE}&by=id" for s in pages
    ]


def measure_reads(size: int, db: Path, world: dict, generator: Generator) -> dict:
    with Server(db, control=False) as server:
        ceiling = generator.run(server.port, ["/api/version"], "text/plain")
        prime(server.port, worlds.vm_paths(world), versioned("virtualmachine"))
        vm = generator.run(server.port, worlds.vm_paths(world), versioned("virtualmachine"))
        prime(server.port, _list_paths(size), versioned("virtualmachines"))
        listing = generator.run(server.port, _list_paths(size), versioned("virtualmachines"))
        # the same reads asked in XML: kept answers too, so the fast path serves both renderings alike
        prime(server.port, worlds.vm_paths(world), versioned("virtualmachine", "xml"))
        vm_xml = generator.run(server.port, worlds.vm_paths(world), versioned("virtualmachine", "xml"))
        prime(server.port, _list_paths(size), versioned("virtualmachines", "xml"))
        list_xml = generator.run(server.port, _list_paths(size), versioned("virtualmachines", "xml"))
        return {"ceiling": ceiling, "vm": vm, "list": listing, "vm_xml": vm_xml, "list_xml": list_xml}


STARTS = 5  # timed starts per size, after one that warms the disk cache


def measure_starts(db: Path) -> list[float]:
    """Seconds from spawning the server to its first 200, for STARTS starts after a warm-up one: a single start
    on a shared machine is mostly the noise of the moment."""
    with Server(db, control=False):
        pass
    starts = []
    for _ in range(STARTS):
        with Server(db, control=False) as server:
            starts.append(server.started_in)
    return sorted(starts)


def measure_writes(db: Path, world: dict, generator: Generator, *, writes: int, seconds: float) -> dict:
    vm_ids = [vm["id"] for vm in world["virtualmachines"] if vm["state"] in ("ON", "OFF")][-200:]
    vm_paths = worlds.vm_paths(world)
    accept = versioned("virtualmachine")
    with Server(db, control=True) as server:
        durable = write_loop(server, vm_ids, count=writes)
        crawl = _crawl_after_write(server, vm_ids[0], min(CRAWL_PAGES, -(-len(world["virtualmachines"]) // PAGE)))
        alone = generator.run(
            server.port, vm_paths, accept, connections=1, threads=1, seconds=seconds / 2, warmup=False
        )
        during, writer = reads_during_writes(
            server, generator, vm_paths, accept, vm_ids, seconds=seconds, max_writes=writes * 20
        )
        started = time.perf_counter()
        status, _ = server.request("POST", "/_mock/reset", {"scenario": "demo"}, timeout=120)
        reset = (time.perf_counter() - started) * 1000 if status == 200 else float("nan")
    return {"writes": durable, "crawl": crawl, "alone": alone, "during": during, "writer": writer, "reset": reset}


def measure_event_streams(db: Path, world: dict, generator: Generator) -> streams.StreamFigures:
    vm_ids = [vm["id"] for vm in world["virtualmachines"] if vm["state"] in ("ON", "OFF")][-200:]
    with Server(db, control=True) as server:
        prime(server.port, worlds.vm_paths(world), versioned("virtualmachine"))
        return streams.measure_streams(server, worlds.vm_paths(world), vm_ids, generator)


def _crawl_after_write(server: Server, vm_id: int, pages: int) -> list[float]:
    """One write, then the first ``pages`` pages of the VM list in turn: what a connector's crawl costs."""
    server.request("PUT", f"/_mock/virtualmachines/{vm_id}/state", {"state": "ON"})
    conn, took = server.connection(), []
    try:
        for page in range(pages):
            started = time.perf_counter()
            conn.request(
                "GET",
                f"/api/cloud/virtualmachines?startwith={page * PAGE}&limit={PAGE}",
                headers={"Authorization": ADMIN, "Accept": versioned("virtualmachines")},
            )
            conn.getresponse().read()
            took.append((time.perf_counter() - started) * 1000)
    finally:
        conn.close()
    return took


def _read_row(size: int, name: str, load: Load, ceiling: Load) -> str:
    share = load.rps / ceiling.rps * 100 if ceiling.rps else float("nan")
    failed = f"  ({load.failed} failed)" if load.failed else ""
    return (
        f"{size:>7,}  {name:<34} {load.rps:>9,.0f} {share:>8.0f} % {load.p50:>8.2f} {load.p99:>8.2f}"
        f" {load.max:>8.1f}{failed}"
    )


def _ratio(xml: Load, json: Load) -> str:
    return f"{xml.rps / json.rps * 100:.0f} %" if json.rps else "n/a"


def _write_row(size: int, w: Writes) -> str:
    failed = f"  ({w.failed} failed)" if w.failed else ""
    return f"{size:>7,}  {w.count:>7} {w.p50:>8.2f} {w.p99:>8.2f} {w.max:>8.1f} {w.mean:>8.2f}{failed}"


def report(results: dict[int, dict], generator: Generator, writes: int, seconds: float, trivial: Load) -> None:
    print(
        f"\nReads: {generator.name}; server and load generator share {os.cpu_count()} cores;"
        " every path is asked once before the run (steady state)"
    )
    print(
        f"The machine now: a bare Flask route on the same server setup (benchmarks/trivial.py) served"
        f" {trivial.rps:,.0f} req/s, p50 {trivial.p50:.2f} ms, p99 {trivial.p99:.2f} ms"
    )
    print(f"{'VMs':>7}  {'endpoint':<34} {'req/s':>9} {'of ceil.':>10} {'p50 ms':>8} {'p99 ms':>8} {'max ms':>8}")
    for size, r in results.items():
        print(_read_row(size, "GET /api/version (ceiling)", r["ceiling"], r["ceiling"]))
        print(_read_row(size, "GET a VM", r["vm"], r["ceiling"]))
        print(_read_row(size, f"GET the VM list (pages of {PAGE})", r["list"], r["ceiling"]))
        print(_read_row(size, "GET a VM, in XML", r["vm_xml"], r["ceiling"]))
        print(_read_row(size, "GET the VM list, in XML", r["list_xml"], r["ceiling"]))
    for size, r in results.items():
        print(
            f"XML / JSON req/s at {size:,} VMs: a VM {_ratio(r['vm_xml'], r['vm'])}, the list"
            f" {_ratio(r['list_xml'], r['list'])} (aim: within 20 %)"
        )
    print(f"\nA crawl after a write: one PUT, then pages of {PAGE} of GET /api/cloud/virtualmachines in turn")
    print(f"{'VMs':>7}  {'pages':>6} {'first ms':>9} {'p50 ms':>8} {'p99 ms':>8} {'total s':>8}")
    for size, r in results.items():
        c = r["crawl"]
        print(
            f"{size:>7,}  {len(c):>6} {c[0]:>9.1f} {percentile(c, 50):>8.1f} {percentile(c, 99):>8.1f}"
            f" {sum(c) / 1000:>8.2f}"
        )
    print(f"\nDurable writes: PUT /_mock/virtualmachines/{{id}}/state, one at a time, {writes} per size")
    print(f"{'VMs':>7}  {'writes':>7} {'p50 ms':>8} {'p99 ms':>8} {'max ms':>8} {'mean ms':>8}")
    for size, r in results.items():
        print(_write_row(size, r["writes"]))
    sizes = sorted(results)
    if len(sizes) >= 2:
        small, big = results[sizes[0]]["writes"], results[sizes[-1]]["writes"]
        print(
            f"write cost {sizes[-1]:,}/{sizes[0]:,}: p50 {big.p50 / small.p50:.2f}, p99 {big.p99 / small.p99:.2f},"
            f" mean {big.mean / small.mean:.2f}"
        )
    print(f"\nReads during writes: 1 reader connection (GET a VM) and 1 writer, {seconds:g} s")
    print(
        f"{'VMs':>7}  {'read max alone':>15} {'read p99':>9} {'read max':>9} {'writes':>7} {'write max':>10}"
        f" {'stall - write':>14}"
    )
    for size, r in results.items():
        during, writer = r["during"], r["writer"]
        print(
            f"{size:>7,}  {r['alone'].max:>12.1f} ms {during.p99:>6.2f} ms {during.max:>6.1f} ms {writer.count:>7}"
            f" {writer.max:>7.1f} ms {during.max - writer.max:>+11.1f} ms"
        )
    print("\nStart and reset")
    print(f"{'VMs':>7}  {'start to first 200':>19} {'min - max of ' + str(STARTS):>20} {'reset to demo':>14}")
    for size, r in results.items():
        starts = [s * 1000 for s in r["starts"]]
        spread = f"{starts[0]:.0f} - {starts[-1]:.0f} ms"
        print(f"{size:>7,}  {percentile(starts, 50):>16.0f} ms {spread:>20} {r['reset']:>11.0f} ms")
    print(f"\n{AIM}")
    print("load average (1, 5, 15 min) at the end: " + ", ".join(f"{v:.2f}" for v in os.getloadavg()))


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--sizes", default="1000,10000", help="VM counts, comma-separated")
    parser.add_argument("--seconds", type=float, default=5, help="length of each measured load")
    parser.add_argument("--writes", type=int, default=500, help="durable writes per size")
    parser.add_argument("--pass-sizes", default="1000,10000,100000", help="VM counts of the connector passes")
    parser.add_argument("--anchors", action="store_true", help="run WireMock side by side (npm install, once)")
    args = parser.parse_args()
    generator = Generator(seconds=args.seconds, warmup=1)
    if not generator.wrk:
        print(
            "note: wrk is not installed; a Python generator sends the load, and on 2 cores it is itself"
            " the bottleneck, so read figures are far below what the server can do"
        )
    print(
        f"abiquo-mock benchmarks on {platform.node()} ({platform.python_implementation()}"
        f" {platform.python_version()}, {os.cpu_count()} cores, load average {os.getloadavg()[0]:.2f} at start)"
    )
    with Server(None, trivial=True) as bare:
        trivial = generator.run(bare.port, ["/trivial"], "*/*")
    side_by_side = None
    if generator.wrk:
        print("  side by side ...", flush=True)
        side_by_side = anchors.measure(generator, anchors=args.anchors, seconds=args.seconds)
    print("  stalled bodies ...", flush=True)
    stalled = stalls.measure(generator)
    results: dict[int, dict] = {}
    streams_figures = None  # measured once, at the first size
    with tempfile.TemporaryDirectory(prefix="abiquo-bench-") as tmp:
        for size in (int(s) for s in args.sizes.split(",")):
            db = Path(tmp) / f"store-{size}.json"
            world = worlds.write_store(db, size)
            print(f"  {size:,} VMs: reads ...", flush=True)
            results[size] = measure_reads(size, db, world, generator)
            results[size]["starts"] = measure_starts(db)
            print(f"  {size:,} VMs: writes ...", flush=True)
            results[size].update(measure_writes(db, world, generator, writes=args.writes, seconds=args.seconds))
            if streams_figures is None:
                world = worlds.write_store(db, size)  # the write run ends with a reset to the demo world
                print(f"  {size:,} VMs: event streams ...", flush=True)
                streams_figures = measure_event_streams(db, world, generator)
        passes, growth_figures = connector_pass.measure_sizes([int(s) for s in args.pass_sizes.split(",")], Path(tmp))
    report(results, generator, args.writes, args.seconds, trivial)
    connector_pass.report(passes)
    growth.report(growth_figures)
    stalls.report(*stalled)
    if side_by_side is not None:
        anchors.report(side_by_side, generator)
    streams.report(streams_figures)
    print(f"\nload average {os.getloadavg()[0]:.2f} at the end")


if __name__ == "__main__":
    main()
