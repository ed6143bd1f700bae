"""abiquo-mock: serve the mock, list its scenarios, and run the contract suites."""

from __future__ import annotations

import errno
import os
import socket
import sys
from pathlib import Path
from typing import NoReturn

import click
from abiquo_mock.contracts.cli import certify, contract
from abiquo_mock.contracts.local import LocalMock

from . import contexts, release, scenarios
from .http import media
from .http.sites import BadHostName, allowed_hosts
from .store import Store, StoreError, StoreLocked, hold_lock

DEFAULT_DB = "var/abiquo-mock.json"


def _create_app(config: dict):
    from .app import create_app  # loaded only by the commands that serve

    return create_app(config)


def _build_contract() -> dict:
    from . import openapi

    _create_app({"CONTROL_ENABLED": True})  # registers every operation the document describes
    return openapi.build()


# What the contract suites may serve in this process: they are handed the factory, never import it
LOCAL_MOCK = LocalMock(_create_app, _build_contract, "built by abiquo_mock.mockserver.openapi")


@click.group(context_settings={"help_option_names": ["-h", "--help"], "obj": LOCAL_MOCK})
@click.version_option(package_name="abiquo-mock", prog_name="abiquo-mock", message="%(prog)s %(version)s")
def main() -> None:
    """A local fake of the Abiquo 3.8.5 API's backup surface."""


def _fail(message: str) -> NoReturn:
    click.echo(f"abiquo-mock: {message}", err=True)
    sys.exit(2)


def prepare(db: str, scenario: str | None, abiquo: release.Release | None = None) -> str | None:
    """Take the store's lock for the life of this process (a second server on the same store fails here,
    before reading or writing anything), open the store once to check it, and load the scenario if asked
    (or the default one into a new store: demo, or legacy-3.8 for --abiquo 3.8), served as ``abiquo`` when it is
    named. The server's worker then opens the store under the lock held here."""
    created = not Path(db).exists()
    if scenario or created:  # a new store starts from the default: check it before any file is made
        check_scenario(scenario or scenarios.default_scenario(abiquo), abiquo)
    try:
        unlock = hold_lock(db)
    except StoreError as exc:
        _fail(f"{exc}{way_out_of(exc, db)}")
    try:
        with Store(db, lock_held=True) as store:
            loaded = scenario or (scenarios.default_scenario(abiquo) if store.is_new else None)
            if loaded:
                scenarios.load(store, loaded, contexts.transforms(), abiquo=abiquo)
            elif abiquo is not None:
                scenarios.serve_store_as(store, abiquo)
        return loaded
    except (StoreError, scenarios.ScenarioError) as exc:
        unlock(drop_empty_journal=True)
        if created:  # the next run must not serve the empty world a failed first load left
            Path(db).unlink(missing_ok=True)
        _fail(f"{exc}{way_out_of(exc, db) if isinstance(exc, StoreError) else ''}")


OTHER_STORE = "serve another store (make serve DB=var/other.json, abiquo-mock serve --db PATH) or none (--memory)"


def way_out_of(exc: StoreError, db: str) -> str:
    """What a user can do about a store that cannot be opened, in words to append to its error."""
    if isinstance(exc, StoreLocked):
        stop = f"stop that server (kill {exc.holder})" if exc.holder else "stop the server that serves it"
        return f": {stop}, or {OTHER_STORE}"
    if isinstance(exc.__cause__, PermissionError):
        folder = Path(db).resolve().parent
        owner = folder.stat().st_uid if folder.exists() else "?"
        return (
            f": {folder} belongs to uid {owner} and this server runs as uid {os.getuid()}; chown {os.getuid()} that "
            f"folder (a host folder bound into a container: chown it on the host), or {OTHER_STORE}"
        )
    return ""


def check_port(host: str, port: int) -> None:
    """Fail in one line, before the store is opened, when the address cannot be listened on."""
    try:
        family, kind, proto, _, address = socket.getaddrinfo(host, port, type=socket.SOCK_STREAM)[0]
        with socket.socket(family, kind, proto) as probe:
            probe.setsockopt(socket.SOL_SOCKET, socket.SO_REUSEADDR, 1)  # as servers do: TIME_WAIT is no obstacle
            probe.bind(address)
    except OSError as exc:
        reason = "the port is already in use" if exc.errno == errno.EADDRINUSE else (exc.strerror or str(exc))
        way_out = ": stop what listens there, or choose another (make serve PORT=8081, abiquo-mock serve --port 8081)"
        _fail(f"cannot listen on {host}:{port}: {reason}{way_out if exc.errno == errno.EADDRINUSE else ''}")


def check_scenario(name: str, abiquo: release.Release | None = None) -> str:
    """Fail in one line, before the server starts, on a scenario that cannot be loaded (or served as ``abiquo``)."""
    try:
        known = scenarios.names()
        if name not in known:
            _fail(f"there is no scenario '{name}' (known: {', '.join(known)})")
        tables = scenarios.world(name, contexts.transforms())
        if abiquo is not None:
            scenarios.served_as(tables, abiquo)
    except scenarios.ScenarioError as exc:
        _fail(f"scenario {name}: {exc}" if abiquo is not None else str(exc))
    from .errors import AbiquoError
    from .faults.plan import FaultPlan

    try:
        FaultPlan().add(scenarios.faults(name))
    except AbiquoError as exc:
        _fail(f"scenario {name}: {exc.message}")
    return name


def _scenario_file(path: str) -> str:
    """A scenario named by its file: known by its name from then on, then checked like any other."""
    try:
        return scenarios.add_file(path)
    except scenarios.ScenarioError as exc:
        _fail(str(exc))


def check_token(token: str | None) -> None:
    """Fail in one line on a control token that guards nothing: empty (a CI secret that was not set) or one that
    cannot travel in a header."""
    source = click.get_current_context().get_parameter_source("control_token")
    if token is None and "ABIQUO_MOCK_CONTROL_TOKEN" in os.environ:  # click reads an empty variable as unset
        token, source = os.environ["ABIQUO_MOCK_CONTROL_TOKEN"], click.core.ParameterSource.ENVIRONMENT
    where = "ABIQUO_MOCK_CONTROL_TOKEN" if source == click.core.ParameterSource.ENVIRONMENT else "--control-token"
    if token is None:
        return
    if not token.strip():
        _fail(f"{where} is empty: the control API would be open to anyone; give a token, or unset it")
    if token != token.strip() or any(ord(c) < 32 or ord(c) == 127 for c in token):
        _fail(f"{where} starts or ends with spaces or holds control characters, which no header can carry")


def check_allowed_hosts(given: tuple[str, ...]) -> tuple[str, ...]:
    """The names served beyond loopback and IP addresses: ABIQUO_MOCK_ALLOWED_HOSTS and every --allowed-host."""
    try:
        return allowed_hosts((os.environ.get("ABIQUO_MOCK_ALLOWED_HOSTS", ""), *given))
    except BadHostName as exc:
        _fail(str(exc))


def check_faults(path: str) -> None:
    """Fail in one line, before the server starts, on a fault file that cannot be used."""
    from .errors import AbiquoError
    from .faults.hooks import load_file
    from .faults.plan import FaultPlan

    try:
        specs, seed = load_file(path)
        FaultPlan().add(specs, seed=seed)
    except AbiquoError as exc:
        _fail(f"{path}: {exc.message}")
    except (OSError, ValueError) as exc:
        _fail(f"{path}: {exc}")


@main.command()
@click.option("--host", default="127.0.0.1", show_default=True, help="Address to listen on.")
@click.option("--port", default=8080, show_default=True, type=click.IntRange(0, 65535), help="Port to listen on.")
@click.option("--db", "db", type=click.Path(dir_okay=False), help=f"TinyDB store file [default: {DEFAULT_DB}]")
@click.option("--memory", is_flag=True, help="Keep the store in memory only (nothing survives a restart).")
@click.option(
    "--scenario",
    help="Load this scenario (a name, or the path of a scenario file: NAME.yaml), replacing what the store held.",
)
@click.option("--control/--no-control", default=True, show_default=True, help="Serve the /_mock control API.")
@click.option("--control-token", envvar="ABIQUO_MOCK_CONTROL_TOKEN", help="Require X-Mock-Token on /_mock.")
@click.option(
    "--allowed-host",
    "allowed_host",
    multiple=True,
    metavar="NAME",
    help="Also answer requests for this host name (repeatable; added to ABIQUO_MOCK_ALLOWED_HOSTS, comma-separated): "
    "a container's or CI service's name; '.example' allows a domain, '*' any host. Loopback and IP addresses "
    "are always answered.",
)
@click.option(
    "--journal-mib",
    default=8,
    show_default=True,
    type=click.IntRange(1, 4096),
    help="Memory the request journal may use (MiB); the oldest requests are forgotten beyond it.",
)
@click.option(
    "--access-log",
    is_flag=True,
    envvar="ABIQUO_MOCK_ACCESS_LOG",
    help="Print a line for every request (it costs about a tenth of the throughput; the journal keeps them anyway).",
)
@click.option("--dev", is_flag=True, help="Flask's development server instead of granian (development only).")
@click.option(
    "--faults",
    "faults",
    type=click.Path(exists=True, dir_okay=False),
    help="Switch on the faults of this YAML or JSON file (instead of the scenario's own; see docs/FAULTS.md).",
)
@click.option("--fault-seed", type=int, help="Seed of the fault plan [default: the file's seed, else 0].")
@click.option(
    "--abiquo",
    "abiquo",
    type=click.Choice(release.names()),
    help="The Abiquo release to be: 3.8 (no backup policies; a new store starts from legacy-3.8) or 3.8.5 "
    "[default: the release the scenario names, else 3.8.5].",
)
@click.option(
    "--api-versions",
    "api_versions",
    default=",".join(media.SUPPORTED_VERSIONS),
    show_default=True,
    envvar="ABIQUO_MOCK_API_VERSIONS",
    help="The media-type versions a client may name in version= (comma-separated); a request naming none gets 3.8, "
    "one naming another is refused 406 (Accept) or 415 (Content-Type).",
)
@click.option(
    "--session-minutes",
    "session_minutes",
    default=30,
    show_default=True,
    type=click.FloatRange(min=0, min_open=True),
    envvar="ABIQUO_MOCK_SESSION_MINUTES",
    help="How long the session cookie a GET /api/login opens (Set-Cookie: auth=…) lasts.",
)
def serve(
    host,
    port,
    db,
    memory,
    scenario,
    control,
    control_token,
    allowed_host,
    journal_mib,
    access_log,
    dev,
    faults,
    fault_seed,
    abiquo,
    api_versions,
    session_minutes,
):
    """Serve the mock on one process (the store's lock lives in it)."""
    try:
        versions = media.parse_versions(api_versions)
    except ValueError as exc:
        _fail(f"--api-versions: {exc}")
    if memory and db:
        _fail("--db and --memory exclude each other")
    if scenario and scenarios.names_a_file(scenario):
        scenario = _scenario_file(scenario)
    check_token(control_token)
    hosts = check_allowed_hosts(allowed_host)
    if faults:
        check_faults(faults)
    check_port(host, port)
    served = release.named(abiquo) if abiquo else None
    path = None if memory else str(Path(db or DEFAULT_DB))
    if memory:
        loaded = check_scenario(scenario or scenarios.default_scenario(served), served)
    else:
        loaded = prepare(path, scenario, served)
    os.environ.update(
        {
            "ABIQUO_MOCK_DB": path or "",
            "ABIQUO_MOCK_STORE_LOCKED": "1" if path else "",  # prepare() holds the store's lock until exit
            "ABIQUO_MOCK_SCENARIO": (scenario or (loaded if served else "")) if memory else "",
            "ABIQUO_MOCK_ABIQUO": abiquo if memory and abiquo else "",
            "ABIQUO_MOCK_CONTROL": "on" if control else "off",
            "ABIQUO_MOCK_ALLOWED_HOSTS": ",".join(hosts),
            "ABIQUO_MOCK_BIND_HOST": host,
            "ABIQUO_MOCK_JOURNAL_MIB": str(journal_mib),
            "ABIQUO_MOCK_LOADED_SCENARIO": loaded or scenario or "",
            "ABIQUO_MOCK_FAULTS": str(Path(faults).resolve()) if faults else "",
            "ABIQUO_MOCK_FAULT_SEED": "" if fault_seed is None else str(fault_seed),
            "ABIQUO_MOCK_API_VERSIONS": ",".join(versions),
            "ABIQUO_MOCK_SESSION_MINUTES": str(session_minutes),
        }
    )
    if control_token:
        os.environ["ABIQUO_MOCK_CONTROL_TOKEN"] = control_token
    else:  # an empty value left behind would read as a refused token to whoever starts a server from here
        os.environ.pop("ABIQUO_MOCK_CONTROL_TOKEN", None)
    from .healthcheck import announce

    source = click.get_current_context().get_parameter_source("control_token")
    announce(host, port, control=control, token_in_environment=not control_token or source.name == "ENVIRONMENT")
    click.echo(
        f"abiquo-mock: serving http://{host}:{port}/api (store: {path or 'memory'}"
        f"{', scenario ' + (loaded or scenario) if (loaded or scenario) else ''}"
        f"{', Abiquo ' + abiquo if abiquo else ''})",
        err=True,
    )
    if dev:
        from .wsgi import app_from_environment

        app_from_environment().run(host=host, port=port, threaded=True)
        return
    from .server import run

    run(host, port, access_log=access_log)


@main.command("scenarios")
def list_scenarios():
    """List the scenarios the mock can load (and the files of the scenarios folder that are broken, with why)."""
    try:
        listed = scenarios.catalogue()
    except scenarios.ScenarioError as exc:  # no scenario at all
        _fail(str(exc))
    for info in listed:
        if "broken" in info:
            click.echo(f"{info['name']:<16} BROKEN: {info['broken']}")
            continue
        tags = f" [{', '.join(info['tags'])}]" if info["tags"] else ""
        click.echo(f"{info['name']:<16} {info['description']}{tags}")


for _context in contexts.CONTEXTS:  # the commands that live with their context (upgrade, …)
    for _command in _context.commands:
        main.add_command(_command)
main.add_command(contract)  # the contract suites judge a server from outside: they are not a context
main.add_command(certify)  # a connector judged on every obligation at once, from outside too
