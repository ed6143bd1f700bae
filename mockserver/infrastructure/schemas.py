"""Shapes of the infrastructure media types (one schema per media type)."""

from __future__ import annotations

from marshmallow import Schema, fields

from ..http.schemas import LinkSchema, media_type


class _Entity(Schema):
    id = fields.Integer(required=True)
    links = fields.List(fields.Nested(LinkSchema), required=True)


@media_type("datacenter", collection="datacenters")
class DatacenterSchema(_Entity):
    name = fields.String(required=True)
    location = fields.String(required=True)


@media_type("rack", collection="racks")
class RackSchema(_Entity):
    name = fields.String(required=True)


@media_type("machine", collection="machines")
class MachineSchema(_Entity):
    name = fields.String(required=True)
    ip = fields.String(required=True)
    type = fields.String(required=True)
    state = fields.String(required=True)


@media_type("enterprise", collection="enterprises")
class EnterpriseSchema(_Entity):
    name = fields.String(required=True)


@media_type("virtualdatacenter", collection="virtualdatacenters")
class VirtualDatacenterSchema(_Entity):
    name = fields.String(required=True)


@media_type("virtualappliance", collection="virtualappliances")
class VirtualApplianceSchema(_Entity):
    name = fields.String(required=True)


@media_type("virtualmachine", collection="virtualmachines")
class VirtualMachineSchema(_Entity):
    name = fields.String(required=True)
    state = fields.String(required=True)
    uuid = fields.String(required=True)
    cpu = fields.Integer(required=True)
    ram = fields.Integer(required=True)


@media_type("user")
class UserSchema(_Entity):
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
class RoleSchema(_Entity):
    name = fields.String(required=True)
    privileges = fields.List(fields.String(), required=True)


LIMIT_FIELDS = (
    "cpuCountSoftLimit",
    "cpuCountHardLimit",
    "ramSoftLimitInMb",
    "ramHardLimitInMb",
    "diskSoftLimitInMb",
    "diskHardLimitInMb",
    "storageSoftInMb",
    "storageHardInMb",
    "vlansSoft",
    "vlansHard",
    "publicIpsSoft",
    "publicIpsHard",
    "repositorySoftInMb",
    "repositoryHardInMb",
)


@media_type("limit", collection="limits")
class LimitSchema(_Entity):
    """An enterprise's limit in one datacenter; its links carry meaning (location, backuppolicy)."""

    id = fields.Integer()  # a POST cannot know it, and a PUT names the limit by its URL
    cpuCountSoftLimit = fields.Integer(load_default=0)
    cpuCountHardLimit = fields.Integer(load_default=0)
    ramSoftLimitInMb = fields.Integer(load_default=0)
    ramHardLimitInMb = fields.Integer(load_default=0)
    diskSoftLimitInMb = fields.Integer(load_default=0)
    diskHardLimitInMb = fields.Integer(load_default=0)
    storageSoftInMb = fields.Integer(load_default=0)
    storageHardInMb = fields.Integer(load_default=0)
    vlansSoft = fields.Integer(load_default=0)
    vlansHard = fields.Integer(load_default=0)
    publicIpsSoft = fields.Integer(load_default=0)
    publicIpsHard = fields.Integer(load_default=0)
    repositorySoftInMb = fields.Integer(load_default=0)
    repositoryHardInMb = fields.Integer(load_default=0)
