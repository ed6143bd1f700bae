"""The evidence of a failure: the requests and answers of the mock's request journal that it names or that touched
its VM, the VM's metadata before and after the pass, the faults that fired on those requests, and what the
connector printed last.

A failure is a sentence of a check (``VM 2 'web-02': PUT …/metadata 409 BC-36 was refused``); the evidence is found
from what it names, so any check of the suites gets it without knowing about it.
"""

from __future__ import annotations

import json
import re

from ..integration_checks import METADATA_PATH, VirtualMachine

VM_NAMED = re.compile(r"\bVM (\d+) '")
REQUEST_NAMED = re.compile(r"\b(GET|PUT|POST|DELETE) (/\S+) (\d{3})\b")
BODY_KEPT = 6000  # characters of a body shown; the journal itself keeps 64 KiB
REQUESTS_KEPT = 6  # requests shown per failure: those it names first, then the last ones on its VM
STDERR_LINES = 20
HEADERS_KEPT = ("accept", "content-type", "location", "retry-after", "x-atmosphere-tracking-id")
EVIDENCED = 3  # failures per check that get their evidence (the others are listed)


def vm_named(failure: str) -> int | None:
    match = VM_NAMED.search(failure)
    return int(match.group(1)) if match else None


def requests_named(failure: str) -> list[tuple[str, str, int]]:
    return [(method, path.rstrip(";,)"), int(status)) for method, path, status in REQUEST_NAMED.findall(failure)]


def _cut(text: str | None) -> str:
    text = text or ""
    return text if len(text) <= BODY_KEPT else text[:BODY_KEPT] + f"…(shown {BODY_KEPT} of {len(text)} characters)"


def exchange(entry: dict, named: bool = False) -> dict:
    """A journal entry as the report shows it: the request and the answer, credentials never included."""
    kept = {k: v for k, v in (entry.get("requestHeaders") or {}).items() if k.lower() in HEADERS_KEPT}
    answered = {k: v for k, v in (entry.get("responseHeaders") or {}).items() if k.lower() in HEADERS_KEPT}
    return {
        "time": entry.get("time"),
        "method": entry.get("method"),
        "path": entry.get("path"),
        "query": entry.get("query") or "",
        "user": entry.get("user"),
        "requestHeaders": kept,
        "requestBody": _cut(entry.get("requestBody")),
        "status": entry.get("status"),
        "responseHeaders": answered,
        "responseBody": _cut(entry.get("responseBody")),
        "fault": entry.get("fault"),
        "named": named,
    }


def _on_vm(entry: dict, vm: int) -> bool:
    path = entry.get("path") or ""
    match = METADATA_PATH.search(path)
    return bool(match and int(match.group(1)) == vm) or path.rstrip("/").endswith(f"/virtualmachines/{vm}")


def _chosen(failure: str, vm: int | None, journal: list[dict]) -> list[dict]:
    """The requests a failure names (as the last of each), then the last ones on its VM, oldest first."""
    named = requests_named(failure)
    picked: dict[int, bool] = {}
    for method, path, status in named:
        same = [
            i
            for i, e in enumerate(journal)
            if (e.get("method"), e.get("path"), e.get("status")) == (method, path, status)
        ]
        if same:
            picked[same[-1]] = True
    around = [i for i, e in enumerate(journal) if vm is not None and _on_vm(e, vm)]
    if vm is None and not picked:
        around = list(range(len(journal)))[-3:]
    for index in reversed(around):
        if len(picked) >= REQUESTS_KEPT:
            break
        picked.setdefault(index, False)
    return [exchange(journal[i], picked[i]) for i in sorted(picked)]


def _fired_on(fired: list[dict], requests: list[dict]) -> list[dict]:
    paths = {r["path"] for r in requests}
    return [f for f in fired if f.get("path") in paths][:REQUESTS_KEPT]


def stderr_tail(stderr: str) -> str:
    return "\n".join(stderr.rstrip().splitlines()[-STDERR_LINES:])


def of_failure(
    check: str,
    failure: str,
    journal: list[dict],
    before: dict[int, VirtualMachine],
    after: dict[int, dict | None],
    stderr: str = "",
    fired: list[dict] | None = None,
    events: list[dict] | None = None,
) -> dict:
    """What a failure rests on (see the module doc); ``events``: the VM's events, for an event-driven run."""
    vm = vm_named(failure)
    requests = _chosen(failure, vm, journal)
    found: dict = {"check": check, "failure": failure, "vm": vm, "requests": requests}
    if vm is not None and vm in before:
        found["vmName"] = before[vm].name
        found["metadata"] = {"before": before[vm].metadata, "after": after.get(vm)}
    if fired:
        found["faults"] = _fired_on(fired, requests)
    if stderr and (check == "exits-cleanly" or "stderr" in failure or not requests):
        found["stderr"] = stderr_tail(stderr)
    if events is not None and vm is not None:
        found["events"] = [_event(e) for e in events if e.get("idVirtualMachine") == vm][-REQUESTS_KEPT * 2 :]
    return found


def _event(event: dict) -> dict:
    return {k: event.get(k) for k in ("id", "timestamp", "action", "user")}


def of_check(check: str, failures: list[str], **run) -> list[dict]:
    """The evidence of the first failures of a check (the others are listed without it)."""
    return [of_failure(check, failure, **run) for failure in failures[:EVIDENCED]]


def as_text(value: object) -> str:
    """A JSON value as the report prints it, indented (None: the VM had no metadata)."""
    return "(no metadata)" if value is None else json.dumps(value, indent=2, ensure_ascii=False)
