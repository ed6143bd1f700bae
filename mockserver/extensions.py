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

STORE = "abiquo_store"
DOOR_ROUTES = "abiquo_door_routes"  # {exact path: ASGI handler} the front door serves itself
TRANSFORMS = "abiquo_transforms"
CONTRACT = "abiquo_contract"
DOCUMENT = "abiquo_openapi"
SITES = "abiquo_sites"  # http/sites.py Sites: the hosts the app answers for, asked before anything else


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
