"""The integration contract suite: does a backup connector handle every metadata shape the API can serve?

For each scenario (and each generated world) the suite loads the world into a mock, records every VM's
metadata, runs the connector's command against the mock's API, and judges what it did from the mock's request
journal and the final state (the checks live in contracts/integration_checks.py).

    abiquo-mock contract integration --command "python examples/connectors/good_connector.py"

``--across-upgrade`` runs it on each scenario tagged ``legacy`` served as Abiquo 3.8, upgrades the world to 3.8.5,
runs it again and judges the second run against the first (``survives-upgrade``, contracts/upgrade_checks.py);
``--abiquo 3.8,3.8.5`` runs the suite once per release and prints the matrix of worlds and releases.
"""

from __future__ import annotations

import dataclasses
import functools
import json
import os
import signal
import subprocess
from collections.abc import Callable, Iterator

import requests

from .client import MockClient, MockError, MockProcess, connector_env, link, media
from .fault_checks import survives_faults
from .integration_checks import CHECKS, ConnectorRun, VirtualMachine, World, judge
from .pages import CLOUD_LIST, Place, Walk
from .report import ACROSS, COULD_NOT_RUN, FAILED, PASSED, IntegrationReport, Row, world_of
from .upgrade_checks import survives_upgrade

__all__ = ["COULD_NOT_RUN", "FAILED", "PASSED", "IntegrationReport", "Row", "run"]

LEGACY_TAG = "legacy"  # the scenarios --across-upgrade runs: 3.8 installations to upgrade
FROM = "3.8"  # the release a legacy world is served as before its upgrade
NOT_SERVED = "cannot be served as Abiquo"  # how the mock refuses a world a release cannot hold

# ---------------------------------------------------------------------------------------------- one world


def read_world(client: MockClient, scenario: str, expected_refusals: set) -> tuple[World, dict[int, str]]:
    """Every VM with its metadata and the pages that list it, as the cloud administrator sees them; and each
    VM's metadata href."""
    vms, hrefs = {}, {}
    for vm in client.collection("cloud/virtualmachines", "virtualmachines"):
        href = link(vm, "metadata") or ""
        hrefs[vm["id"]] = href
        vms[vm["id"]] = VirtualMachine(vm["id"], vm.get("name", ""), vm.get("state", ""), read_metadata(client, href))
    return World(scenario, vms, expected_refusals, listings(client)), hrefs


CRAWL = (("racks", "racks"), ("machines", "machines"), ("virtualmachines", "virtualmachines"))


def _crawl(client: MockClient, href: str, name: str, chain: Walk, depth: int, found: dict) -> None:
    for index, item in enumerate(client.collection(href, name)):
        here = (*chain, Place("/" + href.split("://", 1)[-1].split("/", 1)[-1].split("?")[0], index))
        if depth == len(CRAWL):
            found.setdefault(item["id"], []).append(here)
            continue
        rel, media_name = CRAWL[depth]
        nested = link(item, rel)
        if nested:
            _crawl(client, nested, media_name, here, depth + 1, found)


def listings(client: MockClient) -> dict[int, list[Walk]]:
    """Every VM's walks: its chain of places on the crawl (deployed VMs only) and its place in the cloud list."""
    found: dict[int, list[Walk]] = {}
    _crawl(client, client.api_url + "/admin/datacenters", "datacenters", (), 0, found)
    for index, vm in enumerate(client.collection("cloud/virtualmachines", "virtualmachines")):
        found.setdefault(vm["id"], []).append((Place(CLOUD_LIST, index),))
    return found


def read_metadata(client: MockClient, href: str | None) -> dict | None:
    if not href:
        return None
    answer = client.api("GET", href, accept=media("metadata"))
    if answer.status_code != 200:
        raise MockError(f"GET {href} answered {answer.status_code}: {answer.text[:300]}")
    return answer.json().get("metadata")


def run_connector(
    command: str, client: MockClient, timeout: float, env: dict[str, str] | None = None
) -> tuple[int | None, str, str]:
    """The connector's command in a shell, pointed at the mock (``env`` added); (exit status or None if killed,
    stdout, stderr)."""
    env = connector_env(client, **(env or {}))
    process = subprocess.Popen(
        command,
        shell=True,
        env=env,
        stdout=subprocess.PIPE,
        stderr=subprocess.PIPE,
        text=True,
        errors="replace",
        start_new_session=True,
    )
    try:
        out, err = process.communicate(timeout=timeout)
        return process.returncode, out, err
    except subprocess.TimeoutExpired:
        os.killpg(process.pid, signal.SIGKILL)  # the shell's children too
        out, err = process.communicate()
        return None, out, err


def connect(
    client: MockClient, command: str, hrefs: dict[int, str], timeout: float, env: dict[str, str] | None = None
) -> ConnectorRun:
    """One pass of the connector on the loaded world; the final state is read with every fault off."""
    client.clear_journal()
    exit_code, out, err = run_connector(command, client, timeout, env)
    journal = client.journal(path="/api")
    fired = client.control("GET", "/faults/fired")["collection"]
    dropped = client.control("GET", "/journal?limit=0")["usage"]["dropped"]
    if dropped:  # the checks would judge a run they only partly see
        raise MockError(
            f"the mock's journal forgot {dropped} requests of the run: start it with a larger --journal-mib"
        )
    client.control("DELETE", "/faults")
    final = {vm: read_metadata(client, href) for vm, href in hrefs.items()}
    return ConnectorRun(exit_code, out, err, journal, final, timeout, fired, form=client.form)


def judge_world(
    client: MockClient,
    command: str,
    name: str,
    load: Callable[[], object],
    expected: set,
    timeout: float,
    faults: list | None = None,
    seed: int = 0,
) -> list[Row]:
    """The checks on a run without faults; with ``faults``, a second run with them on, seeded, judged against it."""
    load()
    client.control("DELETE", "/faults")  # the world as it is, and a first pass without faults
    world, hrefs = read_world(client, name, expected)
    clean = connect(client, command, hrefs, timeout)
    rows = [Row(name, check, judge(check, world, clean)) for check in CHECKS]
    if faults:
        load()
        client.control("DELETE", "/faults")
        client.control("POST", "/faults", {"seed": seed, "faults": faults}, expect=(201,))
        faulted = connect(client, command, hrefs, timeout)
        rows.append(Row(name, "survives-faults", survives_faults(world, clean, faulted, seed)))
    return rows


def expected_refusals(scenario: dict) -> set[tuple[int, str]]:
    """The refusals a scenario's `integration.expectedRefusals` allows, as (VM id, code or status)."""
    section = scenario.get("integration") or {}
    return {(int(item["vm"]), str(item["code"])) for item in section.get("expectedRefusals", [])}


def judge_across_upgrade(client: MockClient, command: str, name: str, expected: set, timeout: float) -> list[Row]:
    """The checks on a run on the world served as 3.8, and survives-upgrade on a run after its upgrade."""
    client.reset(name, abiquo=FROM)
    client.control("DELETE", "/faults")
    before_world, hrefs = read_world(client, name, expected)
    before = connect(client, command, hrefs, timeout)
    rows = [Row(name, check, judge(check, before_world, before), abiquo=ACROSS) for check in CHECKS]
    client.upgrade()
    after_world, hrefs = read_world(client, name, expected)
    after = connect(client, command, hrefs, timeout)
    failures = survives_upgrade(before_world, before, after_world, after)
    return [*rows, Row(name, "survives-upgrade", failures, abiquo=ACROSS)]


# ---------------------------------------------------------------------------------------------- the suite


def run(
    command: str,
    *,
    scenarios: list[str] | None = None,
    generated: int = 0,
    sizes: tuple[int, int] | None = None,
    seed: int = 0,
    timeout: float = 60,
    url: str | None = None,
    report_junit: str | None = None,
    echo: Callable[[str], object] = print,
    listening: bool = False,
    across_upgrade: bool = False,
    abiquo: list[str] | None = None,
    form: str = "json",
) -> IntegrationReport:
    """Run ``command`` against every scenario tagged integration (or those named: ``[]`` for none) and
    ``generated`` extra worlds; print the table and return the report. ``abiquo`` names the Abiquo releases to
    serve each world as, one run each (default: the release each scenario names); ``across_upgrade`` runs it across
    the 3.8 → 3.8.5 upgrade of each scenario tagged legacy instead (and as well, with ``abiquo``). Either prints
    the matrix of worlds and releases after the table."""
    report = IntegrationReport(command)
    server = None
    try:
        if url is None:
            server = MockProcess().wait_ready()
        client = MockClient(
            url or (server.url if server else ""), token=os.environ.get("ABIQUO_MOCK_CONTROL_TOKEN"), form=form
        )
        for rows in _worlds(client, command, scenarios, timeout, seed, echo, listening, across_upgrade, abiquo):
            report.rows.extend(_announced(rows, echo))
        if generated:
            from .generate import SIZES, generated_worlds

            echo(f"generated worlds: seed {seed} (run again with --seed {seed} to draw the same worlds)")
            for name, load in generated_worlds(client, generated, seed, echo, sizes or SIZES):
                rows = _guarded(name, lambda: judge_world(client, command, name, load, set(), timeout))  # noqa: B023
                report.rows.extend(_announced(rows, echo))
    except (MockError, requests.RequestException) as exc:
        report.rows.extend(_announced([Row("(mock)", "mock-answers", [], error=str(exc))], echo))
    finally:
        if server is not None:
            server.stop()
    echo(report.table())
    if abiquo or across_upgrade:
        echo(report.matrix())
    if report_junit:
        os.makedirs(os.path.dirname(os.path.abspath(report_junit)), exist_ok=True)
        with open(report_junit, "w", encoding="utf-8") as out:
            out.write(report.junit())
    return report


def _worlds(
    client: MockClient,
    command: str,
    names: list[str] | None,
    timeout: float,
    seed: int,
    echo: Callable,
    listening: bool,
    across_upgrade: bool,
    abiquo: list[str] | None,
) -> Iterator[list[Row]]:
    """The rows of every world the options ask for, world by world as each is judged."""
    if listening:
        yield from _listening_rows(client, command, names, timeout, across_upgrade)
        return
    if abiquo or not across_upgrade:
        releases: list[str | None] = [*abiquo] if abiquo else [None]
        for release in releases:
            yield from _scenario_rows(client, command, names, timeout, seed, echo, release)
    if across_upgrade:
        yield from _upgrade_rows(client, command, names, timeout)


def _chosen(client: MockClient, names: list[str] | None, tag: str) -> tuple[dict[str, dict], list[str]]:
    """Every scenario the mock knows, and those to run: the ones named, else those with ``tag``."""
    known = {s["name"]: s for s in client.scenarios()}
    return known, names if names is not None else [n for n, s in sorted(known.items()) if tag in (s.get("tags") or [])]


def _unknown(name: str, known: dict) -> list[Row]:
    return [Row(name, "scenario", [], error=f"there is no scenario '{name}' (known: {', '.join(known)})")]


def _scenario_rows(
    client: MockClient,
    command: str,
    names: list[str] | None,
    timeout: float,
    seed: int = 0,
    echo: Callable = print,
    abiquo: str | None = None,
) -> Iterator[list[Row]]:
    """The rows of each scenario's world (served as ``abiquo`` when named), world by world as each is judged."""
    known, names = _chosen(client, names, "integration")
    for name in names:
        if name not in known:
            yield _unknown(name, known)
            continue
        load = lambda name=name: client.reset(name, abiquo=abiquo)  # noqa: E731 - binds this scenario's name
        faults = known[name].get("faults") or []
        if faults:
            echo(f"{name}: {len(faults)} faults on the second pass, seeded {seed} (the same --seed replays them)")
        expected = expected_refusals(known[name])
        judged = functools.partial(judge_world, client, command, name, load, expected, timeout, faults, seed)
        rows = _guarded(name, judged, abiquo)
        yield [dataclasses.replace(row, abiquo=abiquo) for row in rows] if abiquo else rows


def _upgrade_rows(client: MockClient, command: str, names: list[str] | None, timeout: float) -> Iterator[list[Row]]:
    """Each scenario tagged legacy (or those named), run across its upgrade."""
    known, names = _chosen(client, names, LEGACY_TAG)
    for name in names:
        if name not in known:
            yield _unknown(name, known)
            continue
        judged = functools.partial(judge_across_upgrade, client, command, name, expected_refusals(known[name]), timeout)
        yield _guarded(name, judged, ACROSS)


def _announced(rows: list[Row], echo: Callable[[str], object]) -> list[Row]:
    """One progress line per world as soon as it is judged: a long run is never silent."""
    if rows and all(r.verdict == "N/A" for r in rows):
        echo(f"{world_of(rows[0])}: N/A ({rows[0].error})")
    elif rows:
        passed = sum(r.verdict == "PASS" for r in rows)
        failed = sorted({r.check for r in rows if r.verdict != "PASS"})
        verdict = "PASS" if passed == len(rows) else ("ERROR" if any(r.error for r in rows) else "FAIL")
        echo(
            f"{world_of(rows[0])}: {verdict} {passed}/{len(rows)}"
            + (f" (not passed: {', '.join(failed)})" if failed else "")
        )
    return rows


def _listening_rows(
    client: MockClient, command: str, names: list[str] | None, timeout: float, across_upgrade: bool = False
) -> Iterator[list[Row]]:
    """The event-driven connector on every scenario tagged event-driven (or those named), world by world; across the
    upgrade, on every scenario tagged legacy, upgraded while it listens."""
    from .listening import TAG, judge_listening, judge_listening_across_upgrade

    _, chosen = _chosen(client, names, LEGACY_TAG if across_upgrade else TAG)
    judging = judge_listening_across_upgrade if across_upgrade else judge_listening
    for name in chosen:
        yield _guarded(
            name,
            lambda name=name: [  # type: ignore[misc]  # binds this scenario's name
                Row(name, check, failures, abiquo=ACROSS if across_upgrade else None)
                for check, failures in judging(client, command, name, timeout).items()
            ],
        )


def _said(refusal: str) -> str:
    """The message of the Abiquo error a control request was refused with."""
    body = refusal.split(": ", 1)[-1]
    try:
        return json.loads(body)["collection"][0]["message"]
    except (ValueError, KeyError, IndexError, TypeError):
        return body


def _guarded(name: str, judge: Callable[[], list[Row]], abiquo: str | None = None) -> list[Row]:
    """A world the mock could not load or read is an ERROR row for that world; the others still run. A world the
    release asked for cannot hold (a 3.8 world has no backup policies) is not applicable there."""
    try:
        return judge()
    except MockError as exc:
        if NOT_SERVED in str(exc):
            return [Row(name, "world", [], error=_said(str(exc)), abiquo=abiquo, not_served=True)]
        return [Row(name, "world", [], error=str(exc), abiquo=abiquo)]
