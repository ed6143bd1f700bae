"""The legacy 3.8 backup configuration (spec §7): templates, and which are enabled in each datacenter."""

from __future__ import annotations

import pytest

from .support import contract_errors

BACKUPS = "/api/admin/datacenters/1/backups"
HOST = "http://abiquo.example:9009"


def _template(template_id: int) -> dict:
    return {"rel": "template", "href": f"{HOST}/api/config/backups/{template_id}"}


def _rels(document: dict) -> dict:
    return {link["rel"]: link["href"] for link in document["links"]}


def test_the_templates_are_complete_snapshot_and_filesystem(api):
    answer = api.get("/api/config/backups", user="user")
    assert answer.status == 200
    assert answer.headers["content-type"] == "application/vnd.abiquo.backups+json; version=3.8"
    assert [(t["id"], t["name"]) for t in answer.json["collection"]] == [
        (1, "complete"),
        (3, "filesystem"),
        (2, "snapshot"),
    ]
    assert _rels(answer.json["collection"][0])["edit"].endswith("/api/config/backups/1")
    snapshot = api.get("/api/config/backups/2")
    assert snapshot.json == next(t for t in answer.json["collection"] if t["id"] == 2)
    assert contract_errors("backup", snapshot.json) == []
    missing = api.get("/api/config/backups/9")
    assert (missing.status, missing.codes) == (404, ["BC-1"])


def test_a_datacenter_lists_its_enabled_templates_with_granularities(api):
    answer = api.get(BACKUPS)
    assert answer.status == 200 and answer.json["totalSize"] == 1
    complete = answer.json["collection"][0]
    assert (complete["id"], complete["name"], complete["attributes"]) == (1, "complete", ["daily", "hourly"])
    rels = _rels(complete)
    assert rels["datacenter"].endswith("/api/admin/datacenters/1")
    assert rels["template"].endswith("/api/config/backups/1")
    assert rels["edit"].endswith(f"{BACKUPS}/1")
    assert contract_errors("backups", answer.json) == []
    assert api.get(f"{BACKUPS}/1").json == complete


def test_post_enables_a_template_in_a_datacenter(api):
    body = {"attributes": ["WEEKLY_PLANNED", "monthly", "daily"], "links": [_template(2)]}
    answer = api.post(BACKUPS, body, media="backup")
    assert answer.status == 201, answer.text
    assert (answer.json["name"], answer.json["attributes"]) == ("snapshot", ["daily", "weekly_planned", "monthly"])
    assert api.get(f"{BACKUPS}/{answer.json['id']}").json == answer.json
    assert api.get(BACKUPS).json["totalSize"] == 2


def test_put_changes_the_granularities_and_delete_disables_the_template(api):
    complete = api.get(f"{BACKUPS}/1").json
    answer = api.put(f"{BACKUPS}/1", {**complete, "attributes": ["defined_hour"]}, media="backup")
    assert answer.status == 200 and answer.json["attributes"] == ["defined_hour"]
    assert api.delete(f"{BACKUPS}/1").status == 204
    assert api.get(f"{BACKUPS}/1").codes == ["BC-3"]
    assert api.get(BACKUPS).json["totalSize"] == 0


def test_put_of_the_collection_keeps_exactly_the_listed_templates(api):
    body = {
        "links": [],
        "totalSize": 2,
        "collection": [
            {"attributes": ["monthly"], "links": [_template(1)]},
            {"attributes": ["hourly"], "links": [_template(3)]},
        ],
    }
    answer = api.put(BACKUPS, body, media="backups")
    assert answer.status == 200, answer.text
    listed = {b["name"]: (b["id"], b["attributes"]) for b in api.get(BACKUPS).json["collection"]}
    assert listed["complete"] == (1, ["monthly"])  # kept its id
    assert set(listed) == {"complete", "filesystem"} and listed["filesystem"][1] == ["hourly"]


@pytest.mark.parametrize(
    "method, path, body, status, code",
    [
        ("post", BACKUPS, {"attributes": ["daily"], "links": [_template(1)]}, 409, "BC-2"),
        ("post", BACKUPS, {"attributes": ["yearly"], "links": [_template(2)]}, 400, "BC-4"),
        ("post", BACKUPS, {"attributes": [3], "links": [_template(2)]}, 400, "BC-4"),
        ("post", BACKUPS, {"attributes": "daily", "links": [_template(2)]}, 400, "GEN-2"),
        ("post", BACKUPS, {"attributes": ["daily"]}, 400, "GEN-6"),
        ("post", BACKUPS, {"attributes": ["daily"], "links": [{"rel": "template", "href": "complete"}]}, 400, "GEN-6"),
        ("post", BACKUPS, {"attributes": ["daily"], "links": [_template(9)]}, 404, "BC-1"),
        ("post", BACKUPS, {"attributes": ["daily"], "enabled": True, "links": [_template(2)]}, 400, "GEN-2"),
        ("post", "/api/admin/datacenters/9/backups", {"links": [_template(2)]}, 404, "DC-0"),
        ("put", f"{BACKUPS}/1", {"attributes": ["weekly"]}, 400, "BC-4"),
        ("put", f"{BACKUPS}/2", {"attributes": ["daily"]}, 404, "BC-3"),  # belongs to datacenter 2
        (
            "put",
            BACKUPS,
            {"links": [], "totalSize": 2, "collection": [{"links": [_template(2)]}, {"links": [_template(2)]}]},
            409,
            "BC-2",
        ),
        (
            "put",
            BACKUPS,
            {"links": [], "totalSize": 1, "collection": [{"attributes": ["often"], "links": [_template(2)]}]},
            400,
            "BC-4",
        ),
        ("put", BACKUPS, {"backups": []}, 400, "GEN-2"),
        ("delete", f"{BACKUPS}/9", None, 404, "BC-3"),
    ],
)
def test_invalid_changes_are_refused_and_change_nothing(inproc, store, method, path, body, status, code):
    before = store.dump()
    media = "backups" if path == BACKUPS and method == "put" else "backup"
    answer = getattr(inproc, method)(path, body, media=media) if body is not None else inproc.delete(path)
    assert (answer.status, answer.codes) == (status, [code]), answer.text
    assert store.dump() == before


def test_only_a_backup_configuration_manager_may_change_it(api):
    for answer in (
        api.post(BACKUPS, {"links": [_template(2)]}, media="backup", user="entadmin"),
        api.put(f"{BACKUPS}/1", {"attributes": []}, media="backup", user="entadmin"),
        api.delete(f"{BACKUPS}/1", user="entadmin"),
        api.get(BACKUPS, user="entadmin"),
    ):
        assert (answer.status, answer.codes) == (403, ["403-FORBIDDEN"])
    assert api.get(f"{BACKUPS}/1").json["attributes"] == ["daily", "hourly"]
