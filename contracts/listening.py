"""The integration suite's listening mode: an event-driven connector runs while the world changes.

For each scenario tagged ``event-driven``: load it into the mock, start the connector (it gets
``ABIQUO_STREAM_URL`` besides the API settings), wait until it has the event stream open, play the scenario's
timeline, let it listen a while longer, stop it with SIGTERM, and judge (contracts/listening_checks.py). Across the
upgrade, each scenario tagged ``legacy`` is served as Abiquo 3.8 and its timeline upgrades it half-way (unless it
upgrades it itself): survives-upgrade judges what the connector did after the upgrade (contracts/upgrade_checks.py).
"""

from __future__ import annotations

import os
import shlex
import signal
import subprocess
import time

from .client import ADMIN, MockClient, MockError, connector_env, link, media
from .integration_checks import VirtualMachine, schedule_entries
from .listening_checks import CHECKS, ListeningRun, epoch_ms
from .upgrade_checks import survives_upgrade_listening

TAG = "event-driven"
SETTLE_S = 1.5  # how long the connector listens after the timeline's last step (and any cut) is over
STOP_S = 5  # how long it has to stop after SIGTERM
FROM = "3.8"  # the release a legacy world is served as before its upgrade
UPGRADE_AT_MS = 500  # where a timeline without steps upgrades


def stream_url(client: MockClient) -> str:
    return client.url + "/m/stream"


def _start(command: str, client: MockClient, env: dict[str, str] | None = None) -> subprocess.Popen:
    env = connector_env(client, ABIQUO_STREAM_URL=stream_url(client), **(env or {}))
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


def virtual_machines(client: MockClient) -> dict[int, VirtualMachine]:
    """Every VM with its state and metadata, as the cloud administrator reads them."""
    found = {}
    for vm in client.collection("cloud/virtualmachines", "virtualmachines"):
        answer = client.api("GET", link(vm, "metadata") or "", accept=media("metadata"))
        if answer.status_code != 200:
            raise MockError(f"GET {link(vm, 'metadata')} answered {answer.status_code}: {answer.text[:300]}")
        found[vm["id"]] = VirtualMachine(vm["id"], vm.get("name", ""), vm.get("state", ""), answer.json()["metadata"])
    return found


def _scheduled(vms: dict[int, VirtualMachine]) -> tuple[set[int], dict[int, str]]:
    """The VMs with a backup schedule, and every VM's name."""
    return {i for i, vm in vms.items() if schedule_entries(vm.metadata)}, {i: vm.name for i, vm in vms.items()}


def listen_on(
    client: MockClient, command: str, name: str, timeout: float, listen: float | None = None, env: dict | None = None
) -> tuple[ListeningRun, dict[int, VirtualMachine], dict[int, VirtualMachine]]:
    """Run the connector on scenario ``name`` (``listen`` seconds after the timeline starts, by default until
    its last step and cut are over and then SETTLE_S more); the run, and the VMs before and after it."""
    client.reset(name)
    before = virtual_machines(client)
    run = _listen(client, command, _scheduled(before), {"scenario": name}, _steps(client, name), timeout, listen, env)
    return run, before, virtual_machines(client)


def judge_listening(client: MockClient, command: str, name: str, timeout: float, listen: float | None = None) -> dict:
    """The listening checks of the connector on scenario ``name`` (see listen_on); {check: failures}."""
    run, _, _ = listen_on(client, command, name, timeout, listen)
    return {check: judge(run) for check, judge in CHECKS.items()}


def upgrade_timeline(steps: list[dict]) -> list[dict]:
    """A scenario's timeline with the upgrade half-way through it, unless it upgrades the world itself."""
    if any("upgrade" in step for step in steps):
        return steps
    at = (min(s["at"] for s in steps) + max(s["at"] for s in steps)) // 2 if steps else UPGRADE_AT_MS
    return sorted([*steps, {"at": at, "upgrade": True}], key=lambda step: step["at"])


def listen_across_upgrade(
    client: MockClient, command: str, name: str, timeout: float, env: dict | None = None
) -> tuple[ListeningRun, dict[int, VirtualMachine], dict[int, VirtualMachine]]:
    """The connector listening on scenario ``name`` served as 3.8 while its timeline upgrades it; the run, and the
    VMs before and after it."""
    client.reset(name, abiquo=FROM)
    before = virtual_machines(client)
    steps = upgrade_timeline(_steps(client, name))
    run = _listen(client, command, _scheduled(before), {"steps": steps}, steps, timeout, env=env)
    return run, before, virtual_machines(client)


def judge_listening_across_upgrade(client: MockClient, command: str, name: str, timeout: float) -> dict:
    """The listening checks and survives-upgrade of the connector listening across the upgrade of ``name``."""
    run, before, after = listen_across_upgrade(client, command, name, timeout)
    checks = {check: judge(run) for check, judge in CHECKS.items()}
    return {**checks, "survives-upgrade": survives_upgrade_listening(run, before, after)}


def _listen(
    client: MockClient,
    command: str,
    seen: tuple[set[int], dict[int, str]],
    timeline: dict,
    steps: list[dict],
    timeout: float,
    listen: float | None = None,
    env: dict | None = None,
) -> ListeningRun:
    scheduled, names = seen
    client.clear_journal()
    process = _start(command, client, env)
    try:
        _wait_for_stream(client, process, timeout)
        started = client.control("POST", "/timeline", timeline)
        cuts = sum(s["dropStreams"] for s in steps if type(s.get("dropStreams")) is int)
        time.sleep(listen if listen is not None else (started["lastStepAtMs"] + cuts) / 1000 + SETTLE_S)
    finally:
        exit_code, err = _stop(process)
    return ListeningRun(
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


def _steps(client: MockClient, name: str) -> list[dict]:
    return next(p for p in client.scenarios() if p["name"] == name).get("timeline") or []
