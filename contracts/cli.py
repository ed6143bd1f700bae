"""`abiquo-mock contract …`: the provider suite (is a server a faithful Abiquo?) and the integration suite
(does a backup connector handle every metadata shape?)."""

from __future__ import annotations

import sys

import click

REPORT = click.option(
    "--report",
    "report",
    type=(click.Choice(["junit"]), click.Path(dir_okay=False)),
    default=(None, None),
    metavar="junit PATH",
    help="Also write a JUnit XML report to PATH.",
)


# The distributions the contract extra adds, by import name (see pyproject.toml).
CONTRACT_EXTRA = ("schemathesis", "hypothesis", "jsonschema_rs", "requests", "pytest")
EXIT_STATUS = (
    "Exit status: 0 every check passed; 1 a check failed; 2 bad arguments; 3 the suite could not run "
    "(no answer, credentials refused, the mock could not start or load a world)."
)


def _suite(name: str):
    """The suite's module; without the contract extra installed, one line and exit status 3."""
    import importlib

    try:
        return importlib.import_module(f".{name}", __package__)
    except ModuleNotFoundError as exc:
        if exc.name not in CONTRACT_EXTRA:
            raise
        click.echo(
            f"abiquo-mock: the contract suites need {exc.name}, which comes with the contract extra: "
            "pip install 'abiquo-mock[contract]'",
            err=True,
        )
        sys.exit(3)


def register(main: click.Group) -> None:
    main.add_command(contract)


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
@REPORT
def provider(url, user, password, seed, max_examples, in_process, report):
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
            echo=click.echo,
        )
    )


def _size_range(text: str) -> tuple[int, int]:
    low, _, high = text.partition("-")
    try:
        bounds = (int(low), int(high or low))
    except ValueError:
        raise click.BadParameter(f"'{text}' is not LOW-HIGH", param_hint="--sizes") from None
    if not 150 <= bounds[0] <= bounds[1]:
        raise click.BadParameter(
            "the range must start at 150 or more and not end below its start", param_hint="--sizes"
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
@click.option(
    "--timeout",
    default=60.0,
    show_default=True,
    type=click.FloatRange(0, min_open=True),
    help="Seconds one pass of the connector may take.",
)
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
@REPORT
def integration(command, scenarios, generated, sizes, seed, timeout, url, listening, across_upgrade, abiquo, report):
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
