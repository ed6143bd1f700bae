"""The shape of an event (media ``event`` / ``events``)."""

from __future__ import annotations

from marshmallow import Schema, fields

from ..http.schemas import LinkSchema, media_type


@media_type("event", collection="events")
class EventSchema(Schema):
    id = fields.Integer(required=True)
    timestamp = fields.Integer(required=True, metadata={"description": "epoch milliseconds"})
    severity = fields.String(required=True)
    component = fields.String(required=True)
    action = fields.String(required=True)
    actionPerformed = fields.String(required=True)
    user = fields.String(required=True)
    idUser = fields.Integer(required=True)
    idEnterprise = fields.Integer(required=True, allow_none=True)
    entityId = fields.String(required=True)
    virtualMachine = fields.String()
    idVirtualMachine = fields.Integer()
    details = fields.Dict(keys=fields.String(), required=True)
    links = fields.List(fields.Nested(LinkSchema), required=True)
