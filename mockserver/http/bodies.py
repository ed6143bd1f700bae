"""The body of a control operation, held to the JSON schema it declares in the contract (``request_schema=``).

A view asks for its body with ``checked_body(SCHEMAS)``, ``SCHEMAS`` being the schemas its context gives the
contract (``control_schemas`` in mockserver/contexts.py): the schema is the one the operation names, so the body
the contract describes and the body the server accepts are one declaration. A refusal is 400 GEN-2 naming the
field (mockserver/shapes.py), before the view has changed anything.
"""

from __future__ import annotations

from collections.abc import Mapping
from typing import Any

from flask import g

from .. import shapes
from .control import json_body


def checked_body(schemas: Mapping[str, dict[str, Any]], code: str = "GEN-2") -> dict[str, Any]:
    """The running control operation's JSON object (an empty body is ``{}``), checked against its schema;
    ``code``: the refusal, for an operation whose bodies have one of their own."""
    body = json_body()
    shapes.check(body, schemas[g.operation.request_schema], code=code)
    return body
