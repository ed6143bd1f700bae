"""How big the mock grows under large writes: the worker's memory and the store's files (no pass/fail).

    python -m benchmarks.bounds [--puts 10000] [--size 70000] [--journal-mib 8]

PUTs ``--puts`` metadata documents of ``--size`` bytes (alternating two VMs) to a real server with a store
file, fsync on and the request journal on, then prints the worker's resident memory (now and at its peak),
what the request journal holds, the store's files against the live data (the snapshot after a clean stop),
and the next start's time and peak memory.
"""

from __future__ import annotations

import argparse
import json
import tempfile
import time
from pathlib import Path

from .server import Server

METADATA = "/api/cloud/virtualdatacenters/2/virtualappliances/2/virtualmachines/{}/metadata"
VMS = (4, 5)  # demo VMs whose metadata holds no backup configuration, so it may change while deployed
MIB = 1024 * 1024


def worker_pid(server: Server) -> int:
    """granian's worker: the child of the server's main process."""
    main = server.process.pid
    children = Path(f"/proc/{main}/task/{main}/children").read_text().split()
    return int(children[0]) if children else main


def memory_mib(pid: int) -> tuple[float, float]:
    """(resident now, resident at its peak) in MiB."""
    fields = dict(line.split(":", 1) for line in Path(f"/proc/{pid}/status").read_text().splitlines() if ":" in line)
    return int(fields["VmRSS"].split()[0]) / 1024, int(fields["VmHWM"].split()[0]) / 1024


def store_bytes(db: Path) -> int:
    return sum(p.stat().st_size for p in db.parent.iterdir() if p.name.startswith(db.name))


def put_all(server: Server, puts: int, size: int) -> tuple[float, int, int]:
    """(seconds, failed PUTs, the largest the store's files were after any PUT)."""
    conn = server.connection()
    started, failed, largest = time.perf_counter(), 0, 0
    for n in range(puts):
        body = {"links": [], "metadata": {"chef": f"{n:08d}" + "x" * (size - 8)}}
        status, _ = server.request("PUT", METADATA.format(VMS[n % len(VMS)]), body, conn=conn)
        failed += status != 200
        largest = max(largest, store_bytes(server.db))
        if (n + 1) % max(1, puts // 10) == 0:
            rss, peak = memory_mib(worker_pid(server))
            print(
                f"  {n + 1:>6} PUTs  worker RSS {rss:7.1f} MiB (peak {peak:7.1f})  store files "
                f"{store_bytes(server.db) / MIB:7.1f} MiB",
                flush=True,
            )
    conn.close()
    return time.perf_counter() - started, failed, largest


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--puts", type=int, default=10_000)
    parser.add_argument("--size", type=int, default=70_000, help="bytes of each metadata document")
    parser.add_argument("--journal-mib", type=int, default=8)
    args = parser.parse_args()
    with tempfile.TemporaryDirectory() as tmp:
        db = Path(tmp) / "store.json"
        server = Server(db, control=True, extra=("--journal-mib", str(args.journal_mib)))
        server.db = db
        print(f"{args.puts} PUTs of {args.size / 1000:.0f} KB metadata (store {db}, fsync on, journal on)")
        elapsed, failed, largest = put_all(server, args.puts, args.size)
        rss, peak = memory_mib(worker_pid(server))
        usage = json.loads(server.request("GET", "/_mock/journal?limit=0")[1])["usage"]
        files = store_bytes(db)
        server.stop()
        live = db.stat().st_size
        print(f"done in {elapsed:.1f} s, {failed} failed")
        print(f"worker RSS after the PUTs: {rss:.1f} MiB (peak {peak:.1f} MiB)")
        print(
            f"request journal: {usage['entries']} entries, {usage['bytes'] / MIB:.1f} MiB of "
            f"{usage['budget'] / MIB:.0f} MiB, {usage['dropped']} forgotten"
        )
        print(
            f"store files: {files / MIB:.2f} MiB at the end, {largest / MIB:.2f} MiB at most after any PUT; "
            f"live data (the snapshot after a clean stop): {live / MIB:.2f} MiB; largest / live {largest / live:.2f}"
        )
        again = Server(db, control=True)
        rss, peak = memory_mib(worker_pid(again))
        print(f"next start: {again.started_in:.2f} s to the first answer, worker RSS {rss:.1f} MiB (peak {peak:.1f})")
        again.stop()


if __name__ == "__main__":
    main()
