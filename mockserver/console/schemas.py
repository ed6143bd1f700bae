"""The JSON bodies the console's operations accept, as component schemas of the contract."""

from __future__ import annotations

from ..backup.constants import PROPERTY_NAMES

SCHEMAS = {
    "BackupProperties": {
        "type": "object",
        "additionalProperties": False,
        "required": list(PROPERTY_NAMES),
        "properties": {name: {"type": "boolean"} for name in PROPERTY_NAMES},
    },
}
