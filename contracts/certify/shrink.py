"""Minimal worlds: a generated world a connector fails, made as small as it can be while the connector still fails
it the same way, written as a scenario file that ``abiquo-mock serve --scenario PATH`` loads.

The world is taken as the scenario file the mock exports of it (its tables, in the format of fixtures/README.md),
then reduced step by step, re-running the connector on each candidate: fewer VMs (the ones the failures name
first, then halves, quarters… as delta debugging does), then everything the remaining VMs do not need (appliances,
machines, racks, datacenters, policies, enterprises, the event log), then simpler metadata (no earlier results,
no custom key, fewer schedule entries and policies). A candidate is kept when exactly the same obligations fail on
it; the search stops at its deadline with the smallest world found.
"""

from __future__ import annotations

import copy
import itertools
import os
import time
from collections.abc import Callable, Iterator
from pathlib import Path

import yaml

from ..client import MockClient, MockError
from ..integration import connect, read_world
from ..integration_checks import CHECKS as ONE_PASS_CHECKS
from ..integration_checks import judge
from . import evidence
from .obligations import FAIL, OBLIGATIONS, ONE_PASS, title
from .verdicts import cell

FORMAT = "abiquo-mock-scenario/1"
OWNED = ("backupSchedule", "policyBindings", "backupResults")  # what the simplifications treat one by one
Tables = dict[str, list[dict]]
# what a world may lose once its VMs are fewer: the documents nothing left refers to, in this order
PRUNED = (
    "virtualappliances",
    "virtualdatacenters",
    "machines",
    "racks",
    "datacenters",
    "backuppolicies",
    "enterprises",
)
_names = itertools.count(1)


def failing(client: MockClient, name: str, command: str, timeout: float, env: dict) -> set[str]:
    """The obligations the connector fails on the loaded scenario ``name`` (one pass, no faults)."""
    client.reset(name)
    client.clear_faults()
    world, hrefs = read_world(client, name, set())
    run = connect(client, command, hrefs, timeout, env)
    checks = [{"pass": ONE_PASS, "check": c, "failures": judge(c, world, run)} for c in ONE_PASS_CHECKS]
    result = {"checks": checks, "error": None, "notServed": False}
    return {o.id for o in OBLIGATIONS if cell(result, o.id)["verdict"] == FAIL}


class Shrinker:
    def __init__(
        self,
        client: MockClient,
        fixtures: Path,
        command: str,
        timeout: float,
        env: dict,
        target: set[str],
        kept: dict | None = None,
    ):
        self.client, self.fixtures, self.command, self.timeout, self.env = client, fixtures, command, timeout, env
        self.target = target
        self.kept = kept or {}  # what every smaller world keeps of the exported one's header (its passwords' source)
        self.runs = 0

    def fails(self, tables: Tables) -> bool:
        """Whether the connector fails exactly the target obligations on this world."""
        name = f"certify-shrink-{os.getpid()}-{next(_names)}"
        path = self.fixtures / f"{name}.yaml"
        path.write_text(document(tables, name, "", self.kept), encoding="utf-8")
        self.runs += 1
        try:
            return failing(self.client, name, self.command, self.timeout, self.env) == self.target
        except MockError:
            return False  # a world the mock refuses to load is no reproduction
        finally:
            path.unlink(missing_ok=True)


def document(tables: Tables, name: str, description: str, kept: dict | None = None) -> str:
    header = {"format": FORMAT, "name": name, "description": description, "tags": [], **(kept or {})}
    dumper = getattr(yaml, "CSafeDumper", yaml.SafeDumper)
    return yaml.dump({**header, "world": tables}, Dumper=dumper, sort_keys=False, allow_unicode=True, width=120)


def minimal_world(
    url: str,
    fixtures: str,
    world_yaml: str,
    target: list[str],
    named: list[int],
    command: str,
    timeout: float,
    env: dict,
    seconds: float,
    out: str,
    source: str,
    token: str | None = None,
) -> dict:
    """Shrink the world of ``world_yaml`` for ``seconds`` at most, write the smallest one found to ``out``; what was
    found (``reproduced``: the connector, run once more on the written world, failed it the same way)."""
    started = time.monotonic()
    exported = yaml.safe_load(world_yaml)
    # the exported world names the scenario its users' passwords come from (the mock hands out none): keep it
    kept = {"passwords": exported["passwords"]} if "passwords" in exported else {}
    shrinker = Shrinker(MockClient(url, token=token), Path(fixtures), command, timeout, env, set(target), kept)
    best, complete = _smallest(exported["world"], shrinker, named, started + seconds)
    vms = len(best.get("virtualmachines", []))
    description = (
        f"The smallest world found from {source} on which the connector `{command}` still fails "
        f"{', '.join(title(t) for t in sorted(target))}: {vms} VM(s). Found by certify in "
        f"{time.monotonic() - started:.0f} s and {shrinker.runs} runs of the connector."
    )
    Path(out).parent.mkdir(parents=True, exist_ok=True)
    Path(out).write_text(document(best, Path(out).stem, description, kept), encoding="utf-8")
    reproduced = shrinker.fails(best)
    seconds = round(time.monotonic() - started, 1)
    found = {"path": out, "vms": vms, "obligations": sorted(target), "runs": shrinker.runs, "seconds": seconds}
    return {**found, "reproduced": reproduced, "complete": complete}


def _smallest(tables: Tables, shrinker: Shrinker, named: list[int], deadline: float) -> tuple[Tables, bool]:
    """Every reduction in turn on the smallest world so far, until the deadline; (world, whether all ran)."""
    for reduce in _reductions(named):
        if time.monotonic() > deadline:
            return tables, False
        tables = reduce(tables, shrinker)
    return tables, True


Step = Callable[[Tables, Shrinker], Tables]


def _reductions(named: list[int]) -> Iterator[Step]:
    """The steps, in order; each takes the smallest world so far and returns a smaller one or the same."""
    yield lambda t, s: _kept(s, t, _without_tables(t, ("events", "tasks")))
    yield lambda t, s: _kept(s, t, _only_vms(t, set(named))) if named else t
    yield _fewer_vms
    for table in PRUNED:
        yield lambda t, s, table=table: _kept(s, t, prune(t, (table,)))
    yield _fewer_datacenters
    yield _simpler_metadata
    yield lambda t, s: _kept(s, t, prune(t, PRUNED))


def _kept(shrinker: Shrinker, current: Tables, candidate: Tables) -> Tables:
    return candidate if candidate != current and shrinker.fails(candidate) else current


def _without_tables(tables: Tables, names: tuple[str, ...]) -> Tables:
    return {k: v for k, v in tables.items() if k not in names}


def _only_vms(tables: Tables, ids: set[int]) -> Tables:
    return {**tables, "virtualmachines": [vm for vm in tables.get("virtualmachines", []) if vm["id"] in ids]}


def _fewer_vms(tables: Tables, shrinker: Shrinker) -> Tables:
    """Delta debugging over the VMs: drop halves, then quarters… while the failure stays."""
    ids = [vm["id"] for vm in tables.get("virtualmachines", [])]
    kept = _ddmin(ids, lambda keep: shrinker.fails(_only_vms(tables, set(keep))))
    return _only_vms(tables, set(kept))


def _ddmin(items: list, still_fails: Callable[[list], bool]) -> list:
    chunks = 2
    while len(items) >= 2:
        size = -(-len(items) // chunks)
        parts = [items[i : i + size] for i in range(0, len(items), size)]
        for part in parts:
            rest = [item for item in items if item not in part]
            if rest and still_fails(rest):
                items, chunks = rest, max(chunks - 1, 2)
                break
        else:
            if chunks >= len(items):
                return items
            chunks = min(len(items), chunks * 2)
    return items


def _fewer_datacenters(tables: Tables, shrinker: Shrinker) -> Tables:
    """Drop the datacenters none of the remaining VMs is in (with what they hold): all at once, else as many as
    the failure allows (a connector that misses later pages needs the datacenters that make them)."""
    used = {vm.get("datacenter") for vm in tables.get("virtualmachines", [])}
    spare = [dc["id"] for dc in tables.get("datacenters", []) if dc["id"] not in used]
    if not spare:
        return tables
    if shrinker.fails(_without_datacenters(tables, set(spare))):
        return _without_datacenters(tables, set(spare))
    kept = _ddmin(spare, lambda keep: shrinker.fails(_without_datacenters(tables, set(spare) - set(keep))))
    return _without_datacenters(tables, set(spare) - set(kept))


def _without_datacenters(tables: Tables, gone: set[int]) -> Tables:
    racks = {r["id"] for r in tables.get("racks", []) if r.get("datacenter") in gone}
    found = dict(tables)
    found["datacenters"] = [d for d in tables.get("datacenters", []) if d["id"] not in gone]
    found["racks"] = [r for r in tables.get("racks", []) if r["id"] not in racks]
    found["machines"] = [m for m in tables.get("machines", []) if m.get("rack") not in racks]
    found["backupproperties"] = [p for p in tables.get("backupproperties", []) if p["id"] not in gone]
    for table in ("backuppolicies", "limits", "datacenterbackups", "virtualdatacenters"):
        if table in tables:
            found[table] = [d for d in tables[table] if d.get("datacenter") not in gone]
    return prune(found, ("virtualdatacenters",))


# ---------------------------------------------------------------------------------------------- pruning


def prune(tables: Tables, which: tuple[str, ...]) -> Tables:
    """The world without the documents of ``which`` that nothing left refers to or needs."""
    found = copy.deepcopy(tables)
    vms = found.get("virtualmachines", [])
    keep = {
        "virtualappliances": lambda d: d["id"] in {vm.get("virtualappliance") for vm in vms},
        "virtualdatacenters": lambda d: (
            d["id"] in {a.get("virtualdatacenter") for a in found.get("virtualappliances", [])}
        ),
        "machines": lambda d: d["id"] in {vm.get("machine") for vm in vms},
        "racks": lambda d: d["id"] in {m.get("rack") for m in found.get("machines", [])},
        "datacenters": lambda d: d["id"] in _datacenters_used(found),
        "backuppolicies": lambda d: (d.get("datacenter"), d.get("code")) in _bound(vms),
        "enterprises": lambda d: d["id"] in _enterprises_used(found),
    }
    for table in which:
        if table in found:
            found[table] = [d for d in found[table] if keep[table](d)]
    return _consistent(found)


def _datacenters_used(tables: Tables) -> set:
    return {r.get("datacenter") for r in tables.get("racks", [])} | {
        v.get("datacenter") for v in tables.get("virtualdatacenters", [])
    }


def _enterprises_used(tables: Tables) -> set:
    admins = {u.get("enterprise") for u in tables.get("users", []) if u.get("nick") == "admin"}
    return admins | {v.get("enterprise") for v in tables.get("virtualdatacenters", [])}


def _bound(vms: list[dict]) -> set[tuple]:
    found = set()
    for vm in vms:
        bindings = (vm.get("metadata") or {}).get("policyBindings") if isinstance(vm.get("metadata"), dict) else None
        for granularities in (bindings or {}).values() if isinstance(bindings, dict) else ():
            for code in (granularities or {}).values() if isinstance(granularities, dict) else ():
                found.add((vm.get("datacenter"), code))
    return found


def _consistent(tables: Tables) -> Tables:
    """What refers to removed documents goes too: properties and legacy backups of gone datacenters, limits of
    gone enterprises or datacenters (and their gone policies), users of gone enterprises."""
    dcs = {d["id"] for d in tables.get("datacenters", [])}
    enterprises = {e["id"] for e in tables.get("enterprises", [])}
    policies = {p["id"] for p in tables.get("backuppolicies", [])}
    for table, alive in (
        ("backupproperties", lambda d: d["id"] in dcs),
        ("datacenterbackups", lambda d: d.get("datacenter") in dcs),
        ("users", lambda d: d.get("enterprise") in enterprises),
    ):
        if table in tables:
            tables[table] = [d for d in tables[table] if alive(d)]
    if "limits" in tables:
        tables["limits"] = [
            {**limit, "backuppolicies": [p for p in limit.get("backuppolicies", []) if p in policies]}
            for limit in tables["limits"]
            if limit.get("datacenter") in dcs and limit.get("enterprise") in enterprises
        ]
    return tables


# ---------------------------------------------------------------------------------------------- metadata


def _simpler_metadata(tables: Tables, shrinker: Shrinker) -> Tables:
    """Each remaining VM's metadata made simpler, one change at a time, each kept only if the failure stays."""
    current = tables
    for index in range(len(current.get("virtualmachines", []))):
        changed = True
        while changed:
            changed = False
            for simpler in _simplifications(current["virtualmachines"][index].get("metadata")):
                vms = [dict(vm) for vm in current["virtualmachines"]]
                vms[index]["metadata"] = simpler
                candidate = {**current, "virtualmachines": vms}
                if shrinker.fails(candidate):
                    current, changed = candidate, True
                    break
    return current


def _simplifications(metadata: object) -> Iterator[object]:
    if not isinstance(metadata, dict):
        return
    yield None
    for key in [k for k in metadata if k not in OWNED] + ["backupResults"]:
        if key in metadata:
            yield {k: v for k, v in metadata.items() if k != key}
    yield from _fewer_entries(metadata)


def _fewer_entries(metadata: dict) -> Iterator[dict]:
    """The metadata without one policy (its bindings and entries) or one entry no policy binds."""
    schedule, bindings = metadata.get("backupSchedule"), metadata.get("policyBindings") or {}
    if not isinstance(schedule, dict) or not isinstance(bindings, dict):
        return
    bound = {(k, g): code for k, gs in bindings.items() if isinstance(gs, dict) for g, code in gs.items()}
    for code in sorted({str(c) for c in bound.values()}):
        gone = {pair for pair, c in bound.items() if str(c) == code}
        yield _without_entries(metadata, gone)
    for kind, granularities in schedule.items():
        if isinstance(granularities, dict) and kind != "policies":
            for granularity in granularities:
                if (kind, granularity) not in bound:
                    yield _without_entries(metadata, {(kind, granularity)})


def _without_entries(metadata: dict, gone: set[tuple[str, str]]) -> dict:
    found = copy.deepcopy(metadata)
    for section in ("backupSchedule", "policyBindings"):
        block = found.get(section)
        if not isinstance(block, dict):
            continue
        for kind, granularity in gone:
            if isinstance(block.get(kind), dict):
                block[kind].pop(granularity, None)
                if not block[kind]:
                    del block[kind]
    codes = sorted(
        {str(c) for gs in (found.get("policyBindings") or {}).values() if isinstance(gs, dict) for c in gs.values()}
    )
    schedule = found.get("backupSchedule")
    if isinstance(schedule, dict) and "policies" in schedule:
        schedule["policies"] = codes
    return found


def named_vms(checks: list[dict], target: set[str], obligation_of: Callable[[str, str], str]) -> list[int]:
    """The VMs the failures of the target obligations name, to try the world with those alone first."""
    return sorted(
        {
            vm
            for c in checks
            if obligation_of(c["pass"], c["check"]) in target
            for failure in c["failures"]
            for vm in [evidence.vm_named(failure)]
            if vm is not None
        }
    )
