"""Scenario packs: readable, versioned YAML files, each a complete world (see fixtures/README.md), shipped inside
the package (the repository's fixtures/ folder) and optionally added to or overridden from ABIQUO_MOCK_FIXTURES.

A scenario either lists its tables under ``world`` or derives from another scenario through a named
transform (``derive: {from: legacy-3.8, apply: upgrade}``), so that a world produced by code is never
written by hand. The contexts provide the transforms (mockserver/contexts.py); whoever loads a derived
scenario passes them in. A scenario may name the Abiquo release its world runs (``abiquo: "3.8"``, see
mockserver/release.py); it becomes the world's ``installation`` document, and whoever loads it may serve it as
another release instead, if the world can be one.
"""

from __future__ import annotations

import copy
import importlib.resources
import inspect
import os
import threading
from collections.abc import Callable, Mapping
from pathlib import Path
from types import MappingProxyType

from . import heap, release
from .errors import AbiquoError
from .store import Store

FORMAT = "abiquo-mock-scenario/1"
DEFAULT_SCENARIO = release.DEFAULT.scenario
SHIPPED = "abiquo_mock.fixtures"  # the package holding the scenarios every install has
MAX_NAME = 200
# Scenario files named by path (`serve --scenario PATH`), known by their file name without the extension: the
# command sets it for itself and for the server process it starts, never from a request.
FILES = "ABIQUO_MOCK_SCENARIO_FILES"
World = dict[str, list[dict]]
Transform = Callable[..., World]  # a scenario transform: a world (and parameters) in, the derived world out
NO_TRANSFORMS: Mapping[str, Transform] = MappingProxyType({})
# The top-level keys of a scenario file and what each must be
SHAPES = {
    "description": (str, "text"),
    "tags": (list, "a list"),
    "integration": (dict, "a mapping"),
    "timeline": (list, "a list"),
    "world": (dict, "a mapping of tables"),
    "derive": (dict, "a mapping"),
}
_cache: dict[Path, tuple[float, dict]] = {}
_cache_lock = threading.Lock()


class ScenarioError(Exception):
    """A scenario file that cannot be loaded; the message names the file and the problem."""


def folders() -> list[Path]:
    """Where scenarios are read from, later folders overriding earlier ones by name: the scenarios shipped in the
    package, then the user's folder ABIQUO_MOCK_FIXTURES (which may add scenarios or replace shipped ones)."""
    found = [Path(str(importlib.resources.files(SHIPPED)))]
    configured = os.environ.get("ABIQUO_MOCK_FIXTURES")
    if configured:
        found.append(Path(configured))
    return found


def fixtures_dir() -> Path:
    """The folder a saved scenario goes to: the user's (ABIQUO_MOCK_FIXTURES) when set, else the shipped one."""
    return folders()[-1]


def scenario_files() -> dict[str, Path]:
    """Every scenario by name; fails loudly when there is none at all (a broken install or a wrong folder)."""
    files = {path.stem: path for folder in folders() for path in sorted(folder.glob("*.yaml"))}
    files.update({Path(p).stem: Path(p) for p in os.environ.get(FILES, "").split(os.pathsep) if p})
    if not files:
        raise ScenarioError(f"no scenario found: no *.yaml in {', '.join(str(f) for f in folders())}")
    return files


def names_a_file(value: str) -> bool:
    """Whether a --scenario value is a file's path rather than a scenario's name."""
    return value.endswith((".yaml", ".yml")) or "/" in value or os.sep in value


def add_file(path: str) -> str:
    """Make the scenario file at ``path`` a scenario of this process and of the processes it starts, named after
    the file (``bug-1234.yaml`` is ``bug-1234``, and takes the place of a scenario of that name); its name."""
    found = Path(path).expanduser().resolve()
    if not found.is_file():
        raise ScenarioError(f"{path}: no such scenario file")
    if len(found.stem) > MAX_NAME or not found.stem.replace("-", "").replace("_", "").replace(".", "").isalnum():
        raise ScenarioError(f"{path}: a scenario file is named with letters, digits, '-', '_' and '.' only")
    listed = [p for p in os.environ.get(FILES, "").split(os.pathsep) if p]
    os.environ[FILES] = os.pathsep.join([*listed, str(found)])
    return found.stem


def scenario_path(name: str) -> Path:
    # A file name has at most 255 bytes; longer names cannot exist, and asking the file system is an error.
    if len(name) > MAX_NAME or not name.replace("-", "").replace("_", "").replace(".", "").isalnum():
        raise AbiquoError("CTRL-1", f"Invalid scenario name '{name}'")
    files = scenario_files()
    if name not in files:
        raise AbiquoError("CTRL-1", f"There is no scenario '{name}' (known: {', '.join(sorted(files))})")
    return files[name]


def names() -> list[str]:
    return sorted(scenario_files())


def read(name: str) -> dict:
    """The parsed scenario document (cached while the file is unchanged)."""
    path = scenario_path(name)
    try:
        mtime = path.stat().st_mtime
        with _cache_lock:
            cached = _cache.get(path)
            if cached and cached[0] == mtime:
                return cached[1]
        text = path.read_text(encoding="utf-8")
    except (OSError, UnicodeDecodeError) as exc:
        reason = exc.strerror if isinstance(exc, OSError) and exc.strerror else str(exc)
        raise ScenarioError(f"{path}: cannot be read: {reason}") from None
    import yaml  # only a scenario file needs it: serving a store as it was left reads none

    loader = getattr(yaml, "CSafeLoader", yaml.SafeLoader)
    try:
        document = yaml.load(text, Loader=loader)
    except yaml.YAMLError as exc:
        raise ScenarioError(f"{path}: not valid YAML: {exc}") from None
    _check_format(path, document)
    with _cache_lock:
        _cache[path] = (mtime, document)
    return document


def _check_format(path: Path, document: object) -> None:
    if not isinstance(document, dict) or document.get("format") != FORMAT:
        raise ScenarioError(f"{path}: 'format: {FORMAT}' is required at the top")
    if ("world" in document) == ("derive" in document):
        raise ScenarioError(f"{path}: a scenario has either 'world' or 'derive', not both or neither")
    for key, (kind, what) in SHAPES.items():
        if key in document and not isinstance(document[key], kind):
            raise ScenarioError(f"{path}: '{key}' must be {what}")
    if "abiquo" in document:
        try:
            release.named(document["abiquo"])
        except ValueError as exc:
            raise ScenarioError(f"{path}: 'abiquo': {exc}") from None
    if not isinstance(document.get("faults", []), list):
        raise ScenarioError(f"{path}: 'faults' must be a list of faults (see docs/FAULTS.md)")
    passwords = document.get("passwords", {"from": ""})
    if not isinstance(passwords, dict) or set(passwords) != {"from"} or not isinstance(passwords["from"], str):
        raise ScenarioError(
            f"{path}: 'passwords' must be {{from: SCENARIO}}, the scenario whose users' passwords it takes"
        )
    for table, docs in (document.get("world") or {}).items():
        if not isinstance(docs, list) or not all(isinstance(d, dict) and isinstance(d.get("id"), int) for d in docs):
            raise ScenarioError(f"{path}: world.{table} must be a list of documents, each with an integer id")


def world(name: str, transforms: Mapping[str, Transform] = NO_TRANSFORMS, parameters: dict | None = None) -> World:
    """The tables of a scenario, as fresh copies the caller may change; ``transforms`` derive the worlds of
    scenarios that derive from others. A transform takes the other keys of ``derive`` as parameters
    (``vms: 200``), which ``parameters`` may override."""
    document = read(name)
    if "world" in document:
        _check_parameters(name, parameters, ())
        try:
            tables = complete_world(copy.deepcopy(document["world"]))
        except (KeyError, TypeError) as exc:  # a VM whose appliance is missing, a machine without a rack, …
            raise ScenarioError(f"{scenario_path(name)}: a document names what the world lacks ({exc!r})") from None
        tables = _with_passwords(name, document, tables, transforms)
    else:
        derive = document["derive"]
        transform = transforms.get(derive.get("apply"))
        if transform is None:
            raise ScenarioError(f"{scenario_path(name)}: unknown transform '{derive.get('apply')}'")
        _check_parameters(name, parameters, _parameters_of(transform))
        given = {k: v for k, v in derive.items() if k not in ("from", "apply")} | (parameters or {})
        try:
            tables = transform(world(derive["from"], transforms), **given)
        except (TypeError, ValueError) as exc:
            raise ScenarioError(f"{scenario_path(name)}: {exc}") from None
    if "abiquo" in document:
        tables = served_as(tables, release.named(document["abiquo"]))
    return tables


def served_as(tables: World, wanted: release.Release) -> World:
    """The world as an installation of ``wanted`` holds it (its installation document says so); a ScenarioError
    says why when the world cannot be one (a 3.8 world has no backup policies)."""
    why = release.why_not_served(tables, wanted)
    if why is not None:
        raise ScenarioError(f"the world cannot be served as Abiquo {wanted.name} because {why}")
    kept = [d for d in tables.get(release.TABLE, []) if d.get("id") == release.ID]
    extra = {k: v for k, v in (kept[0] if kept else {}).items() if k not in ("id", "abiquo")}
    return {**tables, release.TABLE: [release.document(wanted, **extra)]}


def _parameters_of(transform: Transform) -> tuple[str, ...]:
    """The parameters a transform takes: its arguments after the world."""
    return tuple(inspect.signature(transform).parameters)[1:]


def _check_parameters(name: str, parameters: dict | None, known: tuple[str, ...]) -> None:
    unknown = sorted(set(parameters or {}) - set(known))
    if unknown:
        takes = f"known: {', '.join(known)}" if known else f"the scenario {name} takes none"
        raise AbiquoError("GEN-2", f"Unknown field 'parameters.{unknown[0]}'; {takes}")


def _with_passwords(name: str, document: dict, tables: World, transforms: Mapping[str, Transform]) -> World:
    """Every user with a password: its own, or that of the same nick in the scenario ``passwords: {from: …}``
    names (a world downloaded from the console carries no password: the mock never hands one out)."""
    users = tables.get("users", [])
    source = (document.get("passwords") or {}).get("from")
    if source and any("password" not in user for user in users):
        if source == name or "passwords" in read(source):
            raise ScenarioError(f"{scenario_path(name)}: 'passwords' must name a scenario that has its own passwords")
        known = {user.get("nick"): user.get("password") for user in world(source, transforms).get("users", [])}
        for user in users:
            if "password" not in user and known.get(user.get("nick")):
                user["password"] = known[user.get("nick")]
    missing = [
        str(user.get("nick")) for user in users if not isinstance(user.get("password"), str) or not user["password"]
    ]
    if missing:
        raise ScenarioError(
            f"{scenario_path(name)}: the users {', '.join(missing)} have no password: give each one, or name the"
            " scenario whose passwords they take with 'passwords: {from: NAME}'"
        )
    return tables


def complete_world(tables: World) -> World:
    """Fill what a fixture may leave out because it follows from the rest: a VM's virtual datacenter,
    enterprise and datacenter come from its virtual appliance, a machine's datacenter from its rack."""
    vdcs = {v["id"]: v for v in tables.get("virtualdatacenters", [])}
    vapps = {v["id"]: v for v in tables.get("virtualappliances", [])}
    racks = {r["id"]: r for r in tables.get("racks", [])}
    for machine in tables.get("machines", []):
        machine.setdefault("datacenter", racks[machine["rack"]]["datacenter"])
    for vm in tables.get("virtualmachines", []):
        vdc = vdcs[vapps[vm["virtualappliance"]]["virtualdatacenter"]]
        vm.setdefault("virtualdatacenter", vdc["id"])
        vm.setdefault("enterprise", vdc["enterprise"])
        vm.setdefault("datacenter", vdc["datacenter"])
        vm.setdefault("machine", None)
        vm.setdefault("metadata", None)
    return tables


def describe(name: str) -> dict:
    document = read(name)
    return {
        "name": name,
        "description": document.get("description", ""),
        "tags": document.get("tags", []),
        "integration": document.get("integration", {}),
        "abiquo": document.get("abiquo", release.DEFAULT.name if "world" in document else None),
        "faults": faults(name),
        "timeline": document.get("timeline", []),
    }


def catalogue() -> list[dict]:
    """Every scenario as ``describe`` gives it; one that cannot be read, or is not a scenario, is listed with the
    same keys, empty, and ``broken``: why (so that one bad file in the folder never hides the others)."""
    found = []
    for name in names():
        try:
            found.append(describe(name))
        except (ScenarioError, AbiquoError) as exc:
            why = exc.message if isinstance(exc, AbiquoError) else str(exc)
            empty: dict[str, object] = {
                "description": "",
                "tags": [],
                "integration": {},
                "abiquo": None,
                "faults": [],
                "timeline": [],
            }
            found.append({"name": name, **empty, "broken": why})
    return found


def faults(name: str) -> list[dict]:
    """The faults a scenario switches on when it is loaded (its ``faults`` key), as fresh copies."""
    return copy.deepcopy(read(name).get("faults") or [])


def load(
    store: Store,
    name: str,
    transforms: Mapping[str, Transform] = NO_TRANSFORMS,
    parameters: dict | None = None,
    abiquo: release.Release | None = None,
) -> None:
    """Replace everything the store holds with the scenario's world, served as ``abiquo`` when it is named (else
    as the release the scenario names, 3.8.5 by default); the store remembers the scenario it was made from."""
    with heap.building():  # a generated world (scale) may hold 100,000 VMs
        tables = world(name, transforms, parameters)
        store.replace_all(served_as(tables, abiquo) if abiquo else tables, scenario=name)


def default_scenario(abiquo: release.Release | None) -> str:
    """The world loaded when none is named: the one of the release asked for (a 3.8 installation for 3.8)."""
    return abiquo.scenario if abiquo else DEFAULT_SCENARIO


def serve_store_as(store: Store, abiquo: release.Release) -> None:
    """Switch the world the store holds to ``abiquo``, if it can be one (ScenarioError otherwise)."""
    with store.transaction():
        tables = {release.TABLE: store.all(release.TABLE), **{t: store.all(t) for t in _RELEASE_TABLES}}
        served = served_as(tables, abiquo)[release.TABLE][0]
        if store.get(release.TABLE, release.ID) != served:
            store.put(release.TABLE, release.ID, served)


_RELEASE_TABLES = ("backuppolicies", "limits", "virtualmachines")  # what why_not_served reads


def prepare_store(
    store: Store, scenario: str | None, transforms: Mapping[str, Transform], abiquo: release.Release | None = None
) -> None:
    """Load ``scenario`` if one is named; a new store starts from the default (that of ``abiquo``); an existing one
    is kept, switched to ``abiquo`` when one is named."""
    if scenario or store.is_new:
        load(store, scenario or default_scenario(abiquo), transforms, abiquo=abiquo)
    elif abiquo is not None:
        serve_store_as(store, abiquo)
