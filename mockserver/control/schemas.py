"""The JSON bodies the control context's operations accept, as component schemas of the contract."""

from __future__ import annotations

from .. import release
from ..infrastructure.constants import VM_STATES

_REQUEST_PATTERN = {
    "path": {"type": "string", "description": "path prefix, e.g. /api/cloud"},
    "pathPattern": {"type": "string", "description": "glob over the whole path, * matches anything"},
    "method": {"type": "string"},
    "status": {"oneOf": [{"type": "string"}, {"type": "integer"}], "description": "a code (404) or a class (4xx)"},
    "user": {"type": "string"},
    "since": {"oneOf": [{"type": "string"}, {"type": "number"}], "description": "ISO 8601 or epoch s, included"},
    "until": {"oneOf": [{"type": "string"}, {"type": "number"}], "description": "ISO 8601 or epoch s, excluded"},
    "fault": {"type": "string", "enum": ["true", "false"], "description": "only the requests a fault touched"},
}
_COUNT = {"type": "integer", "minimum": 0}
SCHEMAS = {
    "RequestPattern": {"type": "object", "additionalProperties": False, "properties": _REQUEST_PATTERN},
    "RequestVerification": {
        "type": "object",
        "additionalProperties": False,
        "properties": {**_REQUEST_PATTERN, "count": _COUNT, "atLeast": _COUNT, "atMost": _COUNT},
    },
    "Reset": {
        "type": "object",
        "additionalProperties": False,
        "properties": {
            "scenario": {"type": "string", "description": "a scenario name; default demo"},
            "seed": {"type": "integer", "description": "seed of the scenario's faults; default 0"},
            "parameters": {"type": "object", "description": "a generated scenario's size, e.g. {vms: 1000}"},
            "abiquo": {
                "type": "string",
                "enum": release.names(),
                "description": "the Abiquo release to serve the world as; default: the one the scenario names",
            },
        },
    },
    "VirtualMachineState": {
        "type": "object",
        "additionalProperties": False,
        "required": ["state"],
        "properties": {
            "state": {"type": "string", "enum": list(VM_STATES)},
            "user": {"type": "string", "description": "the nick the change is recorded as; default: cloud admin"},
        },
    },
}
