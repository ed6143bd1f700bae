"""What one connector pass costs per backed-up VM, walking either way: list pages, GET each VM's metadata, PUT a
result on each VM with a schedule. Both walks run on a fresh copy of the same store, one connection, in turn.

    crawl: datacenters -> racks -> machines -> virtualmachines (deployed VMs), by links and `next` pages
    list:  /api/cloud/virtualmachines, by `next` pages (every VM; undeployed ones are skipped)
"""

from __future__ import annotations

import json
import shutil
import time
from dataclasses import dataclass
from pathlib import Path
from urllib.parse import urlsplit

from abiquo_mock.mockserver.http.media import versioned

from .server import ADMIN, Server

METADATA = versioned("metadata")


@dataclass
class Pass:
    seconds: float = 0
    pages: int = 0
    reads: int = 0
    writes: int = 0
    failed: int = 0

    @property
    def per_vm_ms(self) -> float:
        return self.seconds * 1000 / self.writes if self.writes else float("nan")


class Walker:
    def __init__(self, server: Server):
        self.conn = server.connection(timeout=120)
        self.result = Pass()

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
        started = time.perf_counter()
        walker.crawl(root) if walk == "crawl" else walker.listing(root)
        walker.result.seconds = time.perf_counter() - started
        walker.conn.close()
    return walker.result


def report(results: dict[int, dict[str, Pass]]) -> None:
    print("\nA connector pass: list pages, GET each deployed VM's metadata, PUT a result on each VM with a schedule")
    print(f"{'VMs':>7}  {'walk':<6} {'pages':>6} {'GETs':>6} {'PUTs':>6} {'total s':>8} {'ms per backed-up VM':>20}")
    for size, walks in results.items():
        for walk, p in walks.items():
            failed = f"  ({p.failed} failed)" if p.failed else ""
            print(
                f"{size:>7,}  {walk:<6} {p.pages:>6} {p.reads:>6} {p.writes:>6} {p.seconds:>8.2f}"
                f" {p.per_vm_ms:>20.2f}{failed}"
            )
    sizes = sorted(results)
    if len(sizes) >= 2:
        small, big = results[sizes[0]], results[sizes[-1]]
        ratios = ", ".join(f"{walk} {big[walk].per_vm_ms / small[walk].per_vm_ms:.2f}" for walk in small)
        print(f"connector pass cost per backed-up VM {sizes[-1]:,}/{sizes[0]:,}: {ratios} (aim: <= 1.3)")


def main() -> None:
    import argparse
    import tempfile

    from . import world as worlds

    parser = argparse.ArgumentParser(description="connector pass cost per backed-up VM, both walks")
    parser.add_argument("--sizes", default="1000,10000", help="VM counts, comma-separated")
    args = parser.parse_args()
    results: dict[int, dict[str, Pass]] = {}
    with tempfile.TemporaryDirectory(prefix="abiquo-pass-") as tmp:
        for size in (int(s) for s in args.sizes.split(",")):
            db = Path(tmp) / f"store-{size}.json"
            worlds.write_store(db, size)
            results[size] = {walk: measure(db, walk) for walk in ("crawl", "list")}
    report(results)


if __name__ == "__main__":
    main()
