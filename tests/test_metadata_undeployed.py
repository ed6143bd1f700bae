"""Metadata writes on a VM that is not deployed reach every check (no BC-36 stops them first): what the
contract refuses, the server refuses, and what it accepts, the contract allows."""

from __future__ import annotations

import pytest

from .support import contract_errors

WEB03 = "/api/cloud/virtualdatacenters/1/virtualappliances/1/virtualmachines/3"  # NOT_ALLOCATED in the demo


@pytest.mark.parametrize(
    ("envelope", "code"),
    [
        ({"links": None, "metadata": None}, "GEN-2"),
        ({"links": [[None, None]], "metadata": None}, "GEN-2"),
        ({"links": [{"rel": "edit"}], "metadata": None}, "GEN-2"),
        ({"links": [], "metadata": {"backupSchedule": {"policies": {}}}}, "BC-14"),
        ({"links": [], "metadata": {"backupSchedule": {"policies": [""]}}}, "BC-14"),
    ],
)
def test_what_the_contract_refuses_is_refused_and_changes_nothing(api, envelope, code):
    before = api.get(f"{WEB03}/metadata").json
    answer = api.put(f"{WEB03}/metadata", media="metadata", body=envelope)
    assert (answer.status, answer.codes) == (400, [code])
    assert api.get(f"{WEB03}/metadata").json == before


def test_integer_disks_and_null_bindings_are_accepted_as_the_contract_says(api):
    metadata = {"backupSchedule": {"complete": {"daily": {"time": "00:00:00 +0000", "disks": [7]}}}}
    envelope = {"links": [], "metadata": {**metadata, "policyBindings": None}}
    answer = api.put(f"{WEB03}/metadata", media="metadata", body=envelope)
    assert answer.status == 200, answer.text
    assert answer.json["metadata"]["backupSchedule"]["complete"]["daily"]["disks"] == ["7"]
    assert [e for e in contract_errors("metadata", envelope) if "null" not in e] == []
