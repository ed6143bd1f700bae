"""The console's JSON (under /_mock/console/api): what the pages show, switched off and guarded with the
control API, searched and paged on the server, and refusing bad input without changing anything."""

from __future__ import annotations

import pytest
from abiquo_mock.mockserver.app import create_app
from abiquo_mock.mockserver.console.views import STATIC
from abiquo_mock.mockserver.extensions import DOOR_ROUTES, store_of

from benchmarks.world import build_world

API = "/_mock/console/api"


def _client(scenario: str = "demo", **config):
    return create_app({"DB_PATH": None, "SCENARIO": scenario, **config}).test_client()


def _cells(client, vm: int) -> dict:
    answer = client.get(f"{API}/virtualmachines/{vm}")
    assert answer.status_code == 200, answer.get_data(as_text=True)
    return answer.get_json()["schedule"]["cells"]


def _sources(cell: dict) -> dict:
    return {f["field"]: f["source"] for f in cell["fields"]}


def test_each_schedule_value_says_where_it_comes_from():
    client = _client()
    cells = _cells(client, 2)  # web-02: GOLD fixes the daily time, NAFS leaves time and days NOT_APPLY
    assert _sources(cells["complete/daily"]) == {"time": "policy", "disks": "vm"}
    assert _sources(cells["filesystem/weekly_planned"]) == {"time": "not-apply", "days": "not-apply", "paths": "vm"}
    assert (cells["filesystem/weekly_planned"]["notApply"], cells["complete/daily"]["notApply"]) == (True, False)
    legacy = _cells(client, 4)["snapshot/weekly_planned"]  # db-01: no binding, the VM defines everything
    assert legacy["code"] is None and set(_sources(legacy).values()) == {"vm"}
    assert legacy["fields"][1] == {"field": "days", "value": ["monday", "thursday"], "source": "vm"}


def test_a_defined_hour_splits_into_the_date_the_vm_chose_and_the_time_the_policy_fixed():
    cell = _cells(_client("policies-3.8.5"), 3)["complete/defined_hour"]
    assert cell["code"] == "XMAS"
    assert cell["fields"][:2] == [
        {"field": "date", "value": "2026/06/01", "source": "vm"},
        {"field": "time", "value": "02:00:00 +0000", "source": "policy"},
    ]


def test_a_vm_shows_its_bindings_results_and_custom_keys():
    client = _client("policies-3.8.5")
    vm = client.get(f"{API}/virtualmachines/4").get_json()
    assert [r["id"] for r in vm["results"]] == ["bk-4-1", "bk-4-2"]
    assert vm["results"][0]["restore"] == "requested"
    assert all(b["policy"] and b["policy"]["datacenter"] == vm["datacenter"]["id"] for b in vm["bindings"])
    web01 = _client().get(f"{API}/virtualmachines/1").get_json()
    assert set(web01["customKeys"]) == {"chef"}
    assert web01["document"]["metadata"]["chef"] == web01["customKeys"]["chef"]


def test_the_world_tree_and_allowed_policies():
    world = _client().get(f"{API}/world").get_json()
    barcelona = world["datacenters"][0]
    assert [m["vms"] for m in barcelona["racks"][0]["machines"]] == [2, 2]  # web-01 + erp-01, web-02 + tools-01
    assert [p["code"] for p in barcelona["policies"] if p["notApply"]] == ["NAFS"]
    globex = next(e for e in world["enterprises"] if e["name"] == "Globex")
    assert [lim["allowed"] for lim in globex["limits"]] == [[]]
    assert world["counts"]["virtualmachines"] == 7


@pytest.fixture(scope="module")
def big():
    app = create_app({"DB_PATH": None})
    store_of(app).replace_all(build_world(10_000))
    return app.test_client()


def test_ten_thousand_vms_are_searched_and_paged_on_the_server(big):
    first = big.get(f"{API}/virtualmachines?limit=50").get_json()
    assert (first["totalSize"], len(first["collection"])) == (10_007, 50)
    found = big.get(f"{API}/virtualmachines?search=bench-vm-0999&limit=50").get_json()
    assert [vm["name"] for vm in found["collection"]] == [f"bench-vm-0999{n}" for n in range(10)]
    page = big.get(f"{API}/virtualmachines?state=NOT_ALLOCATED&startwith=100&limit=25").get_json()
    # one generated VM in four is undeployed, plus the demo's web-03 and db-02
    assert page["totalSize"] == 2_500 + 2 and len(page["collection"]) == 25
    assert all(vm["state"] == "NOT_ALLOCATED" and vm["machine"] is None for vm in page["collection"])
    assert page["collection"][0]["id"] > first["collection"][-1]["id"]


@pytest.mark.parametrize(
    ("query", "code"),
    [("limit=x", "GEN-22"), ("limit=501", "GEN-22"), ("startwith=-1", "GEN-22"), ("datacenter=1e3", "GEN-22")],
)
def test_bad_paging_is_refused(query, code):
    answer = _client().get(f"{API}/virtualmachines?{query}")
    assert (answer.status_code, answer.get_json()["collection"][0]["code"]) == (400, code)


def test_unknown_vm_and_datacenter_are_404():
    client = _client()
    assert client.get(f"{API}/virtualmachines/99").get_json()["collection"][0]["code"] == "VM-1"
    assert client.get(f"{API}/datacenters/9").get_json()["collection"][0]["code"] == "DC-0"


def test_datacenter_policies_show_each_field_mode():
    dc = _client().get(f"{API}/datacenters/1").get_json()
    modes = {
        p["code"]: [(f["field"], f["mode"]) for c in p["configurations"] for f in c["fields"]] for p in dc["policies"]
    }
    assert modes["NAFS"] == [("time", "not-apply"), ("days", "not-apply")]
    assert modes["SILVER"] == [("time", "policy"), ("days", "vm")]
    assert [vm["name"] for vm in dc["policies"][0]["boundVms"]] == ["web-02", "web-03"]


def test_properties_are_edited_with_the_api_rules():
    client = _client()
    url = f"{API}/datacenters/1/backupproperties"
    body = {"multipleRestore": True, "multiplePolicies": True, "updateWhileDeployed": True}
    assert client.put(url, json=body).status_code == 200
    assert client.get(f"{API}/datacenters/1").get_json()["properties"]["updateWhileDeployed"] is True
    refused = client.put(url, json={**body, "multiplePolicies": False})  # web-02 holds GOLD and NAFS
    assert (refused.status_code, refused.get_json()["collection"][0]["code"]) == (409, "BC-27")
    assert client.put(url, json={"multipleRestore": "yes"}).status_code == 400
    assert client.get(f"{API}/datacenters/1").get_json()["properties"] == body


def test_the_console_is_off_with_the_control_api_and_needs_its_token():
    off = _client(CONTROL_ENABLED=False)
    assert off.get("/_mock/console/").status_code == 404
    assert off.get(f"{API}/world").status_code == 404
    guarded = _client(CONTROL_TOKEN="s3cret")
    assert guarded.get(f"{API}/world").status_code == 401
    assert guarded.get(f"{API}/virtualmachines/1", headers={"X-Mock-Token": "wrong"}).status_code == 401
    assert guarded.get(f"{API}/world", headers={"X-Mock-Token": "s3cret"}).status_code == 200
    page = guarded.get("/_mock/console/")  # the page itself holds no data
    assert page.status_code == 200 and b"console.js" in page.data


def test_the_console_fetches_nothing_from_elsewhere():
    client = _client()
    assets = [f"/_mock/console/static/{path.name}" for path in STATIC.iterdir()]
    assert len(assets) >= 4
    for name in ("/_mock/console/", *assets):
        answer = client.get(name)
        assert answer.status_code == 200, name
        text = answer.get_data(as_text=True)
        assert "http://" not in text and "https://" not in text and "//cdn" not in text, name


def test_events_feed_pages_after_an_id():
    client = _client()
    admin = {"Authorization": "Basic YWRtaW46eGFiaXF1bw=="}
    body = {"multipleRestore": True, "multiplePolicies": True, "updateWhileDeployed": True}
    for _ in range(3):
        client.put(
            "/api/admin/datacenters/1/backupproperties",
            json=body,
            headers={**admin, "Content-Type": "application/vnd.abiquo.backupdatacenterproperties+json"},
        )
    everything = client.get(f"{API}/events").get_json()["collection"]
    assert len(everything) == 3 and everything[0]["id"] > everything[-1]["id"]  # newest first
    newer = client.get(f"{API}/events?after={everything[1]['id']}").get_json()["collection"]
    assert [e["id"] for e in newer] == [everything[0]["id"]]


def test_the_vm_list_follows_every_write():
    client = _client()
    row = client.get(f"{API}/virtualmachines?search=web-03").get_json()["collection"][0]
    assert (row["state"], row["machineName"]) == ("NOT_ALLOCATED", None)
    client.put("/_mock/virtualmachines/3/state", json={"state": "ON"})
    row = client.get(f"{API}/virtualmachines?search=web-03").get_json()["collection"][0]
    assert (row["state"], row["machineName"]) == ("ON", "esx-bcn-01")
    client.post("/_mock/reset", json={"scenario": "empty"})
    assert client.get(f"{API}/virtualmachines").get_json()["totalSize"] == 0


def test_the_events_feed_names_the_live_stream_only_where_the_server_has_one():
    app = create_app({"DB_PATH": None, "SCENARIO": "demo"})
    client = app.test_client()
    served = app.extensions[DOOR_ROUTES].pop("/m/stream")  # a server without the stream context
    assert "stream" not in client.get(f"{API}/events").get_json()
    app.extensions[DOOR_ROUTES]["/m/stream"] = served
    stream = client.get(f"{API}/events").get_json()["stream"]
    assert stream == {"path": "/_mock/console/api/stream", "user": "admin"}  # admin sees every tenant
    store_of(app).replace_all({"users": [], "roles": []})
    assert "stream" not in client.get(f"{API}/events").get_json()  # nobody could open it
