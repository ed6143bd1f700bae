"""The integration checks: what a backup connector did to a world, judged from the journal and the final state.

Every check is a function ``(world, run) -> [failure, ...]``; each failure names the VM (id and name) and,
where there is one, the request (method path status). The functions know nothing of processes or HTTP.
"""

from __future__ import annotations

import functools
import json
import re
from dataclasses import dataclass, field
from datetime import datetime

from . import xmlbodies
from .pages import Place, Walk, fetched_ranges, first_unfetched

# contracts/ judges the mock from outside: it keeps its own copy of the Abiquo values it checks instead of
# importing mockserver's, so that a wrong value in the mock cannot make its own judge agree with it.
BACKUP_TYPES = ("complete", "snapshot", "filesystem")
GRANULARITIES = ("defined_hour", "hourly", "daily", "weekly_planned", "monthly")
WEEKDAYS = ("monday", "tuesday", "wednesday", "thursday", "friday", "saturday", "sunday")
RESULT_STATUSES = ("done", "progress", "failed")
CONNECTOR_KEY = "backupResults"  # the one metadata key a connector owns
RESULT_DATE = re.compile(r"^\d{4}/\d{2}/\d{2} \d{2}:\d{2}:\d{2} [+-]\d{4}$")
METADATA_PATH = re.compile(r"/virtualmachines/(\d+)/metadata/?$")
WRITES = ("PUT", "POST", "DELETE")


def canonical(value: object) -> str:
    return json.dumps(value, sort_keys=True, separators=(",", ":"))


def schedule_entries(metadata: object) -> list[tuple[str, str, dict]]:
    """(type, granularity, entry) of every entry of `backupSchedule` (`policies` and empty types skipped)."""
    schedule = metadata.get("backupSchedule") if isinstance(metadata, dict) else None
    if not isinstance(schedule, dict):
        return []
    return [
        (kind, granularity, entry)
        for kind, granularities in schedule.items()
        if kind in BACKUP_TYPES and isinstance(granularities, dict)
        for granularity, entry in granularities.items()
        if granularity in GRANULARITIES and isinstance(entry, dict)
    ]


def lacks_schedule_details(granularity: str, entry: dict) -> bool:
    """An entry whose time (or, weekly, whose days) the backup system decides: NOT_APPLY in the policy."""
    if "time" not in entry:
        return True
    return granularity == "weekly_planned" and not any(day in entry for day in WEEKDAYS)


def foreign_part(metadata: object) -> dict:
    """Everything of a metadata object that a connector does not own."""
    return {k: v for k, v in (metadata or {}).items() if k != CONNECTOR_KEY} if isinstance(metadata, dict) else {}


def results_of(metadata: object) -> list:
    block = metadata.get(CONNECTOR_KEY) if isinstance(metadata, dict) else None
    results = block.get("results") if isinstance(block, dict) else None
    return results if isinstance(results, list) else []


@dataclass(frozen=True)
class VirtualMachine:
    id: int
    name: str
    state: str
    metadata: dict | None

    @property
    def label(self) -> str:
        return f"VM {self.id} '{self.name}'"

    @property
    def deployed(self) -> bool:
        return self.state != "NOT_ALLOCATED"

    @property
    def entries(self) -> list[tuple[str, str, dict]]:
        return schedule_entries(self.metadata)

    @property
    def to_back_up(self) -> bool:
        """A connector is asked to back up a deployed VM with at least one schedule entry."""
        return self.deployed and bool(self.entries)

    @property
    def undetailed_entries(self) -> list[tuple[str, str]]:
        return [(k, g) for k, g, e in self.entries if lacks_schedule_details(g, e)]


@dataclass
class World:
    """What the mock held before the connector ran."""

    scenario: str
    vms: dict[int, VirtualMachine]
    expected_refusals: set[tuple[int, str]] = field(default_factory=set)
    listings: dict[int, list[Walk]] = field(default_factory=dict)  # where each VM is listed (contracts/pages.py)


@dataclass
class ConnectorRun:
    exit_code: int | None  # None: killed at the timeout
    stdout: str
    stderr: str
    journal: list[dict]
    final: dict[int, dict | None]  # each VM's metadata after the run
    timeout: float = 0
    fired: list[dict] = field(default_factory=list)  # the faults that fired during the run (/_mock/faults/fired)
    form: str = "json"  # the rendering the run asked the connector to speak (contract integration --format)

    @functools.cached_property
    def fetched(self) -> dict[str, list[range]]:
        return fetched_ranges(self.journal)


def unseen(world: World, run: ConnectorRun, vm: VirtualMachine) -> list[Place]:
    """When no walk that lists the VM was followed to it: the first page never fetched on each walk."""
    walks = world.listings.get(vm.id, [])
    missed = [first_unfetched(walk, run.fetched) for walk in walks]
    return [place for place in missed if place is not None] if walks and all(missed) else []


def status_of(entry: dict) -> int:
    """The answer's status; 0 for a request that got none (a connection dropped before the app)."""
    return entry.get("status") or 0


def request_label(entry: dict) -> str:
    code = error_code(entry)
    return f"{entry['method']} {entry['path']} {entry['status']}" + (f" {code}" if code else "")


def error_code(entry: dict) -> str | None:
    if status_of(entry) < 400:
        return None
    text = entry.get("responseBody") or ""
    if text.lstrip().startswith("<"):
        return xmlbodies.error_code(text)
    try:
        return json.loads(text)["collection"][0]["code"]
    except (ValueError, KeyError, IndexError, TypeError):
        return None


def vm_of(entry: dict) -> int | None:
    match = METADATA_PATH.search(entry.get("path", ""))
    return int(match.group(1)) if match else None


def metadata_requests(run: ConnectorRun, vm: int, methods: tuple[str, ...]) -> list[dict]:
    return [e for e in run.journal if e["method"] in methods and vm_of(e) == vm]


def sent_metadata(entry: dict, before: dict | None = None) -> tuple[dict | None, str | None]:
    """The `metadata` object a PUT sent (JSON, or Abiquo's XML read with the types of ``before``, the metadata it
    replaces), or an explanation of why there is none."""
    text = entry.get("requestBody") or ""
    if xmlbodies.is_xml(entry):
        return xmlbodies.metadata(text, before)
    try:
        body = json.loads(text)
    except ValueError:
        return None, "sent a body that is not JSON"
    if not isinstance(body, dict) or not isinstance(body.get("metadata", {}), (dict, type(None))):
        return None, "sent a body that is not a metadata envelope"
    return body.get("metadata") or {}, None


def new_results(vm: VirtualMachine, metadata: object) -> list:
    before = {canonical(r) for r in results_of(vm.metadata)}
    return [r for r in results_of(metadata) if canonical(r) not in before]


def differences(before: object, after: object, prefix: str = "", limit: int = 4) -> list[str]:
    """Where two JSON values differ, as dotted paths ('policyBindings removed', 'chef changed')."""
    if isinstance(before, dict) and isinstance(after, dict):
        found = []
        for key in sorted(set(before) | set(after), key=str):
            path = f"{prefix}{key}"
            if key not in after:
                found.append(f"{path} removed")
            elif key not in before:
                found.append(f"{path} added")
            elif canonical(before[key]) != canonical(after[key]):
                found.extend(differences(before[key], after[key], path + ".", limit))
        return found[:limit]
    return [] if canonical(before) == canonical(after) else [f"{prefix.rstrip('.') or 'metadata'} changed"]


# ----------------------------------------------------------------------------------------------- the checks


def exits_cleanly(world: World, run: ConnectorRun) -> list[str]:
    if run.exit_code == 0:
        return []
    last = run.journal[-1] if run.journal else None
    vm_id = vm_of(last) if last else None
    vm = world.vms.get(vm_id) if vm_id is not None else None
    where = (f" after {request_label(last)}" + (f" ({vm.label})" if vm else "")) if last else " before any request"
    tail = [line for line in run.stderr.strip().splitlines() if line.strip()][-1:]
    said = f"; stderr ends: {tail[0].strip()}" if tail else ""
    if run.exit_code is None:
        return [f"still running after {run.timeout:g} s, killed{where}{said}"]
    return [f"exit status {run.exit_code}{where}{said}"]


def reads_every_backup(world: World, run: ConnectorRun) -> list[str]:
    failures = []
    for vm in world.vms.values():
        if not vm.to_back_up or unseen(world, run, vm):  # a VM on a page never fetched: reads-every-page
            continue
        reads = metadata_requests(run, vm.id, ("GET",))
        if not any(e["status"] == 200 for e in reads):
            seen = f"; its reads: {', '.join(request_label(e) for e in reads)}" if reads else ""
            kinds = ", ".join(f"{k}/{g}" for k, g, _ in vm.entries)
            failures.append(
                f"{vm.label} is deployed with a backup schedule ({kinds}) but its metadata was never read{seen}"
            )
    return failures


def preserves_foreign_keys(world: World, run: ConnectorRun) -> list[str]:
    failures = []
    for vm in world.vms.values():
        before = foreign_part(vm.metadata)
        for entry in metadata_requests(run, vm.id, ("PUT",)):
            sent, problem = sent_metadata(entry, vm.metadata)
            if problem:
                failures.append(f"{vm.label}: {request_label(entry)} {problem}")
            elif canonical(foreign_part(sent)) != canonical(before):
                changed = ", ".join(differences(before, foreign_part(sent)))
                failures.append(f"{vm.label}: {request_label(entry)} sent keys it does not own changed: {changed}")
        after = foreign_part(run.final.get(vm.id))
        if canonical(after) != canonical(before):
            writes = [e for e in metadata_requests(run, vm.id, WRITES) if 0 < status_of(e) < 400]
            by = f" by {request_label(writes[-1])}" if writes else ""
            failures.append(f"{vm.label}: stored metadata changed{by}: {', '.join(differences(before, after))}")
    return failures


def _result_problems(vm: VirtualMachine, metadata: dict) -> list[str]:
    problems, fresh = [], new_results(vm, metadata)
    block = metadata.get(CONNECTOR_KEY)
    if block is not None and not (isinstance(block, dict) and isinstance(block.get("results"), list)):
        problems.append('backupResults is not {"results": [...]}')
    if fresh and not vm.to_back_up:
        why = "is not deployed" if not vm.deployed else "has no backup schedule"
        problems.append(f"wrote {len(fresh)} result(s) on a VM that {why}")
    known = [r.get("id") for r in results_of(vm.metadata) if isinstance(r, dict)]
    for result in fresh:
        if not isinstance(result, dict):
            problems.append(f"result {canonical(result)} is not an object")
            continue
        rid = result.get("id")
        if rid in (None, ""):
            problems.append(f"result {canonical(result)} has no id")
        elif rid in known:
            problems.append(f"result id {rid!r} is used twice on this VM")
        known.append(rid)
        if result.get("status") not in RESULT_STATUSES:
            problems.append(f"result {rid!r} has status {result.get('status')!r} (not done|progress|failed)")
        if not _is_result_date(result.get("date")):
            problems.append(f"result {rid!r} has date {result.get('date')!r} (not yyyy/MM/dd HH:mm:ss Z)")
    return problems


def _is_result_date(value: object) -> bool:
    if not isinstance(value, str) or not RESULT_DATE.match(value):
        return False
    try:
        datetime.strptime(value, "%Y/%m/%d %H:%M:%S %z")
    except ValueError:
        return False
    return True


def valid_results(world: World, run: ConnectorRun) -> list[str]:
    failures = []
    for vm in world.vms.values():
        for entry in metadata_requests(run, vm.id, ("PUT",)):
            sent, problem = sent_metadata(entry, vm.metadata)
            if problem:
                failures.append(f"{vm.label}: {request_label(entry)} {problem}")
                continue
            failures.extend(f"{vm.label}: {request_label(entry)} {p}" for p in _result_problems(vm, sent or {}))
    return failures


def handles_not_apply(world: World, run: ConnectorRun) -> list[str]:
    failures = []
    for vm in world.vms.values():
        undetailed = vm.undetailed_entries if vm.to_back_up else []
        if not undetailed:
            continue
        kinds = ", ".join(f"{k}/{g}" for k, g in undetailed)
        if unseen(world, run, vm):
            continue  # never found: reads-every-page says where
        if not any(e["status"] == 200 for e in metadata_requests(run, vm.id, ("GET",))):
            failures.append(f"{vm.label} has entries without time or days ({kinds}): metadata never read")
            continue
        written = {
            r.get("type")
            for e in metadata_requests(run, vm.id, ("PUT",))
            for r in new_results(vm, sent_metadata(e, vm.metadata)[0] or {})
            if isinstance(r, dict)
        }
        missing = sorted({k for k, _ in undetailed} - written)
        if missing:
            failures.append(
                f"{vm.label} has entries without time or days ({kinds}): "
                f"no result of type {', '.join(missing)} was written"
            )
    return failures


def no_refused_writes(world: World, run: ConnectorRun) -> list[str]:
    failures = []
    for entry in run.journal:
        if entry["method"] not in WRITES or not 400 <= status_of(entry) < 500:
            continue
        vm_id = vm_of(entry)
        code = error_code(entry)
        if vm_id is not None and {(vm_id, code), (vm_id, str(entry["status"]))} & world.expected_refusals:
            continue
        vm = world.vms.get(vm_id) if vm_id is not None else None
        failures.append(f"{vm.label if vm else 'no VM'}: {request_label(entry)} was refused")
    return failures


def reads_every_page(world: World, run: ConnectorRun) -> list[str]:
    failures = []
    for vm in world.vms.values():
        if not vm.to_back_up or any(e["status"] == 200 for e in metadata_requests(run, vm.id, ("GET",))):
            continue
        missed = unseen(world, run, vm)
        if missed:
            pages = "; nor ".join(f"{place.describe()}, which lists it" for place in missed)
            failures.append(
                f"{vm.label} is deployed with a backup schedule but was never reached: never fetched {pages}"
            )
    return failures


def spoke_another_format(run: ConnectorRun) -> list[str]:
    """A run asked for XML is judged on a connector that spoke XML: every vendor type it asked for and every body
    it sent was XML (a JSON one would judge another connector)."""
    if run.form != "xml":
        return []
    spoken = sorted(
        {
            f"{e['method']} {e['path']}"
            for e in run.journal
            if e.get("path", "").startswith("/api") and not xmlbodies.spoke_xml(e)
        }
    )
    if not spoken:
        return []
    return [f"not judged in XML: the connector spoke JSON in {len(spoken)} requests ({', '.join(spoken[:3])})"]


def never_reached_the_api(run: ConnectorRun) -> list[str]:
    """A connector that made no request has shown nothing these checks judge: an empty journal is not a pass."""
    if run.journal:
        return []
    return ["not judged: the connector sent no request to the API (nothing in the journal)"]


def judge(name: str, world: World, run: ConnectorRun) -> list[str]:
    """The failures of check ``name``; every check but exits-cleanly needs the connector's requests."""
    if name != "exits-cleanly":
        unjudged = never_reached_the_api(run) or spoke_another_format(run)
        if unjudged:
            return unjudged
    return CHECKS[name](world, run)


CHECKS = {
    "exits-cleanly": exits_cleanly,
    "reads-every-page": reads_every_page,
    "reads-every-backup": reads_every_backup,
    "preserves-foreign-keys": preserves_foreign_keys,
    "valid-results": valid_results,
    "handles-not-apply": handles_not_apply,
    "no-refused-writes": no_refused_writes,
}
