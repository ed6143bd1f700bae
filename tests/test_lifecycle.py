"""Deploy and undeploy: an accepted request with a task, the VM LOCKED meanwhile, and the events a connector
reacts to, each recorded with the state change that caused it."""

from __future__ import annotations

import time

import pytest
from abiquo_mock.mockserver.app import create_app
from abiquo_mock.mockserver.extensions import store_of

from .support import InProcessApi, contract_errors

VAPP1 = "/api/cloud/virtualdatacenters/1/virtualappliances/1/virtualmachines"
WEB03 = f"{VAPP1}/3"  # NOT_ALLOCATED in the demo, Acme, datacenter Barcelona
WEB01 = f"{VAPP1}/1"  # ON, on esx-bcn-01


def vm_events(api, user="admin"):
    answer = api.get("/api/events?limit=0&asc=true", user=user)  # oldest first
    assert answer.status == 200, answer.text
    return [e for e in answer.json["collection"] if e["component"] == "VIRTUAL_MACHINE"]


def wait_task(api, href, user="admin"):
    deadline = time.monotonic() + 10
    while True:
        task = api.get(href.replace(api.base, "") if href.startswith(api.base) else href, user=user)
        assert task.status == 200, task.text
        if task.json["state"] != "STARTED" or time.monotonic() > deadline:
            return task.json
        time.sleep(0.02)


def task_href(answer) -> str:
    assert answer.status == 202, answer.text
    assert answer.headers["content-type"] == "application/vnd.abiquo.acceptedrequest+json; version=3.8"
    assert contract_errors("acceptedrequest", answer.json) == []
    (status,) = answer.json["links"]
    assert status["rel"] == "status" and "/virtualmachines/" in status["href"] and "/tasks/" in status["href"]
    return "/api" + status["href"].split("/api", 1)[1]


def test_deploy_is_accepted_with_a_task_and_ends_on_with_both_events(api):
    href = task_href(api.post(f"{WEB03}/action/deploy", user="entadmin"))
    task = wait_task(api, href)
    assert (task["type"], task["state"], task["ownerId"]) == ("DEPLOY", "FINISHED_SUCCESSFULLY", "3")
    assert contract_errors("task", task) == []
    assert api.get(WEB03).json["state"] == "ON"
    deploy, finish = vm_events(api)
    assert (deploy["action"], finish["action"]) == ("DEPLOY", "DEPLOY_FINISH")
    assert deploy["details"]["VIRTUAL_MACHINE_STATE"] == "LOCKED"
    assert finish["details"] == {
        "VIRTUAL_MACHINE_ID": "3",
        "VIRTUAL_MACHINE_NAME": "web-03",
        "VIRTUAL_MACHINE_STATE": "ON",
        "MACHINE_NAME": "esx-bcn-01",
        "HYPERVISOR_IP": "10.60.1.11",
        "HYPERVISOR_TYPE": "VMX_04",
    }
    assert (finish["user"], finish["idEnterprise"], finish["entityId"]) == ("entadmin", 2, WEB03[len("/api") :])
    machine_vms = api.get("/api/admin/datacenters/1/racks/1/machines/1/virtualmachines").json["collection"]
    assert "web-03" in [vm["name"] for vm in machine_vms]  # a crawling connector now finds it


def test_undeploy_ends_not_allocated_and_says_where_the_vm_ran(api):
    task = wait_task(api, task_href(api.post(f"{WEB01}/action/undeploy")))
    assert (task["type"], task["state"]) == ("UNDEPLOY", "FINISHED_SUCCESSFULLY")
    assert api.get(WEB01).json["state"] == "NOT_ALLOCATED"
    start, finish = vm_events(api)
    assert (start["action"], finish["action"]) == ("UNDEPLOY", "UNDEPLOY_FINISH")
    assert finish["details"]["VIRTUAL_MACHINE_STATE"] == "NOT_ALLOCATED"
    assert finish["details"]["MACHINE_NAME"] == "esx-bcn-01"
    machine_vms = api.get("/api/admin/datacenters/1/racks/1/machines/1/virtualmachines").json["collection"]
    assert "web-01" not in [vm["name"] for vm in machine_vms]


@pytest.mark.parametrize(
    ("path", "user", "status", "code"),
    [
        (f"{WEB01}/action/deploy", "admin", 409, "VM-7"),  # already deployed
        (f"{WEB03}/action/undeploy", "admin", 409, "VM-3"),  # not deployed
        (f"{WEB03}/action/deploy", "user", 403, "403-FORBIDDEN"),  # lacks VAPP_DEPLOY_UNDEPLOY
        (f"{WEB03}/action/deploy", "globex", 404, "VDC-0"),  # another tenant's VM
        (f"{VAPP1}/99/action/deploy", "admin", 404, "VM-1"),
    ],
)
def test_a_refused_deploy_or_undeploy_changes_nothing_and_records_nothing(api, path, user, status, code):
    before = api.get(path.rsplit("/action", 1)[0]).json
    answer = api.post(path, user=user)
    assert (answer.status, answer.codes) == (status, [code])
    assert api.get(path.rsplit("/action", 1)[0]).json == before
    assert vm_events(api) == []


def test_a_locked_vm_refuses_another_operation_until_its_task_finishes():
    app = create_app({"DB_PATH": None, "SCENARIO": "demo", "LIFECYCLE_MS": 60_000})
    api = InProcessApi(app)
    href = task_href(api.post(f"{WEB03}/action/deploy"))
    assert api.get(WEB03).json["state"] == "LOCKED"
    assert api.get(href).json["state"] == "STARTED"
    for action in ("deploy", "undeploy"):
        answer = api.post(f"{WEB03}/action/{action}")
        assert (answer.status, answer.codes) == (409, ["VM-2"])
    assert [e["action"] for e in vm_events(api)] == ["DEPLOY"]
    assert api.get(f"{WEB03}/tasks").json["totalSize"] == 1
    assert api.get(f"{WEB03}/tasks/nope").codes == ["TASK-1"]


def test_a_reset_drops_a_pending_finish():
    app = create_app({"DB_PATH": None, "SCENARIO": "demo", "LIFECYCLE_MS": 100})
    api = InProcessApi(app)
    task_href(api.post(f"{WEB03}/action/deploy"))
    api.reset("demo")
    time.sleep(0.3)
    assert api.get(WEB03).json["state"] == "NOT_ALLOCATED"
    assert vm_events(api) == []


def test_the_state_change_and_its_event_commit_together():
    app = create_app({"DB_PATH": None, "SCENARIO": "demo", "LIFECYCLE_MS": 0})
    commits = []
    store_of(app).on_commit(commits.append)
    api = InProcessApi(app)
    task_href(api.post(f"{WEB03}/action/deploy"))
    tables = [[c["t"] for c in changes] for changes in commits]
    assert tables == [["virtualmachines", "tasks", "events"], ["virtualmachines", "tasks", "events"]]
    assert [c["doc"]["state"] for changes in commits for c in changes if c["t"] == "virtualmachines"] == [
        "LOCKED",
        "ON",
    ]


@pytest.mark.parametrize(
    ("vm", "state", "actions"),
    [
        (3, "ON", ["DEPLOY", "DEPLOY_FINISH"]),
        (1, "NOT_ALLOCATED", ["UNDEPLOY", "UNDEPLOY_FINISH"]),
        (1, "OFF", ["VSM_CHANGE_STATE"]),
        (1, "ON", []),  # no change, no event
    ],
)
def test_the_control_state_change_records_abiquos_events(api, vm, state, actions):
    answer = api.put(f"/_mock/virtualmachines/{vm}/state", user=None, body={"state": state, "user": "entadmin"})
    assert answer.status == 200, answer.text
    found = vm_events(api)
    assert [e["action"] for e in found] == actions
    assert all(e["user"] == "entadmin" and e["details"]["VIRTUAL_MACHINE_STATE"] == state for e in found)


def test_the_control_state_change_refuses_an_unknown_user(api):
    answer = api.put("/_mock/virtualmachines/3/state", user=None, body={"state": "ON", "user": "nobody"})
    assert (answer.status, answer.codes) == (400, ["CTRL-USER"])
    assert api.get(WEB03).json["state"] == "NOT_ALLOCATED"


def test_force_must_be_a_boolean(api):
    answer = api.post(f"{WEB03}/action/deploy?force=null")
    assert (answer.status, answer.codes) == (400, ["GEN-22"])
    assert api.get(WEB03).json["state"] == "NOT_ALLOCATED"
    assert api.post(f"{WEB03}/action/deploy?force=true").status == 202
