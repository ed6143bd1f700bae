"""The production server: granian, one worker process, one blocking thread.

Chosen by measurement (see README, make bench): granian served a trivial Flask endpoint at about 19k req/s
with a 1.7 ms p99 here, against 6k for uWSGI and 4k for waitress. One worker keeps one store and its lock;
one blocking thread keeps the p99 low (with 8 threads it rose to 70 ms for little throughput).
"""

from __future__ import annotations

import os

from granian import Granian
from granian.constants import Interfaces

# A worker that has not stopped this long after the server asked is killed: every acknowledged write is
# already durable (mockserver/store.py), and a terminal's Ctrl-C sometimes leaves granian's worker waiting.
KILL_TIMEOUT = 3


def run(host: str, port: int) -> None:
    os.environ["ABIQUO_MOCK_WORKER"] = "1"
    Granian(
        "mockserver.wsgi:app_from_environment",
        address=host,
        port=port,
        interface=Interfaces.WSGI,
        factory=True,
        workers=1,
        blocking_threads=1,
        websockets=False,
        log_access=True,
        workers_kill_timeout=KILL_TIMEOUT,
        log_access_format='%(addr)s "%(method)s %(path)s %(protocol)s" %(status)d %(dt_ms).1fms',
    ).serve()
