"""The demo world's VM metadata paths and the writes the metadata tests make: a PUT, bindings, a policy added."""

from __future__ import annotations

VM = "/api/cloud/virtualdatacenters/{vdc}/virtualappliances/{vapp}/virtualmachines/{vm}/metadata"
WEB01, WEB02, WEB03 = (VM.format(vdc=1, vapp=1, vm=n) for n in (1, 2, 3))
DB02 = VM.format(vdc=2, vapp=2, vm=5)


def put(api, path, metadata, user="admin"):
    return api.put(path, body={"links": [], "metadata": metadata}, media="metadata", user=user)


def bound(bindings, schedule=None, **more):
    metadata = {"policyBindings": bindings, **more}
    if schedule is not None:
        metadata["backupSchedule"] = schedule
    return metadata


def add_policy(store, dc, code, configurations, allow_limit=None):
    policy_id = store.insert(
        "backuppolicies",
        {"datacenter": dc, "code": code, "name": code, "description": "", "backupConfigurations": configurations},
    )
    if allow_limit:
        limit = store.get("limits", allow_limit)
        store.put("limits", allow_limit, {**limit, "backuppolicies": limit["backuppolicies"] + [policy_id]})
    return policy_id


def refused(inproc, store, path, metadata, status, code, user="admin"):
    before = store.dump()
    answer = put(inproc, path, metadata, user)
    assert (answer.status, answer.codes) == (status, [code]), answer.text
    assert store.dump() == before
    return answer
