"""The JSON bodies the control context's operations accept, as component schemas of the contract. The views
check each body against its schema (http/bodies.py): a field is added to a body by adding it here."""

from __future__ import annotations

from .. import release
from ..faults.scale import PARAMETERS as SCALE_PARAMETERS
from ..http.integers import JAVA_INT, JAVA_LONG
from ..infrastructure.constants import VM_STATES
from ..scenarios import MAX_NAME

TEXT = {"type": "string", "maxLength": 2048}  # a path, a glob, a time: the longest a request line carries
NAME = {"type": "string", "minLength": 1, "maxLength": 255}  # a user's nick
_REQUEST_PATTERN = {
    "path": {**TEXT, "description": "path prefix, e.g. /api/cloud"},
    "pathPattern": {**TEXT, "description": "glob over the whole path, * matches anything"},
    "method": {"type": "string", "maxLength": 16},
    "status": {
        "oneOf": [{"type": "string", "maxLength": 3}, {"type": "integer", "minimum": 100, "maximum": 599}],
        "description": "a code (404) or a class (4xx)",
    },
    "user": NAME,
    "since": {"oneOf": [TEXT, {"type": "number"}], "description": "ISO 8601 or epoch s, included"},
    "until": {"oneOf": [TEXT, {"type": "number"}], "description": "ISO 8601 or epoch s, excluded"},
    "fault": {"type": "string", "enum": ["true", "false"], "description": "only the requests a fault touched"},
}
_COUNT = {"type": "integer", "minimum": 0, "maximum": JAVA_INT.high}
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
            # a name no scenario has (too long for a file, say) is CTRL-1, the unknown scenario
            "scenario": {
                "type": "string",
                "description": f"a scenario name (at most {MAX_NAME} characters); default demo",
            },
            "seed": {
                "type": "integer",
                "minimum": JAVA_LONG.low,
                "maximum": JAVA_LONG.high,
                "description": "seed of the scenario's faults; default 0",
            },
            "parameters": {
                "type": "object",
                "properties": SCALE_PARAMETERS,
                "description": "a derived scenario's parameters (scale: vms); a scenario refuses any it does not take",
            },
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
            # any other text is CTRL-3, the state refusal, rather than the shape's GEN-2
            "state": {"type": "string", "maxLength": 32, "description": f"one of {', '.join(VM_STATES)}"},
            "user": {**NAME, "description": "the nick the change is recorded as; default: cloud admin"},
        },
    },
}
