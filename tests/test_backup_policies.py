"""Backup policies of a datacenter (spec §4): the administrator's CRUD, every rule of the table, and what a
tenant sees through its limit."""

from __future__ import annotations

import copy

import pytest

from .support import contract_errors

POLICIES = "/api/admin/datacenters/1/backuppolicies"
MEDIA = "backuppolicy"
PLATINUM = {
    "code": "PLATINUM",
    "name": "Platinum",
    "description": "Everything, every way",
    "backupConfigurations": [
        {"type": "complete", "period": "daily", "time": "22:00:00 +0100"},
        {"type": "Complete", "period": "Hourly", "time": "4"},
        {"type": "SNAPSHOT", "period": "weekly_planned", "time": "03:00:00 +0000", "days": ["thursday", "Monday"]},
        {"type": "snapshot", "period": "defined_hour", "date": "2026/12/24", "time": "23:00:00 +0000"},
        {"type": "filesystem", "period": "monthly"},
    ],
}


def _codes(answer) -> list[str]:
    return [p["code"] for p in answer.json["collection"]]


def _rels(document) -> dict:
    return {link["rel"]: link["href"] for link in document["links"]}


def _pair(configuration: dict) -> tuple:
    return configuration["type"], configuration["period"]


def _with_configuration(**configuration) -> dict:
    return {"code": "NEW", "name": "New", "backupConfigurations": [configuration]}


# --- reading ---------------------------------------------------------------------------------------------


def test_the_administrator_lists_the_policies_of_a_datacenter_by_name(api):
    answer = api.get(POLICIES)
    assert answer.status == 200
    assert answer.headers["content-type"] == "application/vnd.abiquo.backuppolicies+json; version=3.8"
    assert answer.json["totalSize"] == 3
    assert _codes(answer) == ["NAFS", "GOLD", "SILVER"]  # names: Filesystem…, Gold, Silver
    assert contract_errors("backuppolicies", answer.json) == []
    assert _codes(api.get("/api/admin/datacenters/2/backuppolicies")) == ["BRONZE"]


@pytest.mark.parametrize(
    "query, codes",
    [
        ("by=code", ["GOLD", "NAFS", "SILVER"]),
        ("by=id&asc=false", ["SILVER", "NAFS", "GOLD"]),
        ("has=gol", ["GOLD"]),
        ("has=nafs", ["NAFS"]),  # matches the code
        ("has=backup+system", ["NAFS"]),  # matches the name
        ("by=code&limit=1&startwith=1", ["NAFS"]),
    ],
)
def test_the_list_sorts_filters_and_pages(api, query, codes):
    assert _codes(api.get(f"{POLICIES}?{query}")) == codes


def test_a_policy_reads_with_its_links_and_canonical_configurations(api):
    answer = api.get(f"{POLICIES}/2")
    assert answer.status == 200
    assert answer.json["backupConfigurations"] == [
        {"type": "FILESYSTEM", "period": "WEEKLY_PLANNED", "time": "NOT_APPLY", "days": "NOT_APPLY"}
    ]
    assert _rels(answer.json)["edit"].endswith(f"{POLICIES}/2")
    assert _rels(answer.json)["datacenter"].endswith("/api/admin/datacenters/1")
    assert contract_errors("backuppolicy", answer.json) == []


@pytest.mark.parametrize(
    "path, code",
    [
        (f"{POLICIES}/99", "BC-23"),
        (f"{POLICIES}/4", "BC-23"),  # BRONZE belongs to datacenter 2
        ("/api/admin/datacenters/9/backuppolicies", "DC-0"),
        ("/api/admin/datacenters/9/backuppolicies/1", "DC-0"),
    ],
)
def test_unknown_policies_and_datacenters_are_404(api, path, code):
    answer = api.get(path)
    assert (answer.status, answer.codes) == (404, [code])


# --- creating, changing, deleting ----------------------------------------------------------------------


def test_create_answers_201_in_upper_case_and_the_policy_reads_back(api):
    answer = api.post(POLICIES, PLATINUM, media=MEDIA)
    assert answer.status == 201, answer.text
    created = answer.json
    assert created["code"] == "PLATINUM" and created["description"] == "Everything, every way"
    assert created["backupConfigurations"] == [
        {"type": "COMPLETE", "period": "DAILY", "time": "22:00:00 +0100"},
        {"type": "COMPLETE", "period": "HOURLY", "time": "4"},
        {"type": "SNAPSHOT", "period": "WEEKLY_PLANNED", "time": "03:00:00 +0000", "days": ["MONDAY", "THURSDAY"]},
        {"type": "SNAPSHOT", "period": "DEFINED_HOUR", "date": "2026/12/24", "time": "23:00:00 +0000"},
        {"type": "FILESYSTEM", "period": "MONTHLY"},  # time absent: defined in the VM
    ]
    assert _rels(created)["edit"].endswith(f"{POLICIES}/{created['id']}")
    assert api.get(f"{POLICIES}/{created['id']}").json == created
    assert api.get(POLICIES).json["totalSize"] == 4


def test_not_apply_is_accepted_in_any_case_and_served_upper_case(api):
    body = _with_configuration(type="filesystem", period="weekly_planned", time="not_apply", days="Not_Apply")
    body["backupConfigurations"].append(
        {"type": "snapshot", "period": "defined_hour", "date": "not_apply", "time": "NOT_APPLY"}
    )
    body["backupConfigurations"].append({"type": "complete", "period": "hourly", "time": "not_apply"})
    created = api.post(POLICIES, body, media=MEDIA).json
    expected = [
        {"type": "FILESYSTEM", "period": "WEEKLY_PLANNED", "time": "NOT_APPLY", "days": "NOT_APPLY"},
        {"type": "SNAPSHOT", "period": "DEFINED_HOUR", "date": "NOT_APPLY", "time": "NOT_APPLY"},
        {"type": "COMPLETE", "period": "HOURLY", "time": "NOT_APPLY"},
    ]
    assert created["backupConfigurations"] == expected
    assert api.get(f"{POLICIES}/{created['id']}").json["backupConfigurations"] == expected


def test_the_description_is_optional_and_the_links_of_the_body_are_ignored(api):
    body = {
        "code": "bp1",
        "name": "namebp1",
        "backupConfigurations": [],
        "id": 77,
        "links": [{"rel": "edit", "href": "http://elsewhere/api/admin/datacenters/2/backuppolicies/4"}],
    }
    created = api.post(POLICIES, body, media=MEDIA).json
    assert created["code"] == "bp1" and created["description"] == "" and created["backupConfigurations"] == []
    assert _rels(created)["edit"].endswith(f"{POLICIES}/{created['id']}")


def test_put_replaces_name_description_and_configurations(api):
    silver = api.get(f"{POLICIES}/3").json
    silver.update(name="Silver plus", description="Now daily too")
    silver["backupConfigurations"].append({"type": "snapshot", "period": "daily", "time": "01:00:00 +0000"})
    answer = api.put(f"{POLICIES}/3", silver, media=MEDIA)
    assert answer.status == 200, answer.text
    assert answer.json["name"] == "Silver plus"
    assert answer.json["backupConfigurations"][-1] == {"type": "SNAPSHOT", "period": "DAILY", "time": "01:00:00 +0000"}
    assert api.get(f"{POLICIES}/3").json == answer.json


def test_the_code_of_a_policy_no_vm_is_bound_to_may_change(api):
    silver = api.get(f"{POLICIES}/3").json
    answer = api.put(f"{POLICIES}/3", {**silver, "code": "SILVER-2"}, media=MEDIA)
    assert answer.status == 200 and answer.json["code"] == "SILVER-2"


def test_a_bound_policy_keeps_its_code_and_configurations_but_may_be_renamed(api):
    gold = api.get(f"{POLICIES}/1").json
    reordered = {**gold, "name": "Gold (renamed)", "backupConfigurations": gold["backupConfigurations"][::-1]}
    answer = api.put(f"{POLICIES}/1", reordered, media=MEDIA)
    assert answer.status == 200 and answer.json["name"] == "Gold (renamed)"
    for change in ({"code": "GOLDEN"}, {"backupConfigurations": gold["backupConfigurations"][:1]}):
        refused = api.put(f"{POLICIES}/1", {**gold, **change}, media=MEDIA)
        assert (refused.status, refused.codes) == (409, ["BC-29"])
    kept = api.get(f"{POLICIES}/1").json["backupConfigurations"]
    assert sorted(kept, key=_pair) == sorted(gold["backupConfigurations"], key=_pair)


def test_delete_answers_204_and_the_policy_is_gone_and_no_longer_allowed(api):
    assert api.delete(f"{POLICIES}/3").status == 204
    assert api.get(f"{POLICIES}/3").codes == ["BC-23"]
    limit = api.get("/api/admin/enterprises/1/limits/1").json
    allowed = [link["href"].rsplit("/", 1)[1] for link in limit["links"] if link["rel"] == "backuppolicy"]
    assert allowed == ["1", "2"]


def test_a_policy_bound_to_a_vm_cannot_be_deleted(api):
    answer = api.delete(f"{POLICIES}/1")
    assert (answer.status, answer.codes) == (409, ["BC-25"])
    assert "web-02" in answer.json["collection"][0]["message"]
    assert api.get(f"{POLICIES}/1").status == 200


def test_a_binding_in_another_datacenter_does_not_count(inproc, store):
    bronze_twin = {"code": "GOLD", "name": "Gold in Madrid", "backupConfigurations": []}
    created = inproc.post("/api/admin/datacenters/2/backuppolicies", bronze_twin, media=MEDIA).json
    assert inproc.delete(f"/api/admin/datacenters/2/backuppolicies/{created['id']}").status == 204


# --- every rule of the table, refused without a change -------------------------------------------------

RULES = [
    ({"name": "No code", "backupConfigurations": []}, 400, "GEN-2"),
    ({"code": "", "name": "Empty code", "backupConfigurations": []}, 400, "GEN-2"),
    ({"code": "TWO WORDS", "name": "Spaced", "backupConfigurations": []}, 400, "GEN-2"),
    ({"code": "GOLD\n", "name": "Newline", "backupConfigurations": []}, 400, "GEN-2"),
    ({"code": "X" * 65, "name": "Long", "backupConfigurations": []}, 400, "GEN-2"),
    ({"code": "NONAME", "backupConfigurations": []}, 400, "GEN-2"),
    ({"code": "NONAME", "name": "", "backupConfigurations": []}, 400, "GEN-2"),
    ({"code": "NOCONF", "name": "No configurations"}, 400, "GEN-2"),
    ({"code": "D", "name": "D", "description": 5, "backupConfigurations": []}, 400, "GEN-2"),
    ({"code": "U", "name": "U", "backupConfigurations": [], "retention": 3}, 400, "GEN-2"),
    ({"code": "GOLD", "name": "Duplicate", "backupConfigurations": []}, 409, "BC-24"),
    (
        {
            "code": "TWICE",
            "name": "Twice",
            "backupConfigurations": [
                {"type": "COMPLETE", "period": "DAILY"},
                {"type": "complete", "period": "daily", "time": "NOT_APPLY"},
            ],
        },
        400,
        "BC-30",
    ),
    (_with_configuration(period="DAILY"), 400, "BC-33"),
    (_with_configuration(type="COMPLETE"), 400, "BC-33"),
    (_with_configuration(type=None, period="DAILY"), 400, "BC-33"),
    (_with_configuration(type="INCREMENTAL", period="DAILY"), 400, "BC-5"),
    (_with_configuration(type="COMPLETE", period="YEARLY"), 400, "BC-8"),
    (_with_configuration(type="SNAPSHOT", period="WEEKLY_PLANNED", days=["MONDAY", "FUNDAY"]), 400, "BC-28"),
    (_with_configuration(type="SNAPSHOT", period="WEEKLY_PLANNED", days=[1]), 400, "BC-28"),
    (_with_configuration(type="SNAPSHOT", period="WEEKLY_PLANNED", days=[]), 400, "BC-19"),
    (_with_configuration(type="SNAPSHOT", period="WEEKLY_PLANNED", days="MONDAY"), 400, "GEN-2"),
    (_with_configuration(type="COMPLETE", period="DAILY", time="22:00"), 400, "BC-12"),
    (_with_configuration(type="COMPLETE", period="DAILY", time="25:00:00 +0000"), 400, "BC-12"),
    (_with_configuration(type="COMPLETE", period="DAILY", time="22:00:00"), 400, "BC-12"),
    (_with_configuration(type="COMPLETE", period="DAILY", time=2200), 400, "BC-12"),
    (_with_configuration(type="COMPLETE", period="HOURLY", time="every"), 400, "BC-12"),
    (_with_configuration(type="COMPLETE", period="HOURLY", time="4\n"), 400, "BC-12"),
    (_with_configuration(type="COMPLETE", period="HOURLY", time=4), 400, "BC-12"),
    (_with_configuration(type="COMPLETE", period="DAILY", time="22:00:00 +2400"), 400, "BC-12"),
    (_with_configuration(type="COMPLETE", period="HOURLY", time="25"), 400, "BC-16"),  # the catalogue: 0 to 24
    (_with_configuration(type="COMPLETE", period="HOURLY", time="100"), 400, "BC-16"),
    (_with_configuration(type="COMPLETE", period="HOURLY", time="-3"), 400, "BC-16"),
    (_with_configuration(type="COMPLETE", period="DEFINED_HOUR", date="2026-12-24"), 400, "BC-13"),
    (_with_configuration(type="COMPLETE", period="DEFINED_HOUR", date="2026/02/30"), 400, "BC-13"),
    (_with_configuration(type="COMPLETE", period="DEFINED_HOUR", date="0000/01/01"), 400, "BC-13"),
    (_with_configuration(type="COMPLETE", period="DEFINED_HOUR", date="2026/12/24 23:00:00 +0000"), 400, "BC-13"),
    (_with_configuration(type="ſnapshot", period="DAILY"), 400, "BC-5"),
    (_with_configuration(type="COMPLETE", period="DAILY", days=["MONDAY"]), 400, "GEN-2"),
    (_with_configuration(type="COMPLETE", period="HOURLY", date="2026/12/24"), 400, "GEN-2"),
    (_with_configuration(type="COMPLETE", period="MONTHLY", days="NOT_APPLY"), 400, "GEN-2"),
    (_with_configuration(type="COMPLETE", period="DAILY", disks=["1"]), 400, "GEN-2"),
    ({"code": "L", "name": "L", "backupConfigurations": [], "links": [{"rel": "edit"}]}, 400, "GEN-2"),
    ({"code": "C", "name": "C", "backupConfigurations": ["COMPLETE"]}, 400, "GEN-2"),
    ({"code": "C", "name": "C", "backupConfigurations": {"type": "COMPLETE"}}, 400, "GEN-2"),
]
RULE_IDS = [f"{code}-{n}" for n, (_, _, code) in enumerate(RULES)]


@pytest.mark.parametrize("body, status, code", RULES, ids=RULE_IDS)
def test_create_refuses_by_rule_and_changes_nothing(inproc, store, body, status, code):
    before = store.dump()
    answer = inproc.post(POLICIES, copy.deepcopy(body), media=MEDIA)
    assert (answer.status, answer.codes) == (status, [code]), answer.text
    assert store.dump() == before


@pytest.mark.parametrize(
    "body, status, code",
    [r for r in RULES if r[2] not in ("BC-24", "BC-30")],
    ids=[i for i in RULE_IDS if not i.startswith(("BC-24", "BC-30"))],
)
def test_the_contract_refuses_what_the_server_refuses_for_its_shape(inproc, body, status, code):
    assert contract_errors("backuppolicy", body) != []


def test_the_contract_accepts_the_bodies_the_server_accepts(inproc):
    body = _with_configuration(type="filesystem", period="weekly_planned", time="not_apply", days="Not_Apply")
    for accepted in (
        PLATINUM,
        body,
        {
            **PLATINUM,
            "backupConfigurations": [
                {"type": "Complete", "period": "Hourly", "time": "0004"},
                {"type": "snapshot", "period": "defined_hour", "date": "2028/02/28"},
            ],
        },
    ):
        assert contract_errors("backuppolicy", accepted) == []
        assert (
            inproc.post(
                POLICIES, {**accepted, "code": f"C{len(inproc.get(POLICIES).json['collection'])}"}, media=MEDIA
            ).status
            == 201
        )


@pytest.mark.parametrize(
    "body, status, code", [r for r in RULES if r[2] != "BC-24"], ids=[i for i in RULE_IDS if not i.startswith("BC-24")]
)
def test_update_refuses_by_rule_and_changes_nothing(inproc, store, body, status, code):
    before = store.dump()
    answer = inproc.put(f"{POLICIES}/3", copy.deepcopy(body), media=MEDIA)
    assert (answer.status, answer.codes) == (status, [code]), answer.text
    assert store.dump() == before


@pytest.mark.parametrize(
    "change, status, code",
    [
        ({"code": "NAFS"}, 409, "BC-24"),
        ({"code": "GOLDEN"}, 409, "BC-29"),
        ({"backupConfigurations": []}, 409, "BC-29"),
    ],
)
def test_update_of_a_code_or_of_a_bound_policy_is_refused_without_change(inproc, store, change, status, code):
    before = store.dump()
    gold = inproc.get(f"{POLICIES}/1").json
    answer = inproc.put(f"{POLICIES}/1", {**gold, **change}, media=MEDIA)
    assert (answer.status, answer.codes) == (status, [code])
    assert store.dump() == before


def test_refused_deletes_and_unknown_ids_change_nothing(inproc, store):
    before = store.dump()
    assert inproc.delete(f"{POLICIES}/2").codes == ["BC-25"]  # NAFS: bound by web-02
    assert inproc.delete(f"{POLICIES}/99").codes == ["BC-23"]
    assert inproc.put(f"{POLICIES}/99", PLATINUM, media=MEDIA).codes == ["BC-23"]
    assert inproc.post("/api/admin/datacenters/9/backuppolicies", PLATINUM, media=MEDIA).codes == ["DC-0"]
    assert store.dump() == before


# --- privileges and the tenant's view ------------------------------------------------------------------


def test_only_a_backup_configuration_manager_may_write_policies(api):
    for answer in (
        api.post(POLICIES, PLATINUM, media=MEDIA, user="entadmin"),
        api.put(f"{POLICIES}/3", PLATINUM, media=MEDIA, user="entadmin"),
        api.delete(f"{POLICIES}/3", user="entadmin"),
        api.get(POLICIES, user="entadmin"),
    ):
        assert (answer.status, answer.codes) == (403, ["403-FORBIDDEN"])
    assert api.get(POLICIES).json["totalSize"] == 3


def test_a_tenant_sees_exactly_the_policies_allowed_to_its_enterprise(api):
    answer = api.get("/api/cloud/locations/1/backuppolicies", user="user")
    assert answer.status == 200
    assert sorted(_codes(answer)) == ["GOLD", "NAFS"]
    gold = next(p for p in answer.json["collection"] if p["code"] == "GOLD")
    assert _rels(gold)["edit"].endswith("/api/cloud/locations/1/backuppolicies/1")
    assert _rels(gold)["datacenter"].endswith("/api/cloud/locations/1")
    assert api.get("/api/cloud/locations/1/backuppolicies/1", user="user").json == gold
    refused = api.get("/api/cloud/locations/1/backuppolicies/3", user="user")  # SILVER: not allowed
    assert (refused.status, refused.codes) == (404, ["BC-23"])


def test_a_tenant_with_an_empty_limit_sees_no_policy(api):
    answer = api.get("/api/cloud/locations/1/backuppolicies", user="globex")
    assert (answer.status, answer.json["totalSize"], answer.json["collection"]) == (200, 0, [])
    assert api.get("/api/cloud/locations/1/backuppolicies/1", user="globex").codes == ["BC-23"]


def test_a_location_without_a_limit_is_404(api):
    for path in ("/api/cloud/locations/2/backuppolicies", "/api/cloud/locations/2/backuppolicies/4"):
        answer = api.get(path, user="globex")
        assert (answer.status, answer.codes) == (404, ["DC-0"])


def test_a_policy_of_another_datacenter_is_not_in_a_location(api):
    assert api.get("/api/cloud/locations/1/backuppolicies/4", user="user").codes == ["BC-23"]
    assert _codes(api.get("/api/cloud/locations/2/backuppolicies", user="user")) == ["BRONZE"]
