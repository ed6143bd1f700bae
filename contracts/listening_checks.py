"""The checks of the integration suite's listening mode: what an event-driven connector did while a world
changed under it, judged from the request journal, the event log and the timeline as played.

Each check is ``(run) -> [failure, ...]``. Times are the mock's: journal entries and events carry the same clock.
"""

from __future__ import annotations

import re
from dataclasses import dataclass
from datetime import datetime

METADATA_PATH = re.compile(r"/virtualmachines/(\d+)/metadata/?$")
TRIGGERS = ("DEPLOY_FINISH", "METADATA_MODIFIED", "RESTORE_BACKUP")  # what a backup connector acts on


def epoch_ms(stamp: str) -> int:
    return int(datetime.strptime(stamp, "%Y-%m-%dT%H:%M:%S.%f%z").timestamp() * 1000)


@dataclass
class ListeningRun:
    exit_code: int | None  # after SIGTERM; None when it had to be killed
    stderr: str
    journal: list[dict]  # every /api request of the run, and the timeline's steps (method TIMELINE)
    events: list[dict]  # /api/events of the run, oldest first
    played: list[dict]  # the timeline's steps as played (GET /_mock/timeline)
    user: str  # the connector's nick
    scheduled: set[int]  # VMs whose metadata has a backupSchedule
    names: dict[int, str]

    def label(self, vm: int | None) -> str:
        return f"VM {vm} '{self.names.get(vm, '?') if vm is not None else '?'}'"

    def connector(self, method: str, ok: bool = True) -> list[tuple[int, int]]:
        """(VM, ms) of the connector's requests on VM metadata with this method."""
        found = []
        for entry in self.journal:
            match = METADATA_PATH.search(entry["path"])
            mine = match is not None and entry["method"] == method and entry["user"] == self.user
            if match is not None and mine and (not ok or 200 <= entry["status"] < 300):
                found.append((int(match.group(1)), epoch_ms(entry["time"])))
        return found

    def foreign(self, *actions: str) -> list[dict]:
        """VM events somebody else caused."""
        return [
            e
            for e in self.events
            if e.get("component") == "VIRTUAL_MACHINE"
            and e.get("user") != self.user
            and (not actions or e["action"] in actions)
        ]

    def since(self, event: dict) -> str:
        first = self.events[0]["timestamp"] if self.events else event["timestamp"]
        return f"{event['action']} at +{event['timestamp'] - first} ms"


def reacts_to_deploy(run: ListeningRun) -> list[str]:
    failures = []
    for event in run.foreign("DEPLOY_FINISH"):
        vm = event["idVirtualMachine"]
        if vm not in run.scheduled:
            continue
        read = any(v == vm and t >= event["timestamp"] for v, t in run.connector("GET"))
        wrote = any(v == vm and t >= event["timestamp"] for v, t in run.connector("PUT"))
        if not (read and wrote):
            what = "its metadata was never read" if not read else "no backup result was written"
            failures.append(f"{run.label(vm)}: {run.since(event)}, {what} after it")
    return failures


def stops_on_undeploy(run: ListeningRun) -> list[str]:
    failures = []
    for event in run.foreign("UNDEPLOY_FINISH"):
        vm = event["idVirtualMachine"]
        late = [t for v, t in run.connector("PUT", ok=False) if v == vm and t > event["timestamp"]]
        if late:
            failures.append(f"{run.label(vm)}: {len(late)} metadata write(s) after {run.since(event)}")
    return failures


def ignores_own_events(run: ListeningRun) -> list[str]:
    failures = []
    writes: dict[int, int] = {}
    for vm, _ in run.connector("PUT", ok=False):
        writes[vm] = writes.get(vm, 0) + 1
    for vm, count in sorted(writes.items()):
        causes = sum(1 for e in run.foreign() if e["idVirtualMachine"] == vm)
        if count > causes:
            failures.append(
                f"{run.label(vm)}: {count} metadata writes for {causes} event(s) of others: it reacts to its own writes"
            )
    return failures


def _gaps(run: ListeningRun) -> list[tuple[int, int]]:
    """When the stream was cut and refused: (from, to) in ms."""
    return [
        (p["time"], p["time"] + p["step"]["dropStreams"])
        for p in run.played
        if "dropStreams" in p["step"] and p["step"]["dropStreams"] is not True
    ]


def catches_up(run: ListeningRun) -> list[str]:
    failures = []
    for start, end in _gaps(run):
        for event in run.foreign(*TRIGGERS):
            vm = event["idVirtualMachine"]
            if not start <= event["timestamp"] <= end or vm not in run.scheduled:
                continue
            if not any(v == vm and t >= event["timestamp"] for v, t in run.connector("PUT")):
                failures.append(f"{run.label(vm)}: {run.since(event)} happened while the stream was cut; never handled")
    return failures


def exits_cleanly(run: ListeningRun) -> list[str]:
    if run.exit_code == 0 and "Traceback" not in run.stderr:
        return []
    how = "had to be killed" if run.exit_code is None else f"exited with {run.exit_code} when asked to stop"
    return [f"the connector {how}; stderr ends: {run.stderr.strip()[-300:]}"]


CHECKS = {
    "exits-cleanly": exits_cleanly,
    "reacts-to-deploy": reacts_to_deploy,
    "stops-on-undeploy": stops_on_undeploy,
    "ignores-own-events": ignores_own_events,
    "catches-up": catches_up,
}
