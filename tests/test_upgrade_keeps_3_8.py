"""The upgrade keeps what 3.8 users could do ("Users can create and change VM backups ... in the same way as before"):
every backup write the legacy-3.8 world accepts is accepted after the upgrade, by the same user, on the same VM in
the same state. Writes are drawn at random, applied to both worlds in the same order, and compared."""

from __future__ import annotations

from abiquo_mock.mockserver.app import create_app
from abiquo_mock.mockserver.scenarios import world
from hypothesis import HealthCheck, example, given, settings
from hypothesis import strategies as st

from .support import InProcessApi

LEGACY = world("legacy-3.8")
VAPPS = {va["id"]: va["virtualdatacenter"] for va in LEGACY["virtualappliances"]}
VM_PATHS = {
    vm["id"]: f"/api/cloud/virtualdatacenters/{VAPPS[vm['virtualappliance']]}/virtualappliances/"
    f"{vm['virtualappliance']}/virtualmachines/{vm['id']}"
    for vm in LEGACY["virtualmachines"]
}
RESULTS = sorted(
    {
        r["id"]
        for vm in LEGACY["virtualmachines"]
        for r in ((vm.get("metadata") or {}).get("backupResults") or {}).get("results", [])
    }
)
USERS = ("admin", "entadmin", "user", "globex")
DAYS = ("monday", "tuesday", "wednesday", "thursday", "friday", "saturday", "sunday")
TIMES = {
    "defined_hour": st.sampled_from(["2026/12/24 23:00:00 +0000", "2027/01/01 00:30:00 +0100"]),
    "hourly": st.integers(0, 24).map(str),
    "daily": st.sampled_from(["22:00:00 +0100", "03:30:00 +0000"]),
    "weekly_planned": st.sampled_from(["22:00:00 +0100", "03:30:00 +0000"]),
    "monthly": st.sampled_from(["22:00:00 +0100", "03:30:00 +0000"]),
}


@st.composite
def entry(draw, kind: str, granularity: str) -> dict:
    found: dict = {}
    if draw(st.booleans()):  # 3.8 accepted an entry without a time
        found["time"] = draw(TIMES[granularity])
    if kind == "filesystem":
        found["paths"] = draw(st.lists(st.sampled_from(["/var/www", "/srv", "/etc"]), min_size=1, unique=True))
    else:
        found["disks"] = draw(st.lists(st.sampled_from(["1", "2", "101"]), min_size=1, unique=True))
    if granularity == "weekly_planned":
        found.update({day: "true" for day in draw(st.sets(st.sampled_from(DAYS), min_size=1))})
    return found


@st.composite
def schedule(draw) -> dict:
    found: dict = {}
    pairs = st.tuples(st.sampled_from(["complete", "snapshot", "filesystem"]), st.sampled_from(sorted(TIMES)))
    for kind, granularity in draw(st.lists(pairs, min_size=1, max_size=3, unique=True)):
        found.setdefault(kind, {})[granularity] = draw(entry(kind, granularity))
    return found


def writes() -> st.SearchStrategy:
    vm, user = st.sampled_from(sorted(VM_PATHS)), st.sampled_from(USERS)
    put = st.tuples(st.just("put"), vm, user, schedule().map(lambda s: {"metadata": {"backupSchedule": s}}))
    restore = st.tuples(st.just("restore"), vm, user, st.sampled_from(RESULTS))
    delete = st.tuples(st.just("delete"), vm, user, st.none())
    return st.lists(st.one_of(put, restore, delete), min_size=1, max_size=4)


def send(api: InProcessApi, write) -> int:
    kind, vm, user, body = write
    path = VM_PATHS[vm]
    if kind == "put":
        return api.put(f"{path}/metadata", media="metadata", body=body, user=user).status
    if kind == "restore":
        restore = {"id": body, "name": "x", "type": "complete", "size": "1", "date": "", "status": "done"}
        return api.post(f"{path}/action/restorebackup", media="restore", body=restore, user=user).status
    return api.delete(f"{path}/metadata", user=user).status


def _world(name: str) -> InProcessApi:
    return InProcessApi(create_app({"DB_PATH": None, "SCENARIO": name, "CONTROL_ENABLED": False, "FSYNC": False}))


@settings(max_examples=30, deadline=None, suppress_health_check=[HealthCheck.too_slow])
@given(writes())
@example([("restore", 4, "admin", "bk-4-1"), ("restore", 4, "admin", "bk-4-1")])  # restored again (3.2.5+)
@example([("put", 1, "entadmin", {"metadata": {"backupSchedule": {"complete": {"daily": {"disks": ["1"]}}}}})])
@example([("put", 4, "admin", {"metadata": {"backupSchedule": {"snapshot": {"daily": {"time": "03:30:00 +0000"}}}}})])
def test_every_write_3_8_accepts_is_accepted_after_the_upgrade(sequence):
    legacy, upgraded = _world("legacy-3.8"), _world("upgraded-3.8.5")
    for write in sequence:
        if send(legacy, write) >= 300:
            continue  # refused in 3.8 too: not sent after the upgrade either, so both worlds stay alike
        status = send(upgraded, write)
        assert status < 300, f"{write} was accepted by 3.8 and is refused after the upgrade ({status})"


def test_the_3_8_world_refuses_nothing_only_3_8_5_refuses():
    """Restoring again, a deployed VM's schedule, an entry without a time: 3.8 did all three."""
    legacy = _world("legacy-3.8")
    assert send(legacy, ("restore", 4, "admin", "bk-4-1")) == 204
    assert send(legacy, ("restore", 4, "admin", "bk-4-1")) == 204
    no_time = {"metadata": {"backupSchedule": {"complete": {"daily": {"disks": ["1"]}}}}}
    assert send(legacy, ("put", 1, "entadmin", no_time)) == 200  # web-01 is deployed
