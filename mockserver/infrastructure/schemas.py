"""Shapes of the infrastructure media types (one schema per media type)."""

from __future__ import annotations

from marshmallow import Schema, fields

from ..http.integers import JAVA_INT, JAVA_LONG
from ..http.schemas import LinkSchema, media_type
from .constants import LIMIT_TYPES, LIMITS


class Entity(Schema):
    id = JAVA_INT.field(required=True)
    links = fields.List(fields.Nested(LinkSchema), required=True)


def _int() -> fields.Integer:
    return fields.Integer(required=True)


def _text(none: bool = False) -> fields.String:
    return fields.String(required=True, allow_none=none)


def _flag() -> fields.Boolean:
    return fields.Boolean(required=True)


def _object() -> fields.Dict:
    return fields.Dict(required=True)


Limits = type(
    "Limits",
    (Schema,),
    {
        "__doc__": "The allocation limits Abiquo's enterprises and virtual datacenters carry (0: no limit).",
        **{name: LIMIT_TYPES[name].field(required=True) for name in LIMITS},
    },
)


@media_type("datacenter", collection="datacenters")
class DatacenterSchema(Entity):
    name = fields.String(required=True)
    location = fields.String(required=True)


@media_type("rack", collection="racks")
class RackSchema(Entity):
    name = fields.String(required=True)
    shortDescription, longDescription, vlansIdAvoided = _text(), _text(), _text()
    haEnabled = _flag()
    nrsq, vlanIdMin, vlanIdMax, vlanPerVdcReserved = _int(), _int(), _int(), _int()


@media_type("machine", collection="machines")
class MachineSchema(Entity):
    name = fields.String(required=True)
    ip = fields.String(required=True)
    type = fields.String(required=True)
    state = fields.String(required=True)
    description, ipService, initiatorIQN = _text(), _text(), _text()
    managerIp, agentIp = _text(none=True), _text(none=True)
    port, virtualCpuCores, virtualCpusUsed, virtualRamInMb, virtualRamUsedInMb = _int(), _int(), _int(), _int(), _int()
    datastores, networkInterfaces = _object(), _object()


@media_type("enterprise", collection="enterprises")
class EnterpriseSchema(Entity, Limits):
    name = fields.String(required=True)
    repositorySoftInMb, repositoryHardInMb = JAVA_LONG.field(required=True), JAVA_LONG.field(required=True)
    isReservationRestricted, twoFactorAuthenticationMandatory, workflow = _flag(), _flag(), _flag()
    idPricingTemplate = fields.Integer(required=True, allow_none=True)


@media_type("virtualdatacenter", collection="virtualdatacenters")
class VirtualDatacenterSchema(Entity, Limits):
    name = fields.String(required=True)
    hypervisorType = _text()
    providerId, syncState = _text(none=True), _text(none=True)
    vlan = _object()


@media_type("virtualappliance", collection="virtualappliances")
class VirtualApplianceSchema(Entity):
    name = fields.String(required=True)
    state = _text()
    error, highDisponibility, publicApp = _int(), _int(), _int()
    expands = fields.Dict(metadata={"description": "with ?expand=: what was asked to be expanded (a collection)"})


@media_type("virtualmachine", collection="virtualmachines")
class VirtualMachineSchema(Entity):
    name = fields.String(required=True)
    state = fields.String(required=True)
    uuid = fields.String(required=True)
    cpu = fields.Integer(required=True)
    ram = fields.Integer(required=True)
    idState, idType, highDisponibility, vdrpPort = _int(), _int(), _int(), _int()
    type = _text()
    monitored, protected, vdrpEnabled = _flag(), _flag(), _flag()
    variables = _object()
