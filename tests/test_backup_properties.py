"""Datacenter backup properties (docs/BACKUP-RULES.md#datacenter-backup-properties): read, replace, the tenant's
view, and every refusal."""

from __future__ import annotations

import pytest

from .support import contract_errors

ADMIN_PATH = "/api/admin/datacenters/1/backupproperties"
MEDIA = "backupdatacenterproperties"
ALL_ON = {"multipleRestore": True, "multiplePolicies": True, "updateWhileDeployed": True}


def _values(answer) -> dict:
    return {k: v for k, v in answer.json.items() if k != "links"}


def _rels(answer) -> dict:
    return {link["rel"]: link["href"] for link in answer.json["links"]}


def test_an_administrator_reads_the_properties_of_a_datacenter(api):
    answer = api.get(ADMIN_PATH)
    assert answer.status == 200
    assert answer.headers["content-type"] == "application/vnd.abiquo.backupdatacenterproperties+json; version=3.8"
    assert _values(answer) == {"multipleRestore": True, "multiplePolicies": True, "updateWhileDeployed": False}
    assert _rels(answer)["edit"].endswith(ADMIN_PATH)
    assert _rels(answer)["datacenter"].endswith("/api/admin/datacenters/1")
    assert contract_errors(MEDIA, answer.json) == []


def test_a_datacenter_never_configured_has_every_property_off(inproc, store):
    store.delete("backupproperties", 2)
    answer = inproc.get("/api/admin/datacenters/2/backupproperties")
    assert answer.status == 200
    assert _values(answer) == {"multipleRestore": False, "multiplePolicies": False, "updateWhileDeployed": False}


def test_put_replaces_the_properties_and_ignores_links_in_the_body(api):
    body = {**ALL_ON, "links": [{"rel": "edit", "href": "http://elsewhere:9/api/admin/datacenters/2/backupproperties"}]}
    answer = api.put(ADMIN_PATH, body, media=MEDIA)
    assert answer.status == 200 and _values(answer) == ALL_ON
    assert _rels(answer)["edit"].endswith(ADMIN_PATH)
    assert _values(api.get(ADMIN_PATH)) == ALL_ON
    assert _values(api.get("/api/admin/datacenters/2/backupproperties"))["multiplePolicies"] is False


def test_the_answer_of_a_get_can_be_put_back_unchanged(api):
    before = api.get(ADMIN_PATH).json
    assert api.put(ADMIN_PATH, before, media=MEDIA).json == before


@pytest.mark.parametrize(
    "body",
    [
        {"multipleRestore": True, "multiplePolicies": True},  # one missing
        {"multipleRestore": "true", "multiplePolicies": True, "updateWhileDeployed": True},  # text, not boolean
        {"multipleRestore": 1, "multiplePolicies": True, "updateWhileDeployed": True},  # number
        {"multipleRestore": None, "multiplePolicies": True, "updateWhileDeployed": True},
        {**ALL_ON, "multipleBackups": True},  # unknown field
        {**ALL_ON, "links": "none"},
        {**ALL_ON, "links": None},
        [True, True, True],
    ],
    ids=["missing", "text", "number", "null", "unknown-field", "bad-links", "null-links", "not-an-object"],
)
def test_an_invalid_document_is_refused_and_changes_nothing(inproc, store, body):
    assert contract_errors(MEDIA, body) != []
    before = store.dump()
    answer = inproc.put(ADMIN_PATH, body, media=MEDIA)
    assert (answer.status, answer.codes) == (400, ["GEN-2"])
    assert store.dump() == before


def test_only_a_user_allowed_to_configure_backups_may_put(api):
    answer = api.put(ADMIN_PATH, ALL_ON, media=MEDIA, user="entadmin")
    assert (answer.status, answer.codes) == (403, ["403-FORBIDDEN"])
    assert api.get(ADMIN_PATH).json["updateWhileDeployed"] is False
    assert api.get(ADMIN_PATH, user="entadmin").status == 403


def test_an_unknown_datacenter_is_404(inproc, store):
    before = store.dump()
    assert inproc.get("/api/admin/datacenters/9/backupproperties").codes == ["DC-0"]
    answer = inproc.put("/api/admin/datacenters/9/backupproperties", ALL_ON, media=MEDIA)
    assert (answer.status, answer.codes) == (404, ["DC-0"])
    assert store.dump() == before


def test_a_tenant_reads_the_properties_of_its_locations(api):
    answer = api.get("/api/cloud/locations/2/backupproperties", user="user")
    assert answer.status == 200
    assert _values(answer) == {"multipleRestore": False, "multiplePolicies": False, "updateWhileDeployed": True}
    assert _rels(answer)["edit"].endswith("/api/cloud/locations/2/backupproperties")
    assert _rels(answer)["datacenter"].endswith("/api/cloud/locations/2")


def test_a_location_without_a_limit_is_404_for_the_tenant(api):
    answer = api.get("/api/cloud/locations/2/backupproperties", user="globex")
    assert (answer.status, answer.codes) == (404, ["DC-0"])


def test_multiple_policies_cannot_be_switched_off_while_a_vm_uses_several(inproc, store):
    # In demo, web-02 in Barcelona is bound to GOLD and NAFS.
    before = store.dump()
    answer = inproc.put(
        "/api/admin/datacenters/1/backupproperties",
        media="backupdatacenterproperties",
        body={"multipleRestore": True, "multiplePolicies": False, "updateWhileDeployed": False},
    )
    assert (answer.status, answer.codes) == (409, ["BC-27"])
    assert "web-02" in answer.json["collection"][0]["message"]
    assert store.dump() == before
