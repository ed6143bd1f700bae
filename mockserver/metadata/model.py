"""VM metadata (docs/BACKUP-RULES.md#metadata): the envelope, what a PUT may change, and what a DELETE removes.

Metadata is one object per VM, stored as the VM's ``metadata`` field (null when there is none). Keys the
server does not know round-trip unchanged, in the order sent. The backup configuration is
``policyBindings`` plus ``backupSchedule`` without ``policies``: the policy steps (bindings.py), the
privilege VAPP_MANAGE_BACKUP and the deployed-VM rule (BC-36) apply only when a PUT changes it, so that
an integration writing ``backupResults`` back leaves the configuration exactly as stored.

Abiquo 3.8 (mockserver/release.py) has no policies: its backup configuration is ``backupSchedule`` alone,
``policyBindings`` is one more key it does not know, a ``policies`` key in the schedule is an unknown backup
type (BC-5), a deployed VM's schedule may change, and a backup the VM did not have must be one its datacenter
enables in its legacy configuration (BC-6).
"""

from __future__ import annotations

import copy

from .. import release
from ..backup.legacy import enabled_options
from ..backup.model import properties
from ..errors import AbiquoError
from ..infrastructure.model import is_deployed, virtual_machine
from ..security import User
from ..store import Store
from .bindings import apply_bindings, bound_pairs, check_vm_values, followed_bindings
from .constants import POLICIES_KEY
from .legacy_schedule import check_results, checked_schedule, entries

SCHEDULE, BINDINGS, RESULTS = "backupSchedule", "policyBindings", "backupResults"
_ABSENT = object()
MAX_DEPTH = 100  # levels of objects and lists inside the metadata object


def metadata(store: Store, user: User, vdc: int, vapp: int, vm_id: int) -> dict | None:
    return virtual_machine(store, user, vdc, vapp, vm_id).get("metadata")


def configuration_keys(policies: bool) -> tuple[str, ...]:
    """The keys that hold a VM's backup configuration: the schedule, and the bindings where there are policies."""
    return (SCHEDULE, BINDINGS) if policies else (SCHEDULE,)


def backup_configuration(metadata: object, policies: bool = True) -> tuple[object, object]:
    """What counts as the VM's backup configuration: its bindings (where the release has policies), and its
    schedule without ``policies``."""
    if not isinstance(metadata, dict):
        return _ABSENT, _ABSENT
    schedule = metadata.get(SCHEDULE, _ABSENT)
    if isinstance(schedule, dict):
        schedule = {k: v for k, v in schedule.items() if k != POLICIES_KEY}
    return (metadata.get(BINDINGS, _ABSENT) if policies else _ABSENT), schedule


def has_backup_configuration(metadata: object, policies: bool = True) -> bool:
    return backup_configuration(metadata, policies) != (_ABSENT, _ABSENT)


def update_metadata(store: Store, user: User, vdc: int, vapp: int, vm_id: int, body: object) -> dict:
    """Replace the whole metadata of a VM; answer the VM as stored."""
    wanted = metadata_from_envelope(body)
    with store.transaction():
        vm = virtual_machine(store, user, vdc, vapp, vm_id)
        policies = release.of(store).has_policies
        stored = vm.get("metadata")
        new = checked_metadata(wanted, policies)
        if backup_configuration(new, policies) == backup_configuration(stored, policies):
            new = _keep_stored_configuration(new, stored, policies)
        else:
            check_may_change_configuration(store, user, vm)
            new = (
                configured_metadata(store, user, vm, new, stored)
                if policies
                else legacy_metadata(store, user, vm, new, stored)
            )
        updated = {**vm, "metadata": new}
        store.put("virtualmachines", vm["id"], updated)
        return updated


def delete_metadata(store: Store, user: User, vdc: int, vapp: int, vm_id: int) -> dict:
    """Remove all metadata, policy bindings included; GET then shows null. Answer the VM as stored."""
    with store.transaction():
        vm = virtual_machine(store, user, vdc, vapp, vm_id)
        if has_backup_configuration(vm.get("metadata"), release.of(store).has_policies):
            check_may_change_configuration(store, user, vm)
        if vm.get("metadata") is not None:
            vm = {**vm, "metadata": None}
            store.put("virtualmachines", vm["id"], vm)
        return vm


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


def checked_metadata(wanted: dict | None, policies: bool = True) -> dict | None:
    """The metadata with its known keys checked (BC-5…BC-19, BC-15) and disk ids as strings; without ``policies``
    (3.8) policyBindings is a key like any other."""
    if wanted is None:
        return None
    checked = copy.deepcopy(wanted)
    if SCHEDULE in checked:
        checked[SCHEDULE] = checked_schedule(checked[SCHEDULE], policies)
    if BINDINGS in checked and policies:
        bound_pairs(checked[BINDINGS])
    if RESULTS in checked:
        check_results(checked[RESULTS])
    return checked


def check_may_change_configuration(store: Store, user: User, vm: dict) -> None:
    """Changing backupSchedule or policyBindings needs VAPP_MANAGE_BACKUP, and a deployed VM may only change
    them where the datacenter allows updates while deployed (BC-36): docs/BACKUP-RULES.md#changing-the-configuration."""
    user.require("VAPP_MANAGE_BACKUP", "changing the backup configuration of a virtual machine")
    if not release.of(store).has_policies:
        return  # 3.8 has no backup properties: a deployed VM's backups change like any other's
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
    stored = stored if isinstance(stored, dict) else {}
    if BINDINGS in new:
        bindings = followed_bindings(store, vm, new[BINDINGS], stored.get(BINDINGS), new.get(SCHEDULE))
        new = {**new, BINDINGS: bindings}
    schedule = apply_bindings(store, user, vm, new.get(SCHEDULE), new.get(BINDINGS), stored.get(SCHEDULE))
    if schedule is None:
        return new
    return {**new, SCHEDULE: schedule} if SCHEDULE in new else {SCHEDULE: schedule, **new}


def legacy_metadata(store: Store, user: User, vm: dict, new: dict | None, stored: object) -> dict | None:
    """3.8's rules for a changed schedule: every value is the VM's (its privileges, a day for weekly entries), and
    a backup the VM did not have must be one its datacenter enables (BC-6); one it has keeps its option."""
    if new is None:
        return None
    stored_schedule = stored.get(SCHEDULE) if isinstance(stored, dict) else None
    kept = {(t, g): e for t, g, e in entries(stored_schedule)}
    enabled = enabled_options(store, vm["datacenter"])
    for backup_type, granularity, entry in entries(new.get(SCHEDULE)):
        check_vm_values(user, backup_type, granularity, entry, kept.get((backup_type, granularity)) or {})
        if (backup_type, granularity) not in kept and (backup_type, granularity) not in enabled:
            raise AbiquoError(
                "BC-6",
                f"Some of the requested options are not enabled: {backup_type} {granularity} backups are not "
                f"enabled in the datacenter of '{vm['name']}'",
            )
    return new


def _keep_stored_configuration(new: dict | None, stored: object, policies: bool = True) -> dict | None:
    """An unchanged configuration stays byte for byte as stored (``policies`` included, or absent)."""
    if new is None or not isinstance(stored, dict):
        return new
    kept = dict(new)
    for key in configuration_keys(policies):
        if key in stored:
            kept[key] = copy.deepcopy(stored[key])
    return kept
