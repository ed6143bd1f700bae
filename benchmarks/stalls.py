"""Other clients' GETs while 20 clients dribble their bodies at 1 byte/s: the front door reads bodies in the
event loop, so these clients should cost the others next to nothing (aim: p99 under 2x its idle value).

    python -m benchmarks.stalls [--seconds 5]
"""

from __future__ import annotations

import argparse
import contextlib
import socket
import threading

from abiquo_mock.mockserver.http.media import versioned

from .load import Generator, Load
from .server import ADMIN, HOST, Server

DRIBBLERS = 20
PATHS = ["/api/admin/datacenters", "/api/admin/datacenters/1"]


class Dribblers:
    """``count`` authenticated PUTs whose 100,000-byte bodies come one byte a second (reopened when answered)."""

    def __init__(self, port: int, count: int = DRIBBLERS):
        self.port, self.count = port, count
        self._stop = threading.Event()
        self._thread = threading.Thread(target=self._run, daemon=True)

    def _open(self) -> socket.socket:
        sock = socket.create_connection((HOST, self.port))
        sock.sendall(
            b"PUT /api/admin/datacenters/1/backupproperties HTTP/1.1\r\nHost: 127.0.0.1\r\n"
            + f"Authorization: {ADMIN}\r\n".encode()
            + b"Content-Type: application/json\r\nContent-Length: 100000\r\n\r\n{"
        )
        return sock

    def _run(self) -> None:
        socks = [self._open() for _ in range(self.count)]
        while not self._stop.wait(1):
            for n, sock in enumerate(socks):
                try:
                    sock.sendall(b" ")
                except OSError:  # answered 408 and closed: a new one takes its place
                    sock.close()
                    socks[n] = self._open()
        for sock in socks:
            with contextlib.suppress(OSError):
                sock.close()

    def __enter__(self) -> Dribblers:
        self._thread.start()
        return self

    def __exit__(self, *exc) -> None:
        self._stop.set()
        self._thread.join()


def measure(generator: Generator, connections: int = 4) -> tuple[Load, Load]:
    """(idle, with dribblers): GETs of the datacenter list and one datacenter over ``connections``."""
    accept = versioned("datacenters") + ", " + versioned("datacenter")
    with Server(None) as server:
        idle = generator.run(server.port, PATHS, accept, connections=connections)
        with Dribblers(server.port):
            stalled = generator.run(server.port, PATHS, accept, connections=connections)
    return idle, stalled


def report(idle: Load, stalled: Load) -> None:
    print(f"\nOther clients' GETs while {DRIBBLERS} clients dribble their bodies at 1 byte/s")
    print(f"{'':<22} {'req/s':>9} {'p50 ms':>8} {'p99 ms':>8} {'max ms':>8}")
    for name, load in (("idle", idle), (f"{DRIBBLERS} dribbling", stalled)):
        failed = f"  ({load.failed} failed)" if load.failed else ""
        print(f"{name:<22} {load.rps:>9,.0f} {load.p50:>8.2f} {load.p99:>8.2f} {load.max:>8.1f}{failed}")
    print(f"p99 with dribblers / idle: {stalled.p99 / idle.p99:.2f} (aim < 2)")


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--seconds", type=float, default=5)
    args = parser.parse_args()
    report(*measure(Generator(seconds=args.seconds, warmup=1)))


if __name__ == "__main__":
    main()
