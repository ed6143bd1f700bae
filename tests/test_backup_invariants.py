"""Random sequences of policy, limit, property and metadata operations, all over the API (in-process), must
keep the binding invariants: no VM bound to a deleted or restricted policy, server-written
``backupSchedule.policies`` equal to the sorted bound codes, no second policy bound where multiple policies
are off, and a refused request changes nothing."""

from __future__ import annotations

import pytest
from abiquo_mock.mockserver.app import create_app
from abiquo_mock.mockserver.extensions import store_of
from hypothesis import HealthCheck, settings
from hypothesis import strategies as st
from hypothesis.stateful import RuleBasedStateMachine, invariant, rule

from tests.support import InProcessApi

CONFIGURATIONS = [
    {"type": "COMPLETE", "period": "DAILY", "time": "01:00:00 +0000"},
    {"type": "COMPLETE", "period": "MONTHLY", "time": "NOT_APPLY"},
    {"type": "FILESYSTEM", "period": "WEEKLY_PLANNED", "days": "NOT_APPLY", "time": "NOT_APPLY"},
    {"type": "SNAPSHOT", "period": "WEEKLY_PLANNED", "days": ["MONDAY"]},
]
VMS = {1: (1, 1), 2: (1, 1), 3: (1, 1), 4: (2, 2), 5: (2, 2), 6: (3, 3), 7: (4, 4)}  # vm -> (vdc, vapp)
USERS = ["admin", "entadmin", "user"]


def bound_codes(metadata) -> set[str]:
    bindings = (metadata or {}).get("policyBindings") or {}
    return {code for granularities in bindings.values() for code in granularities.values()}


class BackupBindings(RuleBasedStateMachine):
    def __init__(self):
        super().__init__()
        self.app = create_app({"DB_PATH": None, "SCENARIO": "demo"})
        self.store = store_of(self.app)
        self.api = InProcessApi(self.app)

    def _request(self, method, path, **kw):
        before = self.store.dump()
        answer = self.api.request(method, path, **kw)
        if answer.status >= 400:
            assert self.store.dump() == before, f"{method} {path} refused {answer.codes} but changed the store"
        return answer

    @rule(
        dc=st.sampled_from([1, 2]),
        code=st.sampled_from(["NEW1", "NEW2", "GOLD"]),
        configurations=st.lists(
            st.sampled_from(CONFIGURATIONS), min_size=1, max_size=3, unique_by=lambda c: (c["type"], c["period"])
        ),
    )
    def create_policy(self, dc, code, configurations):
        self._request(
            "POST",
            f"/api/admin/datacenters/{dc}/backuppolicies",
            media="backuppolicy",
            body={"code": code, "name": code, "backupConfigurations": configurations},
        )

    @rule(index=st.integers(0, 10))
    def delete_policy(self, index):
        policies = self.store.all("backuppolicies")
        if policies:
            policy = policies[index % len(policies)]
            self._request("DELETE", f"/api/admin/datacenters/{policy['datacenter']}/backuppolicies/{policy['id']}")

    @rule(limit_id=st.sampled_from([1, 2, 3, 4, 5]), index=st.integers(0, 10), allow=st.booleans())
    def allow_or_restrict(self, limit_id, index, allow):
        limit = self.store.get("limits", limit_id)
        policies = self.store.find("backuppolicies", datacenter=limit["datacenter"])
        if not policies:
            return
        policy = policies[index % len(policies)]
        body = self.api.get(f"/api/admin/enterprises/{limit['enterprise']}/limits/{limit_id}").json
        mine = f"/{policy['id']}"
        links = [link for link in body["links"] if not (link["rel"] == "backuppolicy" and link["href"].endswith(mine))]
        if allow:
            links.append(
                {
                    "rel": "backuppolicy",
                    "href": f"http://localhost/api/admin/datacenters/{policy['datacenter']}/backuppolicies/{policy['id']}",
                }
            )
        self._request(
            "PUT",
            f"/api/admin/enterprises/{limit['enterprise']}/limits/{limit_id}",
            media="limit",
            body={**body, "links": links},
        )

    @rule(dc=st.sampled_from([1, 2]), values=st.tuples(st.booleans(), st.booleans(), st.booleans()))
    def change_properties(self, dc, values):
        body = dict(zip(("multipleRestore", "multiplePolicies", "updateWhileDeployed"), values, strict=False))
        self._request(
            "PUT", f"/api/admin/datacenters/{dc}/backupproperties", media="backupdatacenterproperties", body=body
        )

    @rule(
        vm=st.sampled_from([3, 3, 5, 2, 4, 6]),
        user=st.sampled_from(USERS),
        data=st.data(),
        with_disks=st.booleans(),
        unknown_code=st.sampled_from([False, False, False, True]),
    )
    def put_metadata(self, vm, user, data, with_disks, unknown_code):
        """Bindings to policies of the VM's datacenter (allowed or not), with the values a client would send."""
        dc = self.store.get("virtualmachines", vm)["datacenter"]
        policies = self.store.find("backuppolicies", datacenter=dc)
        chosen = (
            data.draw(st.lists(st.sampled_from(policies), min_size=1, max_size=2, unique_by=lambda p: p["id"]))
            if policies
            else []
        )
        policy_bindings, schedule = {}, {}
        for policy in chosen:
            configuration = data.draw(st.sampled_from(policy["backupConfigurations"]))
            backup_type, granularity = configuration["type"].lower(), configuration["period"].lower()
            policy_bindings.setdefault(backup_type, {})[granularity] = "NOPE" if unknown_code else policy["code"]
            schedule.setdefault(backup_type, {})[granularity] = self._entry(configuration, with_disks)
        multiple_before = self._properties(vm)["multiplePolicies"]
        answer = self._request(
            "PUT",
            self._path(vm),
            user=user,
            media="metadata",
            body={"links": [], "metadata": {"policyBindings": policy_bindings, "backupSchedule": schedule}},
        )
        if answer.status == 200 and not multiple_before:
            assert len(bound_codes(answer.json["metadata"])) <= 1

    @staticmethod
    def _entry(configuration, with_disks):
        entry = {}
        if "time" not in configuration:
            entry["time"] = {"HOURLY": "3", "DEFINED_HOUR": "2027/01/01 01:00:00 +0000"}.get(
                configuration["period"], "01:00:00 +0000"
            )
        if configuration["period"] == "WEEKLY_PLANNED" and "days" not in configuration:
            entry["monday"] = "true"
        if with_disks and configuration["type"] != "FILESYSTEM":
            entry["disks"] = ["1"]
        return entry

    @rule(vm=st.sampled_from(sorted(VMS)))
    def delete_metadata(self, vm):
        self._request("DELETE", self._path(vm))

    def _path(self, vm):
        vdc, vapp = VMS[vm]
        return f"/api/cloud/virtualdatacenters/{vdc}/virtualappliances/{vapp}/virtualmachines/{vm}/metadata"

    def _properties(self, vm):
        dc = self.store.get("virtualmachines", vm)["datacenter"]
        return self.store.get("backupproperties", dc) or {"multiplePolicies": False}

    @invariant()
    def bound_policies_exist_and_are_allowed(self):
        for vm in self.store.all("virtualmachines"):
            limit = self.store.first("limits", enterprise=vm["enterprise"], datacenter=vm["datacenter"])
            for code in bound_codes(vm["metadata"]):
                policy = self.store.first("backuppolicies", datacenter=vm["datacenter"], code=code)
                assert policy is not None, f"vm {vm['id']} bound to deleted policy {code}"
                assert policy["id"] in limit["backuppolicies"], f"vm {vm['id']} bound to restricted policy {code}"

    @invariant()
    def policies_are_the_sorted_bound_codes(self):
        for vm in self.store.all("virtualmachines"):
            schedule = (vm["metadata"] or {}).get("backupSchedule") or {}
            if "policies" in schedule:
                assert schedule["policies"] == sorted(bound_codes(vm["metadata"])), vm["id"]


TestBackupBindings = pytest.mark.slow(BackupBindings.TestCase)
TestBackupBindings.settings = settings(
    max_examples=40, stateful_step_count=20, deadline=None, derandomize=True, suppress_health_check=list(HealthCheck)
)
