"""Two source trees side by side on the mixed load: fresh servers of each, alternated, on copies of one world.

    python -m benchmarks.alternate BEFORE AFTER [--rounds 5] [--seconds 6] [--events 0]

BEFORE and AFTER are checkouts of this repository (``git worktree add /tmp/before <commit>``); each server runs
with its tree first on the import path. A sitting's figures move by several ms from one minute to the next on a
shared machine; alternating the two and taking the median of each pair's difference keeps that drift out of the
comparison. Prints each run (req/s, p50, p99, the server's CPU per request from /proc) and the medians.
"""

from __future__ import annotations

import argparse
import os
import shutil
import statistics
import tempfile
from pathlib import Path

from . import mixed
from . import world as worlds
from .server import Server


def _cpu_seconds(pid: int) -> float:
    """User and system time of the process and everything it started (granian's worker), so far."""

    def tree(p: str):
        yield p
        for task in os.listdir(f"/proc/{p}/task"):
            for child in Path(f"/proc/{p}/task/{task}/children").read_text().split():
                yield from tree(child)

    ticks = 0
    for p in tree(str(pid)):
        fields = Path(f"/proc/{p}/stat").read_text().rsplit(")", 1)[1].split()
        ticks += int(fields[11]) + int(fields[12])
    return ticks / os.sysconf("SC_CLK_TCK")


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("before", type=Path)
    parser.add_argument("after", type=Path)
    parser.add_argument("--rounds", type=int, default=5)
    parser.add_argument("--seconds", type=float, default=6)
    parser.add_argument("--events", type=int, default=0, help="events in the world's log at the start")
    args = parser.parse_args()
    wrk = shutil.which("wrk")
    if not wrk:
        raise SystemExit("the comparison needs wrk")
    trees = {"before": args.before.resolve(), "after": args.after.resolve()}
    runs: dict[str, list[tuple[float, float, float]]] = {name: [] for name in trees}
    here = Path.cwd()
    with tempfile.TemporaryDirectory(prefix="abiquo-alternate-") as tmp:
        world_file = Path(tmp, "world.json")
        world = worlds.write_store(world_file, 1000, events=args.events)
        vm_paths = worlds.vm_paths(world, limit=50)
        try:
            for n in range(args.rounds):
                for name, tree in trees.items():
                    db = Path(tmp, f"{name}-{n}.json")
                    shutil.copy(world_file, db)
                    os.sync()  # the copy's writeback must not land on the run's fsyncs
                    os.chdir(tree)  # `python -m` puts the working folder first on the import path
                    with Server(db, control=True, env={"PYTHONPATH": str(tree)}) as server:
                        cpu = _cpu_seconds(server.process.pid)
                        load = mixed.run(wrk, server, vm_paths, seconds=args.seconds)
                        cpu = _cpu_seconds(server.process.pid) - cpu
                    per_request = cpu / (load.rps * (args.seconds + 1)) * 1000  # the 1 s warm-up at about that rate
                    runs[name].append((load.rps, load.p99, per_request))
                    print(
                        f"{name:<7} round {n}: {load.rps:7,.0f} req/s  p50 {load.p50:6.2f}  p99 {load.p99:7.2f} ms"
                        f"  CPU {per_request:.3f} ms a request",
                        flush=True,
                    )
        finally:
            os.chdir(here)
    pairs = list(zip(runs["before"], runs["after"], strict=True))
    print(
        f"after / before, median of {len(pairs)} pairs: req/s x{statistics.median(a[0] / b[0] for b, a in pairs):.3f}, "
        f"p99 {statistics.median(a[1] - b[1] for b, a in pairs):+.2f} ms, "
        f"CPU a request x{statistics.median(a[2] / b[2] for b, a in pairs):.3f}"
    )


if __name__ == "__main__":
    main()
