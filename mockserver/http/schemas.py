"""marshmallow shapes every Abiquo media type shares, and the registry of media type -> schema.

The contract (mockserver/openapi.py) is generated from this registry, so a media type served without a
registered schema fails the contract tests.
"""

from __future__ import annotations

from marshmallow import EXCLUDE, Schema, fields

MEDIA_SCHEMAS: dict[str, type[Schema]] = {}
COLLECTIONS: dict[str, str] = {}  # collection media name -> item media name


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
