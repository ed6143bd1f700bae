"""The provider contract suite: does an Abiquo API honour the contract?

schemathesis drives the API from the OpenAPI document through its own command line (``schemathesis run``):
every built-in check, the Abiquo conventions of ``abiquo_mock.contracts.checks`` (loaded as schemathesis hooks), and the
stateful phase walking the document's links. Only documented extension points are used (the CLI, its
``schemathesis.toml`` settings, ``SCHEMATHESIS_HOOKS`` and ``@schemathesis.check``), so every 4.x from the
lowest declared version runs it the same way.

Runs are reproducible: the seed (default 42) is printed and the same seed sends the same requests. Before the
engine starts, one request checks that the server answers and accepts the credentials, so a wrong URL or a
refused login fails in seconds with one line. The control API (/_mock) is the mock's own and is never part of
the contract run.

Exit codes: 0 every check passed; 1 the server failed a check; 3 the suite could not run (server unreachable,
credentials refused, schemathesis could not start). The JUnit report carries every failure the exit code counts.
"""

from __future__ import annotations

import json
import os
import subprocess
import sys
import tempfile
from collections.abc import Callable
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

import requests

from . import junit
from .local import LocalMock
from .server import MockServer, serve_app

PHASES = ("examples", "coverage", "fuzzing", "stateful")
FORMATS = ("json", "xml")
XML_ACCEPT = "application/xml"  # what a --format xml run asks every answer in
# Warnings that mean the run did not test what it claims: they fail it.
# validation_mismatch is only reported: operations whose bodies must link existing entities reject most
# generated bodies by design (see schemathesis_config).
FAIL_ON = ("missing_auth", "base_url_mismatch", "unused_openapi_auth", "unresolvable_reference")
CONTROL_PATHS = r"^/(_mock|m/)"  # the mock's own API, and event streams (which never end: checked apart)
DOCUMENT_PATH = "/api/openapi.json"
CHECKS_MODULE = "abiquo_mock.contracts.checks"
# The statuses schemathesis' positive_data_acceptance accepts by default, plus 400 (see schemathesis_config).
ACCEPTED_STATUSES = ["2xx", "401", "403", "404", "409", "400"]
PREFLIGHT_TIMEOUT = 5.0

PASSED, FAILED, COULD_NOT_RUN = 0, 1, 3


@dataclass(frozen=True)
class Settings:
    user: str = "admin"
    password: str = "xabiquo"
    seed: int = 42
    max_examples: int = 25
    report_junit: str | None = None
    phases: tuple[str, ...] | None = None
    paths: str | None = None  # a regular expression: test only the operations whose path matches
    format: str = "json"  # the rendering asked for (Accept) and checked: json or xml


@dataclass
class Outcome:
    """What a run found: its exit code and the checks that failed, by name."""

    exit_code: int = PASSED
    failed_checks: set[str] = field(default_factory=set)


def run(
    url: str | None = None,
    *,
    user: str = "admin",
    password: str = "xabiquo",
    seed: int = 42,
    max_examples: int = 25,
    report_junit: str | None = None,
    in_process: bool = False,
    phases: tuple[str, ...] | None = None,
    form: str = "json",
    echo=print,
    local: LocalMock | None = None,
) -> int:
    """Run the provider suite; returns the process exit code (0 passed, 1 a check failed, 3 could not run).
    ``local`` is the mock to serve in process (``in_process``) and to build a contract from for a server that
    serves none."""
    settings = Settings(
        user, password, seed, max_examples, report_junit, tuple(phases) if phases else None, format=form
    )
    if in_process:
        if local is None:
            return _could_not_run("no mock was given to serve in this process", settings, echo).exit_code
        echo("contract provider: the mock served from this process (demo scenario)")
        return execute_in_process(local.create_app({"SCENARIO": "demo"}), settings, echo, local).exit_code
    if url is None:
        try:
            with MockServer("--memory") as server:
                echo(f"contract provider: started the mock at {server.url}")
                return _with_stream_check(server.url, settings, echo, local)
        except RuntimeError as exc:
            return _could_not_run(f"the mock could not start: {exc}", settings, echo).exit_code
    return _with_stream_check(url, settings, echo, local)


def _with_stream_check(url: str, settings: Settings, echo: Callable, local: LocalMock | None) -> int:
    """The schemathesis run, then the event stream check it cannot make (contracts/stream_check.py)."""
    from .stream_check import NoStream, event_reaches_stream

    exit_code = execute_against(url, settings, echo, local).exit_code
    if exit_code == COULD_NOT_RUN:
        return exit_code
    reset_mock(base_url_of(url))
    try:
        failures = event_reaches_stream(base_url_of(url), settings.user, settings.password)
    except NoStream as exc:
        echo(f"abiquo_event_reaches_stream: skipped ({exc})")
        return exit_code
    except requests.RequestException as exc:
        failures = [f"the check could not talk to the server: {exc}"]
    echo(f"abiquo_event_reaches_stream: {'FAIL' if failures else 'PASS'}")
    for failure in failures:
        echo(f"  - {failure}")
    return exit_code or (FAILED if failures else PASSED)


def execute_against(url: str, settings: Settings, echo: Callable = print, local: LocalMock | None = None) -> Outcome:
    """Run the suite against a base URL (``http://host:port``; a trailing ``/api`` is accepted); a server that
    serves no contract is held to the one ``local`` builds."""
    schemathesis_config(settings)  # refuse bad settings before any request
    base = base_url_of(url)
    problem = preflight(base, settings)
    if problem:
        return _could_not_run(problem, settings, echo)
    document, source = contract_document(base, local)
    if document is None:
        return _could_not_run(
            f"{base} serves no contract at {DOCUMENT_PATH}, and no mock was given to build one", settings, echo
        )
    echo(f"contract provider: {base} against the contract {source}")
    echo(f"contract provider: seed {settings.seed} (run again with --seed {settings.seed} to replay these requests)")
    if reset_mock(base):
        echo("contract provider: the mock was reset to the demo scenario")
    return _run_schemathesis(in_format(document, settings.format), base, settings, echo)


def in_format(document: dict, form: str) -> dict:
    """The contract as a client of one rendering reads it: answers in ``form`` alone (the Accept it sends says
    so), bodies always sent as JSON (a generated body has no XML element names to give)."""
    if form not in FORMATS:
        raise ValueError(f"unknown format {form!r}: choose json or xml")
    other = "+json" if form == "xml" else "+xml"
    document = json.loads(json.dumps(document))
    for operations in document.get("paths", {}).values():
        for operation in operations.values():
            if not isinstance(operation, dict):
                continue
            for response in [*operation.get("responses", {}).values(), operation.get("requestBody", {})]:
                content = response.get("content", {})
                body = response is operation.get("requestBody")
                for kind in [k for k in content if (("+xml" if body else other) in k) and len(content) > 1]:
                    del content[kind]
    for response in document.get("components", {}).get("responses", {}).values():
        content = response.get("content", {})
        for kind in [k for k in content if other in k and len(content) > 1]:
            del content[kind]
    return document


def execute_in_process(app, settings: Settings, echo: Callable = print, local: LocalMock | None = None) -> Outcome:
    """Run the suite against a WSGI app served from this process on a loopback port."""
    with serve_app(app) as url:
        return execute_against(url, settings, echo, local)


def base_url_of(url: str) -> str:
    base = url.rstrip("/")
    return base[: -len("/api")] if base.endswith("/api") else base


def preflight(base: str, settings: Settings) -> str | None:
    """One line saying why the run cannot start (no answer, credentials refused), or None."""
    try:
        answer = requests.get(
            base + "/api/login",
            auth=(settings.user, settings.password),
            headers={"Accept": "application/json"},
            timeout=PREFLIGHT_TIMEOUT,
        )
    except requests.RequestException as exc:
        return f"no answer from {base}: {type(exc).__name__}"
    if answer.status_code in (401, 403):
        return f"{base} refused the credentials of '{settings.user}' (GET /api/login answered {answer.status_code})"
    return None


def contract_document(base: str, local: LocalMock | None = None) -> tuple[dict | None, str]:
    """The document the server serves, or (a real Abiquo serves none) the one ``local`` builds (None without)."""
    try:
        answer = requests.get(base + DOCUMENT_PATH, timeout=30)
        if answer.status_code == 200 and "openapi" in answer.json():
            return answer.json(), f"served at {base}{DOCUMENT_PATH}"
    except (requests.RequestException, ValueError):
        pass
    if local is None:
        return None, "none"
    return local.build_contract(), local.contract_source


def reset_mock(base: str) -> bool:
    """Reset a mock to the demo scenario through its control API; False where there is none (a real Abiquo)."""
    try:
        answer = requests.post(
            base + "/_mock/reset",
            data=json.dumps({"scenario": "demo"}),
            headers={"Content-Type": "application/json"},
            timeout=30,
        )
    except requests.RequestException:
        return False
    return answer.status_code == 200


def schemathesis_config(settings: Settings) -> dict[str, Any]:
    """The run's ``schemathesis.toml``, as a dictionary."""
    chosen = settings.phases or PHASES
    unknown = set(chosen) - set(PHASES)
    if unknown:
        raise ValueError(f"unknown phase(s) {', '.join(sorted(unknown))}: choose among {', '.join(PHASES)}")
    return {
        "seed": settings.seed,
        # Abiquo ignores query parameters it does not know, as JAX-RS does: extra ones are not invalid input.
        "generation": {
            "max-examples": settings.max_examples,
            "database": "none",
            "allow-extra-parameters": True,
            # Credentials come from [auth]; a case that "drops" them would be sent with them anyway.
            "with-security-parameters": False,
        },
        "auth": {"basic": {"username": settings.user, "password": settings.password}},
        "warnings": {"fail-on": list(FAIL_ON)},
        "phases": {name: {"enabled": name in chosen} for name in PHASES},
        # A schema-valid body may still break a business rule that OpenAPI 3.0 cannot state (a limit's location
        # link must name a datacenter, a (type, period) pair may not repeat...): such a 400 is not a contract
        # failure, but abiquo_positive_refusals_are_rules checks that it names a rule, not the body's shape.
        "checks": {"positive_data_acceptance": {"expected-statuses": ACCEPTED_STATUSES}},
    }


def _run_schemathesis(document: dict, base: str, settings: Settings, echo: Callable) -> Outcome:
    with tempfile.TemporaryDirectory(prefix="abiquo-provider-") as work:
        folder = Path(work)
        (folder / "openapi.json").write_text(json.dumps(document), encoding="utf-8")
        (folder / "schemathesis.toml").write_text(toml(schemathesis_config(settings)), encoding="utf-8")
        report = Path(settings.report_junit) if settings.report_junit else folder / "junit.xml"
        report.parent.mkdir(parents=True, exist_ok=True)
        code, tail = _stream(_command(folder, base, settings, report), echo)
        failed = junit.failed_checks(report) if report.is_file() else set()
        if code != PASSED and not junit.counts_failures(report):
            # schemathesis failed the run without a failing test case (a warning it fails on, an error):
            # the report must still say so
            junit.record_problem(report, "abiquo-mock provider", "run", f"schemathesis exited {code}", tail)
        return Outcome(PASSED if code == 0 else (FAILED if failed or code == 1 else COULD_NOT_RUN), failed)


def _command(folder: Path, base: str, settings: Settings, report: Path) -> list[str]:
    command = [sys.executable, "-m", "schemathesis.cli", "--config-file", str(folder / "schemathesis.toml")]
    command += ["run", str(folder / "openapi.json"), "--url", base, "--exclude-path-regex", CONTROL_PATHS]
    command += ["--report", "junit", "--report-junit-path", str(report), "--seed", str(settings.seed)]
    if settings.paths:
        command += ["--include-path-regex", settings.paths]
    if settings.format == "xml":  # /api/version is plain text in either rendering: the JSON run checks it
        command += ["--header", f"Accept: {XML_ACCEPT}", "--exclude-path", "/api/version"]
    return command


def _stream(command: list[str], echo: Callable) -> tuple[int, str]:
    """Run schemathesis, echoing its output line by line; (exit code, its last lines)."""
    env = {**os.environ, "SCHEMATHESIS_HOOKS": CHECKS_MODULE, "PYTHONUNBUFFERED": "1"}
    process = subprocess.Popen(
        command, stdout=subprocess.PIPE, stderr=subprocess.STDOUT, text=True, errors="replace", env=env
    )
    lines: list[str] = []
    assert process.stdout is not None  # stdout=PIPE
    for line in process.stdout:
        echo(line.rstrip("\n"))
        lines = [*lines[-39:], line.rstrip("\n")]
    return process.wait(), "\n".join(lines)


def _could_not_run(problem: str, settings: Settings, echo: Callable) -> Outcome:
    echo(f"contract provider: could not run: {problem}")
    if settings.report_junit:
        junit.write_problem(settings.report_junit, "abiquo-mock provider", "run", problem)
    return Outcome(COULD_NOT_RUN)


def toml(document: dict[str, Any], prefix: str = "") -> str:
    """TOML for nested tables of strings, numbers, booleans and lists of those (all a schemathesis.toml needs)."""
    plain = {k: v for k, v in document.items() if not isinstance(v, dict)}
    lines = [f"[{prefix}]"] if prefix and plain else []
    lines += [f"{json.dumps(key)} = {json.dumps(value)}" for key, value in plain.items()]
    text = "\n".join(lines) + ("\n" if lines else "")
    for key, value in document.items():
        if isinstance(value, dict):
            text += toml(value, f"{prefix}.{json.dumps(key)}" if prefix else json.dumps(key))
    return text


__all__ = ["Outcome", "Settings", "execute_against", "execute_in_process", "run"]
