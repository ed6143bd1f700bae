"""Scripted timelines: what happens to a world while a connector listens, at fixed offsets from the start.

A step is ``{at: <ms>, <action>: <vm id>, as: <nick>, ...}`` with one action: ``deploy``, ``undeploy``
(through the same tasks as the API), ``metadata`` (``set: {key: value}`` merged into the VM's metadata, as a
metadata PUT would), ``restore`` (``backup: <result id>``, as a restore request would), ``state`` (the
control API's shortcut, ``to: ON``), ``dropStreams`` (every open event stream is cut; a number of ms
instead of ``true`` also refuses new streams that long, so that events fall into the gap), or ``upgrade: true``
(the served 3.8 world becomes 3.8.5 in place, as ``POST /_mock/upgrade`` does; open streams stay open). Steps run on the
world's clock in (at, position) order, so a timeline plays the same way every time; each step is one
transaction with its event, and is written to the request log (/_mock/journal) as ``TIMELINE``.
"""

from __future__ import annotations

import functools
import json
import time
from collections.abc import Callable
from dataclasses import dataclass, field

from ..backup.upgrade import upgrade_store
from ..errors import AbiquoError
from ..events import emitters
from ..http.api import Written
from ..infrastructure.render import vm_path
from ..lifecycle import model as lifecycle
from ..metadata import model as metadata
from ..metadata import restore
from ..security import User
from ..store import Store

ACTIONS = ("deploy", "undeploy", "metadata", "restore", "state", "dropStreams", "upgrade")
UNNAMED = ("dropStreams", "upgrade")  # the actions that name no VM
MAX_AT_MS = 3_600_000
MAX_STEPS = 1_000  # in one timeline
MAX_PENDING = 10_000  # steps waiting on the world's clock, all timelines together


def _bad(index: int, why: str) -> AbiquoError:
    return AbiquoError("CTRL-TIMELINE", f"Invalid timeline step {index}: {why}")


def _milliseconds(value: object) -> bool:
    return type(value) is int and 0 <= value <= MAX_AT_MS


def checked_steps(steps: object) -> list[dict]:
    """The steps in play order, or CTRL-TIMELINE naming the first bad one."""
    if not isinstance(steps, list) or not 1 <= len(steps) <= MAX_STEPS:
        raise AbiquoError("CTRL-TIMELINE", f"A timeline is a list of 1 to {MAX_STEPS} steps")
    for index, step in enumerate(steps):
        if not isinstance(step, dict):
            raise _bad(index, "a step is an object")
        at = step.get("at")
        if type(at) is not int or not 0 <= at <= MAX_AT_MS:
            raise _bad(index, f"'at' is a number of milliseconds from 0 to {MAX_AT_MS}")
        actions = [a for a in ACTIONS if a in step]
        if len(actions) != 1:
            raise _bad(index, f"a step has exactly one of {', '.join(ACTIONS)}")
        if actions[0] == "dropStreams" and not (step["dropStreams"] is True or _milliseconds(step["dropStreams"])):
            raise _bad(index, "'dropStreams' is true, or how many ms new streams are refused after the cut")
        if actions[0] == "upgrade" and step["upgrade"] is not True:
            raise _bad(index, "'upgrade' is true")
        if actions[0] not in UNNAMED and type(step[actions[0]]) is not int:
            raise _bad(index, f"'{actions[0]}' names a VM by its id")
        if "as" in step and not isinstance(step["as"], str):
            raise _bad(index, "'as' is a user's nick")
        if actions[0] == "metadata" and not isinstance(step.get("set"), dict):
            raise _bad(index, "'set' is an object of metadata keys")
        if actions[0] == "restore" and not isinstance(step.get("backup"), str):
            raise _bad(index, "'backup' is the id of one of the VM's backup results")
        if actions[0] == "state" and not isinstance(step.get("to"), str):
            raise _bad(index, "'to' is a VM state")
    return sorted(steps, key=lambda s: s["at"])  # stable: steps at the same time keep their order


@dataclass
class World:
    """What a step acts on: the store, how long a deploy takes, the clock, and how to cut the streams."""

    store: Store
    lifecycle_ms: int
    later: Callable[[float, Callable[[], None]], None]
    drop_streams: Callable[[float], int]  # cut every stream, refuse new ones for that many seconds
    request_log: Callable[[dict], None] = lambda entry: None
    played: list[dict] = field(default_factory=list)


def play(world: World, step: dict) -> None:
    """Run one step now; a step the world refuses (VM locked, unknown backup) is journaled as refused."""
    action = next(a for a in ACTIONS if a in step)
    path, status, answer = _path(world.store, step, action), 200, None
    started = int(time.time() * 1000)
    try:
        user = lifecycle.system_user(world.store, step.get("as"))
        answer = _ACTIONS[action](world, user, step)
        status = 202 if action in ("deploy", "undeploy") else 200
    except AbiquoError as error:
        status, answer = error.status, error.envelope()
        user = None
    entry = {"step": step, "path": path, "user": step.get("as") or (user.nick if user else None), "status": status}
    world.played.append({**entry, "started": started, "time": int(time.time() * 1000)})
    world.request_log({**entry, "answer": json.dumps(answer) if answer is not None else ""})


def _path(store: Store, step: dict, action: str) -> str:
    if action == "dropStreams":
        return "/m/stream"
    if action == "upgrade":
        return "/_mock/upgrade"
    vm = store.get("virtualmachines", step[action])
    return f"/api{vm_path(vm)}" if vm else f"/api/cloud/virtualmachines/{step[action]}"


def _vm(store: Store, vm_id: int) -> dict:
    found = store.get("virtualmachines", vm_id)
    if found is None:
        raise AbiquoError("VM-1")
    return found


def _lifecycle(kind: str):
    def run(world: World, user: User, step: dict) -> dict:
        task = lifecycle.start(world.store, user, _vm(world.store, step[kind.lower()])["id"], kind)
        world.later(world.lifecycle_ms / 1000, lambda: lifecycle.finish(world.store, task["id"]))
        return {"task": task["taskId"]}

    return run


def _values(vm: dict) -> dict:
    return {"vdc": vm["virtualdatacenter"], "vapp": vm["virtualappliance"], "vm": vm["id"]}


def _metadata(world: World, user: User, step: dict) -> dict:
    store = world.store
    with store.transaction():
        vm = _vm(store, step["metadata"])
        wanted = {**(vm.get("metadata") or {}), **step["set"]}
        values = _values(vm)
        updated = metadata.update_metadata(
            store, user, values["vdc"], values["vapp"], values["vm"], {"metadata": wanted}
        )
        emitters.METADATA_MODIFIED(store, user, Written(None, updated), None)
    return {"metadata": updated["metadata"]}


def _restore(world: World, user: User, step: dict) -> dict:
    store = world.store
    with store.transaction():
        vm = _vm(store, step["restore"])
        values = {**_values(vm), "body": {"id": step["backup"]}}
        results = ((vm.get("metadata") or {}).get("backupResults") or {}).get("results") or []
        values["body"] = next((r for r in results if str(r.get("id")) == step["backup"]), values["body"])
        restored = restore.restore_backup(store, user, values["vdc"], values["vapp"], values["vm"], values["body"])
        emitters.RESTORE_BACKUP(store, user, Written(None, restored), values["body"])
    return {"restored": step["backup"]}


def _state(world: World, user: User, step: dict) -> dict:
    vm = lifecycle.set_state(world.store, _vm(world.store, step["state"])["id"], step["to"], user)
    return {"state": vm["state"]}


def _drop(world: World, user: User, step: dict) -> dict:
    refuse_ms = 0 if step["dropStreams"] is True else step["dropStreams"]
    return {"closed": world.drop_streams(refuse_ms / 1000), "refusedMs": refuse_ms}


def _upgrade(world: World, user: User, step: dict) -> dict:
    return upgrade_store(world.store)


_ACTIONS = {
    "deploy": _lifecycle(lifecycle.DEPLOY),
    "undeploy": _lifecycle(lifecycle.UNDEPLOY),
    "metadata": _metadata,
    "restore": _restore,
    "state": _state,
    "dropStreams": _drop,
    "upgrade": _upgrade,
}


def start(world: World, steps: list[dict], pending: int = 0) -> int:
    """Schedule every step from now; returns when the last one is due, in ms from now. ``pending``: how many
    steps already wait on the clock (the steps of timelines still playing)."""
    if pending + len(steps) > MAX_PENDING:
        raise AbiquoError("CTRL-TIMELINE", f"{pending} steps are still to play: at most {MAX_PENDING} may wait at once")
    world.played.clear()
    for step in steps:
        world.later(step["at"] / 1000, functools.partial(play, world, step))
    return steps[-1]["at"]
