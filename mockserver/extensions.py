"""What the factory installs on an app, and how the code below it reaches that during a request.

The way Flask's tutorial keeps ``get_db`` apart from the views: views, the conventions in ``http/`` and the
models ask here for the store (and the few other things the factory puts on the app), never the factory
itself, so that nothing imports back up into ``app.py`` or the table of contexts.
"""

from __future__ import annotations

from collections.abc import Callable, Mapping

from flask import Flask, current_app

from . import release as releases
from .release import Release
from .store import Store

# Every key of ``app.extensions`` the mock uses, declared here and nowhere else (tests/test_layout.py finds one
# spelt as a literal): what one module installs and another reads, both name it from this list.
STORE = "abiquo_store"
DOOR_ROUTES = "abiquo_door_routes"  # {exact path: ASGI handler} the front door serves itself
TRANSFORMS = "abiquo_transforms"
CONTRACT = "abiquo_contract"
DOCUMENT = "abiquo_openapi"
SITES = "abiquo_sites"  # http/sites.py Sites: the hosts the app answers for, asked before anything else
# the blueprints whose GET answers depend only on the store, the URL, Accept and the caller (keeps_answers)
KEPT_BLUEPRINTS = "abiquo_kept_blueprints"
ANSWERS = "abiquo_answers"  # http/answers.py Answers: the kept answers, shared by Flask and the fast path
HOOKS = "abiquo_hooks"  # http/hooks.py: the request hooks installed, by the name of their place in the order
JOURNAL = "abiquo_journal"  # control/journal.py RequestJournal (absent when the control API is off)
FAULT_PLAN = "abiquo_faults"  # faults/plan.py FaultPlan
DOOR_FAULTS = "abiquo_door_faults"  # (method, path) -> http/door.py TransportFault | None, asked by the door
FAST_PATH_OFF = "abiquo_door_fast_path_off"  # () -> bool: kept answers must go through Flask (faults on)
TIMELINE = "abiquo_timeline"  # timeline/model.py World
STREAM_HUB = "abiquo_stream_hub"  # stream/hub.py Hub
CLOCK = "abiquo_clock"  # lifecycle/clock.py Clock
CONSOLE_CHANGES = "abiquo_console_changes"  # console/changes.py MetadataChanges
KEYS = (
    STORE,
    DOOR_ROUTES,
    TRANSFORMS,
    CONTRACT,
    DOCUMENT,
    SITES,
    KEPT_BLUEPRINTS,
    ANSWERS,
    HOOKS,
    JOURNAL,
    FAULT_PLAN,
    DOOR_FAULTS,
    FAST_PATH_OFF,
    TIMELINE,
    STREAM_HUB,
    CLOCK,
    CONSOLE_CHANGES,
)

# WSGI environ keys the front door sets for the Flask app it runs
DOOR_REFUSAL = "abiquo.door.refusal"  # the front door could not read the body: the HTTP status it asks for
SITE_CHECKED = "abiquo.door.site_checked"  # the front door already asked http/sites.py


def install(app: Flask, store: Store, transforms: Mapping[str, Callable], contract: Callable[..., dict]) -> None:
    """``contract(release)`` builds the OpenAPI document of a release; it runs once per release, on the first
    request that needs it."""
    app.extensions.update({STORE: store, TRANSFORMS: transforms, CONTRACT: contract})


def store_of(app: Flask | None = None) -> Store:
    """The store the app serves (the current app's, during a request)."""
    return (app or current_app).extensions[STORE]


def transforms_of(app: Flask | None = None) -> Mapping[str, Callable]:
    """The scenario transforms the contexts provide, by name (for scenarios.load)."""
    return (app or current_app).extensions[TRANSFORMS]


def contract_of(app: Flask | None = None, release: Release | None = None) -> dict:
    """The OpenAPI document of ``release`` (default: the one a store without a release runs, 3.8.5)."""
    extensions = (app or current_app).extensions
    documents = extensions.setdefault(DOCUMENT, {})
    wanted = release or releases.DEFAULT
    if wanted.name not in documents:
        documents[wanted.name] = extensions[CONTRACT](wanted)
    return documents[wanted.name]
