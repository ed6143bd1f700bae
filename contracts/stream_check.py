"""The provider suite's stream check: a write's event appears in /api/events and on an open event stream.

schemathesis cannot drive a stream that never ends, so this check opens ``/m/stream`` as an Atmosphere SSE
client does, writes a VM's metadata back unchanged (Abiquo records METADATA_MODIFIED all the same), and looks
for that event on the stream and in the event log, by the same id.
"""

from __future__ import annotations

import json
import queue
import threading
import time
from urllib.parse import urlsplit

import requests

from .client import link, media

ATMOSPHERE = {
    "X-Atmosphere-Transport": "sse",
    "X-atmo-protocol": "true",
    "X-Atmosphere-tracking-id": "0",
    "X-Atmosphere-Framework": "2.3.5-javascript",
    "Content-Type": "application/json",
}


def _reader(response: requests.Response, into: queue.Queue) -> None:
    try:
        for line in response.iter_lines(decode_unicode=True):
            if line and line.startswith("data:"):
                into.put(line[len("data:") :].strip())
    except (requests.RequestException, OSError, AttributeError, ValueError):
        pass  # the check closed the stream


def _a_vm_metadata(session: requests.Session, base: str) -> tuple[str, str]:
    """(the VM's path below /api, its metadata href) of the first VM the user sees."""
    answer = session.get(f"{base}/api/cloud/virtualmachines", headers={"Accept": media("virtualmachines")})
    answer.raise_for_status()
    vm = answer.json()["collection"][0]
    return urlsplit(link(vm, "edit") or "").path.split("/api", 1)[1], link(vm, "metadata") or ""


def _touch(session: requests.Session, href: str) -> None:
    envelope = session.get(href, headers={"Accept": media("metadata")})
    envelope.raise_for_status()
    written = session.put(
        href, data=json.dumps(envelope.json()), headers={"Accept": media("metadata"), "Content-Type": media("metadata")}
    )
    written.raise_for_status()


def _on_stream(lines: queue.Queue, vm_path: str, timeout: float) -> dict | None:
    deadline = time.monotonic() + timeout
    while (left := deadline - time.monotonic()) > 0:
        try:
            message = lines.get(timeout=left)
        except queue.Empty:
            return None
        if not message.startswith("{"):
            continue  # the Atmosphere handshake
        event = json.loads(message)
        if event.get("action") == "METADATA_MODIFIED" and str(event.get("entityIdentifier", "")).endswith(vm_path):
            return event
    return None


class NoStream(Exception):
    """The server serves no /m/stream (a real Abiquo serves it from its M server)."""


def event_reaches_stream(base: str, user: str, password: str, timeout: float = 5) -> list[str]:
    """Failures (empty when a metadata write's event reached both the stream and /api/events)."""
    session = requests.Session()
    session.auth = (user, password)
    stream = session.get(f"{base}/m/stream", params=ATMOSPHERE, stream=True, timeout=(5, timeout + 5))
    if stream.status_code == 404:
        raise NoStream(f"{base}/m/stream answered 404")
    if stream.status_code != 200:
        return [f"GET /m/stream answered {stream.status_code}: {stream.text[:200]}"]
    lines: queue.Queue = queue.Queue()
    threading.Thread(target=_reader, args=(stream, lines), daemon=True).start()
    try:
        since = int(time.time()) - 1
        vm_path, href = _a_vm_metadata(session, base)
        _touch(session, href)
        event = _on_stream(lines, vm_path, timeout)
    finally:
        stream.close()
    if event is None:
        return [f"no METADATA_MODIFIED of {vm_path} on the stream within {timeout:.0f} s of the write"]
    logged = session.get(
        f"{base}/api/events", params={"datefrom": since, "limit": 0}, headers={"Accept": media("events")}
    )
    logged.raise_for_status()
    if not any(item.get("id") == event.get("id") for item in logged.json().get("collection", [])):
        return [f"the stream's event {event.get('id')} of {vm_path} is not in /api/events"]
    return []
