"""Every blueprint of the API, registered under /api."""
from __future__ import annotations

from flask import Flask


def register_all(app: Flask) -> None:
    from .backup import views as backup
    from .general import views as general
    from .infrastructure import views as infrastructure
    from .metadata import views as metadata

    for module in (general, infrastructure, backup, metadata):
        app.register_blueprint(module.bp, url_prefix="/api")
