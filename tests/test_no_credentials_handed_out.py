"""No answer of the control API or the console carries a password, a Basic credential or the control token, so
that nothing a page (or a neighbour) reads from it lets it act as someone. The world: demo, with passwords no
other text could contain, loaded from a scenarios folder of its own; it is used first (API requests with
credentials, a restore and a deploy through the console, faults, a saved world), so that the journal, the
event log and the metadata changes have something to show.
"""

from __future__ import annotations

import base64
import json
import re

import pytest
import yaml
from abiquo_mock.mockserver.app import create_app
from abiquo_mock.mockserver.extensions import store_of
from abiquo_mock.mockserver.http.api import REGISTRY

from .support import scenarios_folder_of_its_own

TOKEN = "control-token-5be1f0"
VM2 = "/api/cloud/virtualdatacenters/1/virtualappliances/1/virtualmachines/2"
RESTORE = "application/vnd.abiquo.restore+json; version=3.8"
METADATA = "application/vnd.abiquo.metadata+json; version=3.8"


@pytest.fixture
def world(tmp_path, monkeypatch):
    """The demo world whose users have secret-looking passwords, as the scenario 'secret-demo'."""
    scenarios_folder_of_its_own(tmp_path, monkeypatch)
    document = yaml.safe_load((tmp_path / "demo.yaml").read_text())
    document["name"] = "secret-demo"
    for user in document["world"]["users"]:
        user["password"] = f"pw-{user['nick']}-9d41c7"
    (tmp_path / "secret-demo.yaml").write_text(yaml.safe_dump(document, sort_keys=False))
    return document["world"]["users"]


def _secrets(users: list[dict]) -> list[str]:
    found = [TOKEN]
    for user in users:
        pair = f"{user['nick']}:{user['password']}".encode()
        found += [user["password"], base64.b64encode(pair).decode()]
    return found


def _client(users):
    app = create_app({"DB_PATH": None, "SCENARIO": "secret-demo", "CONTROL_TOKEN": TOKEN})
    client = app.test_client()
    client.environ_base["HTTP_X_MOCK_TOKEN"] = TOKEN
    return app, client


def _basic(user: dict) -> dict:
    pair = f"{user['nick']}:{user['password']}".encode()
    return {"Authorization": "Basic " + base64.b64encode(pair).decode()}


def _use_the_world(client, users) -> list:
    """What a day of QA leaves behind; the answers of the control API's writes, which must be clean too."""
    admin = _basic(users[0])
    metadata = client.get(VM2 + "/metadata", headers=admin).get_json()["metadata"]
    metadata["backupResults"] = {"results": [{"id": "r-1", "status": "done", "name": "fs", "type": "filesystem"}]}
    sent = client.put(VM2 + "/metadata", json={"metadata": metadata}, headers={**admin, "Content-Type": METADATA})
    assert sent.status_code == 200, sent.get_data(as_text=True)
    client.get("/api/admin/datacenters", headers=_basic({"nick": "admin", "password": "wrong"}))
    restored = client.post(
        VM2 + "/action/restorebackup", json={"id": "r-1"}, headers={**admin, "Content-Type": RESTORE}
    )
    assert restored.status_code == 204
    answers = []
    answers.append(client.put("/_mock/virtualmachines/3/state", json={"state": "ON", "user": "entadmin"}))
    answers.append(client.post("/_mock/faults", json={"faults": [{"kind": "latency", "delayMs": 1, "times": 1}]}))
    answers.append(client.post("/_mock/console/api/scenarios", json={"name": "saved"}))
    entries = client.get("/_mock/journal").get_json()["collection"]
    answers.append(client.post("/_mock/console/api/replayscript", json={"entries": entries}))
    return answers


def _get_paths(app) -> list[str]:
    """Every GET of the control API and the console, for every VM and datacenter of the world, with the queries
    that show the most (the world downloaded as a scenario, every event, every journal entry)."""
    store = store_of(app)
    values = {
        "vm": [vm["id"] for vm in store.all("virtualmachines")],
        "dc": [dc["id"] for dc in store.all("datacenters")],
    }
    paths = ["/_mock/console/", "/_mock/console/api/scenario?name=download", "/_mock/journal?limit=1000"]
    for op in REGISTRY:
        if op.prefix != "/_mock" or op.method != "GET":
            continue
        names = re.findall(r"\{(\w+)\}", op.path)
        assert len(names) <= 1, op.path
        ids = values[names[0]] if names else [None]
        paths += [op.path.replace("{" + names[0] + "}", str(i)) if names else op.path for i in ids]
    return paths


def test_no_control_or_console_answer_carries_a_password_or_token(world):
    app, client = _client(world)
    secrets = _secrets(world)
    answers = [(answer.request.path, answer) for answer in _use_the_world(client, world)]
    answers += [(path, client.get(path)) for path in _get_paths(app)]
    assert len(answers) > 25
    for path, answer in answers:
        assert answer.status_code < 400, (path, answer.get_data(as_text=True)[:300])
        text = answer.get_data(as_text=True)
        for secret in secrets:
            assert secret not in text, f"{path} hands out {secret!r}"
        assert not re.search(r"Basic [A-Za-z0-9+/]{8,}={0,2}", text), path


def test_the_console_still_restores_and_follows_the_stream_as_a_user_it_names(world):
    _, client = _client(world)
    vm = client.get("/_mock/console/api/virtualmachines/2").get_json()
    assert vm["actor"] == {"user": "admin"}  # who the server acts as: a nick, never a credential
    feed = client.get("/_mock/console/api/events").get_json()["stream"]
    assert feed == {"path": "/_mock/console/api/stream", "user": "admin"}
    restore = {"method": "POST", "path": VM2 + "/action/restorebackup", "headers": {"Content-Type": RESTORE}}
    asked = client.post("/_mock/console/api/requests", json={**restore, "user": "admin", "body": '{"id": "nope"}'})
    assert (asked.get_json()["status"], json.loads(asked.get_json()["body"])["collection"][0]["code"]) == (404, "BC-20")
    read = {"user": "user", "method": "GET", "path": VM2 + "/metadata", "headers": {"Accept": METADATA}}
    asked = client.post("/_mock/console/api/requests", json=read).get_json()
    assert asked["status"] == 200 and json.loads(asked["body"])["metadata"]["backupSchedule"]
    journal = client.get("/_mock/journal").get_json()["collection"]
    assert [(e["path"], e["user"]) for e in journal[-2:]] == [(restore["path"], "admin"), (read["path"], "user")]
    for refused in ({**read, "path": "/_mock/reset"}, {**read, "user": "nobody"}, {**read, "extra": 1}):
        answer = client.post("/_mock/console/api/requests", json=refused)
        assert answer.status_code == 400, refused  # only the API, only the world's users, nothing unknown
