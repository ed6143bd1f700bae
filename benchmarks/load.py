"""Load generation: wrk with a Lua script when it is installed, else a (much weaker) Python generator."""

from __future__ import annotations

import http.client
import re
import shutil
import statistics
import subprocess
import tempfile
import threading
import time
from dataclasses import dataclass
from pathlib import Path

from .server import ADMIN, HOST

_UNITS = {"us": 0.001, "ms": 1.0, "s": 1000.0, "m": 60_000.0}
_DURATION = r"([\d.]+)(us|ms|s|m)\b"


@dataclass
class Load:
    rps: float
    p50: float  # milliseconds
    p99: float
    max: float
    requests: int
    failed: int  # answers other than 2xx / 3xx, and socket errors


def percentile(values: list[float], pct: float) -> float:
    if not values:
        return float("nan")
    ordered = sorted(values)
    return ordered[min(len(ordered) - 1, round(pct / 100 * (len(ordered) - 1)))]


def find_wrk() -> str | None:
    """wrk from PATH; on Debian as root, install it once (apt) if it is missing."""
    found = shutil.which("wrk")
    if found or not shutil.which("apt-get"):
        return found
    import os

    if os.geteuid() != 0:
        return None
    print("installing wrk (apt-get install -y wrk) ...", flush=True)
    subprocess.run(
        ["apt-get", "install", "-y", "-qq", "wrk"], stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL, check=False
    )
    return shutil.which("wrk")


def _lua(paths: list[str], accept: str) -> str:
    listed = ",\n".join(f'  "{p}"' for p in paths)
    return (
        f'wrk.headers["Authorization"] = "{ADMIN}"\n'
        f'wrk.headers["Accept"] = "{accept}"\n'
        f"local paths = {{\n{listed}\n}}\nlocal i = 0\n"
        'request = function()\n  i = i % #paths + 1\n  return wrk.format("GET", paths[i])\nend\n'
    )


def _ms(text: str) -> float:
    value, unit = re.fullmatch(_DURATION, text).groups()
    return float(value) * _UNITS[unit]


def _parse_wrk(out: str) -> Load:
    def grab(pattern: str) -> re.Match:
        found = re.search(pattern, out, re.M)
        if not found:
            raise RuntimeError(f"cannot read wrk output:\n{out}")
        return found

    latency = grab(rf"^\s+Latency\s+{_DURATION}\s+{_DURATION}\s+{_DURATION}")
    p50 = grab(rf"^\s+50%\s+({_DURATION.replace('(', '(?:')})")
    p99 = grab(rf"^\s+99%\s+({_DURATION.replace('(', '(?:')})")
    requests = int(grab(r"^\s+(\d+) requests in").group(1))
    failed = sum(int(n) for n in re.findall(r"Non-2xx or 3xx responses: (\d+)", out))
    errors = re.search(r"Socket errors: connect (\d+), read (\d+), write (\d+), timeout (\d+)", out)
    failed += sum(map(int, errors.groups())) if errors else 0
    return Load(
        float(grab(r"^Requests/sec:\s+([\d.]+)").group(1)),
        _ms(p50.group(1)),
        _ms(p99.group(1)),
        _ms(latency.group(5) + latency.group(6)),
        requests,
        failed,
    )


def run_wrk(
    wrk: str, port: int, paths: list[str], accept: str, *, seconds: float, threads: int, connections: int
) -> Load:
    return run_script(wrk, port, _lua(paths, accept), seconds=seconds, threads=threads, connections=connections)


def run_script(wrk: str, port: int, lua: str, *, seconds: float, threads: int, connections: int) -> Load:
    """wrk driven by the Lua script ``lua`` (its ``request`` function chooses each request)."""
    with tempfile.NamedTemporaryFile("w", suffix=".lua", delete=False) as script:
        script.write(lua)
    try:
        command = [
            wrk,
            f"-t{threads}",
            f"-c{connections}",
            f"-d{max(1, round(seconds))}s",
            "--latency",
            "-s",
            script.name,
            f"http://{HOST}:{port}/",
        ]
        done = subprocess.run(command, capture_output=True, text=True, timeout=seconds + 60, check=True)
        return _parse_wrk(done.stdout)
    finally:
        Path(script.name).unlink(missing_ok=True)


def run_python(port: int, paths: list[str], accept: str, *, seconds: float, connections: int) -> Load:
    """One thread per connection, each a keep-alive loop; on 2 cores this measures the client as much as the server."""
    latencies: list[list[float]] = [[] for _ in range(connections)]
    failures = [0] * connections
    stop_at = time.perf_counter() + seconds
    headers = {"Authorization": ADMIN, "Accept": accept}

    def worker(slot: int) -> None:
        conn = http.client.HTTPConnection(HOST, port, timeout=30)
        n = slot
        while time.perf_counter() < stop_at:
            started = time.perf_counter()
            try:
                conn.request("GET", paths[n % len(paths)], headers=headers)
                response = conn.getresponse()
                response.read()
                failures[slot] += response.status >= 400
            except OSError:
                failures[slot] += 1
                conn.close()
                conn = http.client.HTTPConnection(HOST, port, timeout=30)
            latencies[slot].append((time.perf_counter() - started) * 1000)
            n += connections
        conn.close()

    started = time.perf_counter()
    workers = [threading.Thread(target=worker, args=(i,)) for i in range(connections)]
    for w in workers:
        w.start()
    for w in workers:
        w.join()
    elapsed = time.perf_counter() - started
    every = [v for chunk in latencies for v in chunk]
    return Load(
        len(every) / elapsed, statistics.median(every), percentile(every, 99), max(every), len(every), sum(failures)
    )


def prime(port: int, paths: list[str], accept: str) -> None:
    """Ask for every path once, one at a time, so that the measured run sees the steady state."""
    conn = http.client.HTTPConnection(HOST, port, timeout=60)
    try:
        for path in paths:
            conn.request("GET", path, headers={"Authorization": ADMIN, "Accept": accept})
            conn.getresponse().read()
    finally:
        conn.close()


class Generator:
    """Runs one load: a short warm-up, then the measured run."""

    def __init__(self, *, seconds: float, warmup: float, threads: int = 2, connections: int = 16):
        self.seconds, self.warmup, self.threads, self.connections = seconds, warmup, threads, connections
        self.wrk = find_wrk()

    @property
    def name(self) -> str:
        if self.wrk:
            return f"wrk -t{self.threads} -c{self.connections} -d{self.seconds:g}s (after {self.warmup:g}s warm-up)"
        return f"Python threads, {self.connections} connections, {self.seconds:g}s (wrk not found)"

    def run(
        self,
        port: int,
        paths: list[str],
        accept: str,
        *,
        connections: int | None = None,
        threads: int | None = None,
        seconds: float | None = None,
        warmup: bool = True,
    ) -> Load:
        connections, threads = connections or self.connections, min(threads or self.threads, connections or 1)
        seconds = seconds or self.seconds
        if self.wrk:
            if warmup:
                run_wrk(self.wrk, port, paths, accept, seconds=self.warmup, threads=threads, connections=connections)
            return run_wrk(self.wrk, port, paths, accept, seconds=seconds, threads=threads, connections=connections)
        if warmup:
            run_python(port, paths, accept, seconds=self.warmup, connections=connections)
        return run_python(port, paths, accept, seconds=seconds, connections=connections)
