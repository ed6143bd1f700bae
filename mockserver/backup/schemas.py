"""Shapes of the backup media types (one schema per media type). The model validates bodies with Abiquo's
error codes; these schemas are the contract, so each accepts every answer the server gives, and as far as a
JSON schema can say it, exactly the bodies the server accepts. Input is case-insensitive, hence the
``[Cc][Oo]…`` patterns; answers are upper case and match them too."""

from __future__ import annotations

from marshmallow import Schema, fields
from marshmallow.validate import Length, Regexp

from ..http.integers import JAVA_INT
from ..http.schemas import LinkSchema, media_type
from .constants import (
    CODE_PATTERN,
    DATE,
    DESCRIPTION_MAX,
    GRANULARITIES,
    HOURS,
    NAME_MAX,
    NOT_APPLY,
    PERIOD_FIELDS,
    POLICY_TYPES,
    POLICY_WEEKDAYS,
    TIME,
)


def any_case(word: str) -> str:
    """A regular expression matching ``word`` in any letter case."""
    return "".join(f"[{c.upper()}{c.lower()}]" if c.isalpha() else c for c in word)


def one_of(words: tuple[str, ...]) -> str:
    return "^(" + "|".join(any_case(w) for w in words) + ")$"


def _schedule(pattern: str) -> dict:
    return {"type": "string", "pattern": f"^({pattern}|{any_case(NOT_APPLY)})$"}


def configuration_variant(period: str) -> dict:
    """The JSON schema of a backup configuration of one period: only the schedule fields it has."""
    properties = {
        "type": {"type": "string", "pattern": one_of(POLICY_TYPES)},
        "period": {"type": "string", "pattern": one_of((period,))},
        "time": _schedule(HOURS if period == "HOURLY" else TIME),
    }
    if "days" in PERIOD_FIELDS[period]:
        properties["days"] = {
            "oneOf": [
                {"type": "array", "minItems": 1, "items": {"type": "string", "pattern": one_of(POLICY_WEEKDAYS)}},
                {"type": "string", "pattern": one_of((NOT_APPLY,))},
            ]
        }
    if "date" in PERIOD_FIELDS[period]:
        properties["date"] = _schedule(DATE)
    return {"type": "object", "required": ["type", "period"], "additionalProperties": False, "properties": properties}


@media_type("backupdatacenterproperties")
class BackupDatacenterPropertiesSchema(Schema):
    """The datacenter's backup switches (reconstructed names)."""

    multipleRestore = fields.Boolean(required=True, metadata={"description": "a backup may be restored twice"})
    multiplePolicies = fields.Boolean(required=True, metadata={"description": "a VM may use several policies"})
    updateWhileDeployed = fields.Boolean(required=True, metadata={"description": "a deployed VM's backup may change"})
    links = fields.List(fields.Nested(LinkSchema))


BACKUP_CONFIGURATION = fields.Raw(
    metadata={
        "description": "one (type, period); a schedule field absent = defined in the VM, NOT_APPLY = not used",
        "oneOf": [configuration_variant(period) for period in PERIOD_FIELDS],
    }
)


@media_type("backuppolicy", collection="backuppolicies")
class BackupPolicySchema(Schema):
    id = JAVA_INT.field(metadata={"description": "reconstructed; ignored in requests"})
    code = fields.String(
        required=True,
        validate=Regexp(CODE_PATTERN.pattern),
        metadata={"description": "unique in the datacenter; what VM metadata binds"},
    )
    name = fields.String(required=True, validate=Length(1, NAME_MAX))
    description = fields.String(validate=Length(0, DESCRIPTION_MAX), metadata={"description": "reconstructed"})
    backupConfigurations = fields.List(
        BACKUP_CONFIGURATION, required=True, metadata={"description": "each (type, period) at most once"}
    )
    links = fields.List(fields.Nested(LinkSchema))


@media_type("backup", collection="backups")
class BackupSchema(Schema):
    """Legacy 3.8: a template ({id, name, links}) or a datacenter's configuration of one (with attributes)."""

    id = JAVA_INT.field()
    name = fields.String()
    attributes = fields.List(
        fields.String(validate=Regexp(one_of(GRANULARITIES))), metadata={"description": "the granularities enabled"}
    )
    links = fields.List(fields.Nested(LinkSchema))
