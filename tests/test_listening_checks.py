"""The listening-mode checks judge a run from its journal, event log and timeline: each catches its bug."""

from __future__ import annotations

from datetime import UTC

import pytest
from abiquo_mock.contracts.listening_checks import CHECKS, ListeningRun

T0 = 1_764_000_000_000  # ms


def stamp(ms: int) -> str:
    from datetime import datetime

    moment = datetime.fromtimestamp((T0 + ms) / 1000, tz=UTC)
    return moment.strftime("%Y-%m-%dT%H:%M:%S.") + f"{(T0 + ms) % 1000:03d}Z"


def request(method: str, vm: int, ms: int, user: str = "admin", status: int = 200) -> dict:
    path = f"/api/cloud/virtualdatacenters/1/virtualappliances/1/virtualmachines/{vm}/metadata"
    return {"method": method, "path": path, "user": user, "status": status, "time": stamp(ms)}


def event(vm: int, action: str, ms: int, user: str = "entadmin") -> dict:
    return {
        "component": "VIRTUAL_MACHINE",
        "action": action,
        "idVirtualMachine": vm,
        "user": user,
        "timestamp": T0 + ms,
    }


def run(journal=(), events=(), played=(), exit_code=0) -> ListeningRun:
    return ListeningRun(exit_code, "", list(journal), list(events), list(played), "admin", {1, 2, 3}, {})


# What a correct connector leaves: web-02 deployed at 300 and handled; db-01 undeployed at 700 and left alone;
# web-01 changed at 1500 while the stream was cut (1400-2000) and handled after it came back.
EVENTS = [
    event(2, "DEPLOY_FINISH", 300),
    event(3, "UNDEPLOY_FINISH", 700),
    event(1, "METADATA_MODIFIED", 1500),
    event(2, "METADATA_MODIFIED", 320, user="admin"),  # its own write
    event(1, "METADATA_MODIFIED", 2110, user="admin"),
]
JOURNAL = [request("GET", 2, 310), request("PUT", 2, 320), request("GET", 1, 2100), request("PUT", 1, 2110)]
PLAYED = [{"step": {"at": 1400, "dropStreams": 600}, "time": T0 + 1400}]
GOOD = {"journal": JOURNAL, "events": EVENTS, "played": PLAYED}


def failing(**changes) -> set[str]:
    judged = run(**{**GOOD, **changes})
    return {name for name, check in CHECKS.items() if check(judged)}


def test_a_correct_run_passes_every_check():
    assert failing() == set()


@pytest.mark.parametrize(
    ("journal", "check"),
    [
        (JOURNAL[2:], "reacts-to-deploy"),  # never touched web-02 after its deploy
        ([*JOURNAL, request("PUT", 3, 720)], "stops-on-undeploy"),  # wrote db-01 after its undeploy
        ([*JOURNAL, request("PUT", 2, 330), request("PUT", 2, 340)], "ignores-own-events"),  # a write loop
        (JOURNAL[:2], "catches-up"),  # the change made during the cut was never handled
    ],
)
def test_each_bug_fails_exactly_its_check(journal, check):
    assert failing(journal=journal) == {check}


def test_a_connector_that_will_not_stop_fails_exits_cleanly():
    assert failing(exit_code=None) == {"exits-cleanly"}
