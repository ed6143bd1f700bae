"""Profile the read path in-process (no server, no load generator): where a GET spends its time.

    python -m benchmarks.profile [--vms 10000] [--requests 2000] [--top 25]

Prints CPU microseconds per request for each read (process time, so that other work on the machine
counts less than in wall-clock figures), then cProfile's top functions by cumulative time.
"""

from __future__ import annotations

import argparse
import cProfile
import pstats
import time

from abiquo_mock.mockserver.app import create_app
from abiquo_mock.mockserver.http.media import versioned
from abiquo_mock.mockserver.store import Store
from werkzeug.test import EnvironBuilder

from . import world as worlds
from .server import ADMIN


def _caller(app, path: str, accept: str):
    environ = EnvironBuilder(
        path=path.partition("?")[0],
        query_string=path.partition("?")[2],
        base_url="http://127.0.0.1:8080",
        headers={"Authorization": ADMIN, "Accept": accept},
    ).get_environ()

    def call() -> int:
        status = []
        body = app(dict(environ), lambda s, h, e=None: status.append(s))
        b"".join(body)
        return int(status[0].split()[0])

    return call


def _time(name: str, call, count: int) -> None:
    count = max(count, 10)
    started = time.process_time()
    for _ in range(count):
        call()
    print(f"{name:<52} {(time.process_time() - started) / count * 1e6:>9.0f} us per request")


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--vms", type=int, default=10_000)
    parser.add_argument("--requests", type=int, default=2000)
    parser.add_argument("--top", type=int, default=25)
    args = parser.parse_args()
    store = Store(None)
    app = create_app({"STORE": store, "CONTROL_ENABLED": False})
    world = worlds.build_world(args.vms)
    store.replace_all(world)  # after create_app, which loads the demo into a new memory store
    vm_path = worlds.vm_paths(world)[-1]
    page = "/api/cloud/virtualmachines?startwith={}&limit=25"
    touched = world["datacenters"][0]

    def write() -> None:  # any durable write bumps the store generation
        store.put("datacenters", touched["id"], touched)

    reads = {
        "GET /api/version": _caller(app, "/api/version", "text/plain"),
        "GET a VM": _caller(app, vm_path, versioned("virtualmachine")),
        "GET the VM list": _caller(app, page.format(500), versioned("virtualmachines")),
    }
    crawl = [_caller(app, page.format(s), versioned("virtualmachines")) for s in range(0, args.vms, 25)]
    for name, call in reads.items():
        assert call() == 200, name
        _time(f"{name}, same request again", call, args.requests if "list" not in name else args.requests // 4)
        _time(f"{name}, after a write", lambda: (write(), call()), args.requests // (1 if "list" not in name else 40))  # noqa: B023
    write()
    started = time.process_time()
    for call in crawl:
        call()
    elapsed = time.process_time() - started
    print(
        f"{'every page of the VM list once, after a write':<52} {elapsed / len(crawl) * 1e6:>9.0f} us per page"
        f" ({len(crawl)} pages, {elapsed:.2f} s)"
    )
    print(f"({args.vms:,} VMs, in-process WSGI calls, no server; CPU time of this process)")
    for name, call in list(reads.items())[1:]:
        print(f"\n=== {name}, after a write (cProfile, 50 requests)")
        profiler = cProfile.Profile()
        profiler.runcall(lambda: [(write(), call()) for _ in range(50)])  # noqa: B023
        pstats.Stats(profiler).sort_stats("cumulative").print_stats(args.top)


if __name__ == "__main__":
    main()
