"""Side by side: the mock's reads as a ratio to WireMock serving one static stub of the same collection body
(installed from the npm registry into var/bench-cache when asked), the mixed 70/30 load with 0 and 10,000
events, the worker's RSS and the time from start to the first 200.

    python -m benchmarks.anchors [--anchors] [--seconds 10]
"""

from __future__ import annotations

import argparse
import json
import os
import shutil
import signal
import subprocess
import tempfile
import time
from dataclasses import dataclass
from pathlib import Path

from abiquo_mock.mockserver.http.media import versioned

from . import mixed
from . import world as worlds
from .load import Generator, Load, prime
from .memory import worker_rss_mib
from .server import HOST, Server, free_port

WIREMOCK = "wiremock@3.13.2"  # the npm package bundles WireMock's standalone jar
CACHE = Path(__file__).resolve().parent.parent / "var" / "bench-cache"
VMS = 1000
EVENTS = 10_000
DC_LIST, DC = "/api/admin/datacenters", "/api/admin/datacenters/1"


def wiremock_jar() -> Path:
    """The standalone jar, installed with npm into the cache folder on first use."""
    found = sorted(CACHE.glob("node_modules/wiremock/build/wiremock-standalone-*.jar"))
    if not found:
        print(f"installing {WIREMOCK} from the npm registry into {CACHE} ...", flush=True)
        CACHE.mkdir(parents=True, exist_ok=True)
        subprocess.run(
            ["npm", "install", "--prefix", str(CACHE), "--no-audit", "--no-fund", WIREMOCK],
            check=True,
            stdout=subprocess.DEVNULL,
        )
        found = sorted(CACHE.glob("node_modules/wiremock/build/wiremock-standalone-*.jar"))
    return found[-1]


class WireMock:
    """WireMock on a free port serving one stub: GET ``path`` answers ``body`` with ``content_type``."""

    def __init__(self, path: str, body: bytes, content_type: str):
        self.port = free_port()
        self._root = tempfile.TemporaryDirectory(prefix="abiquo-wiremock-")
        mappings = Path(self._root.name, "mappings")
        mappings.mkdir()
        stub = {
            "request": {"method": "GET", "url": path},
            "response": {"status": 200, "body": body.decode(), "headers": {"Content-Type": content_type}},
        }
        (mappings / "stub.json").write_text(json.dumps(stub))
        command = ["java", "-jar", str(wiremock_jar()), "--port", str(self.port), "--root-dir", self._root.name]
        started = time.perf_counter()
        self.process = subprocess.Popen(
            [*command, "--disable-banner"], stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL, start_new_session=True
        )
        prime_until_ok(self.port, path)
        self.started_in = time.perf_counter() - started

    def rss_mib(self) -> float:
        status = Path(f"/proc/{self.process.pid}/status").read_text()
        return next(int(line.split()[1]) for line in status.splitlines() if line.startswith("VmRSS:")) / 1024

    def stop(self) -> None:
        os.killpg(self.process.pid, signal.SIGTERM)
        self.process.wait(30)
        self._root.cleanup()


def prime_until_ok(port: int, path: str, timeout: float = 60) -> None:
    import http.client

    deadline = time.monotonic() + timeout
    while time.monotonic() < deadline:
        try:
            conn = http.client.HTTPConnection(HOST, port, timeout=2)
            conn.request("GET", path)
            if conn.getresponse().status == 200:
                return
        except OSError:
            time.sleep(0.02)
    raise RuntimeError(f"nothing answered 200 on port {port} within {timeout:.0f} s")


def warm_up_jvm(generator: Generator, port: int, *, step: float = 3, longest: float = 45) -> None:
    """A JVM compiles its hot code while it serves: load it until its rate stops climbing (under 10 % from one
    step to the next), else it is measured half-compiled (on a busy machine 5 s of warm-up were not enough)."""
    previous, spent = 0.0, 0.0
    while spent < longest:
        rate = generator.run(port, [DC_LIST], versioned("datacenters"), seconds=step, warmup=False).rps
        spent += step
        if rate < previous * 1.1:
            return
        previous = rate


@dataclass
class Figures:
    reads: dict[str, Load]
    mixed: dict[int, Load]
    rss: float  # worker MiB after the mixed load at 0 events
    rss_events: float  # the same with 10,000 events
    start: float  # seconds from spawning to the first 200
    anchor: Load | None = None
    anchor_rss: float | None = None
    anchor_start: float | None = None


def measure(generator: Generator, *, anchors: bool, seconds: float) -> Figures:
    with tempfile.TemporaryDirectory(prefix="abiquo-anchors-") as tmp:
        plain, logged = Path(tmp, "plain.json"), Path(tmp, "events.json")
        world = worlds.write_store(plain, VMS)
        worlds.write_store(logged, VMS, events=EVENTS)
        vm_paths = worlds.vm_paths(world, limit=50)
        reads, mixed_loads, rss = {}, {}, {}
        with Server(plain, control=True) as server:
            start = server.started_in
            for name, path, media in (
                ("datacenter list", DC_LIST, "datacenters"),
                ("one datacenter", DC, "datacenter"),
            ):
                prime(server.port, [path], versioned(media))
                reads[name] = generator.run(server.port, [path], versioned(media), seconds=seconds)
            _, body = server.request("GET", DC_LIST)
            mixed_loads[0] = mixed.run(generator.wrk, server, vm_paths, seconds=seconds)
            rss[0] = worker_rss_mib(server)
        with Server(plain, control=True, env={"ABIQUO_MOCK_FAST_PATH": "off"}) as slow:
            prime(slow.port, [DC_LIST], versioned("datacenters"))
            reads["datacenter list, fast path off"] = generator.run(
                slow.port, [DC_LIST], versioned("datacenters"), seconds=seconds
            )
        with Server(logged, control=True) as server:
            mixed_loads[EVENTS] = mixed.run(generator.wrk, server, vm_paths, seconds=seconds)
            rss[EVENTS] = worker_rss_mib(server)
        figures = Figures(reads, mixed_loads, rss[0], rss[EVENTS], start)
        if anchors:
            anchor = WireMock(DC_LIST, body, versioned("datacenters"))
            try:
                warm_up_jvm(generator, anchor.port)
                figures.anchor = generator.run(anchor.port, [DC_LIST], versioned("datacenters"), seconds=seconds)
                figures.anchor_rss, figures.anchor_start = anchor.rss_mib(), anchor.started_in
            finally:
                anchor.stop()
        return figures


def _row(name: str, load: Load, anchor: Load | None) -> str:
    ratio = f"{load.rps / anchor.rps:>8.2f}x" if anchor else f"{'—':>9}"
    failed = f"  ({load.failed} failed)" if load.failed else ""
    return f"{name:<34} {load.rps:>9,.0f} {ratio} {load.p50:>8.2f} {load.p99:>8.2f}{failed}"


def report(f: Figures, generator: Generator) -> None:
    print(f"\nSide by side: {generator.name}, {VMS:,} VMs, control API and request journal on (the default)")
    print(f"{'GET':<34} {'req/s':>9} {'vs anchor':>9} {'p50 ms':>8} {'p99 ms':>8}")
    if f.anchor:
        print(_row("WireMock, one static stub (anchor)", f.anchor, f.anchor))
    for name, load in f.reads.items():
        print(_row(name, load, f.anchor))
    print("\nMixed load: 70 % GETs, 30 % durable metadata PUTs (benchmarks/mixed.py), 16 connections")
    print(f"{'events in the log':<34} {'req/s':>9} {'p50 ms':>8} {'p99 ms':>8}")
    for events, load in f.mixed.items():
        failed = f"  ({load.failed} failed)" if load.failed else ""
        print(f"{events:<34,} {load.rps:>9,.0f} {load.p50:>8.2f} {load.p99:>8.2f}{failed}")
    print(f"with {EVENTS:,} events / with none: {f.mixed[EVENTS].rps / f.mixed[0].rps:.2f} (aim >= 0.9)")
    anchor = f" (WireMock: {f.anchor_rss:.0f} MiB)" if f.anchor_rss else ""
    print(f"\nworker RSS after the mixed load: {f.rss:.1f} MiB, with {EVENTS:,} events {f.rss_events:.1f} MiB{anchor}")
    anchor = f" (WireMock: {f.anchor_start * 1000:.0f} ms)" if f.anchor_start else ""
    print(f"start to first 200: {f.start * 1000:.0f} ms{anchor}")
    print("aims: each read >= 1.0x the anchor with p99 <= 10 ms; mixed >= 1,500 req/s with p99 <= 20 ms;")
    print("      10,000 events / none >= 0.9; worker RSS <= 64 MiB; start to first 200 <= 0.3 s")


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--anchors", action="store_true", help="run WireMock side by side (installs it once)")
    parser.add_argument("--seconds", type=float, default=10)
    args = parser.parse_args()
    generator = Generator(seconds=args.seconds, warmup=2)
    if not generator.wrk or (args.anchors and not shutil.which("java")):
        raise SystemExit("the side-by-side bench needs wrk (and java for --anchors)")
    report(measure(generator, anchors=args.anchors, seconds=args.seconds), generator)


if __name__ == "__main__":
    main()
