"""Allowing and restricting backup policies through an enterprise's limits (spec §5)."""

from __future__ import annotations

import pytest

from .support import contract_errors

HOST = "http://abiquo.example:9009"  # links name any host: only their path counts
MEDIA = "limit"


def _location(dc: int) -> dict:
    return {"rel": "location", "href": f"{HOST}/api/admin/datacenters/{dc}"}


def _policy(dc: int, policy: int) -> dict:
    return {"rel": "backuppolicy", "href": f"{HOST}/api/admin/datacenters/{dc}/backuppolicies/{policy}"}


def _allowed(limit: dict) -> list[int]:
    return [int(link["href"].rsplit("/", 1)[1]) for link in limit["links"] if link["rel"] == "backuppolicy"]


def _tenant_codes(api, user: str, loc: int) -> list[str]:
    return sorted(
        p["code"] for p in api.get(f"/api/cloud/locations/{loc}/backuppolicies", user=user).json["collection"]
    )


def _without_policy(limit: dict, policy: int) -> dict:
    return {
        **limit,
        "links": [
            link
            for link in limit["links"]
            if not (link["rel"] == "backuppolicy" and link["href"].endswith(f"/{policy}"))
        ],
    }


# --- creating a limit ------------------------------------------------------------------------------------


def test_a_new_limit_gives_the_enterprise_the_location_and_the_policies_it_links(api):
    answer = api.post(
        "/api/admin/enterprises/3/limits", {"cpuCountHardLimit": 8, "links": [_location(2), _policy(2, 4)]}, media=MEDIA
    )
    assert answer.status == 201, answer.text
    created = answer.json
    assert created["cpuCountHardLimit"] == 8 and created["ramHardLimitInMb"] == 0
    assert _allowed(created) == [4]
    assert {link["rel"]: link["href"] for link in created["links"]}["location"].endswith("/api/admin/datacenters/2")
    assert contract_errors("limit", created) == []
    assert api.get(f"/api/admin/enterprises/3/limits/{created['id']}").json == created
    assert _tenant_codes(api, "globex", 2) == ["BRONZE"]


def test_a_location_link_may_name_the_cloud_location(api):
    body = {"links": [{"rel": "location", "href": f"{HOST}/api/cloud/locations/2"}]}
    answer = api.post("/api/admin/enterprises/3/limits", body, media=MEDIA)
    assert answer.status == 201 and _allowed(answer.json) == []
    assert _tenant_codes(api, "globex", 2) == []


@pytest.mark.parametrize(
    "links, status, code",
    [
        ([], 400, "GEN-6"),  # no location
        ([_location(9)], 400, "GEN-6"),  # no such datacenter
        ([{"rel": "location", "href": f"{HOST}/api/admin/enterprises/2"}], 400, "GEN-6"),
        ([_location(2), _location(1)], 400, "GEN-6"),
        ([_location(2), _policy(1, 1)], 400, "LIMIT-24"),  # policy of another datacenter
        ([_location(2), _policy(2, 1)], 400, "LIMIT-24"),  # GOLD is not in datacenter 2
        ([_location(2), _policy(2, 99)], 400, "LIMIT-24"),  # no such policy
        ([_location(2), {"rel": "backuppolicy", "href": "gold"}], 400, "LIMIT-24"),
        ([_location(1), _policy(1, 1)], 409, "LIMIT-7"),  # Globex already has datacenter 1
    ],
)
def test_an_invalid_new_limit_is_refused_and_changes_nothing(inproc, store, links, status, code):
    before = store.dump()
    answer = inproc.post("/api/admin/enterprises/3/limits", {"links": links}, media=MEDIA)
    assert (answer.status, answer.codes) == (status, [code]), answer.text
    assert store.dump() == before


@pytest.mark.parametrize(
    "body",
    [
        {"cpuCountHardLimit": "8", "links": [_location(2)]},
        {"cpuCountHardLimit": True, "links": [_location(2)]},
        {"backupPolicies": [4], "links": [_location(2)]},
        {"links": "datacenter 2"},
        ["datacenter 2"],
    ],
)
def test_a_limit_document_of_the_wrong_shape_is_refused(inproc, store, body):
    before = store.dump()
    answer = inproc.post("/api/admin/enterprises/3/limits", body, media=MEDIA)
    assert (answer.status, answer.codes) == (400, ["GEN-2"])
    assert store.dump() == before


def test_limits_of_an_unknown_enterprise_are_404(inproc, store):
    before = store.dump()
    answer = inproc.post("/api/admin/enterprises/9/limits", {"links": [_location(2)]}, media=MEDIA)
    assert (answer.status, answer.codes) == (404, ["EN-0"])
    assert inproc.put("/api/admin/enterprises/2/limits/1", {"links": []}, media=MEDIA).codes == ["LIMIT-8"]
    assert inproc.delete("/api/admin/enterprises/3/limits/3").codes == ["LIMIT-8"]
    assert store.dump() == before


# --- allowing and restricting on an existing limit ---------------------------------------------------


def test_adding_a_link_allows_the_policy_to_the_tenant(api):
    limit = api.get("/api/admin/enterprises/2/limits/3").json
    limit["links"].append(_policy(1, 3))
    answer = api.put("/api/admin/enterprises/2/limits/3", limit, media=MEDIA)
    assert answer.status == 200 and _allowed(answer.json) == [1, 2, 3]
    assert _tenant_codes(api, "user", 1) == ["GOLD", "NAFS", "SILVER"]


def test_a_limit_put_back_as_read_changes_nothing(api):
    limit = api.get("/api/admin/enterprises/2/limits/3").json
    assert api.put("/api/admin/enterprises/2/limits/3", limit, media=MEDIA).json == limit


def test_a_policy_no_vm_of_the_enterprise_uses_can_be_restricted(api):
    # Acme's VMs use GOLD, but no VM of enterprise 1 does: restricting it there is fine.
    limit = api.get("/api/admin/enterprises/1/limits/1").json
    answer = api.put("/api/admin/enterprises/1/limits/1", _without_policy(limit, 1), media=MEDIA)
    assert answer.status == 200 and _allowed(answer.json) == [2, 3]
    assert _tenant_codes(api, "admin", 1) == ["NAFS", "SILVER"]


@pytest.mark.parametrize("policy", [1, 2], ids=["GOLD", "NAFS"])
def test_restricting_a_policy_a_vm_of_the_enterprise_is_bound_to_is_refused(inproc, store, policy):
    before = store.dump()
    limit = inproc.get("/api/admin/enterprises/2/limits/3").json
    answer = inproc.put("/api/admin/enterprises/2/limits/3", _without_policy(limit, policy), media=MEDIA)
    assert (answer.status, answer.codes) == (409, ["LIMIT-25"])
    assert store.dump() == before


@pytest.mark.parametrize(
    "links, code",
    [
        ([_location(2)], "GEN-6"),  # a limit does not move to another datacenter
        ([_policy(1, 1), _policy(1, 2), _policy(2, 4)], "LIMIT-24"),
    ],
)
def test_an_invalid_limit_update_is_refused_and_changes_nothing(inproc, store, links, code):
    before = store.dump()
    answer = inproc.put("/api/admin/enterprises/2/limits/3", {"links": links}, media=MEDIA)
    assert (answer.status, answer.codes) == (400, [code])
    assert store.dump() == before


def test_a_tenant_keeps_a_datacenter_where_it_has_virtual_datacenters(inproc, store):
    # Acme's VMs in Barcelona would otherwise link to a location the tenant may no longer see
    before = store.dump()
    answer = inproc.delete("/api/admin/enterprises/2/limits/3")
    assert (answer.status, answer.codes) == (409, ["LIMIT-11"])
    assert store.dump() == before


def test_deleting_a_limit_removes_the_location_from_the_tenant(api):
    assert api.get("/api/cloud/locations/2/backuppolicies").status == 200
    assert api.delete("/api/admin/enterprises/1/limits/2").status == 204  # no virtual datacenter of its own there
    assert api.get("/api/admin/enterprises/1/limits/2").codes == ["LIMIT-8"]
    assert api.get("/api/cloud/locations/2/backuppolicies").codes == ["DC-0"]


def test_only_a_limits_manager_may_write_limits(api):
    for answer in (
        api.post("/api/admin/enterprises/2/limits", {"links": [_location(2)]}, media=MEDIA, user="entadmin"),
        api.put("/api/admin/enterprises/2/limits/3", {"links": []}, media=MEDIA, user="entadmin"),
        api.delete("/api/admin/enterprises/2/limits/4", user="entadmin"),
    ):
        assert (answer.status, answer.codes) == (403, ["403-FORBIDDEN"])
    assert _tenant_codes(api, "user", 1) == ["GOLD", "NAFS"]


def test_a_deleted_policy_is_no_longer_listed_by_any_limit(inproc, store):
    assert inproc.delete("/api/admin/datacenters/1/backuppolicies/3").status == 204
    assert store.get("limits", 1)["backuppolicies"] == [1, 2]


def test_the_contract_links_a_limit_onward_correctly():
    from abiquo_mock.mockserver.http.api import REGISTRY
    from abiquo_mock.mockserver.openapi import build

    document = build()
    get_limit = document["paths"]["/api/admin/enterprises/{enterprise}/limits/{limit}"]["get"]
    targets = {link["operationId"] for link in get_limit["responses"]["200"].get("links", {}).values()}
    assert "listLocationBackupPolicies" not in targets
    create = next(op for op in REGISTRY if op.op_id == "createLimit")
    assert create.links["GetLimit"] == (
        "getLimit",
        {"enterprise": "$request.path.enterprise", "limit": "$response.body#/id"},
    )
