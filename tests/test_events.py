"""The event log (spec §8): every successful backup write leaves its event; a refused one leaves none."""

from __future__ import annotations

import re
from datetime import datetime
from urllib.parse import parse_qs, urlsplit

import pytest

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


def events(api, user="admin", query="?asc=true"):
    """(component, actionPerformed) of each event, oldest first unless the query says otherwise; and the items."""
    answer = api.get(f"/api/events{query}", user=user)
    assert answer.status == 200, answer.text
    assert answer.headers["content-type"] == "application/vnd.abiquo.events+json; version=3.8"
    found = answer.json["collection"]
    return [(e["component"], e["actionPerformed"].removeprefix(e["component"] + "_")) for e in found], found


def test_a_new_world_has_no_events(api):
    assert events(api)[0] == []


def test_a_metadata_write_records_metadata_modified_for_that_vm(api):
    metadata = api.get(f"{VM1}/metadata").json["metadata"]
    assert api.put(f"{VM1}/metadata", media="metadata", body={"metadata": metadata}, user="entadmin").status == 200
    kinds, found = events(api)
    assert kinds == [("VIRTUAL_MACHINE", "METADATA_MODIFIED")]
    assert found[0]["actionPerformed"] == "VIRTUAL_MACHINE_METADATA_MODIFIED"
    assert (found[0]["virtualMachine"], found[0]["idVirtualMachine"], found[0]["user"]) == ("web-01", 1, "entadmin")
    assert (found[0]["virtualApp"], found[0]["virtualDatacenter"], found[0]["enterprise"]) == (
        "web",
        "Acme BCN",
        "Acme",
    )
    assert (found[0]["datacenter"], found[0]["rack"], found[0]["physicalMachine"]) == (
        "Barcelona",
        "rack-bcn-1",
        "esx-bcn-01",
    )


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
    assert found[0]["virtualMachine"] == "web-01"


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
    assert {e["datacenter"] for e in found[:5]} == {"Barcelona"} and found[5]["datacenter"] == "Madrid"
    assert (found[2]["idEnterprise"], found[2]["enterprise"]) == (2, "Acme")


def test_a_tenant_sees_only_its_own_events(api):
    metadata = api.get(f"{VM1}/metadata").json["metadata"]
    assert api.put(f"{VM1}/metadata", media="metadata", body={"metadata": metadata}).status == 200
    assert len(events(api, user="entadmin")[0]) == 1
    assert events(api, user="globex")[0] == []


def test_datefrom_keeps_later_events_and_must_be_epoch_seconds(api):
    metadata = api.get(f"{VM1}/metadata").json["metadata"]
    assert api.put(f"{VM1}/metadata", media="metadata", body={"metadata": metadata}).status == 200
    stamp = int(datetime.strptime(events(api)[1][0]["timestamp"], "%Y-%m-%dT%H:%M:%S.%f%z").timestamp())
    assert len(events(api, query=f"?datefrom={stamp}")[0]) == 1
    assert events(api, query=f"?datefrom={stamp + 3600}")[0] == []
    assert events(api, query=f"?dateto={stamp - 3600}")[0] == []
    answer = api.get("/api/events?datefrom=yesterday")
    assert (answer.status, answer.codes) == (400, ["GEN-22"])


def _write_metadata(api, times=1):
    metadata = api.get(f"{VM1}/metadata").json["metadata"]
    for _ in range(times):
        assert api.put(f"{VM1}/metadata", media="metadata", body={"metadata": metadata}).status == 200


def test_an_event_reads_as_abiquos_event_dto(api):
    _write_metadata(api)
    event = events(api)[1][0]
    assert re.fullmatch(r"\d{4}-\d\d-\d\dT\d\d:\d\d:\d\d\.\d{3}\+0000", event["timestamp"])
    assert event["performedBy"] == event["user"] == "admin" and event["severity"] == "INFO"
    assert event["links"] == [] and event["volume"] is None and event["idStoragePool"] is None


def test_events_are_newest_first_by_default(api):
    _write_metadata(api)
    assert (
        api.put(
            "/api/admin/datacenters/2/backupproperties",
            media="backupdatacenterproperties",
            body={"multipleRestore": True, "multiplePolicies": False, "updateWhileDeployed": True},
        ).status
        == 200
    )
    kinds, _ = events(api, query="")
    assert kinds == [("BACKUP_DATACENTER_PROPERTIES", "UPDATE"), ("VIRTUAL_MACHINE", "METADATA_MODIFIED")]
    answer = api.get("/api/events")
    assert "by=timestamp&asc=false" in answer.json["links"][0]["href"]


@pytest.mark.parametrize(
    "query, count",
    [
        ("virtualmachine=web-01", 1),
        ("VIRTUALMACHINE=1", 1),
        ("virtualmachine=606", 0),
        ("component=VIRTUAL_MACHINE", 1),
        ("severity=NORMAL", 0),
        ("datacenter=Barcelona&enterprise=2", 1),
        ("ENTERPRISE=wrongval82", 0),
        ("by=virtualmachine&asc=false", 2),
        ("by=severity", 2),
    ],
)
def test_events_are_filtered_and_sorted_by_the_entities_they_name(api, query, count):
    _write_metadata(api)
    assert (
        api.put(
            "/api/admin/datacenters/2/backupproperties",
            media="backupdatacenterproperties",
            body={"multipleRestore": True, "multiplePolicies": False, "updateWhileDeployed": True},
        ).status
        == 200
    )
    assert len(events(api, query=f"?{query}")[1]) == count


def test_catching_up_by_following_next_keeps_the_cursor(api):
    """A connector reads ?datefrom=<cursor>&asc=true page by page: every next link keeps datefrom."""
    _write_metadata(api, times=3)
    answer = api.get("/api/events?limit=1&asc=true&datefrom=1")
    seen = []
    while True:
        seen += [e["id"] for e in answer.json["collection"]]
        follow = [link["href"] for link in answer.json["links"] if link["rel"] == "next"]
        if not follow:
            break
        assert parse_qs(urlsplit(follow[0]).query)["datefrom"] == ["1"]
        answer = api.get(follow[0][follow[0].index("/api/") :])
    assert seen == sorted(seen) and len(seen) == 3
