"""Shapes of the metadata and restore media types.

The schemas describe what the server stores and serves, legacy and policy-bound forms alike; the checks
with their Abiquo codes live in legacy_schedule.py and bindings.py and accept exactly these shapes.
Each (type, granularity) entry has its own generated class, so that the contract knows which entries
carry disks or paths, which have day keys, and the time format of each granularity.
"""

from __future__ import annotations

from marshmallow import INCLUDE, Schema, fields, validate

from ..backup.constants import GRANULARITIES, LEGACY_DATE_TIME, LEGACY_HOURS, LEGACY_TIME, WEEKDAYS
from ..http.schemas import LinkSchema, media_type
from ..release import BACKUP_POLICIES
from .constants import RESULT_STATUSES

SINCE_POLICIES = {"x-abiquo-since": BACKUP_POLICIES}  # a 3.8 server has neither (policyBindings is a custom key there)

TIME_FORMATS = {"defined_hour": LEGACY_DATE_TIME, "hourly": LEGACY_HOURS}


def _camel(name: str) -> str:
    return "".join(part.capitalize() for part in name.split("_"))


def _entry_schema(kind: str, granularity: str) -> type[Schema]:
    """One schedule entry: time in the granularity's format, disks or paths, days for weekly_planned."""
    attrs: dict[str, fields.Field] = {
        "time": fields.String(validate=validate.Regexp(TIME_FORMATS.get(granularity, LEGACY_TIME)))
    }
    if kind == "Disks":
        attrs["disks"] = fields.List(
            fields.Raw(metadata={"anyOf": [{"type": "string", "minLength": 1}, {"type": "integer", "minimum": 0}]}),
            metadata={"description": "disk ids; integers sent are stored as strings"},
        )
    else:
        attrs["paths"] = fields.List(fields.String(validate=validate.Length(min=1)))
    if granularity == "weekly_planned":
        attrs.update({day: fields.String(validate=validate.OneOf(["true"])) for day in WEEKDAYS})
    return type(f"{kind}{_camel(granularity)}EntrySchema", (Schema,), attrs)


def _granularities_schema(kind: str) -> type[Schema]:
    attrs = {g: fields.Nested(_entry_schema(kind, g)) for g in GRANULARITIES}
    return type(f"{kind}ScheduleSchema", (Schema,), attrs)


DISK_SCHEDULE = _granularities_schema("Disks")
PATH_SCHEDULE = _granularities_schema("Paths")


class BackupScheduleSchema(Schema):
    """Legacy form type → granularity → entry; ``policies`` (the bound codes, sorted) is written by the server."""

    policies = fields.List(fields.String(validate=validate.Length(min=1)), metadata=SINCE_POLICIES)
    complete = fields.Nested(DISK_SCHEDULE)
    snapshot = fields.Nested(DISK_SCHEDULE)
    filesystem = fields.Nested(PATH_SCHEDULE)


class BindingGranularitiesSchema(Schema):
    defined_hour = fields.String(validate=validate.Length(min=1))
    hourly = fields.String(validate=validate.Length(min=1))
    daily = fields.String(validate=validate.Length(min=1))
    weekly_planned = fields.String(validate=validate.Length(min=1))
    monthly = fields.String(validate=validate.Length(min=1))


class PolicyBindingsSchema(Schema):
    """type → granularity → the code of a policy of the VM's datacenter (3.8.5)."""

    complete = fields.Nested(BindingGranularitiesSchema)
    snapshot = fields.Nested(BindingGranularitiesSchema)
    filesystem = fields.Nested(BindingGranularitiesSchema)


class BackupResultSchema(Schema):
    """Written by the integration; only ``status`` is checked. ``restore``/``restoreInfo`` follow a restore."""

    class Meta:
        unknown = INCLUDE

    id = fields.Raw(metadata={"description": "the backup id a restore names"})
    status = fields.String(required=True, validate=validate.OneOf(RESULT_STATUSES))
    name = fields.Raw()
    type = fields.Raw()
    size = fields.Raw()
    date = fields.Raw()
    restore = fields.Raw()
    restoreInfo = fields.Raw()


class BackupResultsSchema(Schema):
    class Meta:
        unknown = INCLUDE

    results = fields.List(fields.Nested(BackupResultSchema))


class VirtualMachineMetadataSchema(Schema):
    """The VM's metadata: known backup keys with their shapes, any other key kept as sent."""

    class Meta:
        unknown = INCLUDE

    backupSchedule = fields.Nested(BackupScheduleSchema)
    policyBindings = fields.Nested(
        PolicyBindingsSchema, metadata={"nullable": True, "description": "null: none", **SINCE_POLICIES}
    )
    backupResults = fields.Nested(BackupResultsSchema)


@media_type("metadata")
class MetadataEnvelopeSchema(Schema):
    links = fields.List(fields.Nested(LinkSchema))
    # null when the VM has none. Declared through OpenAPI's `nullable` rather than allow_none: apispec turns
    # allow_none on a Nested into anyOf [{type: object}, {$ref}], whose first branch admits any object.
    # Here it emits {nullable: true, allOf: [{$ref}]}. The server never loads bodies with this schema.
    metadata = fields.Nested(VirtualMachineMetadataSchema, required=True, metadata={"nullable": True})


@media_type("restore")
class RestoreSchema(Schema):
    """The backup result to restore, as the VM's metadata lists it; ``id`` names it."""

    class Meta:
        unknown = INCLUDE

    id = fields.String(required=True, validate=validate.Length(min=1))
    name = fields.String()
    type = fields.String()
    size = fields.Raw()
    date = fields.String()
    status = fields.String()
    links = fields.List(fields.Nested(LinkSchema))
