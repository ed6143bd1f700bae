"""Authentication, privileges, tenancy, login, and the crawl a backup connector makes (spec §1–§2)."""

from __future__ import annotations

import base64
import copy
import re
from urllib.parse import urlsplit

import pytest
from abiquo_mock.mockserver.app import create_app
from abiquo_mock.mockserver.openapi import build


def _protected_gets() -> list[str]:
    """Every GET the contract declares under /api that needs credentials, ids filled from the demo."""
    create_app({"DB_PATH": None, "SCENARIO": "empty", "CONTROL_ENABLED": False})  # registers every view
    document = build()
    paths = []
    for template, operations in sorted(document["paths"].items()):
        get = operations.get("get")
        if template.endswith("/tasks/{task}"):
            continue  # a task exists only once a deploy made one (tests/test_lifecycle.py)
        if get and template.startswith("/api/") and get.get("security") != []:
            paths.append(re.sub(r"\{\w+\}", "1", template))
    return paths


PROTECTED = _protected_gets()


def _basic(nick: str, password: str) -> dict:
    return {"Authorization": "Basic " + base64.b64encode(f"{nick}:{password}".encode()).decode()}


def _refused(answer, status: int, code: str) -> None:
    assert answer.status == status, answer.text
    assert answer.codes == [code], answer.text
    assert answer.headers["content-type"].startswith("application/vnd.abiquo.errors+json")


def test_the_contract_declares_the_paths_a_connector_crawls():
    for path in (
        "/api/admin/datacenters",
        "/api/admin/datacenters/1/racks/1/machines/1/virtualmachines",
        "/api/login",
        "/api/cloud/virtualmachines",
    ):
        assert path in PROTECTED


@pytest.mark.parametrize("path", PROTECTED)
def test_every_protected_path_needs_credentials(api, path):
    for headers in ({}, _basic("admin", "wrong"), _basic("nobody", "xabiquo"), {"Authorization": "Bearer x"}):
        answer = api.get(path, user=None, headers=headers)
        _refused(answer, 401, "401-UNAUTHORIZED")
        assert answer.headers["www-authenticate"] == 'Basic realm="Abiquo API"'


@pytest.mark.parametrize("path", PROTECTED)
def test_the_cloud_admin_reaches_every_protected_path_of_the_demo(api, path):
    answer = api.get(path)
    assert answer.status == 200, answer.text
    assert answer.headers["content-type"].endswith("+json; version=3.8")


def test_the_version_needs_no_credentials(api):
    assert api.get("/api/version", user=None).status == 200


# --- privileges and tenancy ----------------------------------------------------------------------------


def test_an_enterprise_admin_may_not_see_the_physical_infrastructure(api):
    for path in ("/api/admin/datacenters", "/api/admin/datacenters/1", "/api/admin/datacenters/1/racks"):
        _refused(api.get(path, user="entadmin"), 403, "403-FORBIDDEN")


@pytest.mark.parametrize(
    "path, code",
    [
        ("/api/cloud/virtualdatacenters/1", "VDC-0"),
        ("/api/cloud/virtualdatacenters/1/virtualappliances/1", "VDC-0"),
        ("/api/cloud/virtualdatacenters/1/virtualappliances/1/virtualmachines/1", "VDC-0"),
        ("/api/admin/enterprises/2", "EN-0"),
        ("/api/admin/enterprises/2/limits", "EN-0"),
        ("/api/admin/enterprises/2/limits/3", "EN-0"),
        ("/api/admin/enterprises/2/users/2", "EN-0"),
        ("/api/cloud/locations/2", "DC-0"),  # Globex has no limit in Madrid
    ],
)
def test_another_tenants_entities_are_not_found(api, path, code):
    _refused(api.get(path, user="globex"), 404, code)
    assert api.get(path).status == 200  # they exist: the cloud admin sees them


def test_a_tenant_lists_only_its_own(api):
    def names(path, user):
        return [e["name"] for e in api.get(path, user=user).json["collection"]]

    assert names("/api/cloud/virtualmachines", "globex") == ["erp-01"]
    assert names("/api/cloud/virtualdatacenters", "globex") == ["Globex BCN"]
    assert names("/api/admin/enterprises", "globex") == ["Globex"]
    assert names("/api/cloud/locations", "globex") == ["Barcelona"]
    assert names("/api/cloud/virtualmachines", "user") == ["db-01", "db-02", "web-01", "web-02", "web-03"]


@pytest.mark.parametrize("nick, enterprise", [("admin", 1), ("entadmin", 2), ("globex", 3)])
def test_login_returns_the_current_user_with_links_that_resolve(api, nick, enterprise):
    answer = api.get("/api/login", user=nick, accept="application/vnd.abiquo.user+json")
    assert answer.status == 200, answer.text
    assert answer.headers["content-type"] == "application/vnd.abiquo.user+json; version=3.8"
    assert answer.json["nick"] == nick
    links = {link["rel"]: link for link in answer.json["links"]}
    assert {"edit", "enterprise", "role"} <= set(links)
    assert urlsplit(links["enterprise"]["href"]).path == f"/api/admin/enterprises/{enterprise}"
    for rel in ("edit", "enterprise", "role"):
        followed = api.get(urlsplit(links[rel]["href"]).path, user=nick, accept=links[rel]["type"])
        assert followed.status == 200, (rel, followed.text)
        assert followed.headers["content-type"] == links[rel]["type"] + "; version=3.8"
    assert api.get(urlsplit(links["edit"]["href"]).path, user=nick).json["nick"] == nick


# --- the connector's crawl -----------------------------------------------------------------------------


def _follow(api, link: dict) -> dict:
    answer = api.get(urlsplit(link["href"]).path, accept=link["type"])
    assert answer.status == 200, answer.text
    return answer.json


def _rel(document: dict, rel: str) -> dict:
    return next(link for link in document["links"] if link["rel"] == rel)


def _crawl(api) -> dict[str, list[str]]:
    """machine name -> names of the VMs on it, reached only by following links from the datacenter list."""
    found = {}
    for dc in api.get("/api/admin/datacenters").json["collection"]:
        for rack in _follow(api, _rel(dc, "racks"))["collection"]:
            for machine in _follow(api, _rel(rack, "machines"))["collection"]:
                vms = _follow(api, _rel(machine, "virtualmachines"))["collection"]
                found[machine["name"]] = sorted(vm["name"] for vm in vms)
    return found


def _set_state(api, vm: int, state: str) -> None:
    answer = api.put(f"/_mock/virtualmachines/{vm}/state", body={"state": state}, user=None)
    assert answer.status == 200, answer.text
    assert answer.json["state"] == state


def test_the_crawl_finds_only_deployed_vms(api):
    assert _crawl(api) == {
        "esx-bcn-01": ["erp-01", "web-01"],
        "esx-bcn-02": ["tools-01", "web-02"],
        "kvm-mad-01": ["db-01"],
    }


def test_deploying_and_undeploying_a_vm_moves_it_on_and_off_its_machine(api):
    _set_state(api, 3, "ON")  # web-03, in Barcelona
    crawled = _crawl(api)
    assert sum(names.count("web-03") for names in crawled.values()) == 1
    assert "web-03" in crawled["esx-bcn-01"] + crawled["esx-bcn-02"]
    _set_state(api, 1, "NOT_ALLOCATED")  # web-01 leaves esx-bcn-01
    crawled = _crawl(api)
    assert all("web-01" not in names for names in crawled.values())
    vm = api.get("/api/cloud/virtualdatacenters/1/virtualappliances/1/virtualmachines/1").json
    assert vm["state"] == "NOT_ALLOCATED"  # still a VM of its appliance, just not on a machine


def test_a_vm_stays_on_its_machine_while_it_changes_deployed_state(api):
    _set_state(api, 2, "OFF")
    _set_state(api, 2, "PAUSED")
    assert "web-02" in _crawl(api)["esx-bcn-02"]


def test_an_undeployed_vm_is_not_on_a_machine_even_if_one_is_recorded(inproc, store):
    stale = copy.deepcopy(store.get("virtualmachines", 3))  # web-03: NOT_ALLOCATED
    stale["machine"] = 1  # as a hand-written scenario might leave it
    store.put("virtualmachines", 3, stale)
    listed = inproc.get("/api/admin/datacenters/1/racks/1/machines/1/virtualmachines").json["collection"]
    assert sorted(vm["name"] for vm in listed) == ["erp-01", "web-01"]


def test_a_user_deactivated_in_the_store_is_refused_at_once(inproc, store):
    assert inproc.get("/api/login", user="user").status == 200
    store.put("users", 3, {**store.get("users", 3), "active": False})
    answer = inproc.get("/api/login", user="user")
    assert (answer.status, answer.codes) == (401, ["401-UNAUTHORIZED"])


def test_a_metadata_read_after_a_write_shows_the_write(inproc):
    path = "/api/cloud/virtualdatacenters/1/virtualappliances/1/virtualmachines/1/metadata"
    first = inproc.get(path)
    assert first.status == 200
    changed = dict(first.json["metadata"], note="written")
    assert inproc.put(path, media="metadata", body={"metadata": changed}).status == 200
    assert inproc.get(path).json["metadata"]["note"] == "written"
