"""Which operation records which event (spec §8), declared on the operations themselves."""

from __future__ import annotations

from ..infrastructure.render import datacenter_path, policy_path, vm_path
from ..security import User
from ..store import Store
from .model import Emitter, record, vm_details


def _vm_event(action: str, details_of=lambda values: {}) -> Emitter:
    def emit(store: Store, user: User, values: dict, result: object, before: object) -> None:
        vm = store.get("virtualmachines", values["vm"])
        record(
            store,
            user,
            "VIRTUAL_MACHINE",
            action,
            enterprise=vm["enterprise"],
            entity=vm_path(vm),
            vm=vm,
            details={**vm_details(store, vm), **details_of(values)},
        )

    return Emitter(None, emit)


def _restore_details(values: dict) -> dict:
    body = values.get("body") or {}
    return {"BACKUP_ID": str(body.get("id")), "BACKUP_DATE": str(body.get("date", ""))}


def _policy_event(action: str) -> Emitter:
    def before(store: Store, values: dict) -> object:
        return store.get("backuppolicies", values["policy"]) if "policy" in values else None

    def emit(store: Store, user: User, values: dict, result: object, previous: object) -> None:
        policy = result if isinstance(result, dict) and "code" in result else previous
        record(
            store,
            user,
            "BACKUP_POLICY",
            action,
            enterprise=None,
            entity=policy_path(values["dc"], policy["id"]),
            details={"BACKUP_POLICY_CODE": policy["code"], "DATACENTER_ID": values["dc"]},
            datacenter=values["dc"],
        )

    return Emitter(before, emit)


def _properties_event() -> Emitter:
    def emit(store: Store, user: User, values: dict, result: object, before: object) -> None:
        record(
            store,
            user,
            "BACKUP_DATACENTER_PROPERTIES",
            "UPDATE",
            enterprise=None,
            entity=f"{datacenter_path(values['dc'])}/backupproperties",
            details={k: v for k, v in (result or {}).items() if k != "links"},
            datacenter=values["dc"],
        )

    return Emitter(None, emit)


def _limit_events() -> Emitter:
    """ALLOW / RESTRICT, one event per policy whose access the limit write changed."""

    def before(store: Store, values: dict) -> object:
        limit = store.get("limits", values["limit"]) if "limit" in values else None
        return set(limit.get("backuppolicies", [])) if limit else set()

    def emit(store: Store, user: User, values: dict, result: object, previous: object) -> None:
        limit = store.get("limits", values["limit"]) if "limit" in values else None
        if limit is None and isinstance(result, dict) and "id" in result:
            limit = store.get("limits", result["id"])
        now = set(limit.get("backuppolicies", [])) if limit else set()
        for action, ids in (("ALLOW", now - previous), ("RESTRICT", previous - now)):
            for policy in filter(None, (store.get("backuppolicies", pid) for pid in sorted(ids))):
                record(
                    store,
                    user,
                    "BACKUP_POLICY",
                    action,
                    enterprise=values["enterprise"],
                    entity=policy_path(policy["datacenter"], policy["id"]),
                    details={"BACKUP_POLICY_CODE": policy["code"], "ENTERPRISE_ID": values["enterprise"]},
                    datacenter=policy["datacenter"],
                )

    return Emitter(before, emit)


METADATA_MODIFIED = _vm_event("METADATA_MODIFIED")
RESTORE_BACKUP = _vm_event("RESTORE_BACKUP", _restore_details)
POLICY_CREATE, POLICY_MODIFY, POLICY_DELETE = (_policy_event(a) for a in ("CREATE", "MODIFY", "DELETE"))
PROPERTIES_UPDATE = _properties_event()
LIMIT_ACCESS = _limit_events()
