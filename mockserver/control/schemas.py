"""The JSON bodies the control context's operations accept, as component schemas of the contract."""

from __future__ import annotations

from ..infrastructure.model import VM_STATES

SCHEMAS = {
    "Reset": {
        "type": "object",
        "additionalProperties": False,
        "properties": {"scenario": {"type": "string", "description": "a scenario name; default demo"}},
    },
    "VirtualMachineState": {
        "type": "object",
        "additionalProperties": False,
        "required": ["state"],
        "properties": {"state": {"type": "string", "enum": list(VM_STATES)}},
    },
}
