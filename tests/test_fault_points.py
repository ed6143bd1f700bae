"""A write killed at every point a fault can strike leaves the store whole: either it committed and only the answer
was lost, or nothing changed; the journal says which, and the store file says the same after a crash."""

from __future__ import annotations

import http.client
import importlib.util
import json
import signal
import time

import pytest
import requests
from abiquo_mock.mockserver.store import Store, StoreError

from .support import ServerProcess

VM = "/api/cloud/virtualdatacenters/1/virtualappliances/1/virtualmachines/1/metadata"  # web-01, datacenter 1
MEDIA = "application/vnd.abiquo.metadata+json; version=3.8"
ADMIN = ("admin", "xabiquo")
RESULT = {"status": "done", "name": "n", "type": "complete", "size": 1, "date": "2026/11/29 12:00:00 +0000"}
TRANSPORT = ("drop", "slow-body", "latency")  # applied by the front door, around the app

# every point a fault can strike a write at, and whether the write commits there
POINTS = {
    "error before the write": ({"kind": "error", "code": "409-CONFLICT-StaleObject"}, False),
    "error after the write": ({"kind": "error", "when": "after"}, True),
    "500 after the write": ({"kind": "error", "when": "after", "code": "500-INTERNAL-SERVER-ERROR"}, True),
    "VM locked by a task": ({"kind": "vm-locked", "requests": 1}, False),
    "backup service down": ({"kind": "backup-down", "requests": 1}, False),
    "connection dropped before the app": ({"kind": "drop", "drop": "before"}, False),
    "connection cut mid-body": ({"kind": "drop", "drop": "mid-body"}, True),
    "slow body": ({"kind": "slow-body", "bytesPerSecond": 4000}, True),
    "latency": ({"kind": "latency", "delayMs": 50}, True),
}


@pytest.fixture(scope="module")
def server(tmp_path_factory):
    db = tmp_path_factory.mktemp("points") / "store.json"
    process = ServerProcess("--db", str(db), "--scenario", "demo").wait_ready()
    process.db = db
    yield process
    process.stop()


def metadata(server) -> dict:
    answer = requests.get(server.url + VM, auth=ADMIN, headers={"Accept": MEDIA}, timeout=10)
    assert answer.status_code == 200, answer.text
    return answer.json()["metadata"]


def put_killable(server, body: dict) -> int | None:
    """PUT over a raw connection; None when the connection broke before a whole answer arrived."""
    conn = http.client.HTTPConnection("127.0.0.1", server.port, timeout=10)
    token = requests.auth._basic_auth_str(*ADMIN)
    try:
        conn.request("PUT", VM, json.dumps(body), {"Authorization": token, "Content-Type": MEDIA, "Accept": MEDIA})
        answer = conn.getresponse()
        answer.read()
        return answer.status
    except (http.client.HTTPException, OSError):
        return None
    finally:
        conn.close()


def control(server, method: str, path: str, body: object = None) -> dict | None:
    answer = requests.request(method, f"{server.url}/_mock{path}", json=body, timeout=10)
    assert answer.status_code < 300, answer.text
    return answer.json() if answer.content else None


@pytest.mark.parametrize("point", sorted(POINTS))
def test_a_write_struck_at_any_fault_point_commits_whole_or_not_at_all(server, point):
    fault, commits = POINTS[point]
    if fault["kind"] in TRANSPORT and importlib.util.find_spec("abiquo_mock.mockserver.frontdoor") is None:
        pytest.skip("this server has no front door to apply transport faults")
    before = metadata(server)
    result = {**RESULT, "id": f"r-{point.replace(' ', '-')}"}
    wanted = {**before, "backupResults": {"results": [*before.get("backupResults", {}).get("results", []), result]}}
    control(server, "DELETE", "/journal")
    control(server, "POST", "/faults", {"faults": [{**fault, "route": VM, "method": "PUT", "times": 1}]})

    status = put_killable(server, {"links": [], "metadata": wanted})

    control(server, "DELETE", "/faults")
    after = metadata(server)
    assert after == (wanted if commits else before), f"{point}: answered {status}"
    [entry] = control(server, "GET", f"/journal?fault=true&path={VM}")["collection"]
    assert entry["fault"]["committed"] is commits


def test_after_a_crash_the_store_file_holds_exactly_what_the_api_last_showed(server):
    shown = metadata(server)
    server.stop(signal.SIGKILL)
    with reopened(server.db) as store:
        assert store.get("virtualmachines", 1)["metadata"] == shown


def reopened(db) -> Store:
    """The store file, once the killed worker process has let go of it."""
    deadline = time.monotonic() + 10
    while True:
        try:
            return Store(db)
        except StoreError:
            if time.monotonic() > deadline:
                raise
            time.sleep(0.1)
