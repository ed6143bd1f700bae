"""An enterprise's limit in a datacenter, as far as the backup surface cares: it allows backup policies.

The limit's ``location`` link names its datacenter; one ``backuppolicy`` link per allowed policy. Omitting a
link restricts that policy, which is refused while a VM of the enterprise is bound to it. Links are matched by
the path they name below /api, whatever host they carry. The rules: docs/BACKUP-RULES.md#limits. Abiquo 3.8 has
no backup policies: its limits allow none, and a ``backuppolicy`` link in a body is one more link it ignores.
"""

from __future__ import annotations

import re

from .. import ordering, release
from ..backup.model import check_links, vms_bound_to
from ..errors import AbiquoError
from ..http.integers import JAVA_INT
from ..http.links import api_path_of, links_with_rel
from ..infrastructure.constants import LIMIT_TYPES
from ..infrastructure.model import belonging, enterprise
from ..ordering import Selection
from ..security import User
from ..store import Store
from .constants import LIMIT_FIELDS

LOCATION_PATH = re.compile(r"^/(?:admin/datacenters|cloud/locations)/(\d+)$")
POLICY_PATH = re.compile(r"^/(?:admin/datacenters|cloud/locations)/(\d+)/backuppolicies/(\d+)$")


def limits(store: Store, user: User, enterprise_id: int) -> Selection:
    enterprise(store, user, enterprise_id)
    return ordering.where(store, "limits", enterprise=enterprise_id)


def limit(store: Store, user: User, enterprise_id: int, limit_id: int) -> dict:
    enterprise(store, user, enterprise_id)
    return belonging(store, "limits", limit_id, "LIMIT-8", enterprise=enterprise_id)


def allowed_policies(store: Store, limit: dict) -> list[dict]:
    """The stored policies a limit allows, in the order it lists them (none where the release has no policies)."""
    if not release.of(store).has_policies:
        return []
    found = (store.get("backuppolicies", pid) for pid in limit.get("backuppolicies", []))
    return [p for p in found if p is not None]


def create_limit(store: Store, user: User, enterprise_id: int, body: object) -> dict:
    enterprise(store, user, enterprise_id)
    numbers = _limit_numbers(body)
    assert isinstance(body, dict)  # _limit_numbers refused anything else
    dc_id = _location(store, body)
    if dc_id is None:
        raise AbiquoError("GEN-6", "Invalid link: a limit needs a 'location' link to its datacenter")
    with store.transaction():
        if ordering.where(store, "limits", enterprise=enterprise_id, datacenter=dc_id).first() is not None:
            raise AbiquoError("LIMIT-7", f"Enterprise {enterprise_id} already has a limit in datacenter {dc_id}")
        allowed = _allowed_from_links(store, body, dc_id, [])
        limit_id = store.insert(
            "limits", {"enterprise": enterprise_id, "datacenter": dc_id, "backuppolicies": allowed, **numbers}
        )
        created = store.get("limits", limit_id)
        assert created is not None  # just inserted, in this transaction
        return created


def update_limit(store: Store, user: User, enterprise_id: int, limit_id: int, body: object) -> tuple[dict, dict]:
    """The limit before and after the update."""
    with store.transaction():
        current = limit(store, user, enterprise_id, limit_id)
        numbers = _limit_numbers(body)
        assert isinstance(body, dict)  # _limit_numbers refused anything else
        dc_id = _location(store, body)
        if dc_id is not None and dc_id != current["datacenter"]:
            raise AbiquoError(
                "GEN-6",
                f"Invalid link: the datacenter of a limit cannot change (it is datacenter {current['datacenter']})",
            )
        allowed = _allowed_from_links(store, body, current["datacenter"], current.get("backuppolicies", []))
        restricted = [p for p in current.get("backuppolicies", []) if p not in allowed]
        _check_restrictable(store, enterprise_id, restricted)
        updated = {**current, "backuppolicies": allowed, **numbers}
        store.put("limits", limit_id, updated)
        return current, updated


def delete_limit(store: Store, user: User, enterprise_id: int, limit_id: int) -> dict:
    """Deleting a limit restricts every policy it allows, so the same rule applies; answer the deleted limit."""
    with store.transaction():
        current = limit(store, user, enterprise_id, limit_id)
        _check_no_virtual_datacenters(store, enterprise_id, current["datacenter"])
        _check_restrictable(store, enterprise_id, current.get("backuppolicies", []))
        store.delete("limits", limit_id)
        return current


def _check_no_virtual_datacenters(store: Store, enterprise_id: int, dc_id: int) -> None:
    """The enterprise keeps the datacenter while it has virtual datacenters there (their VMs link to it)."""
    used = store.find("virtualdatacenters", enterprise=enterprise_id, datacenter=dc_id)
    if used:
        raise AbiquoError(
            "LIMIT-11",
            "Cannot remove enterprise access to this datacenter because the datacenter is used by virtual "
            f"datacenter(s) belonging to the enterprise: {', '.join(sorted(v['name'] for v in used))}",
        )


def _check_restrictable(store: Store, enterprise_id: int, policy_ids: list[int]) -> None:
    for policy in (store.get("backuppolicies", pid) for pid in policy_ids):
        if policy is None:
            continue
        bound = [vm["name"] for vm in vms_bound_to(store, policy) if vm["enterprise"] == enterprise_id]
        if bound:
            raise AbiquoError(
                "LIMIT-25",
                f"Cannot restrict the backup policy '{policy['code']}' because the "
                f"enterprise has virtual machines with it: {', '.join(bound)}",
            )


def _limit_numbers(body: object) -> dict:
    """The numeric limit fields of a limit document (absent = 0), after checking its shape."""
    if not isinstance(body, dict):
        raise AbiquoError("GEN-2", "Invalid document: a limit object is expected")
    unknown = sorted(set(body) - set(LIMIT_FIELDS) - {"id", "links"})
    if unknown:
        raise AbiquoError("GEN-2", f"Invalid document: unknown fields {', '.join(unknown)}")
    if "links" not in body:
        raise AbiquoError("GEN-2", "Invalid document: a limit carries its 'links' (location, backuppolicy)")
    for name, java in {"id": JAVA_INT, **LIMIT_TYPES}.items():
        java.check(body, name)
    check_links(body)
    return {name: body.get(name, 0) for name in LIMIT_FIELDS}


def _location(store: Store, body: dict) -> int | None:
    """The datacenter the ``location`` link names, None without one, 400 GEN-6 when it names none."""
    found = links_with_rel(body.get("links"), "location")
    if not found:
        return None
    match = LOCATION_PATH.fullmatch(api_path_of(found[0].get("href")) or "") if len(found) == 1 else None
    if match is None or store.get("datacenters", int(match.group(1))) is None:
        raise AbiquoError("GEN-6", "Invalid link: the 'location' link must name one existing datacenter")
    return int(match.group(1))


def _allowed_from_links(store: Store, body: dict, dc_id: int, current: list[int]) -> list[int]:
    """The policies the body's ``backuppolicy`` links allow; what the limit allows now where there are no policies."""
    if not release.of(store).has_policies:
        return list(current)
    allowed: list[int] = []
    for entry in links_with_rel(body.get("links"), "backuppolicy"):
        href = entry.get("href")
        match = POLICY_PATH.fullmatch(api_path_of(href) or "")
        policy = store.get("backuppolicies", int(match.group(2))) if match else None
        if match is None or policy is None or policy["datacenter"] != dc_id or int(match.group(1)) != dc_id:
            raise AbiquoError(
                "LIMIT-24",
                f"Invalid link of the backup policy to allow: {href} is not a backup policy of datacenter {dc_id}",
            )
        if policy["id"] not in allowed:
            allowed.append(policy["id"])
    return allowed
