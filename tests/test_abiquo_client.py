"""Abiquo's own Python client (PyPI abiquo-api) against the mock served as a real process: what a script
written for the real API does must work here unchanged."""

from __future__ import annotations

import json

import pytest
import requests

from .support import HttpApi

abiquo_client = pytest.importorskip("abiquo.client", reason="abiquo-api (the dev extra) is not installed")

USER = "application/vnd.abiquo.user+json"
DATACENTERS = "application/vnd.abiquo.datacenters+json"
VIRTUALMACHINES = "application/vnd.abiquo.virtualmachines+json"
POLICY = "/api/admin/datacenters/{dc}/backuppolicies/{policy}"
METADATA = "/api/cloud/virtualdatacenters/{vdc}/virtualappliances/{vapp}/virtualmachines/{vm}/metadata"


@pytest.fixture
def abiquo(live_server):
    HttpApi(live_server.url).reset("demo")
    return abiquo_client.Abiquo(f"{live_server.url}/api", auth=("admin", "xabiquo"))


def _served(live_server, path: str, method: str) -> bool:
    return method in requests.get(f"{live_server.url}/api/openapi.json", timeout=10).json()["paths"].get(path, {})


def test_login_returns_the_user(abiquo):
    status, user = abiquo.login.get(headers={"Accept": USER})
    assert status == 200
    assert user.nick == "admin"
    assert user.content_type == f"{USER}; version=3.8"


def test_datacenters_are_listed_and_their_links_followed(abiquo):
    status, datacenters = abiquo.admin.datacenters.get(headers={"Accept": DATACENTERS})
    assert status == 200
    assert len(datacenters) == 2
    barcelona = next(dc for dc in datacenters if dc.name == "Barcelona")
    status, racks = barcelona.follow("racks").get()
    assert status == 200
    assert [rack.name for rack in racks] == ["rack-bcn-1"]
    status, machines = next(iter(racks)).follow("machines").get()
    assert [m.name for m in machines] == ["esx-bcn-01", "esx-bcn-02"]
    status, vms = next(iter(machines)).follow("virtualmachines").get()
    assert sorted(vm.name for vm in vms) == ["erp-01", "web-01"]


def test_iterating_a_collection_follows_its_next_links(abiquo):
    status, page = abiquo.cloud.virtualmachines.get(params={"limit": 2}, headers={"Accept": VIRTUALMACHINES})
    assert status == 200
    assert len(page.json["collection"]) == 2 and len(page) == 7
    assert [vm.name for vm in page] == ["db-01", "db-02", "erp-01", "tools-01", "web-01", "web-02", "web-03"]


def test_a_wrong_password_is_an_abiquo_error(live_server):
    client = abiquo_client.Abiquo(f"{live_server.url}/api", auth=("admin", "wrong"))
    status, errors = client.login.get(headers={"Accept": USER})
    assert status == 401
    with pytest.raises(Exception, match=r"HTTP\(401\) 401-UNAUTHORIZED"):
        abiquo_client.check_response(200, status, errors)


def test_a_policy_is_edited_through_its_edit_link(abiquo, live_server):
    if not _served(live_server, POLICY, "put"):
        pytest.skip(f"PUT {POLICY} is not in /api/openapi.json")
    status, policies = abiquo.admin.datacenters(1).backuppolicies.get(
        headers={"Accept": "application/vnd.abiquo.backuppolicies+json"}
    )
    assert status == 200
    silver = next(p for p in policies if p.code == "SILVER")
    silver.description = "Weekly snapshot, edited by a script"
    status, edited = silver.put()  # Content-Type: the edit link's type; links sent back
    assert status == 200, edited.json if edited else None
    assert edited.description == "Weekly snapshot, edited by a script"
    status, again = edited.refresh()
    assert (status, again.description, again.code) == (200, "Weekly snapshot, edited by a script", "SILVER")


def test_a_vms_metadata_is_rewritten(abiquo, live_server):
    if not _served(live_server, METADATA, "put"):
        pytest.skip(f"PUT {METADATA} is not in /api/openapi.json")
    status, vm = (
        abiquo.cloud.virtualdatacenters(1)
        .virtualappliances(1)
        .virtualmachines(1)
        .get(headers={"Accept": "application/vnd.abiquo.virtualmachine+json"})
    )
    assert status == 200
    status, metadata = vm.follow("metadata").get()
    assert status == 200
    document = metadata.json
    document["metadata"]["backupResults"]["results"].append(
        {
            "id": "bk-1-2",
            "status": "progress",
            "name": "complete-daily",
            "type": "complete",
            "size": 0,
            "date": "2026/11/21 00:00:00 +0000",
        }
    )
    document["metadata"]["key1"] = "value1"
    link = next(link for link in vm.json["links"] if link["rel"] == "metadata")
    status, stored = vm.follow("metadata").put(headers={"Content-Type": link["type"]}, data=json.dumps(document))
    assert status == 200, stored.json if stored else None
    status, reread = vm.follow("metadata").get()
    assert reread.json["metadata"] == document["metadata"]
    assert [r["id"] for r in reread.json["metadata"]["backupResults"]["results"]] == ["bk-1-1", "bk-1-2"]
