"""The production server: granian's ASGI interface, one worker process, serving the front door.

Chosen by measurement (see docs/PERFORMANCE.md, make bench): granian served a trivial Flask endpoint at about
19k req/s with a 1.7 ms p99 here, against 6k for uWSGI and 4k for waitress. One worker keeps one store and its
lock. The front door (mockserver/frontdoor) reads bodies in the event loop before it runs Flask, so a slow
client never holds Flask.

Connections: granian accepts at most ``backpressure`` connections at once and, in its automatic HTTP mode,
never closes one that sends nothing, so 1,024 silent sockets (its default) locked every client out. The mock
speaks HTTP/1.1 only, where a connection that has not sent a whole request head (a new one, or an idle
keep-alive one) within ``HEADER_TIMEOUT_S`` seconds (``ABIQUO_MOCK_HEADER_TIMEOUT``) is closed, and it accepts
as many connections as its open-files limit allows (raised to the hard limit), up to ``MAX_CONNECTIONS``.
``python -m benchmarks.connections`` measures it.
"""

from __future__ import annotations

import os
import resource
import sys

from granian import Granian
from granian.constants import HTTPModes, Interfaces
from granian.http import HTTP1Settings

# A worker that has not stopped this long after the server asked is killed: every acknowledged write is
# already durable (mockserver/store/), and a terminal's Ctrl-C sometimes leaves granian's worker waiting.
KILL_TIMEOUT = 3
MAX_CONNECTIONS = 32_768  # an idle connection costs the worker about 3 KiB (benchmarks/connections.py)
RESERVED_FILES = 512  # open files kept for the store, its journal, the scenarios and the interpreter itself
HEADER_TIMEOUT_S = 20  # what Tomcat, which serves the real Abiquo API, gives an idle keep-alive connection
BACKLOG = 4096  # connections the kernel queues before the worker accepts them (capped by net.core.somaxconn)


def connection_limit() -> int:
    """How many connections the worker may hold at once: the open-files limit, raised to the hard limit where
    the soft one is lower, less what the process needs for itself."""
    soft, hard = resource.getrlimit(resource.RLIMIT_NOFILE)
    wanted = MAX_CONNECTIONS + RESERVED_FILES
    if soft != resource.RLIM_INFINITY and soft < wanted:
        raised = wanted if hard == resource.RLIM_INFINITY else min(wanted, hard)
        try:
            resource.setrlimit(resource.RLIMIT_NOFILE, (raised, hard))
            soft = raised
        except (ValueError, OSError):
            pass
    limit = MAX_CONNECTIONS if soft == resource.RLIM_INFINITY else min(MAX_CONNECTIONS, soft - RESERVED_FILES)
    if limit <= 1024:
        print(f"abiquo-mock: the open-files limit ({soft}) allows only {max(limit, 64)} connections", file=sys.stderr)
    return max(limit, 64)


def header_timeout() -> float:
    return float(os.environ.get("ABIQUO_MOCK_HEADER_TIMEOUT") or HEADER_TIMEOUT_S)


def run(host: str, port: int, *, access_log: bool = False) -> None:
    os.environ["ABIQUO_MOCK_WORKER"] = "1"
    Granian(
        "abiquo_mock.mockserver.wsgi:door_from_environment",
        address=host,
        port=port,
        interface=Interfaces.ASGI,
        factory=True,
        workers=1,
        websockets=False,
        http=HTTPModes.http1,  # the automatic mode's HTTP/2 sniffing has no deadline: a silent socket stays forever
        http1_settings=HTTP1Settings(header_read_timeout=int(header_timeout() * 1000)),
        backlog=BACKLOG,
        backpressure=connection_limit(),
        log_access=access_log,  # a line per request costs the event loop about a tenth of its throughput
        workers_kill_timeout=KILL_TIMEOUT,
        log_access_format='%(addr)s "%(method)s %(path)s %(protocol)s" %(status)d %(dt_ms).1fms',
    ).serve()
