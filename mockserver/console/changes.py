"""What each accepted metadata write did to the VM's metadata: before, after, and the difference, so that
"the connector dropped ``chef``" shows at a glance beside the request that did it.

Recorded around the request by Flask hooks (writes always run the Flask app, never the front door's kept
answers), only for answers below 300: a refused write changes nothing. The console pairs each change with
its journal entry by method and path, newest first, as both are appended in the order requests finish.
"""

from __future__ import annotations

import itertools
import re
import threading
import time
from collections import deque

from flask import Flask, Response, current_app, g, request

from ..extensions import CONSOLE_CHANGES, store_of
from ..http import hooks

KEPT = 1_000
WRITES = ("PUT", "POST", "DELETE")
METADATA_WRITE = re.compile(
    r"^/api/cloud/virtualdatacenters/\d+/virtualappliances/\d+/virtualmachines/(\d+)/(?:metadata|action/restorebackup)$"
)
_ABSENT = object()


def diff(before: object, after: object, where: str = "") -> list[dict]:
    """Every key or list item added, removed or changed between two metadata values (lists by position)."""
    if isinstance(before, dict) and isinstance(after, dict):
        keys = [*before, *(k for k in after if k not in before)]
        pairs = [(f"{where}.{k}" if where else str(k), before.get(k, _ABSENT), after.get(k, _ABSENT)) for k in keys]
    elif isinstance(before, list) and isinstance(after, list):
        pairs = [
            (f"{where}[{n}]", before[n] if n < len(before) else _ABSENT, after[n] if n < len(after) else _ABSENT)
            for n in range(max(len(before), len(after)))
        ]
    else:
        return [] if before == after else [_change(where or "(metadata)", before, after)]
    return [found for path, old, new in pairs if old != new for found in _changes(path, old, new)]


def _changes(path: str, old: object, new: object) -> list[dict]:
    if old is _ABSENT or new is _ABSENT:
        return [_change(path, old, new)]
    return diff(old, new, path)


def _change(path: str, old: object, new: object) -> dict:
    if old is _ABSENT:
        return {"path": path, "change": "added", "after": new}
    if new is _ABSENT:
        return {"path": path, "change": "removed", "before": old}
    return {"path": path, "change": "changed", "before": old, "after": new}


class MetadataChanges:
    def __init__(self, capacity: int = KEPT):
        self._changes: deque[dict] = deque(maxlen=capacity)
        self._lock = threading.Lock()
        self._ids = itertools.count(1)

    def record(self, method: str, path: str, status: int, vm: int, before: object, after: object) -> None:
        change = {
            "id": next(self._ids),
            "time": time.time(),
            "method": method,
            "path": path,
            "status": status,
            "vm": vm,
            "before": before,
            "after": after,
            "diff": diff(before, after),
        }
        with self._lock:
            self._changes.append(change)

    def newest(self, after_id: int = 0) -> list[dict]:
        with self._lock:
            return [c for c in reversed(self._changes) if c["id"] > after_id]


def _metadata_of(vm_id: int) -> object:
    vm = store_of().get("virtualmachines", vm_id)
    return vm.get("metadata") if vm else None


def _before() -> None:
    if request.method in WRITES and (match := METADATA_WRITE.match(request.path)):
        # Stored documents are never changed in place, so the reference is the state before the write.
        g.console_metadata_before = (int(match[1]), _metadata_of(int(match[1])))


def _after(response: Response) -> Response:
    before = g.pop("console_metadata_before", None)
    if before is not None and response.status_code < 300:
        vm_id, metadata = before
        current_app.extensions[CONSOLE_CHANGES].record(
            request.method, request.path, response.status_code, vm_id, metadata, _metadata_of(vm_id)
        )
    return response


def init_app(app: Flask) -> None:
    if app.config["CONTROL_ENABLED"]:
        app.extensions[CONSOLE_CHANGES] = MetadataChanges()
        hooks.install(app, "console_changes", hooks.BEFORE, _before)
        hooks.install(app, "console_changes", hooks.AFTER, _after)
