"""A VM is assigned whole backup policies: policyBindings "specifies all the backup types in the backup policy or
policies that are assigned to this virtual machine". A PUT naming only part of a policy is refused (400 BC-14,
"Missing backup values"), and every scenario and every generated world holds whole policies."""

from __future__ import annotations

import pytest
from abiquo_mock.contracts.generate import Policy, Seat, policy_bound
from abiquo_mock.mockserver.app import create_app
from abiquo_mock.mockserver.extensions import store_of
from abiquo_mock.mockserver.scenarios import names
from hypothesis import HealthCheck, given, settings

VM3 = "/api/cloud/virtualdatacenters/1/virtualappliances/1/virtualmachines/3"  # web-03, not deployed, GOLD


def partial_bindings(world: dict) -> list[str]:
    """Each VM binding of a world that holds only part of its policy, as 'vm: CODE lacks type/granularity'."""
    policies = {
        (p["datacenter"], p["code"]): {(c["type"].lower(), c["period"].lower()) for c in p["backupConfigurations"]}
        for p in world.get("backuppolicies", [])
    }
    datacenter_of = {vm["id"]: vm["datacenter"] for vm in world.get("virtualmachines", [])}
    found = []
    for vm in world.get("virtualmachines", []):
        bound: dict[str, set] = {}
        for kind, granularities in ((vm.get("metadata") or {}).get("policyBindings") or {}).items():
            for granularity, code in granularities.items():
                bound.setdefault(code, set()).add((kind, granularity))
        for code, pairs in bound.items():
            for kind, granularity in sorted(policies[(datacenter_of[vm["id"]], code)] - pairs):
                found.append(f"{vm['name']}: {code} lacks {kind}/{granularity}")
    return found


@pytest.mark.parametrize("scenario", names())
def test_every_scenario_holds_whole_policies(scenario):
    app = create_app({"DB_PATH": None, "SCENARIO": scenario, "CONTROL_ENABLED": False, "FSYNC": False})
    assert partial_bindings(store_of(app).dump()) == []


def test_binding_part_of_a_policy_is_refused_and_changes_nothing(inproc, store):
    before = store.dump()
    metadata = inproc.get(f"{VM3}/metadata").json["metadata"]
    del metadata["policyBindings"]["complete"]["hourly"]
    del metadata["backupSchedule"]["complete"]["hourly"]
    answer = inproc.put(f"{VM3}/metadata", media="metadata", body={"metadata": metadata})
    assert (answer.status, answer.codes) == (400, ["BC-14"]), answer.text
    assert (
        "GOLD" in answer.json["collection"][0]["message"]
        and "complete/hourly" in answer.json["collection"][0]["message"]
    )
    assert store.dump() == before


def test_binding_the_whole_policy_is_accepted(inproc):
    metadata = inproc.get(f"{VM3}/metadata").json["metadata"]
    metadata["backupSchedule"]["complete"]["hourly"]["disks"] = ["302"]
    assert inproc.put(f"{VM3}/metadata", media="metadata", body={"metadata": metadata}).status == 200


GOLD = Policy(
    "GOLD",
    (
        ("complete", "daily", {"type": "COMPLETE", "period": "DAILY", "time": "22:00:00 +0100"}),
        ("complete", "hourly", {"type": "COMPLETE", "period": "HOURLY", "time": "4"}),
    ),
)
SILVER = Policy("SILVER", (("snapshot", "weekly_planned", {"type": "SNAPSHOT", "period": "WEEKLY_PLANNED"}),))
OVERLAP = Policy("OVERLAP", (("complete", "daily", {"type": "COMPLETE", "period": "DAILY"}),))


@settings(max_examples=40, deadline=None, suppress_health_check=[HealthCheck.too_slow])
@given(policy_bound(Seat(vm=1, datacenter=1, policies=(GOLD, SILVER, OVERLAP), legacy=(), multiple=True)))
def test_generated_worlds_bind_whole_policies(metadata):
    bound: dict[str, set] = {}
    for kind, granularities in metadata["policyBindings"].items():
        for granularity, code in granularities.items():
            bound.setdefault(code, set()).add((kind, granularity))
    for policy in (GOLD, SILVER, OVERLAP):
        if policy.code in bound:
            assert bound[policy.code] == {(k, g) for k, g, _ in policy.configurations}
