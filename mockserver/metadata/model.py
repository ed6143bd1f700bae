"""VM metadata (spec §6): the envelope, what a PUT may change, and what a DELETE removes.

Metadata is one object per VM, stored as the VM's ``metadata`` field (null when there is none). Keys the
server does not know round-trip unchanged, in the order sent. The backup configuration is
``policyBindings`` plus ``backupSchedule`` without ``policies``: the policy steps (bindings.py), the
privilege VAPP_MANAGE_BACKUP and the deployed-VM rule (BC-36) apply only when a PUT changes it, so that
an integration writing ``backupResults`` back leaves the configuration exactly as stored.
"""

from __future__ import annotations

import copy

from ..backup.model import properties
from ..errors import AbiquoError
from ..infrastructure.model import is_deployed, virtual_machine
from ..security import User
from ..store import Store
from .bindings import apply_bindings, bound_pairs
from .constants import POLICIES_KEY
from .legacy_schedule import check_results, checked_schedule

SCHEDULE, BINDINGS, RESULTS = "backupSchedule", "policyBindings", "backupResults"
_ABSENT = object()
MAX_DEPTH = 100  # levels of objects and lists inside the metadata object


def metadata(store: Store, user: User, vdc: int, vapp: int, vm_id: int) -> dict | None:
    return virtual_machine(store, user, vdc, vapp, vm_id).get("metadata")


def backup_configuration(metadata: object) -> tuple[object, object]:
    """What counts as the VM's backup configuration: its bindings, and its schedule without ``policies``."""
    if not isinstance(metadata, dict):
        return _ABSENT, _ABSENT
    schedule = metadata.get(SCHEDULE, _ABSENT)
    if isinstance(schedule, dict):
        schedule = {k: v for k, v in schedule.items() if k != POLICIES_KEY}
    return metadata.get(BINDINGS, _ABSENT), schedule


def has_backup_configuration(metadata: object) -> bool:
    return backup_configuration(metadata) != (_ABSENT, _ABSENT)


def update_metadata(store: Store, user: User, vdc: int, vapp: int, vm_id: int, body: object) -> dict | None:
    """Replace the whole metadata of a VM; answer what was stored."""
    wanted = metadata_from_envelope(body)
    with store.transaction():
        vm = virtual_machine(store, user, vdc, vapp, vm_id)
        stored = vm.get("metadata")
        new = checked_metadata(wanted)
        if backup_configuration(new) == backup_configuration(stored):
            new = _keep_stored_configuration(new, stored)
        else:
            check_may_change_configuration(store, user, vm)
            new = configured_metadata(store, user, vm, new, stored)
        store.put("virtualmachines", vm["id"], {**vm, "metadata": new})
        return new


def delete_metadata(store: Store, user: User, vdc: int, vapp: int, vm_id: int) -> None:
    """Remove all metadata, policy bindings included; GET then shows null."""
    with store.transaction():
        vm = virtual_machine(store, user, vdc, vapp, vm_id)
        if has_backup_configuration(vm.get("metadata")):
            check_may_change_configuration(store, user, vm)
        if vm.get("metadata") is not None:
            store.put("virtualmachines", vm["id"], {**vm, "metadata": None})


def metadata_from_envelope(body: object) -> dict | None:
    if not isinstance(body, dict) or "metadata" not in body:
        raise AbiquoError(
            "GEN-2", 'Invalid document: a metadata envelope {"links": [...], "metadata": {...}} is expected'
        )
    unknown = sorted(set(body) - {"links", "metadata"})
    if unknown:
        raise AbiquoError("GEN-2", f"Invalid document: unknown fields {', '.join(unknown)} in the envelope")
    if "links" in body and not _is_link_list(body["links"]):
        raise AbiquoError("GEN-2", "Invalid document: 'links' must be a list of links {rel, href}")
    wanted = body["metadata"]
    if wanted is not None and not isinstance(wanted, dict):
        raise AbiquoError("GEN-2", "Invalid document: 'metadata' must be an object or null")
    _check_nesting(wanted)
    return wanted


def _is_link_list(links: object) -> bool:
    """A list of {rel, href[, type, title]} with string values: the links the envelope may carry."""

    def is_link(item: object) -> bool:
        return (
            isinstance(item, dict)
            and all(isinstance(item.get(k), str) for k in ("rel", "href"))
            and all(isinstance(item[k], str) for k in ("type", "title") if k in item)
        )

    return isinstance(links, list) and all(is_link(item) for item in links)


def _check_nesting(metadata: object) -> None:
    """Metadata is stored and served as sent, so its nesting must be one the server can copy (checked without
    recursion, so that depth itself cannot break the check). NaN and infinities never get past the body parser."""
    pending = [(metadata, 0)]
    while pending:
        value, depth = pending.pop()
        if isinstance(value, (dict, list)):
            if depth >= MAX_DEPTH:
                raise AbiquoError("GEN-3", f"Invalid document: metadata nested deeper than {MAX_DEPTH} levels")
            pending.extend((v, depth + 1) for v in (value.values() if isinstance(value, dict) else value))


def checked_metadata(wanted: dict | None) -> dict | None:
    """The metadata with its known keys checked (BC-5…BC-19, BC-15) and disk ids as strings."""
    if wanted is None:
        return None
    checked = copy.deepcopy(wanted)
    if SCHEDULE in checked:
        checked[SCHEDULE] = checked_schedule(checked[SCHEDULE])
    if BINDINGS in checked:
        bound_pairs(checked[BINDINGS])
    if RESULTS in checked:
        check_results(checked[RESULTS])
    return checked


def check_may_change_configuration(store: Store, user: User, vm: dict) -> None:
    """§6.3: changing backupSchedule or policyBindings needs VAPP_MANAGE_BACKUP, and a deployed VM may only
    change them where the datacenter allows updates while deployed (BC-36)."""
    user.require("VAPP_MANAGE_BACKUP", "changing the backup configuration of a virtual machine")
    if is_deployed(vm) and not properties(store, vm["datacenter"])["updateWhileDeployed"]:
        raise AbiquoError(
            "BC-36",
            f"The backup configuration of '{vm['name']}' cannot be modified while it is "
            "deployed: updates while deployed are disabled in its datacenter",
        )


def configured_metadata(store: Store, user: User, vm: dict, new: dict | None, stored: object) -> dict | None:
    """The metadata with its backup configuration as the policy steps make it."""
    if new is None:
        return None
    stored_schedule = stored.get(SCHEDULE) if isinstance(stored, dict) else None
    schedule = apply_bindings(store, user, vm, new.get(SCHEDULE), new.get(BINDINGS), stored_schedule)
    if schedule is None:
        return new
    return {**new, SCHEDULE: schedule} if SCHEDULE in new else {SCHEDULE: schedule, **new}


def _keep_stored_configuration(new: dict | None, stored: object) -> dict | None:
    """An unchanged configuration stays byte for byte as stored (``policies`` included, or absent)."""
    if new is None or not isinstance(stored, dict):
        return new
    kept = dict(new)
    for key in (SCHEDULE, BINDINGS):
        if key in stored:
            kept[key] = copy.deepcopy(stored[key])
    return kept
