"""Restoring a VM backup (docs/BACKUP-RULES.md#restore): the request marks one of the VM's backup results for the
integration.

The integration reads ``restore: "requested"`` on the result and later writes ``restoreInfo`` with its
outcome. A result counts as already restored once it was requested, unless the integration reported the
restore as failed: a failed restore may be requested again even where multiple restore is disabled
(the 3.2.5 behaviour of ``restoreInfo.result``), and a new request drops the old ``restoreInfo``. Abiquo 3.8 has no
backup properties: it restores a backup again whenever asked.
"""

from __future__ import annotations

import copy

from .. import release
from ..backup.model import properties
from ..errors import AbiquoError
from ..infrastructure.model import virtual_machine
from ..security import User
from ..store import Store

RESTORABLE = ("done", "complete")
REQUESTED = "requested"


def restore_backup(store: Store, user: User, vdc: int, vapp: int, vm_id: int, body: object) -> dict:
    """Request the restore of the backup ``body`` names; answer the VM as now stored."""
    backup_id = _backup_id(body)
    with store.transaction():
        vm = virtual_machine(store, user, vdc, vapp, vm_id)
        metadata = copy.deepcopy(vm.get("metadata"))
        results = _results(metadata)
        found = next((r for r in results if _result_id(r) == backup_id), None)
        if found is None:
            raise AbiquoError("BC-20", f"There is no backup '{backup_id}' in the results of '{vm['name']}'")
        if found.get("status") not in RESTORABLE:
            raise AbiquoError(
                "BC-22",
                f"The backup '{backup_id}' has status {found.get('status')!r}: only "
                "backups whose status is done or complete can be restored",
            )
        if already_restored(found) and not _multiple_restore(store, vm):
            raise AbiquoError(
                "409-CONFLICT",
                f"The backup '{backup_id}' was already restored and multiple restore is disabled in the datacenter",
            )
        found.pop("restoreInfo", None)
        found["restore"] = REQUESTED
        restored = {**vm, "metadata": metadata}
        store.put("virtualmachines", vm["id"], restored)
        return restored


def _multiple_restore(store: Store, vm: dict) -> bool:
    return not release.of(store).has_policies or properties(store, vm["datacenter"])["multipleRestore"]


def already_restored(result: dict) -> bool:
    if "restore" not in result and "restoreInfo" not in result:
        return False
    info = result.get("restoreInfo")
    return not (isinstance(info, dict) and info.get("result") == "failed")


def _backup_id(body: object) -> str:
    if not isinstance(body, dict):
        raise AbiquoError(
            "GEN-2", "Invalid document: a restore object {id, name, type, size, date, status} is expected"
        )
    backup_id = body.get("id")
    if isinstance(backup_id, bool) or not isinstance(backup_id, (str, int)) or backup_id == "":
        raise AbiquoError("GEN-2", "Invalid document: 'id' (the id of the backup to restore) is mandatory")
    return str(backup_id)


def _result_id(result: dict) -> str | None:
    # Only a string or integer id names a result: "None" must not name a result that has no id.
    found = result.get("id")
    return str(found) if isinstance(found, (str, int)) and not isinstance(found, bool) else None


def _results(metadata: object) -> list:
    block = metadata.get("backupResults") if isinstance(metadata, dict) else None
    results = block.get("results") if isinstance(block, dict) else None
    return [r for r in results if isinstance(r, dict)] if isinstance(results, list) else []
