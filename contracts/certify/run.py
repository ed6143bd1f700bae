"""A certification from start to end: start the mocks, find out whether the connector listens to events (unless it
is declared), run every world of the plan in parallel worker processes (one mock each), shrink each generated world
the connector fails to a minimal one, and write the reports."""

from __future__ import annotations

import concurrent.futures as futures
import multiprocessing
import os
import shutil
import subprocess
import tempfile
import time
from collections.abc import Callable
from dataclasses import dataclass, field
from pathlib import Path

from ..client import MockClient, MockError, MockProcess, connector_env
from . import jobs, obligations, plan, reproduce, shrink, verdicts
from .obligations import FAIL

HOLD_S = 0.3  # how long a connector must hold the event stream open, while running, to count as event-driven
PROBE_WORLD = "empty"


@dataclass
class Options:
    command: str
    report_dir: str = "reports/certify"
    kind: str | None = None  # one-pass | event-driven; None: find out
    formats: tuple[str, ...] = ("json",)
    generated: int = 6
    seed: int = 0
    sizes: tuple[int, int] | None = None
    timeout: float = 60
    workers: int = 2
    shrink_seconds: float = 60
    only: set[str] | None = None  # world names to run (a part of the certification, for reproducing)


@dataclass
class Certification:
    options: Options
    kind: str = plan.ONE_PASS
    detection: str = ""
    worlds: list[dict] = field(default_factory=list)
    cells: dict = field(default_factory=dict)
    verdicts: dict = field(default_factory=dict)
    labels: dict = field(default_factory=dict)  # operationId -> x-fidelity of the served contract
    served: dict = field(default_factory=dict)  # what the mock says of itself
    seconds: float = 0
    started: float = 0
    error: str | None = None

    @property
    def exit_code(self) -> int:
        return 3 if self.error else verdicts.exit_code(self.verdicts)


def certify(options: Options, echo: Callable[[str], object] = print) -> Certification:
    """Run the whole certification and write its reports into ``options.report_dir``."""
    result = Certification(options, started=time.time())
    began = time.monotonic()
    fixtures = Path(tempfile.mkdtemp(prefix="abiquo-certify-"))
    mocks: list[MockProcess] = []
    try:
        _copy_user_scenarios(fixtures)
        mocks = _start_mocks(options.workers, fixtures)
        result.worlds = _run(result, MockClient(mocks[0].url), mocks, fixtures, echo)
    except (MockError, OSError) as exc:
        result.error = str(exc)
        echo(f"certify: could not run: {exc}")
    finally:
        for mock in mocks:
            mock.stop()
        shutil.rmtree(fixtures, ignore_errors=True)
    result.cells = verdicts.cells(result.worlds)
    result.verdicts = verdicts.overall(result.worlds, result.cells, result.kind)
    result.seconds = round(time.monotonic() - began, 1)
    from . import outputs

    outputs.write(result)
    echo(outputs.terminal(result))
    return result


def _run(result: Certification, client: MockClient, mocks: list, fixtures: Path, echo: Callable) -> list[dict]:
    """What the mock serves, what kind the connector is, then every world of the plan."""
    options = result.options
    result.served, result.labels = _served(client)
    result.kind, result.detection = _kind(client, options)
    echo(f"certify: {options.command}")
    echo(f"certify: {plan.article(result.kind)} connector ({result.detection})")
    known = client.scenarios()
    specs = plan.plan(
        known, result.kind, list(options.formats), options.generated, options.seed, options.sizes, options.only
    )
    _check_named(options.only, specs, known)
    if any(s.kind == plan.GENERATED for s in specs):
        echo(f"certify: generated worlds seeded {options.seed} (--seed {options.seed} draws the same worlds)")
    echo(f"certify: {_counted(len(specs), 'world')} on {_counted(len(mocks), 'mock')} in parallel")
    return _Pool(specs, mocks, options, fixtures, echo).run()


class UnknownWorld(ValueError):
    """--world named a world the certification does not run."""


def _check_named(only: set[str] | None, specs: list, known: list[dict]) -> None:
    run = {s.scenario for s in specs} | ({"generated"} if any(s.kind == plan.GENERATED for s in specs) else set())
    missing = sorted((only or set()) - run)
    if missing:
        names = ", ".join(sorted({s["name"] for s in known} | {"generated"}))
        raise UnknownWorld(f"no world is named {', '.join(missing)} for this connector (the worlds: {names})")


def _copy_user_scenarios(fixtures: Path) -> None:
    """The mocks read scenarios from a folder of the certification's own (minimal worlds are tried there): the
    user's own scenarios (ABIQUO_MOCK_FIXTURES) come along."""
    mine = os.environ.get("ABIQUO_MOCK_FIXTURES")
    for path in sorted(Path(mine).glob("*.yaml")) if mine else []:
        shutil.copy(path, fixtures / path.name)


def _start_mocks(count: int, fixtures: Path) -> list[MockProcess]:
    started = [MockProcess(env={"ABIQUO_MOCK_FIXTURES": str(fixtures)}) for _ in range(max(1, count))]
    try:
        return [mock.wait_ready() for mock in started]
    except MockError:
        for mock in started:
            mock.stop()
        raise


def _served(client: MockClient) -> tuple[dict, dict]:
    """The mock's version and release, and the fidelity label of every operation of the contract it serves."""
    from importlib.metadata import PackageNotFoundError, version

    try:
        mock = version("abiquo-mock")
    except PackageNotFoundError:
        mock = "unknown"
    contract = client.api("GET", "openapi.json").json()
    labels = {
        op["operationId"]: op.get("x-fidelity", "")
        for operations in contract.get("paths", {}).values()
        for op in operations.values()
        if isinstance(op, dict) and "operationId" in op
    }
    health = client.control("GET", "/health")
    return {"mock": mock, "abiquo": health.get("version"), "contract": contract.get("info", {}).get("version")}, labels


def _kind(client: MockClient, options: Options) -> tuple[str, str]:
    if options.kind:
        return options.kind, "declared"
    return detect(client, options.command, options.timeout)


def detect(client: MockClient, command: str, timeout: float) -> tuple[str, str]:
    """Run the connector once on an empty world: it listens to events if it holds the event stream open while it
    runs; it does one pass if it exits first (or never does either)."""
    client.reset(PROBE_WORLD)
    env = connector_env(client, ABIQUO_STREAM_URL=client.url + "/m/stream", **plan.FORMATS["json"].env)
    process = subprocess.Popen(
        command, shell=True, env=env, stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL, start_new_session=True
    )
    started, held = time.monotonic(), None
    try:
        while (code := process.poll()) is None:
            now = time.monotonic() - started
            held = (held if held is not None else now) if client.control("GET", "/streams")["open"] else None
            if held is not None and now - held >= HOLD_S:
                return (
                    plan.EVENT_DRIVEN,
                    f"it opened the event stream /m/stream {held:.1f} s after it started and held it",
                )
            if now > timeout:
                return plan.ONE_PASS, f"it neither exited nor listened to events within {timeout:g} s"
            time.sleep(0.05)
        return plan.ONE_PASS, f"it exited with status {code} after {time.monotonic() - started:.1f} s without listening"
    finally:
        _stop(process)


def _stop(process: subprocess.Popen) -> None:
    import signal

    if process.poll() is None:
        os.killpg(process.pid, signal.SIGTERM)
        try:
            process.wait(5)
        except subprocess.TimeoutExpired:
            os.killpg(process.pid, signal.SIGKILL)
            process.wait()


# ---------------------------------------------------------------------------------------------- the pool


class _Pool:
    """Every world, one per free mock at a time, in worker processes; the first generated world that fails each
    set of obligations is shrunk next, ahead of the worlds still to run. Each world's lines are printed in the
    order of the plan (the report's rows) once it, its shrinking and every world before it have ended, so two runs
    of one certification print the same lines whichever mock ends first."""

    def __init__(self, specs: list, mocks: list[MockProcess], options: Options, fixtures: Path, echo: Callable):
        self.specs, self.options, self.fixtures, self.echo = specs, options, fixtures, echo
        self.free = [m.url for m in mocks]
        self.pending: list = sorted(specs, key=lambda s: -s.cost)  # the longest first: the last to end is short
        self.results: dict[str, dict] = {}
        self.shrunk: dict[frozenset, str] = {}  # failed obligations -> the world shrunk for them
        self.lines: dict[str, list[str]] = {}  # world id -> its lines, not printed yet
        self.shrinking: set[str] = set()  # worlds whose minimal world is still being searched for
        self.said = 0  # worlds of the plan whose lines are printed

    def run(self) -> list[dict]:
        running: dict = {}
        context = multiprocessing.get_context("spawn")  # a fresh interpreter per worker: no state forked along
        with futures.ProcessPoolExecutor(max_workers=len(self.free), mp_context=context) as pool:
            while self.pending or running:
                while self.pending and self.free:
                    url, work = self.free.pop(), self.pending.pop(0)
                    running[self._submit(pool, work, url)] = (url, work)
                done, _ = futures.wait(running, return_when=futures.FIRST_COMPLETED)
                for future in done:
                    url, work = running.pop(future)
                    self.free.append(url)
                    self._collect(future, work)
                self._say()
        return [self.results[s.id] for s in self.specs if s.id in self.results]

    def _submit(self, pool, work, url: str):
        options = self.options
        if isinstance(work, plan.WorldSpec):
            return pool.submit(jobs.run_world, work, url, options.command, options.timeout)
        world, target, named, out = work
        env = plan.FORMATS[world["spec"].format].env
        return pool.submit(
            shrink.minimal_world,
            url,
            str(self.fixtures),
            world["worldYaml"],
            target,
            named,
            options.command,
            options.timeout,
            env,
            options.shrink_seconds,
            out,
            world["id"],
        )

    def _collect(self, future, work) -> None:
        if not isinstance(work, plan.WorldSpec):
            world = work[0]
            try:
                found = future.result()
            except Exception as exc:  # no minimal world, but the certification stands
                found = {"error": repr(exc)}
            world["minimalWorld"] = found
            self.lines[world["id"]].append(_shrunk_line(world["id"], found))
            self.shrinking.discard(world["id"])
            return
        try:
            result = future.result()
        except Exception as exc:  # a worker that died: that world could not be run, the others go on
            result = {
                "id": work.id,
                "spec": work,
                "checks": [],
                "error": f"its worker failed: {exc!r}",
                "notServed": False,
                "seconds": 0,
            }
        self.results[result["id"]] = result
        cells = {o.id: verdicts.cell(result, o.id) for o in obligations.OBLIGATIONS}
        self.lines[result["id"]] = [_world_line(result, cells)]
        failed = sorted(o for o, c in cells.items() if c["verdict"] == FAIL)
        if not failed or work.kind != plan.GENERATED or "worldYaml" not in result:
            return
        if frozenset(failed) in self.shrunk:  # the same failure: one minimal world shows it
            result["minimalWorld"] = {"sameAs": self.shrunk[frozenset(failed)]}
            return
        self.shrunk[frozenset(failed)] = result["id"]
        self.shrinking.add(result["id"])
        named = shrink.named_vms(result["checks"], set(failed), obligations.obligation_of)
        out = Path(self.options.report_dir).resolve() / "worlds" / f"{result['id']}-minimal.yaml"
        self.pending.insert(0, (result, failed, named, str(out)))

    def _say(self) -> None:
        """Print the lines of every world that has ended and follows only worlds already printed."""
        while self.said < len(self.specs):
            world = self.specs[self.said].id
            if world not in self.lines or world in self.shrinking:
                return
            for line in self.lines.pop(world):
                self.echo(line)
            self.said += 1


def _world_line(result: dict, cells: dict) -> str:
    if result["error"]:
        return f"{result['id']}: {'N/A' if result['notServed'] else 'ERROR'} ({result['error']})"
    failed = [obligations.title(o) for o, c in cells.items() if c["verdict"] == FAIL]
    judged = sum(c["verdict"] in ("PASS", "FAIL") for c in cells.values())
    verdict = f"FAIL {judged - len(failed)}/{judged} ({'; '.join(failed)})" if failed else f"PASS {judged}/{judged}"
    return f"{result['id']}: {verdict} in {result['seconds']:.1f} s"


def _shrunk_line(world: str, found: dict) -> str:
    if "error" in found:
        return f"{world}: could not shrink it: {found['error']}"
    how = "reproduces" if found["reproduced"] else "DID NOT reproduce on its last run"
    return (
        f"{world}: minimal world {reproduce.shown_path(found['path'], os.getcwd())}: {found['vms']} VM(s), {how} "
        f"({found['runs']} runs of the connector, {found['seconds']} s)"
    )


def _counted(count: int, thing: str) -> str:
    return f"{count} {thing}" + ("" if count == 1 else "s")
