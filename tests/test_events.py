"""The event log (spec §8): every successful backup write leaves its event; a refused one leaves none."""

from __future__ import annotations

VM1 = "/api/cloud/virtualdatacenters/1/virtualappliances/1/virtualmachines/1"  # web-01 of Acme
POLICIES = "/api/admin/datacenters/1/backuppolicies"
# What a connector reads from any event of web-01: the VM, the hypervisor it runs on and its state.
VM1_DETAILS = {
    "VIRTUAL_MACHINE_ID": "1",
    "VIRTUAL_MACHINE_NAME": "web-01",
    "VIRTUAL_MACHINE_STATE": "ON",
    "MACHINE_NAME": "esx-bcn-01",
    "HYPERVISOR_IP": "10.60.1.11",
    "HYPERVISOR_TYPE": "VMX_04",
}


def events(api, user="admin", query=""):
    answer = api.get(f"/api/events{query}", user=user)
    assert answer.status == 200, answer.text
    assert answer.headers["content-type"] == "application/vnd.abiquo.events+json; version=3.8"
    return [(e["component"], e["action"]) for e in answer.json["collection"]], answer.json["collection"]


def test_a_new_world_has_no_events(api):
    assert events(api)[0] == []


def test_a_metadata_write_records_metadata_modified_for_that_vm(api):
    metadata = api.get(f"{VM1}/metadata").json["metadata"]
    assert api.put(f"{VM1}/metadata", media="metadata", body={"metadata": metadata}, user="entadmin").status == 200
    kinds, found = events(api)
    assert kinds == [("VIRTUAL_MACHINE", "METADATA_MODIFIED")]
    assert found[0]["actionPerformed"] == "VIRTUAL_MACHINE_METADATA_MODIFIED"
    assert (found[0]["virtualMachine"], found[0]["idVirtualMachine"], found[0]["user"]) == ("web-01", 1, "entadmin")
    assert found[0]["entityId"].endswith("/virtualmachines/1")
    assert found[0]["details"] == VM1_DETAILS


def test_a_refused_write_records_nothing(api):
    answer = api.put(
        f"{VM1}/metadata",
        media="metadata",
        body={"metadata": {"backupResults": {"results": [{"id": "x", "status": "success"}]}}},
    )
    assert (answer.status, answer.codes) == (400, ["BC-15"])
    assert events(api)[0] == []


def test_a_restore_records_the_backup_it_restores(api):
    body = {
        "id": "bk-1-1",
        "name": "x",
        "type": "complete",
        "size": "1",
        "date": "2026/11/20 00:14:02 +0000",
        "status": "done",
        "links": [],
    }
    assert api.post(f"{VM1}/action/restorebackup", media="restore", body=body).status == 204
    kinds, found = events(api)
    assert kinds == [("VIRTUAL_MACHINE", "RESTORE_BACKUP")]
    assert found[0]["details"] == {
        "BACKUP_ID": "bk-1-1",
        "BACKUP_DATE": "2026/11/20 00:14:02 +0000",
        **VM1_DETAILS,
    }


def test_policy_life_and_access_are_recorded(api):
    created = api.post(
        POLICIES,
        media="backuppolicy",
        body={"code": "EVT", "name": "Evented", "backupConfigurations": [{"type": "complete", "period": "daily"}]},
    )
    assert created.status == 201
    policy = f"{POLICIES}/{created.json['id']}"
    assert api.put(policy, media="backuppolicy", body={**created.json, "name": "Renamed"}).status == 200
    limit = api.get("/api/admin/enterprises/2/limits/3").json
    limit["links"].append({"rel": "backuppolicy", "href": created.json["links"][0]["href"]})
    assert api.put("/api/admin/enterprises/2/limits/3", media="limit", body=limit).status == 200
    limit["links"].pop()
    assert api.put("/api/admin/enterprises/2/limits/3", media="limit", body=limit).status == 200
    assert api.delete(policy).status == 204
    assert (
        api.put(
            "/api/admin/datacenters/2/backupproperties",
            media="backupdatacenterproperties",
            body={"multipleRestore": True, "multiplePolicies": False, "updateWhileDeployed": True},
        ).status
        == 200
    )
    kinds, found = events(api)
    assert kinds == [
        ("BACKUP_POLICY", "CREATE"),
        ("BACKUP_POLICY", "MODIFY"),
        ("BACKUP_POLICY", "ALLOW"),
        ("BACKUP_POLICY", "RESTRICT"),
        ("BACKUP_POLICY", "DELETE"),
        ("BACKUP_DATACENTER_PROPERTIES", "UPDATE"),
    ]
    assert {e["details"].get("BACKUP_POLICY_CODE") for e in found[:5]} == {"EVT"}
    assert found[2]["idEnterprise"] == 2
    assert found[5]["details"] == {"multipleRestore": True, "multiplePolicies": False, "updateWhileDeployed": True}


def test_a_tenant_sees_only_its_own_events(api):
    metadata = api.get(f"{VM1}/metadata").json["metadata"]
    assert api.put(f"{VM1}/metadata", media="metadata", body={"metadata": metadata}).status == 200
    assert len(events(api, user="entadmin")[0]) == 1
    assert events(api, user="globex")[0] == []


def test_datefrom_keeps_later_events_and_must_be_epoch_seconds(api):
    metadata = api.get(f"{VM1}/metadata").json["metadata"]
    assert api.put(f"{VM1}/metadata", media="metadata", body={"metadata": metadata}).status == 200
    stamp = events(api)[1][0]["timestamp"] // 1000
    assert len(events(api, query=f"?datefrom={stamp}")[0]) == 1
    assert events(api, query=f"?datefrom={stamp + 3600}")[0] == []
    answer = api.get("/api/events?datefrom=yesterday")
    assert (answer.status, answer.codes) == (400, ["QUERY-1"])
