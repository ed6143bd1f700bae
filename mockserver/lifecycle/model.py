"""Deploying and undeploying VMs, as Abiquo does it: an accepted request, a task, the VM LOCKED meanwhile,
and the events a connector listens to (``DEPLOY`` / ``DEPLOY_FINISH``, ``UNDEPLOY`` / ``UNDEPLOY_FINISH``,
``VSM_CHANGE_STATE``), each recorded in the transaction that changes the VM.

A request commits the start (VM LOCKED, task STARTED, start event); the clock commits the finish later
(VM ON or NOT_ALLOCATED, task FINISHED_SUCCESSFULLY, finish event). The control API's state change is
QA's shortcut: one transaction with the same events.
"""

from __future__ import annotations

import time
import uuid

from ..errors import AbiquoError
from ..events.model import record_vm, vm_details
from ..infrastructure import model as infrastructure
from ..security import User, user_from_docs
from ..store import Store

TABLE = "tasks"
DEPLOY, UNDEPLOY = "DEPLOY", "UNDEPLOY"
TASK_NAMESPACE = uuid.UUID("6f1c5a52-3f0e-4d43-9a8e-0a61c0de0385")  # task ids derive from it: replayable
JOBS = {DEPLOY: ("SCHEDULE", "CONFIGURE", "POWER_ON"), UNDEPLOY: ("POWER_OFF", "DECONFIGURE")}


def _check_can_start(vm: dict, kind: str) -> None:
    if vm["state"] == "LOCKED":
        raise AbiquoError("VM-2")
    if kind == DEPLOY and vm["state"] != "NOT_ALLOCATED":
        raise AbiquoError("VM-7")
    if kind == UNDEPLOY and vm["state"] == "NOT_ALLOCATED":
        raise AbiquoError("VM-3")


def start(store: Store, user: User, vm_id: int, kind: str) -> dict:
    """Lock the VM and open its task; the start event is recorded with it. Returns the task."""
    with store.transaction():
        vm = dict(store.get("virtualmachines", vm_id) or {})
        _check_can_start(vm, kind)
        if kind == DEPLOY:
            vm["machine"] = vm.get("machine") or infrastructure.first_machine(store, vm["datacenter"])
        vm["state"] = "LOCKED"
        store.put("virtualmachines", vm_id, vm)
        now = int(time.time())
        task_id = store.insert(
            TABLE,
            {
                "type": kind,
                "state": "STARTED",
                "vm": vm_id,
                "user": user.id,
                "timestamp": now,
                "creationTimestamp": now,
            },
        )
        task = {**(store.get(TABLE, task_id) or {}), "taskId": str(uuid.uuid5(TASK_NAMESPACE, f"{vm_id}/{task_id}"))}
        store.put(TABLE, task_id, task)
        record_vm(store, user, vm, kind)
    return task


def finish(store: Store, task_id: int) -> None:
    """The hypervisor is done: the VM reaches its new state and the finish event is recorded. A task the
    world no longer holds (reset meanwhile) or a VM no longer locked by it is left alone."""
    with store.transaction():
        task = store.get(TABLE, task_id)
        vm = store.get("virtualmachines", task["vm"]) if task else None
        if task is None or task["state"] != "STARTED" or vm is None or vm["state"] != "LOCKED":
            return
        user = _user(store, task["user"])
        vm = dict(vm)
        if task["type"] == DEPLOY:
            vm["state"] = "ON"
            details = None
        else:
            details = {**vm_details(store, vm), "VIRTUAL_MACHINE_STATE": "NOT_ALLOCATED"}  # where it ran
            vm.update(state="NOT_ALLOCATED", machine=None)
        store.put("virtualmachines", vm["id"], vm)
        store.put(TABLE, task_id, {**task, "state": "FINISHED_SUCCESSFULLY", "timestamp": int(time.time())})
        record_vm(store, user, vm, f"{task['type']}_FINISH", details)


def set_state(store: Store, vm_id: int, state: str, user: User) -> dict:
    """QA's shortcut: the VM takes ``state`` at once, with the events Abiquo records for that change."""
    with store.transaction():
        before = store.get("virtualmachines", vm_id)
        vm = infrastructure.set_vm_state(store, vm_id, state)  # VM-1 for a VM that does not exist
        assert before is not None
        was_deployed = before["state"] != "NOT_ALLOCATED"
        if state == before["state"]:
            return vm
        if state == "NOT_ALLOCATED":
            where = {**vm_details(store, before), "VIRTUAL_MACHINE_STATE": "NOT_ALLOCATED"}
            record_vm(store, user, vm, UNDEPLOY, where)
            record_vm(store, user, vm, "UNDEPLOY_FINISH", where)
        elif not was_deployed:
            record_vm(store, user, vm, DEPLOY)
            record_vm(store, user, vm, "DEPLOY_FINISH")
        else:
            record_vm(store, user, vm, "VSM_CHANGE_STATE")
    return vm


def _user(store: Store, user_id: int) -> User:
    doc = store.get("users", user_id)
    if doc is None:  # the user was removed meanwhile: the system acts
        return system_user(store)
    return user_from_docs(doc, store.get("roles", doc["role"]))


def system_user(store: Store, nick: str | None = None) -> User:
    """The user a control or timeline step acts as: ``nick``, or the first cloud administrator."""
    if nick is not None:
        doc = store.first("users", nick=nick)
        if doc is None:
            raise AbiquoError("CTRL-USER", f"There is no user '{nick}'")
        return user_from_docs(doc, store.get("roles", doc["role"]))
    users = [user_from_docs(d, store.get("roles", d["role"])) for d in store.all("users")]
    admins = [u for u in users if u.can("ENTERPRISE_ADMINISTER_ALL")]
    if not (admins or users):
        raise AbiquoError("CTRL-USER", "The world has no user to act as")
    return (admins or users)[0]


def task_of(store: Store, vm_id: int, task_uuid: str) -> dict:
    found = store.first(TABLE, vm=vm_id, taskId=task_uuid)
    if found is None:
        raise AbiquoError("TASK-1")
    return found
