"""``abiquo-mock serve --db FILE`` as a real process: acknowledged writes survive a kill, SIGTERM stops it
cleanly, and with --access-log every request leaves a log line."""

from __future__ import annotations

import signal

import pytest

from .support import HttpApi, ServerProcess

VM = "/api/cloud/virtualdatacenters/{vdc}/virtualappliances/{vapp}/virtualmachines/{vm}"


@pytest.fixture
def db(tmp_path):
    return str(tmp_path / "abiquo-mock.json")


@pytest.fixture
def servers():
    started = []

    def start(*args: str) -> ServerProcess:
        server = ServerProcess(*args)
        started.append(server)
        return server.wait_ready()

    yield start
    for server in started:
        server.stop(signal.SIGKILL)


def _state(api: HttpApi, vdc: int, vapp: int, vm: int) -> str:
    answer = api.get(VM.format(vdc=vdc, vapp=vapp, vm=vm))
    assert answer.status == 200, answer.text
    return answer.json["state"]


def test_acknowledged_writes_survive_a_kill(servers, db):
    first = servers("--db", db)
    api = HttpApi(first.url)
    written = {(1, 1, 3): "ON", (2, 2, 5): "CONFIGURED", (1, 1, 1): "NOT_ALLOCATED"}
    for (_vdc, _vapp, vm), state in written.items():
        answer = api.put(f"/_mock/virtualmachines/{vm}/state", body={"state": state}, user=None)
        assert answer.status == 200, answer.text
    assert first.stop(signal.SIGKILL) == -signal.SIGKILL

    second = HttpApi(servers("--db", db).url)
    for (vdc, vapp, vm), state in written.items():
        assert _state(second, vdc, vapp, vm) == state
    crawled = second.get("/api/admin/datacenters/1/racks/1/machines/1/virtualmachines").json["collection"]
    assert "web-01" not in [vm["name"] for vm in crawled]


def test_a_restart_keeps_the_store_and_does_not_reload_the_demo(servers, db):
    first = servers("--db", db)
    HttpApi(first.url).put("/_mock/virtualmachines/2/state", body={"state": "PAUSED"}, user=None)
    assert first.stop(signal.SIGTERM) == 0
    assert _state(HttpApi(servers("--db", db).url), 1, 1, 2) == "PAUSED"


def test_sigterm_stops_the_server_with_exit_0(servers, db):
    server = servers("--db", db)
    assert HttpApi(server.url).get("/api/login").status == 200
    assert server.stop(signal.SIGTERM, timeout=10) == 0  # stop() falls back to SIGKILL (-9) after 10 s


def test_with_the_access_log_each_request_leaves_a_log_line(servers, db):
    server = servers("--db", db, "--access-log")
    api = HttpApi(server.url)
    requests = {
        "/api/admin/datacenters/1": 200,
        "/api/admin/datacenters/2/racks": 200,
        "/api/admin/enterprises/77": 404,
    }
    for path, status in requests.items():
        assert api.get(path).status == status
    server.stop(signal.SIGTERM)
    lines = server.output().splitlines()
    for path, status in requests.items():
        logged = [line for line in lines if f"GET {path} " in line]
        assert len(logged) == 1, (path, lines)
        assert f" {status} " in logged[0], logged
