"""GET /api/events: the event log a connector reads to catch up, in the shape of Abiquo's event DTO: newest
first by default, sorted by and filtered on any entity it names, ``datefrom`` / ``dateto`` in epoch seconds."""

from __future__ import annotations

from datetime import UTC, datetime

from flask import Blueprint, g, request

from ..errors import AbiquoError
from ..extensions import store_of
from ..http.api import operation
from ..http.paging import Paging, collection, paging_links, parse_paging
from . import model

bp = Blueprint("events", __name__)
# query name (as Abiquo spells it, any case) -> the DTO's name field and id field
ENTITIES = {
    "user": ("user", "idUser"),
    "performedby": ("performedBy", None),
    "enterprise": ("enterprise", "idEnterprise"),
    "datacenter": ("datacenter", "idDatacenter"),
    "rack": ("rack", "idRack"),
    "physicalmachine": ("physicalMachine", "idPhysicalMachine"),
    "virtualdatacenter": ("virtualDatacenter", "idVirtualDatacenter"),
    "virtualapp": ("virtualApp", "idVirtualApp"),
    "virtualmachine": ("virtualMachine", "idVirtualMachine"),
    "volume": ("volume", "idVolume"),
    "network": ("network", "idNetwork"),
    "subnet": ("subnet", "idSubnet"),
    "storagesystem": ("storageSystem", "idStorageSystem"),
    "storagepool": ("storagePool", "idStoragePool"),
    "severity": ("severity", None),
    "component": ("component", None),
    "actionperformed": ("actionPerformed", None),
    "stacktrace": ("stacktrace", None),
}
NEWEST_FIRST = ("timestamp", "id", *ENTITIES)


def iso_timestamp(epoch_ms: int) -> str:
    """Abiquo's event time: 2016-03-01T11:56:47.000+0000."""
    moment = datetime.fromtimestamp(epoch_ms / 1000, UTC)
    return moment.strftime("%Y-%m-%dT%H:%M:%S.") + f"{epoch_ms % 1000:03d}+0000"


def render_event(event: dict) -> dict:
    # volumes, networks, storage: entities the mock has none of, named by the DTO and empty here
    dto = {"id": event["id"], "timestamp": iso_timestamp(event["timestamp"])}
    for name, id_name in ENTITIES.values():
        dto[name] = event.get(name)
        if id_name:
            dto[id_name] = event.get(id_name)
    dto["performedBy"] = event["user"]
    # beyond Abiquo's DTO, what the event stream carries too: the action, the entity's path and the details
    extra = {"action": event["action"], "entityId": event["entityId"], "details": event["details"]}
    return {**dto, **extra, "links": []}  # no link: a deleted policy's event outlives it


def _sortable(event: dict) -> dict:
    """The DTO with a key per sort name (as ``by`` spells it); the time sorts by its milliseconds."""
    dto = render_event(event)
    return {"_dto": dto, "id": event["id"], "timestamp": event["timestamp"]} | {
        key: dto[field] for key, (field, _) in ENTITIES.items()
    }


def _epoch_ms(name: str) -> int | None:
    raw = _arg(name)
    if raw is None:
        return None
    if not (raw.isascii() and raw.isdigit()) or int(raw) > 2**53:
        raise AbiquoError("GEN-22", f"Invalid value for query parameter '{name}': epoch seconds are expected")
    return int(raw) * 1000


def _arg(name: str) -> str | None:
    # Abiquo reads the event filters whatever their case (?DATEFROM=, ?VIRTUALMACHINE=)
    return next((v for k, v in request.args.items() if k.lower() == name), None)


def _matches(event: dict) -> bool:
    """A filter value names the entity by its name or its id; one that names nothing matches no event."""
    for key, (field, id_field) in ENTITIES.items():
        wanted = _arg(key)
        dto = event["_dto"]
        if wanted is not None and wanted not in (str(dto.get(field)), str(dto.get(id_field))):
            return False
    return True


def _in_time_order(paging: Paging) -> bool:
    return paging.has is None and paging.by.lower() in ("timestamp", "id")


@operation(
    bp,
    "GET",
    "/events",
    op_id="listEvents",
    produces="events",
    paged=NEWEST_FIRST,
    query={
        "datefrom": {
            "type": "integer",
            "minimum": 0,
            "maximum": 2**53,
            "description": "only events at or after this time, in epoch seconds",
        },
        "dateto": {
            "type": "integer",
            "minimum": 0,
            "maximum": 2**53,
            "description": "only events at or before this time, in epoch seconds",
        },
        **{key: {"type": "string", "description": "only events of this entity (name or id)"} for key in ENTITIES},
    },
    label="verified",
    summary="What the API did, newest first by default; ?datefrom=<epoch seconds> and filters by entity",
)
def list_events():
    since, until = _epoch_ms("datefrom") or 0, _epoch_ms("dateto")
    paging = parse_paging(NEWEST_FIRST, default_asc=False)
    if _in_time_order(paging) and until is None and all(_arg(key) is None for key in ENTITIES):
        # time order is id order: the index pages without sorting the log
        found = model.page(store_of(), g.user, since, paging.startwith, paging.limit, paging.asc)
        if found is not None:
            window, total = found
            return {
                "links": paging_links(request.path[len("/api") :], paging, total, "events"),
                "collection": [render_event(e) for e in window],
                "totalSize": total,
            }
    events = [_sortable(e) for e in model.visible(store_of(), g.user, since, until)]
    return collection(
        [e for e in events if _matches(e)],
        media="events",
        sort_keys=NEWEST_FIRST,
        render=lambda e: e["_dto"],
        filter_fields=("component", "actionperformed", "user"),
        default_asc=False,
    )
