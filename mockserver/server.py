"""The production server: granian's ASGI interface, one worker process, serving the front door.

Chosen by measurement (see docs/PERFORMANCE.md, make bench): granian served a trivial Flask endpoint at about
19k req/s with a 1.7 ms p99 here, against 6k for uWSGI and 4k for waitress. One worker keeps one store and its
lock. The front door (mockserver/frontdoor) reads bodies in the event loop before it runs Flask, so a slow
client never holds Flask.
"""

from __future__ import annotations

import os

from granian import Granian
from granian.constants import Interfaces

# A worker that has not stopped this long after the server asked is killed: every acknowledged write is
# already durable (mockserver/store.py), and a terminal's Ctrl-C sometimes leaves granian's worker waiting.
KILL_TIMEOUT = 3


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
        log_access=access_log,  # a line per request costs the event loop about a tenth of its throughput
        workers_kill_timeout=KILL_TIMEOUT,
        log_access_format='%(addr)s "%(method)s %(path)s %(protocol)s" %(status)d %(dt_ms).1fms',
    ).serve()
