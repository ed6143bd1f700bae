"""Which operation records which event (docs/BACKUP-RULES.md#events), declared on the operations themselves.

An emitter is called inside the write's transaction with what the model wrote (``Written``: the entity after
the write, and the entity before it where the event compares) and the request body; it never looks up the
path values of the route.
"""

from __future__ import annotations

from collections.abc import Callable

from ..http.api import Written
from ..infrastructure.render import datacenter_path, policy_path
from ..security import User
from ..store import Store
from .model import record, record_vm

Emitter = Callable[[Store, User, Written, object], None]


def _vm_event(action: str, details_of: Callable[[object], dict] = lambda body: {}) -> Emitter:
    def emit(store: Store, user: User, written: Written, body: object) -> None:
        assert written.entity is not None  # a VM is written, never deleted
        record_vm(store, user, written.entity, action, details_of(body))

    return emit


def _restore_details(body: object) -> dict:
    body = body if isinstance(body, dict) else {}
    return {"BACKUP_ID": str(body.get("id")), "BACKUP_DATE": str(body.get("date", ""))}


def record_policy(store: Store, user: User, policy: dict, action: str, enterprise: int | None, details: dict) -> None:
    record(
        store,
        user,
        "BACKUP_POLICY",
        action,
        enterprise=enterprise,
        entity=policy_path(policy["datacenter"], policy["id"]),
        details={"BACKUP_POLICY_CODE": policy["code"], **details},
        datacenter=policy["datacenter"],
    )


def _policy_event(action: str) -> Emitter:
    def emit(store: Store, user: User, written: Written, body: object) -> None:
        policy = written.entity or written.before
        assert policy is not None  # what was written, or what was deleted
        record_policy(store, user, policy, action, None, {"DATACENTER_ID": policy["datacenter"]})

    return emit


def _properties_updated(store: Store, user: User, written: Written, body: object) -> None:
    """The entity is the datacenter's properties: its ``datacenter`` and the three switches."""
    properties = dict(written.entity or {})
    record_properties(store, user, properties.pop("datacenter"), properties)


def record_properties(store: Store, user: User, dc_id: int, properties: dict) -> None:
    record(
        store,
        user,
        "BACKUP_DATACENTER_PROPERTIES",
        "UPDATE",
        enterprise=None,
        entity=f"{datacenter_path(dc_id)}/backupproperties",
        details=properties,
        datacenter=dc_id,
    )


def _limit_access(store: Store, user: User, written: Written, body: object) -> None:
    """ALLOW / RESTRICT, one event per policy whose access the limit write changed."""
    before, after = written.before or {}, written.entity or {}
    enterprise = (written.entity or written.before or {})["enterprise"]
    previous, now = set(before.get("backuppolicies", [])), set(after.get("backuppolicies", []))
    for action, ids in (("ALLOW", now - previous), ("RESTRICT", previous - now)):
        for policy in filter(None, (store.get("backuppolicies", pid) for pid in sorted(ids))):
            record_policy(store, user, policy, action, enterprise, {"ENTERPRISE_ID": enterprise})


METADATA_MODIFIED = _vm_event("METADATA_MODIFIED")
RESTORE_BACKUP = _vm_event("RESTORE_BACKUP", _restore_details)
POLICY_CREATE, POLICY_MODIFY, POLICY_DELETE = (_policy_event(a) for a in ("CREATE", "MODIFY", "DELETE"))
PROPERTIES_UPDATE = _properties_updated
LIMIT_ACCESS = _limit_access
