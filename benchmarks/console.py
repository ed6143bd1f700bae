"""`make bench-console`: how fast the console's pages answer at 10,000 VMs, over HTTP against a real server.

Each figure is one page's JSON (what the browser waits for), measured sequentially: the median, the 95th
percentile and the worst of ``--repeat`` requests, plus the first request after a write (the VM rows are
rebuilt once per store generation). It prints figures; nothing passes or fails.

    python -m benchmarks.console [--vms 10000] [--repeat 50]
"""

from __future__ import annotations

import argparse
import statistics
import tempfile
import time
from pathlib import Path

import requests
from abiquo_mock.contracts.server import MockServer

from . import world as worlds

PAGES = {
    "page (HTML)": "/_mock/console/",
    "world tree": "/_mock/console/api/world",
    "VM list, first page": "/_mock/console/api/virtualmachines?limit=25",
    "VM list, page 400": "/_mock/console/api/virtualmachines?startwith=9975&limit=25",
    "VM search 'bench-vm-0999'": "/_mock/console/api/virtualmachines?search=bench-vm-0999",
    "VM filter NOT_APPLY + state": "/_mock/console/api/virtualmachines?notApply=yes&state=ON",
    "one VM": "/_mock/console/api/virtualmachines/5000",
    "datacenter policies": "/_mock/console/api/datacenters/1",
    "events feed": "/_mock/console/api/events?limit=100",
}


def _time(session: requests.Session, url: str) -> float:
    started = time.perf_counter()
    answer = session.get(url, timeout=30)
    elapsed = (time.perf_counter() - started) * 1000
    assert answer.status_code == 200, (url, answer.status_code, answer.text[:200])
    return elapsed


def _write(session: requests.Session, base: str, n: int) -> None:
    state = "OFF" if n % 2 else "ON"
    assert session.put(f"{base}/_mock/virtualmachines/1/state", json={"state": state}, timeout=30).status_code == 200


def measure(vms: int, repeat: int) -> list[tuple[str, float, float, float, float]]:
    with tempfile.TemporaryDirectory() as folder:
        db = Path(folder) / "bench.json"
        worlds.write_store(db, vms)
        with MockServer("--db", str(db)) as server, requests.Session() as session:
            rows = []
            for name, path in PAGES.items():
                url = server.url + path
                _time(session, url)  # warm
                times = [_time(session, url) for _ in range(repeat)]
                after_write = []
                for n in range(5):
                    _write(session, server.url, n)
                    after_write.append(_time(session, url))
                p95 = statistics.quantiles(times, n=20)[18]
                rows.append((name, statistics.median(times), p95, max(times), max(after_write)))
            return rows


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--vms", type=int, default=10_000)
    parser.add_argument("--repeat", type=int, default=50)
    args = parser.parse_args()
    rows = measure(args.vms, args.repeat)
    print(f"console pages at {args.vms:,} generated VMs (+ the demo's 7), {args.repeat} sequential requests each, ms")
    print(f"{'page':32} {'median':>8} {'p95':>8} {'max':>8} {'first after a write (worst of 5)':>34}")
    for name, median, p95, worst, after in rows:
        print(f"{name:32} {median:8.1f} {p95:8.1f} {worst:8.1f} {after:34.1f}")


if __name__ == "__main__":
    main()
