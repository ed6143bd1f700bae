"""The shape of the limit media type: an enterprise's limit in one datacenter."""

from __future__ import annotations

from marshmallow import fields

from ..http.schemas import media_type
from ..infrastructure.schemas import Entity


@media_type("limit", collection="limits")
class LimitSchema(Entity):
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
