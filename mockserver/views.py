"""Every blueprint of the API, registered under /api (and the control API under /_mock)."""

from __future__ import annotations

import importlib

from flask import Flask

API_MODULES = ("general", "infrastructure", "backup", "metadata", "events")


def api_blueprints() -> list:
    """Importing the view modules also declares their operations (mockserver.http.api.REGISTRY)."""
    return [importlib.import_module(f"mockserver.{name}.views").bp for name in API_MODULES]


def import_all() -> None:
    api_blueprints()
    importlib.import_module("mockserver.control.views")
    importlib.import_module("mockserver.faults.views")


def register_all(app: Flask) -> None:
    for bp in api_blueprints():
        app.register_blueprint(bp, url_prefix="/api")
