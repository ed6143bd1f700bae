"""Every bounded context of the mock, in one table: what each one brings to the app, the contract and the CLI.

A context is a folder under mockserver/ (its views, models, schemas, …) and one line in CONTEXTS below;
nothing registers itself by being imported. The factory (app.py), the contract (openapi.py) and the command
line (cli.py) read this table and nothing else to learn what exists. docs/ARCHITECTURE.md walks through
adding one.
"""

from __future__ import annotations

import importlib
from collections.abc import Awaitable, Callable, Mapping
from dataclasses import dataclass, field
from types import MappingProxyType

import click
from flask import Blueprint, Flask

from . import lifecycle, stream
from .backup import cli as backup_cli
from .backup import control_views as backup_control
from .backup import upgrade
from .backup import views as backup
from .console import acting as console_acting
from .console import changes as console_changes
from .console import schemas as console_bodies
from .console import views as console
from .control import hooks as control_hooks
from .control import schemas as control_bodies
from .control import views as control
from .events import views as events
from .faults import hooks as fault_hooks
from .faults import views as faults
from .faults.scale import scale
from .general import views as general
from .infrastructure import views as infrastructure
from .lifecycle import views as lifecycle_views
from .limits import views as limits
from .metadata import views as metadata
from .scenarios import Transform
from .stream import contract as stream_contract
from .stream import control_views as stream_control
from .timeline import views as timeline
from .users import views as users

CONTROL_TAG = "control"  # every /_mock operation, whichever context serves it: the mock's own API
# An ASGI handler the front door calls for one exact path: handler(scope, receive, send).
DoorHandler = Callable[[dict, Callable[[], Awaitable[dict]], Callable[[dict], Awaitable[None]]], Awaitable[None]]


@dataclass(frozen=True)
class Context:
    name: str
    tag: str  # the OpenAPI tag of its /api operations
    blueprint: Blueprint | None = None  # its /api operations (http/api.py `operation`)
    keeps_answers: bool = False  # its GET answers depend only on store, URL, Accept and caller (http/answers.py)
    control: Blueprint | None = None  # its /_mock operations (http/control.py), served when the control API is on
    transforms: Mapping[str, Transform] = field(default_factory=lambda: MappingProxyType({}))  # scenario transforms
    commands: tuple[click.Command, ...] = ()  # its `abiquo-mock` subcommands
    control_schemas: Mapping[str, dict] = field(default_factory=lambda: MappingProxyType({}))  # /_mock body schemas
    init_app: Callable[[Flask], None] | None = None  # anything else it installs on an app (hooks, extensions)
    door_routes: Callable[[Flask], Mapping[str, DoorHandler]] | None = None  # exact paths the ASGI front door serves
    door_docs: Mapping[str, dict] = field(default_factory=lambda: MappingProxyType({}))  # their OpenAPI path items
    door_schemas: Mapping[str, dict] = field(default_factory=lambda: MappingProxyType({}))  # components they name
    # its media schemas (modules under mockserver/ declaring them with http/schemas.py media_type): the contract
    # imports them when it is first built, so that serving never loads marshmallow before it needs it
    media_schemas: tuple[str, ...] = ()


CONTEXTS: tuple[Context, ...] = (
    Context("general", "infrastructure", general.bp, keeps_answers=True, media_schemas=("general.schemas",)),
    Context(
        "infrastructure",
        "infrastructure",
        infrastructure.bp,
        keeps_answers=True,
        media_schemas=("infrastructure.schemas",),
    ),
    Context("users", "infrastructure", users.bp, keeps_answers=True, media_schemas=("users.schemas",)),
    Context("limits", "infrastructure", limits.bp, keeps_answers=True, media_schemas=("limits.schemas",)),
    Context(
        "backup",
        "backup",
        backup.bp,
        keeps_answers=True,
        control=backup_control.bp,
        transforms={"upgrade": upgrade.upgraded},
        commands=(backup_cli.upgrade,),
        media_schemas=("backup.schemas",),
    ),
    Context("metadata", "backup", metadata.bp, keeps_answers=True, media_schemas=("metadata.schemas",)),
    Context("events", "backup", events.bp, keeps_answers=True, media_schemas=("events.schemas",)),
    Context(
        "lifecycle",
        "infrastructure",
        lifecycle_views.bp,
        keeps_answers=True,
        init_app=lifecycle.init_app,
        media_schemas=("lifecycle.schemas",),
    ),
    Context(
        "stream",
        "backup",
        control=stream_control.bp,
        init_app=stream.init_app,
        door_routes=stream.door_routes,
        door_docs=stream_contract.PATHS,
        door_schemas=stream_contract.SCHEMAS,
    ),
    Context("timeline", "backup", control=timeline.bp, control_schemas=timeline.SCHEMAS),
    Context(
        "control",
        CONTROL_TAG,
        control=control.bp,
        control_schemas=control_bodies.SCHEMAS,
        init_app=control_hooks.init_app,
    ),
    Context(
        "faults",
        CONTROL_TAG,
        control=faults.bp,
        control_schemas=faults.SCHEMAS,
        init_app=fault_hooks.init_app,
        transforms={"scale": scale},
    ),
    Context(
        "console",
        CONTROL_TAG,
        control=console.bp,
        control_schemas=console_bodies.SCHEMAS,
        init_app=console_changes.init_app,
        door_routes=console_acting.stream_route,
        door_docs=console_acting.STREAM_DOCS,
    ),
)


def load_media_schemas() -> None:
    """Import every context's media schemas, which registers them in http/schemas.py MEDIA_SCHEMAS."""
    for context in CONTEXTS:
        for module in context.media_schemas:
            importlib.import_module(f"{__package__}.{module}")


def transforms() -> dict[str, Transform]:
    """Every scenario transform, by name (two contexts may not provide the same name)."""
    found: dict[str, Transform] = {}
    for context in CONTEXTS:
        _add_unique(found, context.transforms, f"scenario transform of {context.name}")
    return found


def kept_blueprints() -> frozenset[str]:
    return frozenset(c.blueprint.name for c in CONTEXTS if c.blueprint is not None and c.keeps_answers)


def tags() -> list[str]:
    """The OpenAPI tags, in the order of the table."""
    return list(dict.fromkeys(c.tag for c in CONTEXTS))


def tag_of_blueprint() -> dict[str, str]:
    found = {c.blueprint.name: c.tag for c in CONTEXTS if c.blueprint is not None}
    return found | {c.control.name: CONTROL_TAG for c in CONTEXTS if c.control is not None}


def control_schemas() -> dict[str, dict]:
    found: dict[str, dict] = {}
    for context in CONTEXTS:
        _add_unique(found, context.control_schemas, f"control schema of {context.name}")
        _add_unique(found, context.door_schemas, f"schema of {context.name}'s front-door routes")
    return found


def door_docs() -> dict[str, dict]:
    """The OpenAPI path items of the routes the front door serves (not Flask's)."""
    found: dict[str, dict] = {}
    for context in CONTEXTS:
        _add_unique(found, context.door_docs, f"front-door route of {context.name}")
    return found


def _add_unique(into: dict, items: Mapping, what: str) -> None:
    for name, value in items.items():
        if name in into:
            raise ValueError(f"two contexts declare the {what} '{name}'")
        into[name] = value
