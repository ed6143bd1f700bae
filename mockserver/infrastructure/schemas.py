"""Shapes of the infrastructure media types (one schema per media type)."""

from __future__ import annotations

from marshmallow import Schema, fields

from ..http.schemas import LinkSchema, media_type


class Entity(Schema):
    id = fields.Integer(required=True)
    links = fields.List(fields.Nested(LinkSchema), required=True)


@media_type("datacenter", collection="datacenters")
class DatacenterSchema(Entity):
    name = fields.String(required=True)
    location = fields.String(required=True)


@media_type("rack", collection="racks")
class RackSchema(Entity):
    name = fields.String(required=True)


@media_type("machine", collection="machines")
class MachineSchema(Entity):
    name = fields.String(required=True)
    ip = fields.String(required=True)
    type = fields.String(required=True)
    state = fields.String(required=True)


@media_type("enterprise", collection="enterprises")
class EnterpriseSchema(Entity):
    name = fields.String(required=True)


@media_type("virtualdatacenter", collection="virtualdatacenters")
class VirtualDatacenterSchema(Entity):
    name = fields.String(required=True)


@media_type("virtualappliance", collection="virtualappliances")
class VirtualApplianceSchema(Entity):
    name = fields.String(required=True)


@media_type("virtualmachine", collection="virtualmachines")
class VirtualMachineSchema(Entity):
    name = fields.String(required=True)
    state = fields.String(required=True)
    uuid = fields.String(required=True)
    cpu = fields.Integer(required=True)
    ram = fields.Integer(required=True)


@media_type("user")
class UserSchema(Entity):
    nick = fields.String(required=True)
    name = fields.String(required=True)
    surname = fields.String(required=True)
    email = fields.String(required=True)
    locale = fields.String(required=True)
    authType = fields.String(required=True)
    active = fields.Boolean(required=True)
    locked = fields.Boolean(required=True)
    firstLogin = fields.Boolean(required=True)


@media_type("role")
class RoleSchema(Entity):
    name = fields.String(required=True)
    privileges = fields.List(fields.String(), required=True)
