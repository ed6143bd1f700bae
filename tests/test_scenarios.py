"""Every scenario pack satisfies every metadata rule, and serves metadata that matches the contract."""

from __future__ import annotations

import copy
import json

import abiquo_mock.mockserver.backup.upgrade  # noqa: F401  (registers the transform upgraded-3.8.5 derives with)
import jsonschema_rs
import pytest
from abiquo_mock.mockserver import contexts, scenarios
from abiquo_mock.mockserver.app import create_app
from abiquo_mock.mockserver.extensions import store_of
from abiquo_mock.mockserver.metadata.bindings import bound_configurations, bound_pairs
from abiquo_mock.mockserver.metadata.model import checked_metadata, configured_metadata
from abiquo_mock.mockserver.openapi import build
from abiquo_mock.mockserver.security import PRIVILEGES, User

from tests.support import InProcessApi

SCENARIOS = ["demo", "legacy-3.8", "policies-3.8.5", "not-apply", "upgraded-3.8.5"]
ADMIN = User(1, "admin", 1, 1, frozenset(PRIVILEGES))


def served(name: str):
    app = create_app({"DB_PATH": None, "SCENARIO": name})
    return InProcessApi(app), store_of(app)


def metadata_path(vm: dict) -> str:
    return (
        f"/api/cloud/virtualdatacenters/{vm['virtualdatacenter']}/virtualappliances/"
        f"{vm['virtualappliance']}/virtualmachines/{vm['id']}/metadata"
    )


@pytest.mark.parametrize("name", SCENARIOS)
def test_every_vm_metadata_put_back_is_accepted_unchanged(name):
    api, store = served(name)
    for dc in store.all("datacenters"):
        store.put(
            "backupproperties",
            dc["id"],
            {"multipleRestore": False, "multiplePolicies": False, "updateWhileDeployed": True},
        )
    for vm in store.all("virtualmachines"):
        stored = json.dumps(vm["metadata"])
        answer = api.put(metadata_path(vm), body={"links": [], "metadata": vm["metadata"]}, media="metadata")
        assert answer.status == 200, f"{name} vm {vm['id']}: {answer.text}"
        assert json.dumps(store.get("virtualmachines", vm["id"])["metadata"]) == stored


@pytest.mark.parametrize("name", ["demo", "policies-3.8.5", "not-apply", "legacy-3.8"])
def test_every_vm_metadata_is_what_the_policy_steps_would_write(name):
    _, store = served(name)
    for vm in store.all("virtualmachines"):
        if vm["metadata"] is None:
            continue
        rewritten = configured_metadata(
            store, ADMIN, vm, checked_metadata(copy.deepcopy(vm["metadata"])), vm["metadata"]
        )
        assert rewritten == vm["metadata"], f"{name} vm {vm['id']}"


@pytest.mark.parametrize("name", SCENARIOS)
def test_every_binding_names_an_allowed_policy_with_that_configuration(name):
    _, store = served(name)
    for vm in store.all("virtualmachines"):
        metadata = vm["metadata"] or {}
        pairs = bound_pairs(metadata.get("policyBindings"))
        configurations = bound_configurations(store, vm, pairs)
        schedule = metadata.get("backupSchedule") or {}
        if pairs:
            assert {(t, g) for t in schedule if t != "policies" for g in schedule[t]} <= set(configurations)


def _openapi_to_json_schema(node):
    """OpenAPI 3.0's `nullable` as JSON Schema, so that a plain validator reads the generated contract."""
    if isinstance(node, list):
        return [_openapi_to_json_schema(n) for n in node]
    if not isinstance(node, dict):
        return node
    converted = {k: _openapi_to_json_schema(v) for k, v in node.items() if k != "nullable"}
    return {"anyOf": [converted, {"type": "null"}]} if node.get("nullable") else converted


@pytest.fixture(scope="module")
def envelope_validator():
    components = _openapi_to_json_schema(build()["components"])
    return jsonschema_rs.Draft7Validator({"components": components, "$ref": "#/components/schemas/Metadata"})


@pytest.mark.parametrize("name", SCENARIOS)
def test_every_served_metadata_matches_the_contract(name, envelope_validator):
    api, store = served(name)
    for vm in store.all("virtualmachines"):
        body = api.get(metadata_path(vm)).json
        errors = [e.message for e in envelope_validator.iter_errors(body)]
        assert not errors, f"{name} vm {vm['id']}: {errors}"


def test_the_contract_refuses_what_the_server_refuses(envelope_validator):
    assert envelope_validator.is_valid({"links": [], "metadata": None})
    for wrong in (
        {"metadata": {"backupSchedule": {"incremental": {}}}},
        {"metadata": {"backupSchedule": {"complete": {"daily": {"time": "25:00:00 +0000"}}}}},
        {"metadata": {"backupSchedule": {"filesystem": {"daily": {"disks": ["1"]}}}}},
        {"metadata": {"backupResults": {"results": [{"status": "complete"}]}}},
        {"metadata": {"policyBindings": {"complete": {"yearly": "GOLD"}}}},
    ):
        assert not envelope_validator.is_valid(wrong), wrong


def test_scenarios_meant_for_connectors_are_tagged_and_name_real_vms():
    for name in SCENARIOS[1:]:
        info = scenarios.describe(name)
        assert "integration" in info["tags"]
        vms = {vm["id"] for vm in scenarios.world(name, contexts.transforms())["virtualmachines"]}
        for refusal in info["integration"].get("expectedRefusals", []):
            assert refusal["vm"] in vms and refusal["code"] and refusal["why"]


def test_a_derived_scenario_loads_in_a_fresh_interpreter_at_app_start():
    """The upgrade transform comes from the table of contexts, whatever was imported before the factory."""
    import subprocess
    import sys

    code = (
        "from abiquo_mock.mockserver.app import create_app; "
        "app = create_app({'SCENARIO': 'upgraded-3.8.5'}); "
        "print(len(app.extensions['abiquo_store'].all('backuppolicies')))"
    )
    done = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True, timeout=60)
    assert done.returncode == 0, done.stderr
    assert int(done.stdout) > 0
