"""The JSON bodies the console's operations accept, as component schemas of the contract."""

from __future__ import annotations

from ..backup.constants import PROPERTY_NAMES
from .acting import METHODS

SCHEMAS = {
    "BackupProperties": {
        "type": "object",
        "additionalProperties": False,
        "required": list(PROPERTY_NAMES),
        "properties": {name: {"type": "boolean"} for name in PROPERTY_NAMES},
    },
    "SaveScenario": {
        "type": "object",
        "additionalProperties": False,
        "required": ["name"],
        "properties": {
            "name": {"type": "string", "pattern": "^[A-Za-z0-9][A-Za-z0-9_.-]{0,63}$"},
            "description": {"type": "string", "maxLength": 2000},
            "overwrite": {"type": "boolean"},
        },
    },
    "ApiRequest": {
        "type": "object",
        "additionalProperties": False,
        "required": ["method", "path"],
        "properties": {
            "user": {"type": "string", "nullable": True, "description": "a user's nick; null: no credentials"},
            "method": {"type": "string", "enum": list(METHODS)},
            "path": {"type": "string", "pattern": "^/api/"},
            "query": {"type": "string"},
            "headers": {
                "type": "object",
                "additionalProperties": {"type": "string"},
                "description": "Accept and Content-Type",
            },
            "body": {"type": "string"},
        },
    },
    "ReplayScript": {
        "type": "object",
        "additionalProperties": False,
        "required": ["entries"],
        # at most a journal page (the console exports what it shows)
        "properties": {"entries": {"type": "array", "minItems": 1, "maxItems": 1000, "items": {"type": "object"}}},
    },
}
