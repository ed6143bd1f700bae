"""The integration suite's listening mode: an event-driven connector runs while the world changes.

For each scenario tagged ``event-driven``: load it into the mock, start the connector (it gets
``ABIQUO_STREAM_URL`` besides the API settings), wait until it has the event stream open, play the scenario's
timeline, let it listen a while longer, stop it with SIGTERM, and judge (contracts/listening_checks.py).
"""

from __future__ import annotations

import os
import shlex
import signal
import subprocess
import time

from .client import ADMIN, MockClient, MockError, connector_env, link, media
from .integration_checks import schedule_entries
from .listening_checks import CHECKS, ListeningRun, epoch_ms

TAG = "event-driven"
SETTLE_S = 1.5  # how long the connector listens after the timeline's last step (and any cut) is over
STOP_S = 5  # how long it has to stop after SIGTERM


def _start(command: str, client: MockClient) -> subprocess.Popen:
    env = connector_env(client, ABIQUO_STREAM_URL=client.url + "/m/stream")
    return subprocess.Popen(  # no shell in between: SIGTERM must reach the connector itself
        shlex.split(command),
        env=env,
        stdout=subprocess.PIPE,
        stderr=subprocess.PIPE,
        text=True,
        errors="replace",
        start_new_session=True,
    )


def _stop(process: subprocess.Popen) -> tuple[int | None, str]:
    if process.poll() is None:
        os.killpg(process.pid, signal.SIGTERM)
    try:
        _, err = process.communicate(timeout=STOP_S)
        return process.returncode, err
    except subprocess.TimeoutExpired:
        os.killpg(process.pid, signal.SIGKILL)
        _, err = process.communicate()
        return None, err


def _wait_for_stream(client: MockClient, process: subprocess.Popen, timeout: float) -> None:
    deadline = time.monotonic() + timeout
    while client.control("GET", "/streams")["open"] < 1:
        if process.poll() is not None or time.monotonic() > deadline:
            raise MockError(f"the connector did not open the event stream within {timeout:.0f} s")
        time.sleep(0.05)


def _scheduled(client: MockClient) -> tuple[set[int], dict[int, str]]:
    """The VMs with a backup schedule, and every VM's name."""
    scheduled, names = set(), {}
    for vm in client.collection("cloud/virtualmachines", "virtualmachines"):
        names[vm["id"]] = vm.get("name", "")
        answer = client.api("GET", link(vm, "metadata"), accept=media("metadata"))
        if answer.status_code != 200:
            raise MockError(f"GET {link(vm, 'metadata')} answered {answer.status_code}: {answer.text[:300]}")
        if schedule_entries(answer.json().get("metadata")):
            scheduled.add(vm["id"])
    return scheduled, names


def judge_listening(client: MockClient, command: str, name: str, timeout: float, listen: float | None = None) -> dict:
    """Run the connector on scenario ``name`` (``listen`` seconds after the timeline starts, by default until
    its last step and cut are over and then SETTLE_S more); {check: failures}."""
    client.reset(name)
    scheduled, names = _scheduled(client)
    client.clear_journal()
    process = _start(command, client)
    try:
        _wait_for_stream(client, process, timeout)
        started = client.control("POST", "/timeline", {"scenario": name})
        cuts = sum(s["dropStreams"] for s in _steps(client, name) if type(s.get("dropStreams")) is int)
        time.sleep(listen if listen is not None else (started["lastStepAtMs"] + cuts) / 1000 + SETTLE_S)
    finally:
        exit_code, err = _stop(process)
    run = ListeningRun(
        exit_code,
        err,
        client.journal(),
        # /api/events answers Abiquo's ISO times, newest first; the checks compare milliseconds, oldest first
        [{**e, "timestamp": epoch_ms(e["timestamp"])} for e in client.collection("events?limit=0&asc=true", "events")],
        client.control("GET", "/timeline")["played"],
        ADMIN[0],
        scheduled,
        names,
    )
    return {check: judge(run) for check, judge in CHECKS.items()}


def _steps(client: MockClient, name: str) -> list[dict]:
    return next(p for p in client.scenarios() if p["name"] == name).get("timeline") or []
