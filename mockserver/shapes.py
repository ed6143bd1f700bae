"""A JSON document checked against a JSON schema, refused (GEN-2) in a sentence that names the field.

The control API's bodies, the faults of a scenario file and a scenario's parameters are declared once as JSON
schemas (OpenAPI 3.0's dialect: boolean ``exclusiveMinimum``, ``nullable`` also admitting null), which the contract
publishes; ``check`` holds a document to the same declaration, so what the contract says and what the server
accepts cannot drift apart. An unknown field is answered as the journal routes answer one, with the fields
known: ``Unknown field 'scenaro'; known: scenario, seed, parameters, abiquo``.
"""

from __future__ import annotations

from collections.abc import Mapping
from typing import Any

from .errors import AbiquoError

# Which refusal is reported when a document has several: a misspelt field first (it explains the others).
_FIRST = {"additionalProperties": 0, "required": 1, "type": 2}
_TYPES = {
    "object": "an object",
    "array": "a list",
    "string": "a text",
    "integer": "an integer",
    "number": "a number",
    "boolean": "true or false",
    "null": "null",
}
_validators: dict[int, tuple[Mapping, Any]] = {}


def check(document: object, schema: Mapping, at: str = "", code: str = "GEN-2") -> None:
    """400 ``code`` unless ``document`` matches ``schema``; ``at`` is where the document sits (``faults[2]``)."""
    errors = sorted(_validator(schema).iter_errors(document), key=_rank)
    if errors:
        raise AbiquoError(code, refusal(errors[0], at))


def _validator(schema: Mapping):
    # jsonschema is imported on the first check, not with the server: most runs never send a control body
    cached = _validators.get(id(schema))
    if cached is None or cached[0] is not schema:
        from jsonschema import Draft4Validator

        cached = (schema, Draft4Validator(_json_schema(schema)))
        _validators[id(schema)] = cached
    return cached[1]


def _json_schema(schema):
    """The OpenAPI 3.0 schema as JSON Schema draft 4 reads it: ``nullable: true`` is a type that admits null."""
    if isinstance(schema, list):
        return [_json_schema(item) for item in schema]
    if not isinstance(schema, Mapping):
        return schema
    translated = {key: _json_schema(value) for key, value in schema.items() if key != "nullable"}
    if schema.get("nullable") and isinstance(schema.get("type"), str):
        translated["type"] = [schema["type"], "null"]
    return translated


def _rank(error) -> tuple:
    return (_FIRST.get(error.validator, 9), len(error.absolute_path), [str(p) for p in error.absolute_path])


def where(at: str, path) -> str:
    """``parameters.vms``, ``faults[0].kind``: the field a refusal is about."""
    text = at
    for part in path:
        text += f"[{part}]" if isinstance(part, int) else (f".{part}" if text else str(part))
    return text


def refusal(error, at: str = "") -> str:
    """The sentence for one jsonschema error."""
    schema, value, name = error.schema, error.validator_value, where(at, error.absolute_path)
    if error.validator == "additionalProperties":
        known = list(schema.get("properties", {}))
        unknown = sorted(set(error.instance) - set(known))[0]
        return f"Unknown field '{where(name, [unknown])}'; known: {', '.join(known) or 'none'}"
    if error.validator == "required":
        missing = next(field for field in value if field not in error.instance)
        return f"'{where(name, [missing])}' is required" + _described(schema.get("properties", {}).get(missing))
    if error.validator in ("type", "minimum", "maximum", "exclusiveMinimum", "exclusiveMaximum"):
        return f"'{name}' must be {_kind(schema)}"
    if error.validator == "enum":
        return f"'{name}' must be one of {', '.join(str(v) for v in value)}"
    if error.validator in ("minLength", "maxLength"):
        return f"'{name}' must be a text of {schema.get('minLength', 0)} to {schema.get('maxLength', 'any')} characters"
    if error.validator in ("minItems", "maxItems"):
        return f"'{name}' must hold {schema.get('minItems', 0)} to {schema.get('maxItems', 'any')} items"
    if error.validator == "pattern":
        return f"'{name}' must match {value}" + _described(schema)
    return f"'{name}' is not valid: {error.message}" + _described(schema)


def _kind(schema: Mapping) -> str:
    """What a value must be, with its bounds: "an integer from 150 to 100000", "a number above 0"."""
    types = schema.get("type", "number")
    words = " or ".join(_TYPES.get(t, t) for t in ([types] if isinstance(types, str) else types))
    low, high = schema.get("minimum"), schema.get("maximum")
    if low is not None and schema.get("exclusiveMinimum"):
        return f"{words} above {low}" + (f" and at most {high}" if high is not None else "")
    if low is not None and high is not None:
        return f"{words} from {low} to {high}"
    if low is not None:
        return f"{words} of at least {low}"
    return f"{words} of at most {high}" if high is not None else words


def _described(schema: Mapping | None) -> str:
    return f" ({schema['description']})" if schema and schema.get("description") else ""
