"""The worker leaves stopping to granian's main process.

A terminal's Ctrl-C, and `kill` of the process group, reach the main process and its worker at once. Acting
on its own, the worker could exit before the main process had asked it to, and the main process would take
that for a crash (exit 1). So the worker ignores SIGINT (the main process stops it), and acts on SIGTERM a
moment late, which leaves the main process the time to ask first.
"""

from __future__ import annotations

import asyncio
import signal

DEFER_S = 0.3


def leave_stopping_to_the_main_process() -> None:
    loop = asyncio.get_running_loop()
    handlers = getattr(loop, "_signal_handlers", None)  # the server's own handlers (asyncio's unix loop)
    if not handlers:
        return
    if signal.SIGINT in handlers:
        loop.remove_signal_handler(signal.SIGINT)
        signal.signal(signal.SIGINT, signal.SIG_IGN)
    stop = handlers.get(signal.SIGTERM)
    if stop is not None:
        callback, args = stop._callback, stop._args
        loop.add_signal_handler(signal.SIGTERM, lambda: loop.call_later(DEFER_S, callback, *args))
