"""The provider contract suite: does an Abiquo API honour the contract?

schemathesis 4 drives the API from the OpenAPI document: every built-in check, the Abiquo conventions of
``contracts.checks``, and the stateful phase walking the document's links. Runs are reproducible (fixed
seed, derandomised, no example database) and an authentication failure fails the run instead of passing
it with a warning.

Targets: a base URL (a real Abiquo or a running mock), a mock started for the run, or the mock in-process.
The control API (/_mock) is the mock's own and is never part of the contract run.
"""

from __future__ import annotations

import json
from collections.abc import Callable, Iterator
from dataclasses import dataclass, field, replace
from typing import Any

import requests
import schemathesis
from schemathesis.config import SchemathesisConfig
from schemathesis.config._checks import POSITIVE_DATA_ACCEPTANCE_EXPECTED_STATUSES

from . import checks as abiquo_checks
from .server import MockServer

PHASES = ("examples", "coverage", "fuzzing", "stateful")
# Warnings that mean the run did not test what it claims: they fail it.
# validation_mismatch is only reported: operations whose bodies must link existing entities reject most
# generated bodies by design (see schemathesis_config).
FAIL_ON = ("missing_auth", "base_url_mismatch", "unused_openapi_auth", "unresolvable_reference")
CONTROL_PATHS = r"^/(_mock|m/)"  # the mock's own API, and event streams (which never end: checked apart)
DOCUMENT_PATH = "/api/openapi.json"


@dataclass(frozen=True)
class Settings:
    user: str = "admin"
    password: str = "xabiquo"
    seed: int = 42
    max_examples: int = 25
    report_junit: str | None = None
    phases: tuple[str, ...] | None = None
    paths: str | None = None  # a regular expression: test only the operations whose path matches


@dataclass
class Outcome:
    """What a run found: its exit code and the checks that failed, by name."""

    exit_code: int = 0
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
    echo=print,
) -> int:
    """Run the provider suite; returns the process exit code (0 = no failure)."""
    settings = Settings(user, password, seed, max_examples, report_junit, tuple(phases) if phases else None)
    if in_process:
        from mockserver.app import create_app

        echo("contract provider: the mock in-process (demo scenario)")
        return execute_in_process(create_app({"SCENARIO": "demo"}), settings, echo).exit_code
    if url is None:
        with MockServer("--memory") as server:
            echo(f"contract provider: started the mock at {server.url}")
            return _with_stream_check(server.url, settings, echo)
    return _with_stream_check(url, settings, echo)


def _with_stream_check(url: str, settings: Settings, echo: Callable) -> int:
    """The schemathesis run, then the event stream check it cannot make (contracts/stream_check.py)."""
    from .stream_check import NoStream, event_reaches_stream

    exit_code = execute_against(url, settings, echo).exit_code
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
    return exit_code or (1 if failures else 0)


def execute_against(url: str, settings: Settings, echo: Callable = print) -> Outcome:
    """Run the suite against a base URL (``http://host:port``; a trailing ``/api`` is accepted)."""
    base = base_url_of(url)
    document, source = contract_document(base)
    echo(f"contract provider: {base} against the contract {source}")
    if reset_mock(base):
        echo("contract provider: the mock was reset to the demo scenario")
    schema = schemathesis.openapi.from_dict(document, config=schemathesis_config(settings, base_url=base))
    return _execute(schema.exclude(path_regex=CONTROL_PATHS), DOCUMENT_PATH, settings)


def execute_in_process(app, settings: Settings, echo: Callable = print) -> Outcome:
    """Run the suite against a Flask app through WSGI, without a socket."""
    schema = schemathesis.openapi.from_wsgi(DOCUMENT_PATH, app, config=schemathesis_config(settings))
    schema = schema.exclude(path_regex=CONTROL_PATHS)
    if settings.paths:
        schema = schema.include(path_regex=settings.paths)
    _send_probes_in_process(schema)
    return _execute(schema, DOCUMENT_PATH, replace(settings, paths=None))


def base_url_of(url: str) -> str:
    base = url.rstrip("/")
    return base[: -len("/api")] if base.endswith("/api") else base


def contract_document(base: str) -> tuple[dict, str]:
    """The document the server serves, or (a real Abiquo serves none) the one this project builds."""
    try:
        answer = requests.get(base + DOCUMENT_PATH, timeout=30)
        if answer.status_code == 200 and "openapi" in answer.json():
            return answer.json(), f"served at {base}{DOCUMENT_PATH}"
    except (requests.RequestException, ValueError):
        pass
    from mockserver import openapi
    from mockserver.app import create_app

    create_app({"CONTROL_ENABLED": True})  # registers every operation the document describes
    return openapi.build(), "built by mockserver.openapi"


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


def schemathesis_config(settings: Settings, *, base_url: str | None = None) -> SchemathesisConfig:
    chosen = settings.phases or PHASES
    unknown = set(chosen) - set(PHASES)
    if unknown:
        raise ValueError(f"unknown phase(s) {', '.join(sorted(unknown))}: choose among {', '.join(PHASES)}")
    data: dict[str, Any] = {
        "seed": settings.seed,
        # Abiquo ignores query parameters it does not know, as JAX-RS does: extra ones are not invalid input.
        "generation": {
            "max-examples": settings.max_examples,
            "deterministic": True,
            "database": "none",
            "allow-extra-parameters": True,
            # Credentials come from [auth]; a case that "drops" them would be sent with them anyway.
            "with-security-parameters": False,
        },
        "auth": {"basic": {"username": settings.user, "password": settings.password}},
        "warnings": {"fail-on": list(FAIL_ON)},
        "phases": {name: {"enabled": name in chosen} for name in PHASES},
        "cache": {"enabled": False},
        "reports": {"junit": {"path": settings.report_junit}} if settings.report_junit else {},
    }
    # A schema-valid body may still break a business rule that OpenAPI 3.0 cannot state (a limit's location
    # link must name a datacenter, a (type, period) pair may not repeat...): such a 400 is not a contract
    # failure, but abiquo_positive_refusals_are_rules checks that it names a rule, not the body's shape.
    data["checks"] = {
        "positive_data_acceptance": {"expected-statuses": [*POSITIVE_DATA_ACCEPTANCE_EXPECTED_STATUSES, "400"]}
    }
    if base_url is not None:
        data["base-url"] = base_url
    return SchemathesisConfig.from_dict(data)


def _execute(schema, location: str, settings: Settings) -> Outcome:
    """Drive the engine through schemathesis' own reporting (terminal output, JUnit, warnings, exit code)."""
    if settings.paths:
        schema = schema.include(path_regex=settings.paths)
    from schemathesis.cli.commands.run.context import ExecutionContext
    from schemathesis.cli.commands.run.handlers.output import OutputHandler
    from schemathesis.cli.executor import execute_event_loop

    outcome = Outcome()
    config = schema.config
    try:
        execute_event_loop(
            _events(schema, location, outcome),
            config=config,
            args=[],
            params={},
            output_handler=OutputHandler(config=config),
            context_factory=lambda cfg: ExecutionContext(config=cfg),
        )
    except SystemExit as exc:
        outcome.exit_code = int(exc.code) if isinstance(exc.code, int) else 1
    return outcome


def _events(schema, location: str, outcome: Outcome) -> Iterator:
    from schemathesis.cli.events import LoadingFinished, LoadingStarted
    from schemathesis.engine import Status, events, from_schema

    started = LoadingStarted(location=location)
    yield started
    yield LoadingFinished.from_schema(
        schema, location=location, start_time=started.timestamp, base_url=schema.get_base_url()
    )
    for event in from_schema(schema).execute():
        if isinstance(event, events.ScenarioFinished):
            outcome.failed_checks |= {
                check.name
                for results in event.recorder.checks.values()
                for check in results
                if check.status == Status.FAILURE
            }
        yield event


def _send_probes_in_process(schema) -> None:
    """schemathesis 4.32 hands socket-only settings (max_redirects, verify, cert) to werkzeug when it
    sends its authentication probes through WSGI; this transport drops them first."""
    from schemathesis.transport.wsgi import WSGI_TRANSPORT, WSGITransport

    class InProcessTransport(WSGITransport):
        def send(self, case, *, session=None, **kwargs):
            if session is None:
                for name in ("max_redirects", "verify", "cert", "proxies"):
                    kwargs.pop(name, None)
            return super().send(case, session=session, **kwargs)

    transport = InProcessTransport()
    transport._copy_serializers_from(WSGI_TRANSPORT)
    schema.__class__ = type("InProcessSchema", (type(schema),), {"transport": property(lambda self: transport)})


__all__ = ["Outcome", "Settings", "abiquo_checks", "execute_against", "execute_in_process", "run"]
