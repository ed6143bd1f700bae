"""The shape of an event (media ``event`` / ``events``): Abiquo's event DTO."""

from __future__ import annotations

from marshmallow import Schema, fields

from ..http.schemas import LinkSchema, media_type


def _name() -> fields.String:
    return fields.String(required=True, allow_none=True)


def _id() -> fields.Integer:
    return fields.Integer(required=True, allow_none=True)


@media_type("event", collection="events")
class EventSchema(Schema):
    id = fields.Integer(required=True)
    timestamp = fields.String(required=True, metadata={"description": "ISO-8601, e.g. 2016-03-01T11:56:47.000+0000"})
    severity = fields.String(required=True)
    component = fields.String(required=True)
    actionPerformed = fields.String(required=True)
    performedBy = fields.String(required=True)
    user, idUser = _name(), _id()
    enterprise, idEnterprise = _name(), _id()
    datacenter, idDatacenter = _name(), _id()
    rack, idRack = _name(), _id()
    physicalMachine, idPhysicalMachine = _name(), _id()
    virtualDatacenter, idVirtualDatacenter = _name(), _id()
    virtualApp, idVirtualApp = _name(), _id()
    virtualMachine, idVirtualMachine = _name(), _id()
    volume, network, subnet, storageSystem, storagePool = _name(), _name(), _name(), _name(), _name()
    idVolume, idStoragePool = _name(), _name()  # strings in Abiquo's DTO
    idNetwork, idSubnet, idStorageSystem = _id(), _id(), _id()
    stacktrace = _name()
    action = fields.String(metadata={"description": "the action alone (actionPerformed without the component)"})
    entityId = fields.String(metadata={"description": "the path of the entity the event concerns"})
    details = fields.Dict(metadata={"description": "what the event stream carries about it"})
    links = fields.List(fields.Nested(LinkSchema), required=True)
