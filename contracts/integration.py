"""The integration contract suite: does a backup connector handle every metadata shape the API can serve?

For each scenario (and each generated world) the suite loads the world into a mock, records every VM's
metadata, runs the connector's command against the mock's API, and judges what it did from the mock's request
journal and the final state (the checks live in contracts/integration_checks.py).

    abiquo-mock contract integration --command "python examples/connectors/good_connector.py"
"""

from __future__ import annotations

import functools
import os
import signal
import subprocess
import xml.etree.ElementTree as ET
from collections.abc import Callable, Iterator
from dataclasses import dataclass, field

import requests

from .client import MockClient, MockError, MockProcess, connector_env, link, media
from .integration_checks import CHECKS, ConnectorRun, VirtualMachine, World, judge, survives_faults
from .pages import CLOUD_LIST, Place, Walk

PASSED, FAILED, COULD_NOT_RUN = 0, 1, 3

# ---------------------------------------------------------------------------------------------- one world


def read_world(client: MockClient, scenario: str, expected_refusals: set) -> tuple[World, dict[int, str]]:
    """Every VM with its metadata and the pages that list it, as the cloud administrator sees them; and each
    VM's metadata href."""
    vms, hrefs = {}, {}
    for vm in client.collection("cloud/virtualmachines", "virtualmachines"):
        href = link(vm, "metadata")
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


def run_connector(command: str, client: MockClient, timeout: float) -> tuple[int | None, str, str]:
    """The connector's command in a shell, pointed at the mock; (exit status or None if killed, stdout, stderr)."""
    env = connector_env(client)
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


def connect(client: MockClient, command: str, hrefs: dict[int, str], timeout: float) -> ConnectorRun:
    """One pass of the connector on the loaded world; the final state is read with every fault off."""
    client.clear_journal()
    exit_code, out, err = run_connector(command, client, timeout)
    journal = client.journal(path="/api")
    dropped = client.control("GET", "/journal?limit=0")["usage"]["dropped"]
    if dropped:  # the checks would judge a run they only partly see
        raise MockError(
            f"the mock's journal forgot {dropped} requests of the run: start it with a larger --journal-mib"
        )
    client.control("DELETE", "/faults")
    final = {vm: read_metadata(client, href) for vm, href in hrefs.items()}
    return ConnectorRun(exit_code, out, err, journal, final, timeout)


def judge_world(
    client: MockClient,
    command: str,
    name: str,
    load: Callable[[], None],
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


# ---------------------------------------------------------------------------------------------- the report


@dataclass
class Row:
    scenario: str
    check: str
    failures: list[str]
    error: str | None = None

    @property
    def verdict(self) -> str:
        return "ERROR" if self.error else ("FAIL" if self.failures else "PASS")


@dataclass
class IntegrationReport:
    command: str
    rows: list[Row] = field(default_factory=list)

    @property
    def ok(self) -> bool:
        return bool(self.rows) and all(row.verdict == "PASS" for row in self.rows)

    @property
    def exit_code(self) -> int:
        """0 every check passed; 1 the connector failed a check; 3 a world could not be judged (the mock
        could not start, load or read it) and no check failed."""
        if self.ok:
            return PASSED
        return FAILED if any(r.verdict == "FAIL" for r in self.rows) else COULD_NOT_RUN

    def failed(self, scenario: str | None = None) -> set[str]:
        """Names of the checks that did not pass (in ``scenario``, or anywhere)."""
        return {r.check for r in self.rows if r.verdict != "PASS" and scenario in (None, r.scenario)}

    def table(self, shown: int = 3) -> str:
        width = max([len(r.scenario) for r in self.rows] + [8])
        lines = [f"{'scenario':<{width}}  {'check':<22}  result"]
        for row in self.rows:
            lines.append(f"{row.scenario:<{width}}  {row.check:<22}  {row.verdict}")
            problems = [row.error] if row.error else row.failures
            lines.extend(f"{'':<{width}}    - {p}" for p in problems[:shown])
            if len(problems) > shown:
                lines.append(f"{'':<{width}}    … and {len(problems) - shown} more")
        passed = sum(r.verdict == "PASS" for r in self.rows)
        lines.append(f"{passed}/{len(self.rows)} checks passed: {'OK' if self.ok else 'FAILED'}")
        return "\n".join(lines)

    def junit(self) -> str:
        suite = ET.Element(
            "testsuite",
            name="abiquo-mock integration",
            tests=str(len(self.rows)),
            failures=str(sum(r.verdict == "FAIL" for r in self.rows)),
            errors=str(sum(r.verdict == "ERROR" for r in self.rows)),
        )
        ET.SubElement(ET.SubElement(suite, "properties"), "property", name="command", value=self.command)
        for row in self.rows:
            case = ET.SubElement(suite, "testcase", classname=f"integration.{row.scenario}", name=row.check)
            if row.verdict != "PASS":
                problems = [row.error] if row.error else row.failures
                tag = "error" if row.error else "failure"
                ET.SubElement(case, tag, message=problems[0][:500]).text = "\n".join(problems)
        return ET.tostring(suite, encoding="unicode")


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
) -> IntegrationReport:
    """Run ``command`` against every scenario tagged integration (or those named: ``[]`` for none) and
    ``generated`` extra worlds; print the table and return the report."""
    report = IntegrationReport(command)
    server = None
    try:
        if url is None:
            server = MockProcess().wait_ready()
        client = MockClient(url or server.url, token=os.environ.get("ABIQUO_MOCK_CONTROL_TOKEN"))
        if listening:
            worlds = _listening_rows(client, command, scenarios, timeout)
        else:
            worlds = _scenario_rows(client, command, scenarios, timeout, seed, echo)
        for rows in worlds:
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
    if report_junit:
        os.makedirs(os.path.dirname(os.path.abspath(report_junit)), exist_ok=True)
        with open(report_junit, "w", encoding="utf-8") as out:
            out.write(report.junit())
    return report


def _scenario_rows(
    client: MockClient, command: str, names: list[str] | None, timeout: float, seed: int = 0, echo: Callable = print
) -> Iterator[list[Row]]:
    """The rows of each scenario's world, world by world as each is judged."""
    known = {s["name"]: s for s in client.scenarios()}
    if names is None:
        names = [n for n, s in sorted(known.items()) if "integration" in (s.get("tags") or [])]
    for name in names:
        if name not in known:
            yield [Row(name, "scenario", [], error=f"there is no scenario '{name}' (known: {', '.join(known)})")]
            continue
        load = lambda name=name: client.reset(name)  # noqa: E731 - binds this scenario's name
        faults = known[name].get("faults") or []
        if faults:
            echo(f"{name}: {len(faults)} faults on the second pass, seeded {seed} (the same --seed replays them)")
        expected = expected_refusals(known[name])
        yield _guarded(
            name, functools.partial(judge_world, client, command, name, load, expected, timeout, faults, seed)
        )


def _announced(rows: list[Row], echo: Callable[[str], object]) -> list[Row]:
    """One progress line per world as soon as it is judged: a long run is never silent."""
    if rows:
        passed = sum(r.verdict == "PASS" for r in rows)
        failed = sorted({r.check for r in rows if r.verdict != "PASS"})
        verdict = "PASS" if passed == len(rows) else ("ERROR" if any(r.error for r in rows) else "FAIL")
        echo(
            f"{rows[0].scenario}: {verdict} {passed}/{len(rows)}"
            + (f" (not passed: {', '.join(failed)})" if failed else "")
        )
    return rows


def _listening_rows(client: MockClient, command: str, names: list[str] | None, timeout: float) -> Iterator[list[Row]]:
    """The event-driven connector on every scenario tagged event-driven (or those named), world by world."""
    from .listening import TAG, judge_listening

    known = {s["name"]: s for s in client.scenarios()}
    chosen = names if names is not None else [n for n, s in sorted(known.items()) if TAG in (s.get("tags") or [])]
    for name in chosen:
        yield _guarded(
            name,
            lambda name=name: [
                Row(name, check, failures)
                for check, failures in judge_listening(client, command, name, timeout).items()
            ],
        )


def _guarded(name: str, judge: Callable[[], list[Row]]) -> list[Row]:
    """A world the mock could not load or read is an ERROR row for that world; the others still run."""
    try:
        return judge()
    except MockError as exc:
        return [Row(name, "world", [], error=str(exc))]
