"""The 3.8 backup configuration, still served by 3.8.5 (docs/BACKUP-RULES.md#legacy-configuration): templates at
/config/backups (complete, snapshot, filesystem) and, per datacenter, which templates are enabled there with which
granularities."""

from __future__ import annotations

import re

from ..errors import AbiquoError
from ..http.integers import JAVA_INT
from ..http.links import api_path_of, links_with_rel
from ..infrastructure.model import belonging, datacenter
from ..store import Store
from .constants import GRANULARITIES
from .model import check_links

TEMPLATE_PATH = re.compile(r"^/config/backups/(\d+)$")
BACKUP_FIELDS = ("id", "name", "attributes", "links")


def templates(store: Store) -> list[dict]:
    return store.all("backuptemplates")


def template(store: Store, template_id: int) -> dict:
    found = store.get("backuptemplates", template_id)
    if found is None:
        raise AbiquoError("BC-1", f"The backup template {template_id} does not exist")
    return found


def datacenter_backups(store: Store, dc_id: int) -> list[dict]:
    datacenter(store, dc_id)
    return store.find("datacenterbackups", datacenter=dc_id)


def datacenter_backup(store: Store, dc_id: int, backup_id: int) -> dict:
    datacenter(store, dc_id)
    return belonging(
        store,
        "datacenterbackups",
        backup_id,
        "BC-3",
        f"The backup configuration {backup_id} does not exist in datacenter {dc_id}",
        datacenter=dc_id,
    )


def create_datacenter_backup(store: Store, dc_id: int, body: object) -> dict:
    datacenter(store, dc_id)
    wanted = _configuration(store, body, template_id=None)
    with store.transaction():
        _check_template_free(store, dc_id, wanted["template"])
        backup_id = store.insert("datacenterbackups", {"datacenter": dc_id, **wanted})
        return store.get("datacenterbackups", backup_id)


def update_datacenter_backup(store: Store, dc_id: int, backup_id: int, body: object) -> dict:
    with store.transaction():
        current = datacenter_backup(store, dc_id, backup_id)
        wanted = _configuration(store, body, template_id=current["template"])
        if wanted["template"] != current["template"]:
            _check_template_free(store, dc_id, wanted["template"])
        updated = {**current, **wanted}
        store.put("datacenterbackups", backup_id, updated)
        return updated


def replace_datacenter_backups(store: Store, dc_id: int, body: object) -> list[dict]:
    """PUT of the whole collection: the datacenter keeps exactly the templates listed, each with the
    granularities listed; a template it had already keeps its configuration id."""
    datacenter(store, dc_id)
    # totalSize may be left out, as in Abiquo's own recorded examples; it says nothing the collection does not
    if (
        not isinstance(body, dict)
        or not isinstance(body.get("collection"), list)
        or "links" not in body
        or ("totalSize" in body and (type(body["totalSize"]) is not int or body["totalSize"] < 0))
    ):
        raise AbiquoError("GEN-2", "Invalid document: a backups collection (links, collection) is expected")
    check_links(body)
    wanted = [_configuration(store, item, template_id=None) for item in body["collection"]]
    chosen = [w["template"] for w in wanted]
    if len(set(chosen)) != len(chosen):
        raise AbiquoError("BC-2", "Each backup template can be configured only once per datacenter")
    with store.transaction():
        existing = {b["template"]: b for b in store.find("datacenterbackups", datacenter=dc_id)}
        for template_id, backup in existing.items():
            if template_id not in chosen:
                store.delete("datacenterbackups", backup["id"])
        for configuration in wanted:
            kept = existing.get(configuration["template"])
            if kept is None:
                store.insert("datacenterbackups", {"datacenter": dc_id, **configuration})
            else:
                store.put("datacenterbackups", kept["id"], {**kept, **configuration})
        return store.find("datacenterbackups", datacenter=dc_id)


def delete_datacenter_backup(store: Store, dc_id: int, backup_id: int) -> None:
    with store.transaction():
        datacenter_backup(store, dc_id, backup_id)
        store.delete("datacenterbackups", backup_id)


def enabled_options(store: Store, dc_id: int) -> set[tuple[str, str]]:
    """(type, granularity) of every backup the datacenter's legacy configuration enables: what 3.8 let a VM there
    schedule."""
    names = {t["id"]: t["name"] for t in templates(store)}
    return {
        (names.get(row["template"]), granularity)
        for row in store.find("datacenterbackups", datacenter=dc_id)
        for granularity in row.get("attributes", [])
    }


def _check_template_free(store: Store, dc_id: int, template_id: int) -> None:
    if store.first("datacenterbackups", datacenter=dc_id, template=template_id) is not None:
        raise AbiquoError("BC-2", f"Datacenter {dc_id} already has a configuration of backup template {template_id}")


def _configuration(store: Store, body: object, template_id: int | None) -> dict:
    """template and attributes of a backup document; without a template link, ``template_id`` is kept."""
    if not isinstance(body, dict):
        raise AbiquoError("GEN-2", "Invalid document: a backup object is expected")
    unknown = sorted(set(body) - set(BACKUP_FIELDS))
    if unknown:
        raise AbiquoError("GEN-2", f"Invalid document: unknown fields {', '.join(unknown)}")
    JAVA_INT.check(body, "id")
    if not isinstance(body.get("name", ""), str):
        raise AbiquoError("GEN-2", "Invalid document: 'name' is a text")
    check_links(body)
    found = links_with_rel(body.get("links"), "template")
    if found:
        match = TEMPLATE_PATH.fullmatch(api_path_of(found[0].get("href")) or "") if len(found) == 1 else None
        if match is None:
            raise AbiquoError("GEN-6", "Invalid link: the 'template' link must name one /config/backups template")
        template_id = template(store, int(match.group(1)))["id"]
    if template_id is None:
        raise AbiquoError("GEN-6", "Invalid link: a backup configuration needs a 'template' link")
    return {"template": template_id, "attributes": granularities(body.get("attributes", []))}


def granularities(raw: object) -> list[str]:
    if not isinstance(raw, list):
        raise AbiquoError("GEN-2", "Invalid document: 'attributes' is a list of granularities")
    wanted = set()
    for value in raw:
        if not isinstance(value, str) or not value.isascii() or value.lower() not in GRANULARITIES:
            raise AbiquoError("BC-4", f"Invalid backup attribute {value!r}: one of {', '.join(GRANULARITIES)}")
        wanted.add(value.lower())
    return [g for g in GRANULARITIES if g in wanted]
