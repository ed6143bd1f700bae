"""Restoring a backup (docs/BACKUP-RULES.md#restore): BC-20, BC-22, a conflict without multipleRestore, and the mark
left for the integration."""

from __future__ import annotations

import pytest
from abiquo_mock.mockserver.app import create_app
from abiquo_mock.mockserver.extensions import store_of

from tests.support import InProcessApi

VM1 = "/api/cloud/virtualdatacenters/1/virtualappliances/1/virtualmachines/1"  # web-01, Barcelona
DB01 = "/api/cloud/virtualdatacenters/2/virtualappliances/2/virtualmachines/4"  # db-01, Madrid


def restore(api, vm_path, backup_id, user="admin"):
    return api.post(
        f"{vm_path}/action/restorebackup",
        media="restore",
        user=user,
        body={
            "id": backup_id,
            "name": "x",
            "type": "complete",
            "size": "250",
            "date": "2026/11/20 00:14:02 +0000",
            "status": "done",
            "links": [],
        },
    )


def results(api, vm_path, user="admin"):
    return api.get(f"{vm_path}/metadata", user=user).json["metadata"]["backupResults"]["results"]


def test_a_restore_marks_the_result_as_requested(api):
    answer = restore(api, VM1, "bk-1-1", user="entadmin")
    assert (answer.status, answer.text) == (204, "")
    assert results(api, VM1)[0]["restore"] == "requested"


def test_an_unknown_backup_is_bc_20(inproc, store):
    before = store.dump()
    answer = restore(inproc, VM1, "bk-nope")
    assert (answer.status, answer.codes) == (404, ["BC-20"]) and store.dump() == before


def test_a_vm_without_results_is_bc_20(inproc):
    answer = restore(inproc, "/api/cloud/virtualdatacenters/2/virtualappliances/2/virtualmachines/5", "1")
    assert (answer.status, answer.codes) == (404, ["BC-20"])


@pytest.fixture
def legacy():
    app = create_app({"DB_PATH": None, "SCENARIO": "legacy-3.8"})
    return InProcessApi(app), store_of(app)


@pytest.mark.parametrize("backup_id", ["bk-4-2", "bk-4-3"])
def test_a_backup_in_progress_or_failed_is_bc_22(legacy, backup_id):
    api, store = legacy
    before = store.dump()
    answer = restore(api, DB01, backup_id)
    assert (answer.status, answer.codes) == (409, ["BC-22"]) and store.dump() == before


def test_a_restore_in_progress_may_be_requested_again_as_in_3_8(legacy):
    api, _ = legacy
    assert restore(api, DB01, "bk-4-1").status == 204  # 3.2.5 and later restore a backup more than once


def test_a_failed_restore_may_be_requested_again_and_forgets_its_outcome(legacy):
    api, _ = legacy
    assert restore(api, DB01, "bk-4-0").status == 204
    again = next(r for r in results(api, DB01) if r["id"] == "bk-4-0")
    assert again["restore"] == "requested" and "restoreInfo" not in again
    assert restore(api, DB01, "bk-4-0").status == 204


def test_multiple_restore_allows_a_second_request(inproc):
    assert restore(inproc, VM1, "bk-1-1").status == 204
    assert restore(inproc, VM1, "bk-1-1").status == 204  # Barcelona allows multiple restore


def test_a_second_restore_is_a_conflict_where_multiple_restore_is_off(inproc, store):
    store.put("backupproperties", 1, {"multipleRestore": False, "multiplePolicies": True, "updateWhileDeployed": False})
    assert restore(inproc, VM1, "bk-1-1").status == 204
    before = store.dump()
    answer = restore(inproc, VM1, "bk-1-1")
    assert (answer.status, answer.codes) == (409, ["409-CONFLICT"]) and store.dump() == before


def test_restore_needs_the_restore_privilege(inproc, store):
    store.put("roles", 3, {**store.get("roles", 3), "privileges": ["VAPP_MANAGE_BACKUP"]})
    before = store.dump()
    answer = restore(inproc, VM1, "bk-1-1", user="user")
    assert (answer.status, answer.codes) == (403, ["403-FORBIDDEN"]) and store.dump() == before


def test_another_tenant_cannot_restore(api):
    answer = restore(api, VM1, "bk-1-1", user="globex")
    assert answer.status == 404
    assert "restore" not in results(api, VM1)[0]


@pytest.mark.parametrize("body", [{"name": "x"}, {"id": ""}, {"id": None}, ["bk-1-1"]])
def test_a_restore_without_a_backup_id_is_gen_2(inproc, body):
    answer = inproc.post(f"{VM1}/action/restorebackup", media="restore", body=body)
    assert (answer.status, answer.codes) == (400, ["GEN-2"])


def test_the_id_may_be_a_number(inproc, store):
    vm = store.get("virtualmachines", 1)
    metadata = {**vm["metadata"], "backupResults": {"results": [{"id": 3, "status": "done"}]}}
    store.put("virtualmachines", 1, {**vm, "metadata": metadata})
    assert restore(inproc, VM1, "3").status == 204


# --- a backup is named by the id its result carries ---------------------------------------------------

WEB03 = "/api/cloud/virtualdatacenters/1/virtualappliances/1/virtualmachines/3"  # web-03, undeployed


def _write_results(api, results):
    answer = api.put(
        f"{WEB03}/metadata", media="metadata", body={"links": [], "metadata": {"backupResults": {"results": results}}}
    )
    assert answer.status == 200, answer.text


@pytest.mark.parametrize(
    "results, named",
    [
        ([{"status": "done", "name": "no id at all"}], "None"),
        ([{"id": None, "status": "done"}], "None"),
        ([{"id": True, "status": "done"}], "True"),
    ],
)
def test_a_result_without_a_usable_id_is_not_restored_by_its_printed_form(inproc, store, results, named):
    _write_results(inproc, results)
    before = store.dump()
    answer = inproc.post(f"{WEB03}/action/restorebackup", media="restore", body={"id": named, "status": "done"})
    assert (answer.status, answer.codes) == (404, ["BC-20"])
    assert store.dump() == before


def test_a_numeric_result_id_is_still_named_by_its_digits(inproc):
    _write_results(inproc, [{"id": 3, "status": "done"}])
    answer = inproc.post(f"{WEB03}/action/restorebackup", media="restore", body={"id": "3", "status": "done"})
    assert (answer.status, answer.text) == (204, "")
