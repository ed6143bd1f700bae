"""The upgrade keeps what 3.8 users could do ("Users can create and change VM backups ... in the same way as before"):
every backup write the legacy-3.8 world (served as Abiquo 3.8) accepts is accepted after the upgrade, by the same
user, on the same VM in the same state, and leaves the schedule a 3.8 client reads the same in both worlds. Writes
are drawn at random, applied to both worlds in the same order, and compared: whole schedules written the 3.8 way,
restores, deletes, and read-modify-writes of what the VM holds, which after the upgrade either keep the bindings
they read (a 3.8 client sends back what it does not know) or drop them."""

from __future__ import annotations

import copy

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


KINDS, GRANULARITIES = ("complete", "snapshot", "filesystem"), tuple(sorted(TIMES))
PAIR = st.tuples(st.sampled_from(KINDS), st.sampled_from(GRANULARITIES))


@st.composite
def edit(draw) -> tuple:
    """One change to the schedule a VM holds, as a 3.8 client makes it: (what, type, granularity, value)."""
    kind, granularity = draw(PAIR)
    what = draw(st.sampled_from(["items", "time", "no time", "days", "add", "remove", "nothing"]))
    value = None
    if what == "items":
        value = draw(entry(kind, granularity)).get("paths" if kind == "filesystem" else "disks")
    elif what == "time":
        value = draw(TIMES[granularity])
    elif what == "days":
        value = sorted(draw(st.sets(st.sampled_from(DAYS), min_size=1)))
    elif what == "add":
        value = draw(entry(kind, granularity))
    return what, kind, granularity, value


def edited(metadata: dict | None, change: tuple) -> dict:
    """The metadata read with ``change`` made to its schedule; an entry the change names but the VM lacks is left
    alone (the client changes what it reads)."""
    what, kind, granularity, value = change
    metadata = copy.deepcopy(metadata or {})
    schedule = metadata.setdefault("backupSchedule", {})
    held = (schedule.get(kind) or {}).get(granularity)
    if what == "add":
        schedule.setdefault(kind, {})[granularity] = value
    elif what == "remove" and held is not None:
        del schedule[kind][granularity]
    elif held is not None and what == "items":
        held["paths" if kind == "filesystem" else "disks"] = value
    elif held is not None and what == "time":
        held["time"] = value
    elif held is not None and what == "no time":
        held.pop("time", None)
    elif held is not None and what == "days" and granularity == "weekly_planned":
        held.update({day: "true" for day in value})
        for day in set(DAYS) - set(value):
            held.pop(day, None)
    return metadata


def writes() -> st.SearchStrategy:
    vm, user = st.sampled_from(sorted(VM_PATHS)), st.sampled_from(USERS)
    put = st.tuples(st.just("put"), vm, user, schedule().map(lambda s: {"metadata": {"backupSchedule": s}}))
    restore = st.tuples(st.just("restore"), vm, user, st.sampled_from(RESULTS))
    delete = st.tuples(st.just("delete"), vm, user, st.none())
    resave = st.tuples(st.just("resave"), vm, user, st.tuples(edit(), st.booleans()))
    return st.lists(st.one_of(put, restore, delete, resave, resave), min_size=1, max_size=5)


def send(api: InProcessApi, write) -> int:
    kind, vm, user, body = write
    path = VM_PATHS[vm]
    if kind == "put":
        return api.put(f"{path}/metadata", media="metadata", body=body, user=user).status
    if kind == "resave":
        change, keep_bindings = body
        read = api.get(f"{path}/metadata", user=user)
        if read.status != 200:
            return read.status
        metadata = edited(read.json["metadata"], change)
        if not keep_bindings:
            metadata.pop("policyBindings", None)
        return api.put(f"{path}/metadata", media="metadata", body={"links": [], "metadata": metadata}, user=user).status
    if kind == "restore":
        restore = {"id": body, "name": "x", "type": "complete", "size": "1", "date": "", "status": "done"}
        return api.post(f"{path}/action/restorebackup", media="restore", body=restore, user=user).status
    return api.delete(f"{path}/metadata", user=user).status


def as_3_8_reads_it(api: InProcessApi, vm: int) -> object:
    """What a 3.8 client reads of a VM: its metadata without what 3.8.5 added (policyBindings, policies)."""
    metadata = copy.deepcopy(api.get(f"{VM_PATHS[vm]}/metadata").json["metadata"])
    if isinstance(metadata, dict):
        metadata.pop("policyBindings", None)
        metadata.get("backupSchedule", {}).pop("policies", None)
    return metadata


def _world(name: str) -> InProcessApi:
    return InProcessApi(create_app({"DB_PATH": None, "SCENARIO": name, "CONTROL_ENABLED": False, "FSYNC": False}))


TOOLS_DISKS = ("items", "complete", "daily", ["1"])  # tools-01's complete/daily entry has no time, as 3.8 allowed


@settings(max_examples=40, deadline=None, suppress_health_check=[HealthCheck.too_slow])
@given(writes())
@example([("restore", 4, "admin", "bk-4-1"), ("restore", 4, "admin", "bk-4-1")])  # restored again (3.2.5+)
@example([("put", 1, "entadmin", {"metadata": {"backupSchedule": {"complete": {"daily": {"disks": ["1"]}}}}})])
@example([("put", 4, "admin", {"metadata": {"backupSchedule": {"snapshot": {"daily": {"time": "03:30:00 +0000"}}}}})])
@example([("resave", 7, "admin", (TOOLS_DISKS, True))])
@example([("resave", 7, "admin", (TOOLS_DISKS, False))])
@example([("resave", 2, "entadmin", (("no time", "complete", "hourly", None), True))])
@example([("resave", 5, "entadmin", (("remove", "snapshot", "hourly", None), True))])
@example([("resave", 3, "entadmin", (("add", "complete", "daily", {"disks": ["1"]}), True))])
def test_every_write_3_8_accepts_is_accepted_after_the_upgrade(sequence):
    legacy, upgraded = _world("legacy-3.8"), _world("upgraded-3.8.5")
    for write in sequence:
        if send(legacy, write) >= 300:
            continue  # refused in 3.8 too: not sent after the upgrade either, so both worlds stay alike
        status = send(upgraded, write)
        assert status < 300, f"{write} was accepted by 3.8 and is refused after the upgrade ({status})"
        vm = write[1]
        assert as_3_8_reads_it(upgraded, vm) == as_3_8_reads_it(legacy, vm), f"{write} left the VMs apart"


def test_the_3_8_world_refuses_nothing_only_3_8_5_refuses():
    """Restoring again, a deployed VM's schedule, an entry without a time: 3.8 did all three."""
    legacy = _world("legacy-3.8")
    assert send(legacy, ("restore", 4, "admin", "bk-4-1")) == 204
    assert send(legacy, ("restore", 4, "admin", "bk-4-1")) == 204
    no_time = {"metadata": {"backupSchedule": {"complete": {"daily": {"disks": ["1"]}}}}}
    assert send(legacy, ("put", 1, "entadmin", no_time)) == 200  # web-01 is deployed


def test_a_3_8_read_modify_write_keeping_the_upgrades_bindings_is_accepted_as_in_3_8():
    """tools-01's complete/daily entry has disks and no time; after the upgrade it is bound to COMPLETE-DAILY-1,
    whose time the VM defines. Changing its disks and sending back the bindings read is accepted, as in 3.8."""
    for name in ("legacy-3.8", "upgraded-3.8.5"):
        assert send(_world(name), ("resave", 7, "admin", (TOOLS_DISKS, True))) == 200, name
