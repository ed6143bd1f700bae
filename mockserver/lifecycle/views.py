"""Deploy and undeploy a VM (202 with a task link, as Abiquo answers) and follow the task."""

from __future__ import annotations

from flask import Blueprint, current_app, g, request

from ..errors import AbiquoError
from ..extensions import store_of
from ..http.api import operation
from ..http.links import link
from ..http.paging import collection
from ..infrastructure import model as infrastructure
from ..infrastructure.constants import VIRTUAL_MACHINE, VM_ERRORS
from ..infrastructure.render import vm_path
from . import clock_of, model

bp = Blueprint("lifecycle", __name__)
VM = VIRTUAL_MACHINE
SAME_TASK = {
    "vdc": "$request.path.vdc",
    "vapp": "$request.path.vapp",
    "vm": "$request.path.vm",
}
TASK_ORDER = ("creationTimestamp", "id")
FORCE = {"force": {"type": "boolean", "description": "accepted and ignored: the mock checks no limits"}}


def render_task(task: dict) -> dict:
    vm = g.lifecycle_vm
    base = f"{vm_path(vm)}/tasks/{task['taskId']}"
    jobs = [
        {
            "id": f"{task['taskId']}.{n}",
            "parentTaskId": task["taskId"],
            "type": job,
            "description": f"{task['type'].capitalize()} task's {job.lower().replace('_', ' ')} on virtual machine "
            f"with id {vm['id']}",
            "state": "DONE" if task["state"] == "FINISHED_SUCCESSFULLY" else "PENDING",
            "rollbackState": "UNKNOWN",
            "timestamp": task["timestamp"],
            "creationTimestamp": task["creationTimestamp"],
            "links": [],
        }
        for n, job in enumerate(model.JOBS[task["type"]], 1)
    ]
    return {
        "taskId": task["taskId"],
        "userId": str(task["user"]),
        "ownerId": str(vm["id"]),
        "type": task["type"],
        "state": task["state"],
        "timestamp": task["timestamp"],
        "creationTimestamp": task["creationTimestamp"],
        "jobs": {"links": [], "collection": jobs},
        "links": [
            link("self", base, "task"),
            link("parent", f"{vm_path(vm)}/tasks", "tasks"),
            link("virtualmachine", vm_path(vm), "virtualmachine", vm["name"]),
        ],
    }


def _check_force() -> None:
    if request.args.getlist("force") not in ([], ["true"], ["false"]):
        raise AbiquoError("GEN-22", "Invalid value for query parameter 'force': true or false is expected")


def _accept(vdc: int, vapp: int, vm: int, kind: str) -> dict:
    _check_force()
    store = store_of()
    found = infrastructure.virtual_machine(store, g.user, vdc, vapp, vm)
    task = model.start(store, g.user, found["id"], kind)
    delay_ms = current_app.config.get("LIFECYCLE_MS", 200)
    if delay_ms <= 0:
        model.finish(store, task["id"])
    else:
        clock_of(current_app).after(delay_ms / 1000, lambda: model.finish(store, task["id"]))
    href = f"{vm_path(found)}/tasks/{task['taskId']}"
    return {"links": [link("status", href, "task")], "entity": "You can keep track of the progress in the link"}


ACTION = dict(
    produces="acceptedrequest",
    status=202,
    privilege="VAPP_DEPLOY_UNDEPLOY",
    query=FORCE,
    label="verified",
    links={"GetTask": ("listTasks", SAME_TASK)},
)


@operation(
    bp,
    "POST",
    f"{VM}/action/deploy",
    op_id="deployVirtualMachine",
    errors=(*VM_ERRORS, "VM-2", "VM-7", "GEN-22", "403-FORBIDDEN"),
    summary="Deploy a NOT_ALLOCATED VM: it is LOCKED until the task finishes, then ON",
    **ACTION,
)
def deploy(vdc, vapp, vm):
    return _accept(vdc, vapp, vm, model.DEPLOY)


@operation(
    bp,
    "POST",
    f"{VM}/action/undeploy",
    op_id="undeployVirtualMachine",
    errors=(*VM_ERRORS, "VM-2", "VM-3", "GEN-22", "403-FORBIDDEN"),
    summary="Undeploy a deployed VM: it is LOCKED until the task finishes, then NOT_ALLOCATED",
    **ACTION,
)
def undeploy(vdc, vapp, vm):
    return _accept(vdc, vapp, vm, model.UNDEPLOY)


@operation(
    bp,
    "GET",
    f"{VM}/tasks",
    op_id="listTasks",
    produces="tasks",
    paged=TASK_ORDER,
    errors=VM_ERRORS,
    label="reconstructed",
    summary="The VM's deploy and undeploy tasks",
)
def list_tasks(vdc, vapp, vm):
    store = store_of()
    g.lifecycle_vm = infrastructure.virtual_machine(store, g.user, vdc, vapp, vm)
    return collection(
        store.find(model.TABLE, vm=vm), media="tasks", render=render_task, sort_keys=TASK_ORDER, filter_fields=("type",)
    )


@operation(
    bp,
    "GET",
    f"{VM}/tasks/<task>",
    op_id="getTask",
    produces="task",
    errors=(*VM_ERRORS, "TASK-1"),
    label="verified",
    summary="One task: its state (STARTED until the VM leaves LOCKED) and its jobs",
)
def get_task(vdc, vapp, vm, task):
    store = store_of()
    g.lifecycle_vm = infrastructure.virtual_machine(store, g.user, vdc, vapp, vm)
    return render_task(model.task_of(store, vm, task))
