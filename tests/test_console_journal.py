"""What the console's journal shows beside each accepted metadata write: the VM's metadata before and after,
and the difference, so that a key a connector dropped is named."""

from __future__ import annotations

from abiquo_mock.mockserver.console.changes import diff

VM1 = "/api/cloud/virtualdatacenters/1/virtualappliances/1/virtualmachines/1"
VM2 = "/api/cloud/virtualdatacenters/1/virtualappliances/1/virtualmachines/2"
CHANGES = "/_mock/console/api/metadatachanges"


def _changes(api) -> list[dict]:
    answer = api.get(CHANGES, user=None)
    assert answer.status == 200, answer.text
    return answer.json["collection"]


def test_a_write_that_drops_a_key_is_shown_removed(inproc):
    stored = inproc.get(f"{VM1}/metadata").json["metadata"]
    without_chef = {k: v for k, v in stored.items() if k != "chef"}
    assert inproc.put(f"{VM1}/metadata", body={"metadata": without_chef}, media="metadata").status == 200
    change = _changes(inproc)[0]
    assert (change["method"], change["path"], change["vm"]) == ("PUT", f"{VM1}/metadata", 1)
    assert change["diff"] == [{"path": "chef", "change": "removed", "before": stored["chef"]}]
    assert change["before"] == stored and change["after"] == without_chef


def test_a_restore_request_shows_on_the_result(inproc):
    results = inproc.get(f"{VM1}/metadata").json["metadata"]["backupResults"]["results"]
    answer = inproc.post(f"{VM1}/action/restorebackup", body=results[0], media="restore")
    assert answer.status == 204, answer.text
    assert _changes(inproc)[0]["diff"] == [
        {"path": "backupResults.results[0].restore", "change": "added", "after": "requested"}
    ]


def test_a_refused_write_records_no_change(inproc):
    stored = inproc.get(f"{VM2}/metadata").json["metadata"]
    bindings = {**stored["policyBindings"], "complete": {"daily": "SILVER"}}  # web-02 is deployed: BC-36
    answer = inproc.put(f"{VM2}/metadata", body={"metadata": {**stored, "policyBindings": bindings}}, media="metadata")
    assert answer.status == 409
    assert _changes(inproc) == []


def test_changes_are_newest_first_and_paged_after_an_id(inproc):
    for n in range(3):
        stored = inproc.get(f"{VM1}/metadata").json["metadata"]
        inproc.put(f"{VM1}/metadata", body={"metadata": {**stored, "run": n}}, media="metadata")
    changes = _changes(inproc)
    assert [c["diff"][0]["change"] for c in changes] == ["changed", "changed", "added"]
    after = inproc.get(f"{CHANGES}?after={changes[1]['id']}", user=None).json["collection"]
    assert [c["id"] for c in after] == [changes[0]["id"]]


def test_the_difference_names_keys_and_list_items():
    before = {"a": 1, "chef": "x", "r": {"results": [{"id": 1}]}}
    after = {"a": 2, "r": {"results": [{"id": 1, "restore": "requested"}, {"id": 2}]}}
    assert [(d["path"], d["change"]) for d in diff(before, after)] == [
        ("a", "changed"),
        ("chef", "removed"),
        ("r.results[0].restore", "added"),
        ("r.results[1]", "added"),
    ]
    assert diff(None, {"a": 1}) == [{"path": "(metadata)", "change": "changed", "before": None, "after": {"a": 1}}]
    assert diff(after, after) == []
