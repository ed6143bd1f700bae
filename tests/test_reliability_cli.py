"""Starting the server where it cannot run: one line, exit 2, and nobody else's store touched."""

from __future__ import annotations

import socket
import subprocess
import sys
import time

import pytest
import requests
from abiquo_mock.contracts.server import free_port
from abiquo_mock.mockserver.cli import main
from click.testing import CliRunner

from .support import ServerProcess


def _serve(*arguments: str, cwd=None) -> subprocess.Popen:
    command = [sys.executable, "-m", "abiquo_mock.mockserver", "serve", *arguments]
    return subprocess.Popen(command, cwd=cwd, stdout=subprocess.PIPE, stderr=subprocess.PIPE, text=True)


def _one_line_failure(process: subprocess.Popen, timeout: float = 30) -> str:
    out, err = process.communicate(timeout=timeout)
    assert process.returncode == 2, (out, err)
    assert err.count("\n") == 1 and "Traceback" not in err + out, err
    return err


def _vm_count(url: str) -> int:
    answer = requests.get(url + "/api/cloud/virtualmachines", auth=("admin", "xabiquo"), timeout=10)
    return answer.json()["totalSize"]


def test_a_port_in_use_fails_in_one_line_before_any_store_file_exists(tmp_path):
    with socket.socket() as taken:
        taken.bind(("127.0.0.1", 0))
        taken.listen()
        port = taken.getsockname()[1]
        err = _one_line_failure(_serve("--port", str(port), "--db", str(tmp_path / "store.json")))
    assert err == (
        f"abiquo-mock: cannot listen on 127.0.0.1:{port}: the port is already in use: stop what listens there, "
        "or choose another (make serve PORT=8081, abiquo-mock serve --port 8081)\n"
    )
    assert list(tmp_path.iterdir()) == []


def test_a_second_server_on_the_same_store_fails_and_leaves_the_first_ones_world(tmp_path):
    db = str(tmp_path / "store.json")
    with ServerProcess("--db", db) as first:
        snapshot = (tmp_path / "store.json").read_bytes()
        err = _one_line_failure(_serve("--port", str(free_port()), "--db", db, "--scenario", "empty"))
        assert err.startswith(f"abiquo-mock: {db}: already open in another Store or process")
        # the way out: who holds it, and how to serve something else
        assert f"(held by pid {first.process.pid})" in err and f"kill {first.process.pid}" in err
        assert "make serve DB=" in err and "--db PATH" in err and "--memory" in err
        assert _vm_count(first.url) == 7  # still demo, not the loser's empty world
        assert requests.get(first.url + "/_mock/health", timeout=10).json()["scenario"] == "demo"
        assert (tmp_path / "store.json").read_bytes() == snapshot


def test_two_servers_started_at_once_on_one_store_one_wins_whole(tmp_path):
    db, ports, scenarios = str(tmp_path / "store.json"), (free_port(), free_port()), ("empty", "demo")
    racers = [
        _serve("--port", str(port), "--db", db, "--scenario", name) for port, name in zip(ports, scenarios, strict=True)
    ]
    try:
        lost = _first_to_exit(racers, timeout=30)
        _one_line_failure(racers[lost])
        url = f"http://127.0.0.1:{ports[1 - lost]}"
        _wait_up(url)
        assert requests.get(url + "/_mock/health", timeout=10).json()["scenario"] == scenarios[1 - lost]
        assert _vm_count(url) == {"empty": 0, "demo": 7}[scenarios[1 - lost]]  # its own world, whole
    finally:
        for racer in racers:
            racer.terminate()
            racer.communicate(timeout=15)


def _first_to_exit(processes: list[subprocess.Popen], timeout: float) -> int:
    deadline = time.monotonic() + timeout
    while time.monotonic() < deadline:
        for n, process in enumerate(processes):
            if process.poll() is not None:
                return n
        time.sleep(0.05)
    raise AssertionError("neither server refused the store the other holds")


def _wait_up(url: str) -> None:
    deadline = time.monotonic() + 30
    while time.monotonic() < deadline:
        try:
            if requests.get(url + "/api/version", timeout=1).ok:
                return
        except requests.RequestException:
            time.sleep(0.05)
    raise AssertionError(f"{url} never answered")


@pytest.mark.parametrize(
    "content, message",
    [("", "empty file"), ("null", "not an abiquo-mock store"), ("{}", "not an abiquo-mock store")],
)
def test_a_store_file_holding_nothing_is_refused_not_replaced_by_demo(tmp_path, monkeypatch, content, message):
    monkeypatch.chdir(tmp_path)
    (tmp_path / "store.json").write_text(content)

    result = CliRunner().invoke(main, ["serve", "--port", "0", "--db", "store.json"])

    assert result.exit_code == 2 and message in result.stderr and result.stderr.count("\n") == 1, result.stderr
    assert (tmp_path / "store.json").read_text() == content
    assert [p.name for p in tmp_path.iterdir()] == ["store.json"]
