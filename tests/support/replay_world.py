"""Making a captured request legal in the demo world: which entity each path parameter names, what the request
needs to exist first (a fresh policy, a free template, a result to restore), and the ids and hosts in its body."""

from __future__ import annotations

import json
import re
from dataclasses import dataclass

from abiquo_mock.mockserver.http.api import Operation
from abiquo_mock.mockserver.store import Store

# Each path parameter names an entity of the demo world the cloud administrator reaches.
DEMO = {
    "dc": 1,
    "rack": 1,
    "machine": 1,
    "enterprise": 2,
    "limit": 3,
    "user": 2,
    "role": 1,
    "loc": 1,
    "policy": 1,
    "template": 1,
    "backup": 1,
    "vdc": 1,
    "vapp": 1,
    "vm": 1,
}
GRANULARITIES = ["daily", "hourly"]
HOST = re.compile(r"https?://localhost:90(?:00|09)/api")


@dataclass
class Request:
    path: str
    query: str
    body: str | None


def _fresh_policy(store: Store, values: dict) -> None:
    """A policy no VM is bound to, which may be changed or deleted."""
    values["policy"] = store.insert(
        "backuppolicies",
        {
            "datacenter": values["dc"],
            "code": "REPLAY",
            "name": "Replay",
            "description": "",
            "backupConfigurations": [{"type": "COMPLETE", "period": "DAILY"}],
        },
    )


def _weekly_policy(store: Store, values: dict) -> None:
    """A policy with a daily and a weekly configuration, as the captured one: the weekly one names its days."""
    values["policy"] = store.insert(
        "backuppolicies",
        {
            "datacenter": values["dc"],
            "code": "WEEKLY",
            "name": "Weekly",
            "description": "",
            "backupConfigurations": [
                {"type": "COMPLETE", "period": "DAILY", "time": "12:00:00 +0200"},
                {"type": "SNAPSHOT", "period": "WEEKLY_PLANNED", "days": ["TUESDAY", "THURSDAY"]},
            ],
        },
    )


def _session(store: Store, values: dict) -> None:
    """The cloud administrator holds a session (a login with Basic credentials opens one)."""
    from abiquo_mock.mockserver.http import sessions
    from abiquo_mock.mockserver.security import user_from_docs

    sessions.of(store).open(user_from_docs(store.get("users", 1), store.get("roles", 1)))


def _events(store: Store, values: dict) -> None:
    """The event log has something to show: what a metadata write records."""
    from abiquo_mock.mockserver.events.model import record
    from abiquo_mock.mockserver.security import user_from_docs

    vm = store.get("virtualmachines", 1)
    admin = user_from_docs(store.get("users", 1), store.get("roles", 1))
    record(store, admin, "VIRTUAL_MACHINE", "METADATA_MODIFIED", enterprise=2, entity="/x", vm=vm)


# op_id -> (path values over DEMO, a preparation of the store, id mapping for the body's links)
PLANS = {
    "updateBackupPolicy": ({}, _fresh_policy),
    "deleteBackupPolicy": ({}, _fresh_policy),
    "createLimit": ({"enterprise": 3, "dc": 2}, None),
    "updateLimit": ({"enterprise": 1, "limit": 2, "dc": 2}, None),  # no VM holds its policies
    "deleteLimit": ({"enterprise": 1, "limit": 2}, None),
    "createDatacenterBackup": ({"template": 2}, None),
    "updateMetadata": ({"vdc": 2, "vapp": 2, "vm": 5}, None),
    "deleteMetadata": ({"vdc": 2, "vapp": 2, "vm": 5}, None),
    "getUser": ({"enterprise": 1, "user": 1}, None),
    "listEvents": ({}, _events),
    "getBackupPolicy": ({}, _weekly_policy),
    "listSessions": ({}, _session),
}


def prepare(store: Store, exchange, op: Operation) -> Request:
    overrides, setup = PLANS.get(op.op_id, ({}, None))
    values = {**DEMO, **overrides}
    if setup is not None:
        setup(store, values)
    path = "/api" + re.sub(r"<(?:\w+:)?(\w+)>", lambda m: str(values[m.group(1)]), op.rule)
    body = exchange.request if exchange.request and exchange.request.strip() else None
    if body is not None:
        body = _legal_body(body, op, values)
    return Request(path, exchange.query, body)


def _legal_body(text: str, op: Operation, values: dict) -> str:
    text = HOST.sub("http://localhost/api", text)
    text = re.sub(r"/admin/datacenters/\d+", f"/admin/datacenters/{values['dc']}", text)
    text = re.sub(r"/admin/enterprises/\d+", f"/admin/enterprises/{values['enterprise']}", text)
    text = re.sub(r"/config/backups/\d+", f"/config/backups/{values['template']}", text)
    try:
        document = json.loads(text)
    except ValueError:
        return text
    fix = BODY_FIXES.get(op.op_id)
    return json.dumps(fix(document, values) if fix else document)


def _policy_links(document: dict, values: dict) -> dict:
    allowed = {1: [1, 2], 2: [4]}[values["dc"]] if values["dc"] in (1, 2) else []
    links, used = [], iter(allowed)
    for link in document.get("links", []):
        if link.get("rel") == "backuppolicy":
            chosen = next(used, None)
            if chosen is None:
                continue
            link = {**link, "href": f"http://localhost/api/admin/datacenters/{values['dc']}/backuppolicies/{chosen}"}
        links.append(link)
    return {**document, "links": links}


def _legal_attributes(item: dict) -> dict:
    # the capture's attributes are placeholders ("24"); a datacenter backup enables granularities
    return {**item, "attributes": GRANULARITIES} if "attributes" in item else item


def _datacenter_backups(document: dict, values: dict) -> dict:
    items = []
    for template, item in zip((1, 2, 3), document.get("collection", []), strict=False):
        links = [
            {**link, "href": f"http://localhost/api/config/backups/{template}"}
            if link.get("rel") == "template"
            else link
            for link in item.get("links", [])
        ]
        items.append(_legal_attributes({**item, "links": links}))
    return {**document, "collection": items}


def _restore(document: dict, values: dict) -> dict:
    return {**document, "id": "bk-1-1"}  # a done result of web-01


def _new_policy(document: dict, values: dict) -> dict:
    return {**document, "code": "REPLAYED"}


BODY_FIXES = {
    "createLimit": _policy_links,
    "updateLimit": _policy_links,
    "createDatacenterBackup": lambda d, v: _legal_attributes(d),
    "updateDatacenterBackup": lambda d, v: _legal_attributes(d),
    "replaceDatacenterBackups": _datacenter_backups,
    "restoreBackup": _restore,
    "createBackupPolicy": _new_policy,
}
