"""Generated worlds for the integration suite: the scale world at a drawn size, with the state and metadata of the
demo's VMs and of a sample of the others drawn by Hypothesis.

Every collection a connector walks pages (mockserver/faults/scale.py); the world's own faults stay off. A drawn
VM gets no metadata, only keys a connector does not own, a legacy 3.8 schedule, or 3.8.5 policy
bindings, plus custom keys (`chef`, …) and earlier backup results. What is drawn respects the world it goes
into: legacy entries use the options the VM's datacenter enables, bindings use the policies its enterprise
is allowed there, and a field the policy fixes or leaves to the backup system (NOT_APPLY) is left for the
server to fill or omit. The OpenAPI `metadata` schema cannot say any of that (it depends on the world), so
the strategy is written here; when the served contract has a metadata schema, every drawn metadata object is
also validated against it.

Reproducible by seed: world i has ``random.Random(f"{seed}/{i}")``'s size in the size range, and its VMs are the
first example of a ``@given`` run under ``@seed`` (derived from seed and i) with the example database off, which
Hypothesis draws from a seeded random source: the same seed and the same Hypothesis version give the same worlds.
"""

from __future__ import annotations

import random
from collections.abc import Callable, Iterator
from dataclasses import dataclass
from typing import Any

from hypothesis import HealthCheck, Phase, given, settings
from hypothesis import seed as seeded
from hypothesis import strategies as st

from .client import MockClient, MockError, link, media
from .integration_checks import BACKUP_TYPES, GRANULARITIES, WEEKDAYS, canonical

# contracts/ judges the mock from outside: it keeps its own copy of the Abiquo values it checks instead of
# importing mockserver's, so that a wrong value in the mock cannot make its own judge agree with it.
BASE_SCENARIO = "scale"
SIZES = (150, 250)  # VMs of a generated world (the scale world's `vms`): every walked collection pages
DRAWN_EVERY = 8  # besides the demo's VMs (ids up to DEMO_VMS), every 8th VM gets drawn metadata
DEMO_VMS = 7
STATES = ("ON", "OFF", "NOT_ALLOCATED")
ZONES = ("+0000", "+0100", "+0200", "-0500", "+0530")


@dataclass(frozen=True)
class Policy:
    code: str
    configurations: tuple[tuple[str, str, dict], ...]  # (type, granularity, configuration), lower case


@dataclass(frozen=True)
class Seat:
    """A VM of the base world and what its datacenter and enterprise offer it."""

    vm: int
    datacenter: int | None  # None: the VM names none (a server that is not the mock)
    policies: tuple[Policy, ...]
    legacy: tuple[tuple[str, str], ...]  # enabled (type, granularity) pairs
    multiple: bool


def _last_id(href: str | None) -> int | None:
    return int(href.rstrip("/").rsplit("/", 1)[1]) if href else None


def _get(client: MockClient, path: str, name: str) -> Any:
    answer = client.api("GET", path, accept=media(name))
    return answer.json() if answer.status_code == 200 else None


def _legacy_options(client: MockClient, dc: int | None) -> tuple[tuple[str, str], ...] | None:
    page = _get(client, f"admin/datacenters/{dc}/backups", "backups")
    if page is None:
        return None
    options = []
    for item in page.get("collection", []):
        template = _get(client, link(item, "template") or "", "backup") or {}
        options += [(template.get("name", ""), g) for g in item.get("attributes", []) if g in GRANULARITIES]
    return tuple(o for o in options if o[0] in BACKUP_TYPES)


def _allowed_policies(client: MockClient, enterprise: int | None, dc: int | None) -> tuple[Policy, ...]:
    policies = (_get(client, f"admin/datacenters/{dc}/backuppolicies", "backuppolicies") or {}).get("collection", [])
    limits = (_get(client, f"admin/enterprises/{enterprise}/limits", "limits") or {}).get("collection", [])
    allowed = {
        _last_id(entry["href"])
        for limit in limits
        if _last_id(link(limit, "location")) == dc
        for entry in limit.get("links", [])
        if entry.get("rel") == "backuppolicy"
    }
    return tuple(
        Policy(p["code"], tuple((c["type"].lower(), c["period"].lower(), c) for c in p.get("backupConfigurations", [])))
        for p in policies
        if p.get("id") in allowed
    )


def drawn(vm_id: int) -> bool:
    """Whether a VM of the base world gets drawn metadata (the others keep the world's own)."""
    return vm_id <= DEMO_VMS or vm_id % DRAWN_EVERY == 0


def read_seats(client: MockClient, chosen: Callable[[int], bool] = drawn) -> tuple[list[Seat], list[str]]:
    """The base world's chosen VMs and what each may use; notes on what the API could not tell."""
    notes, seats, cache, allowed = [], [], {}, {}
    for vm in client.collection("cloud/virtualmachines", "virtualmachines"):
        if not chosen(vm["id"]):
            continue
        dc, enterprise = _last_id(link(vm, "location")), _last_id(link(vm, "enterprise"))
        if dc not in cache:
            legacy = _legacy_options(client, dc)
            if legacy is None:
                notes.append(f"datacenter {dc}: legacy backup options unreadable, every option assumed enabled")
                legacy = tuple((t, g) for t in BACKUP_TYPES for g in GRANULARITIES)
            props = _get(client, f"admin/datacenters/{dc}/backupproperties", "backupdatacenterproperties") or {}
            cache[dc] = (legacy, bool(props.get("multiplePolicies")))
        legacy, multiple = cache[dc]
        if (enterprise, dc) not in allowed:
            allowed[(enterprise, dc)] = _allowed_policies(client, enterprise, dc)
        seats.append(Seat(vm["id"], dc, allowed[(enterprise, dc)], legacy, multiple))
    if not any(seat.policies for seat in seats):
        notes.append("no backup policy readable: policy-bound metadata is not generated")
    return seats, notes


# ---------------------------------------------------------------------------------------------- strategies


def times(granularity: str) -> st.SearchStrategy[str]:
    clock = st.tuples(st.integers(0, 23), st.integers(0, 59), st.integers(0, 59), st.sampled_from(ZONES))
    if granularity == "hourly":
        return st.integers(1, 23).map(str)
    if granularity == "defined_hour":
        day = st.tuples(st.integers(2026, 2030), st.integers(1, 12), st.integers(1, 28))
        return st.tuples(day, clock).map(lambda d: "%04d/%02d/%02d " % d[0] + "%02d:%02d:%02d %s" % d[1])
    return clock.map(lambda c: "%02d:%02d:%02d %s" % c)


def targets(kind: str) -> st.SearchStrategy[dict]:
    if kind == "filesystem":
        path = st.from_regex(r"/[a-z]{1,8}(/[a-z0-9]{1,8}){0,2}", fullmatch=True)
        return st.lists(path, min_size=1, max_size=3, unique=True).map(lambda p: {"paths": p})
    return st.lists(st.integers(1, 999).map(str), min_size=1, max_size=3, unique=True).map(lambda d: {"disks": d})


def days() -> st.SearchStrategy[dict]:
    return st.sets(st.sampled_from(WEEKDAYS), min_size=1).map(lambda ds: {d: "true" for d in sorted(ds)})


@st.composite
def legacy_schedule(draw, seat: Seat) -> dict:
    schedule: dict = {}
    for kind, granularity in draw(st.lists(st.sampled_from(seat.legacy), min_size=1, max_size=3, unique=True)):
        entry = {"time": draw(times(granularity)), **draw(targets(kind))}
        if granularity == "weekly_planned":
            entry.update(draw(days()))
        schedule.setdefault(kind, {})[granularity] = entry
    return {"backupSchedule": schedule}


def _bindable(policy: Policy) -> list[tuple[str, str, dict]]:
    # a defined-hour date left to the VM has no agreed wire form yet, so such configurations are not bound
    return [
        c for c in policy.configurations if not (c[1] == "defined_hour" and ("date" not in c[2] or "time" not in c[2]))
    ]


def _whole(policy: Policy) -> bool:
    """A VM holds every configuration of a policy it is assigned, so only wholly bindable policies are drawn."""
    return bool(policy.configurations) and len(_bindable(policy)) == len(policy.configurations)


@st.composite
def policy_bound(draw, seat: Seat) -> dict:
    usable = [p for p in seat.policies if _whole(p)]
    drawn = draw(
        st.lists(
            st.sampled_from(usable),
            min_size=1,
            max_size=len(usable) if seat.multiple else 1,
            unique_by=lambda p: p.code,
        )
    )
    offered: dict = {}
    for policy in drawn:  # a (type, granularity) holds one policy: a policy that would share one is left out
        pairs = {(k, g): (policy.code, c) for k, g, c in policy.configurations}
        if not set(pairs) & set(offered):
            offered.update(pairs)
    bindings: dict[str, dict[str, str]] = {}
    schedule: dict[str, dict] = {}
    for kind, granularity in sorted(offered):
        code, configuration = offered[(kind, granularity)]
        bindings.setdefault(kind, {})[granularity] = code
        entry = dict(draw(targets(kind)))
        if "time" not in configuration:  # defined in the VM
            entry["time"] = draw(times(granularity))
        if granularity == "weekly_planned" and "days" not in configuration:
            entry.update(draw(days()))
        schedule.setdefault(kind, {})[granularity] = entry
    return {"policyBindings": bindings, "backupSchedule": schedule}


def json_values() -> st.SearchStrategy:
    text = st.text(st.characters(codec="utf-8"), max_size=16)  # no lone surrogates: they are not UTF-8
    leaves = st.none() | st.booleans() | st.integers(-(10**6), 10**6) | text
    keys = st.text(st.characters(min_codepoint=97, max_codepoint=122), min_size=1, max_size=8)
    return st.recursive(
        leaves, lambda inner: st.lists(inner, max_size=3) | st.dictionaries(keys, inner, max_size=3), max_leaves=6
    )


def foreign_keys() -> st.SearchStrategy[dict]:
    names = st.sampled_from(["chef", "startup-script", "key1", "monitoring", "owner"]) | st.from_regex(
        r"x-[a-z]{1,8}", fullmatch=True
    )
    return st.dictionaries(names, json_values(), max_size=3)


def earlier_results() -> st.SearchStrategy[dict]:
    result = st.fixed_dictionaries(
        {
            "id": st.uuids().map(str),
            "status": st.sampled_from(["done", "progress", "failed"]),
            "name": st.sampled_from(["complete-daily", "snapshot-weekly", "nightly"]),
            "type": st.sampled_from(BACKUP_TYPES),
            "size": st.integers(0, 2**40),
            "date": times("defined_hour"),
        }
    )
    return st.lists(result, max_size=3, unique_by=lambda r: r["id"]).map(lambda rs: {"backupResults": {"results": rs}})


@st.composite
def vm_metadata(draw, seat: Seat) -> dict | None:
    forms = ["none", "foreign", "legacy"] + (["policies"] if any(_whole(p) for p in seat.policies) else [])
    form = draw(st.sampled_from(forms))
    if form == "none":
        return None
    metadata = dict(draw(foreign_keys()))
    if form == "legacy" and seat.legacy:
        metadata.update(draw(legacy_schedule(seat)))
    elif form == "policies":
        metadata.update(draw(policy_bound(seat)))
    if draw(st.booleans()):
        metadata.update(draw(earlier_results()))
    return metadata


def worlds(seats: list[Seat]) -> st.SearchStrategy[tuple]:
    """One world: (vm id, state, metadata or None) for every VM of the base world."""
    return st.tuples(*[st.tuples(st.just(s.vm), st.sampled_from(STATES), vm_metadata(s)) for s in seats])


# ---------------------------------------------------------------------------------------------- drawing, loading


def draw_worlds(strategy: st.SearchStrategy, count: int, seed: int) -> list:
    """The first ``count`` examples Hypothesis draws from ``strategy`` under ``seed`` (see the module doc)."""
    drawn: list = []

    @seeded(seed)
    @settings(
        max_examples=count,
        database=None,
        phases=[Phase.generate],
        deadline=None,
        suppress_health_check=list(HealthCheck),
        derandomize=False,
    )
    @given(strategy)
    def collect(world):
        drawn.append(world)

    collect()
    return drawn[:count]


def _set_properties(client: MockClient, dc: int | None, changes: dict) -> dict | None:
    """Change a datacenter's backup properties; returns what they were (None when unreadable)."""
    path = f"admin/datacenters/{dc}/backupproperties"
    before = _get(client, path, "backupdatacenterproperties")
    if before is None:
        return None
    name = "backupdatacenterproperties"
    client.api("PUT", path, accept=media(name), content=media(name), body={**before, **changes})
    return before


def loader(
    client: MockClient, seats: list[Seat], world: tuple, echo: Callable, parameters: dict | None = None
) -> Callable[[], None]:
    hrefs: dict[int, str] = {}

    def load() -> None:
        base(client, parameters)
        if not hrefs:
            hrefs.update(
                {
                    vm["id"]: link(vm, "metadata") or ""
                    for vm in client.collection("cloud/virtualmachines", "virtualmachines")
                }
            )
        # loading writes schedules on deployed VMs: allow it while loading, then restore the datacenter as it was
        saved = {
            dc: _set_properties(client, dc, {"updateWhileDeployed": True, "multiplePolicies": True})
            for dc in {s.datacenter for s in seats}
        }
        for vm, state, metadata in world:
            client.set_state(vm, state)
            _write_metadata(client, vm, hrefs[vm], metadata, echo)
        for dc, before in saved.items():
            if before is not None:
                _set_properties(client, dc, before)

    return load


def _write_metadata(client: MockClient, vm: int, href: str, metadata: dict | None, echo: Callable) -> None:
    if metadata is None:
        answer = client.api("DELETE", href, accept="*/*")
    else:
        answer = client.api(
            "PUT", href, accept=media("metadata"), content=media("metadata"), body={"metadata": metadata}
        )
    if answer.status_code >= 300:
        echo(
            f"  note: the mock refused the drawn metadata of VM {vm} ({answer.status_code}: "
            f"{answer.text[:200]}); that VM keeps what it had: {canonical(metadata)[:200]}"
        )


def contract_validator(client: MockClient) -> tuple[Callable[[dict], list[str]] | None, str | None]:
    """A check of a metadata envelope against the served contract's schema for it, or why there is none."""
    try:
        import jsonschema_rs
    except ImportError:
        return None, "jsonschema_rs is not installed: drawn metadata is not checked against the contract"
    answer = client.api("GET", "openapi.json")
    document = answer.json() if answer.status_code == 200 else {}
    schemas = document.get("components", {}).get("schemas", {})
    if "Metadata" not in schemas:
        return None, "the contract has no Metadata schema: drawn metadata is not checked against it"
    validator = jsonschema_rs.validator_for(
        {"$ref": "#/components/schemas/Metadata", "components": {"schemas": schemas}}
    )
    return (lambda envelope: [error.message for error in validator.iter_errors(envelope)]), None


def base(client: MockClient, parameters: dict | None) -> None:
    """The base world at its size, without the faults it brings (generated worlds are judged without faults)."""
    client.reset(BASE_SCENARIO, parameters)
    client.clear_faults()


def size_of(seed: int, index: int, sizes: tuple[int, int] = SIZES) -> int:
    return random.Random(f"{seed}/{index}").randint(*sizes)


def generated_worlds(
    client: MockClient, count: int, seed: int, echo: Callable = print, sizes: tuple[int, int] = SIZES
) -> Iterator[tuple[str, Callable[[], None]]]:
    """(name, load) of ``count`` generated worlds, each of a size drawn from ``sizes``."""
    validate, note = contract_validator(client)
    for line in [note] * bool(note):
        echo(f"generated worlds: {line}")
    for index in range(count):
        yield generated_world(client, seed, index, echo, sizes, validate)


def generated_world(
    client: MockClient,
    seed: int,
    index: int,
    echo: Callable = print,
    sizes: tuple[int, int] = SIZES,
    validate: Callable[[dict], list[str]] | None = None,
) -> tuple[str, Callable[[], None]]:
    """(name, load) of the ``index``-th world (0-based) the seed draws: the same whichever others are drawn."""
    parameters = {"vms": size_of(seed, index, sizes)}
    base(client, parameters)
    seats, notes = read_seats(client)
    for line in notes:
        echo(f"generated worlds: {line}")
    if not seats:
        raise MockError(f"scenario {BASE_SCENARIO} has no VM to generate metadata for")
    [world] = draw_worlds(worlds(seats), 1, seed * 1_000_003 + index)
    for vm, _, metadata in world:
        for problem in (validate({"metadata": metadata}) if validate and metadata is not None else [])[:1]:
            echo(f"generated worlds: the metadata drawn for VM {vm} does not match the contract: {problem}")
    return f"generated-{seed}-{index + 1}", loader(client, seats, world, echo, parameters)
