"""`abiquo-mock contract …`: the provider suite (is a server a faithful Abiquo?) and the integration suite
(does a backup connector handle every metadata shape?)."""

from __future__ import annotations

import sys

import click

from .extra import CONTRACT_EXTRA, missing, sentence

REPORT = click.option(
    "--report",
    "report",
    type=(click.Choice(["junit"]), click.Path(dir_okay=False)),
    default=(None, None),
    metavar="junit PATH",
    help="Also write a JUnit XML report to PATH.",
)

TIMEOUT = click.option(
    "--timeout",
    default=60.0,
    show_default=True,
    type=click.FloatRange(0, min_open=True),
    help="Seconds one pass of the connector may take.",
)

# The VMs a generated world may hold: every collection pages from 150; the mock builds at most 100,000.
SCALE_VMS = (150, 100_000)
EXIT_STATUS = (
    "Exit status: 0 every check passed; 1 a check failed; 2 bad arguments; 3 the suite could not run "
    "(no answer, credentials refused, the mock could not start or load a world)."
)


def _suite(name: str):
    """The suite's module; without the contract extra installed, one line and exit status 3. Every module of the
    extra is looked for first: a suite may need one only later (the provider runs schemathesis in a process of
    its own), and must not die half way with a traceback."""
    import importlib

    absent = missing()
    try:
        if not absent:
            return importlib.import_module(f".{name}", __package__)
    except ModuleNotFoundError as exc:
        if exc.name not in CONTRACT_EXTRA:
            raise
        absent = [exc.name]
    click.echo(f"abiquo-mock: {sentence(f'the {name} suite', absent)}", err=True)
    sys.exit(3)


def register(main: click.Group) -> None:
    main.add_command(contract)
    main.add_command(certify)


def rendering(help_text: str):
    """The --format option of a suite: json or xml."""
    return click.option(
        "--format", "form", type=click.Choice(["json", "xml"]), default="json", show_default=True, help=help_text
    )


@click.group()
def contract() -> None:
    """Contract suites: against a server (provider) or against a backup connector (integration)."""


@contract.command(epilog=EXIT_STATUS)
@click.option("--url", help="Base URL of the server to check (default: a fresh mock process).")
@click.option("--user", default="admin", show_default=True)
@click.option("--password", default="xabiquo", show_default=True)
@click.option(
    "--seed", default=42, show_default=True, type=int, help="Seed of the generated requests (printed; replays a run)."
)
@click.option("--max-examples", default=25, show_default=True, type=click.IntRange(1), help="Cases per operation.")
@click.option("--in-process", is_flag=True, help="Call the application in this process instead of over HTTP.")
@rendering("The rendering every request asks for (Accept) and every answer is checked in.")
@REPORT
def provider(url, user, password, seed, max_examples, in_process, form, report):
    """Check that a server answers as the Abiquo 3.8.5 backup contract says."""
    suite = _suite("provider")

    sys.exit(
        suite.run(
            url,
            user=user,
            password=password,
            seed=seed,
            max_examples=max_examples,
            report_junit=report[1],
            in_process=in_process,
            form=form,
            echo=click.echo,
            local=click.get_current_context().find_root().obj,  # the mock the command line hosting this gives
        )
    )


def _size_range(text: str) -> tuple[int, int]:
    low, _, high = text.partition("-")
    try:
        bounds = (int(low), int(high or low))
    except ValueError:
        raise click.BadParameter(f"'{text}' is not LOW-HIGH", param_hint="--sizes") from None
    if not SCALE_VMS[0] <= bounds[0] <= bounds[1] <= SCALE_VMS[1]:
        raise click.BadParameter(
            f"the range must lie within {SCALE_VMS[0]}-{SCALE_VMS[1]} and not end below its start",
            param_hint="--sizes",
        )
    return bounds


@contract.command(epilog=EXIT_STATUS)
@click.option("--command", "command", required=True, help="Shell command running one pass of the connector.")
@click.option(
    "--scenario",
    "scenarios",
    multiple=True,
    help="A scenario to run it on (repeatable; default: every scenario tagged integration).",
)
@click.option(
    "--generated",
    default=0,
    show_default=True,
    type=click.IntRange(0),
    help="Also run it on N worlds whose VM metadata is generated.",
)
@click.option(
    "--sizes",
    default="150-250",
    show_default=True,
    help="VMs of each generated world, drawn from this range (LOW-HIGH, at least 150: every collection pages).",
)
@click.option("--seed", default=0, show_default=True, type=int, help="Seed of the generated worlds and of the faults.")
@TIMEOUT
@click.option("--url", help="Use this running mock (its /_mock control API) instead of a fresh process.")
@click.option(
    "--listen",
    "listening",
    is_flag=True,
    help="The connector is event-driven: run it while each event-driven scenario plays its timeline.",
)
@click.option(
    "--across-upgrade",
    is_flag=True,
    help="Run it on each scenario tagged legacy served as Abiquo 3.8, upgrade the world to 3.8.5 and run it again "
    "(with --listen: upgrade the world while it listens); survives-upgrade judges the run after the upgrade.",
)
@click.option(
    "--abiquo",
    "abiquo",
    callback=lambda ctx, param, value: _releases(value),
    metavar="RELEASES",
    help="Serve each world as each of these Abiquo releases in turn (comma-separated, e.g. 3.8,3.8.5) and print the "
    "matrix of worlds and releases [default: the release each scenario names].",
)
@rendering(
    "The rendering the connector is asked to speak (ABIQUO_FORMAT in its environment); with xml, a "
    "connector that asks for or sends JSON is not judged."
)
@REPORT
def integration(
    command, scenarios, generated, sizes, seed, timeout, url, listening, across_upgrade, abiquo, form, report
):
    """Run a backup connector against the mock's scenarios and judge what it did.

    The command runs with ABIQUO_API_URL, ABIQUO_USER and ABIQUO_PASSWORD set; it fails the suite if it
    crashes, skips a VM it should back up, changes metadata it does not own, writes invalid backup
    results, stumbles on schedule entries without time or days, or has a write refused; across the upgrade,
    if it reads a VM's schedule differently once 3.8.5 added policyBindings, loses a result written before, or
    ignores a VM the upgrade bound.
    """
    if listening and abiquo:
        raise click.UsageError("--abiquo runs the one-pass suite; with --listen use --across-upgrade")
    suite = _suite("integration")

    outcome = suite.run(
        command,
        scenarios=list(scenarios) or None,
        generated=generated,
        sizes=_size_range(sizes),
        seed=seed,
        timeout=timeout,
        url=url,
        report_junit=report[1],
        echo=click.echo,
        listening=listening,
        across_upgrade=across_upgrade,
        abiquo=abiquo,
        form=form,
    )
    sys.exit(outcome.exit_code)


def _releases(text: str | None) -> list[str] | None:
    """``3.8,3.8.5`` as a list; the mock says whether it knows each."""
    if text is None:
        return None
    found = [part.strip() for part in text.split(",") if part.strip()]
    if not found:
        raise click.BadParameter("name at least one Abiquo release, e.g. 3.8,3.8.5", param_hint="--abiquo")
    return list(dict.fromkeys(found))


@click.command(epilog=EXIT_STATUS)
@click.option("--command", "command", required=True, help="Shell command running the connector.")
@click.option(
    "--report-dir",
    default="reports/certify",
    show_default=True,
    type=click.Path(file_okay=False),
    help="Where report.html, summary.md, results.json, junit.xml and the world files go.",
)
@click.option(
    "--listen/--one-pass",
    "listens",
    default=None,
    help="Declare the connector event-driven (it listens to /m/stream until stopped) or one-pass (it does a pass "
    "and exits) [default: found out by running it once on an empty world].",
)
@click.option(
    "--format",
    "formats",
    multiple=True,
    help="A format the connector speaks, json or xml (repeatable; each world runs once per format) [default: json].",
)
@click.option("--generated", default=6, show_default=True, type=click.IntRange(0), help="Generated worlds to run.")
@click.option("--seed", default=0, show_default=True, type=int, help="Seed of the generated worlds and the faults.")
@TIMEOUT
@click.option(
    "--workers", default=2, show_default=True, type=click.IntRange(1, 16), help="Worlds run at once, a mock each."
)
@click.option(
    "--shrink-seconds",
    default=60.0,
    show_default=True,
    type=click.FloatRange(0),
    help="How long a failed generated world may be shrunk to a minimal one.",
)
@click.option(
    "--world",
    "worlds",
    multiple=True,
    help="Run only this world (a scenario's name, or 'generated'; repeatable): a part of the certification, to "
    "reproduce a failure.",
)
def certify(command, report_dir, listens, formats, generated, seed, timeout, workers, shrink_seconds, worlds):
    """Certify a backup connector: every obligation towards Abiquo 3.8.5 in one run, and a report to hand on.

    The connector runs with ABIQUO_API_URL, ABIQUO_USER, ABIQUO_PASSWORD, ABIQUO_STREAM_URL and ABIQUO_FORMAT set,
    on every integration scenario, generated worlds, the scale world with its faults and the legacy worlds across
    their upgrade (or, when it listens to events, the worlds whose timeline changes them), once per format.
    """
    suite = _suite("certify.run")
    from .certify.plan import FORMATS

    unknown = [f for f in formats if f not in FORMATS]
    if unknown:
        raise click.BadParameter(
            f"the mock serves {', '.join(FORMATS)} only, not {', '.join(unknown)}", param_hint="--format"
        )
    options = suite.Options(
        command,
        report_dir=report_dir,
        kind=None if listens is None else ("event-driven" if listens else "one-pass"),
        formats=tuple(formats) or ("json",),
        generated=generated,
        seed=seed,
        timeout=timeout,
        workers=workers,
        shrink_seconds=shrink_seconds,
        only=set(worlds) or None,
    )
    try:
        outcome = suite.certify(options, echo=click.echo)
    except suite.UnknownWorld as exc:
        raise click.BadParameter(str(exc), param_hint="--world") from None
    sys.exit(outcome.exit_code)
