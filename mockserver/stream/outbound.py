"""One event as the 3.x outbound stream carries it: a JSON object of Abiquo's event model.

The connector base reads ``type``, ``action``, ``severity``, ``user`` (matched as the end of the current
user's edit link), the entity identifier (the VM's URI, which it GETs), ``timestamp`` in epoch milliseconds
and a details map of strings. The getter names are known; the JSON spellings below are reconstructed, as
no captured stream exists. ``id`` is the event's id in ``/api/events``, the cursor a client resumes from.
"""

from __future__ import annotations

import json


def outbound(event: dict) -> dict:
    return {
        "id": event["id"],
        "type": event["component"],
        "action": event["action"],
        "severity": event["severity"],
        "user": event.get("userUri", ""),
        "enterprise": _enterprise(event),
        "entityIdentifier": event["entityId"],
        "timestamp": event["timestamp"],
        "details": {key: _text(value) for key, value in (event.get("details") or {}).items()},
    }


def _enterprise(event: dict) -> str:
    """The enterprise the event concerns, else (a datacenter's policy, say) that of the user who acted: every event
    of Abiquo's stream names one (the events-notifier reads it unconditionally; its sample, a DATACENTER event,
    carries the acting administrator's)."""
    if event.get("idEnterprise") is not None:
        return f"/admin/enterprises/{event['idEnterprise']}"
    return event.get("userUri", "").rsplit("/users/", 1)[0]


def _text(value: object) -> str:
    return value if isinstance(value, str) else json.dumps(value)  # a Map<String, String> on the Java side


def encode(event: dict) -> str:
    # ASCII only, so that a length counted in characters (Atmosphere's message size) is also one in bytes
    return json.dumps(outbound(event), separators=(",", ":"), ensure_ascii=True)
