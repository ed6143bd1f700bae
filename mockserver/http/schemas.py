"""marshmallow shapes every Abiquo media type shares, and the registry of media type -> schema.

The contract (mockserver/openapi.py) is generated from this registry, so a media type served without a
registered schema fails the contract tests.
"""

from __future__ import annotations

from dataclasses import dataclass

from marshmallow import EXCLUDE, Schema, fields
from marshmallow.validate import Range

from ..errors import AbiquoError

MEDIA_SCHEMAS: dict[str, type[Schema]] = {}
COLLECTIONS: dict[str, str] = {}  # collection media name -> item media name


@dataclass(frozen=True)
class JavaInteger:
    """A Java integer type of Abiquo's model. Jackson refuses a number its field cannot hold, so a field declared
    with one states its bounds in the contract and refuses anything outside them, the same in every model."""

    name: str
    bits: int

    @property
    def low(self) -> int:
        return -(2 ** (self.bits - 1))

    @property
    def high(self) -> int:
        return 2 ** (self.bits - 1) - 1

    def field(self, metadata: dict | None = None, **options) -> fields.Integer:
        described = {"format": f"int{self.bits}", **(metadata or {})}
        return fields.Integer(strict=True, validate=Range(self.low, self.high), metadata=described, **options)

    def holds(self, value: object) -> bool:
        return type(value) is int and self.low <= value <= self.high

    def check(self, body: dict, name: str) -> None:
        """400 GEN-2 unless ``body[name]``, when present, is an integer this type holds."""
        if name in body and not self.holds(body[name]):
            raise AbiquoError(
                "GEN-2",
                f"Invalid document: '{name}' must be an integer from {self.low} to {self.high} (a Java {self.name})",
            )


JAVA_INT = JavaInteger("int", 32)
JAVA_LONG = JavaInteger("long", 64)


class LinkSchema(Schema):
    class Meta:
        unknown = EXCLUDE

    rel = fields.String(required=True)
    href = fields.String(required=True)
    type = fields.String()
    title = fields.String()


class ErrorSchema(Schema):
    code = fields.String(required=True)
    message = fields.String(required=True)


class ErrorsSchema(Schema):
    collection = fields.List(fields.Nested(ErrorSchema), required=True)


def media_type(name: str, collection: str | None = None):
    """Register a schema as the shape of media ``name`` (and of its collection media, if any)."""

    def register(schema: type[Schema]) -> type[Schema]:
        MEDIA_SCHEMAS[name] = schema
        if collection:
            COLLECTIONS[collection] = name
        return schema

    return register


media_type("errors")(ErrorsSchema)
