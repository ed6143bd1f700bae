"""What the factory installs on an app, and how the code below it reaches that during a request.

The way Flask's tutorial keeps ``get_db`` apart from the views: views, the conventions in ``http/`` and the
models ask for the store here, never from the factory, so nothing imports back up into ``app.py``.
"""

from __future__ import annotations

from flask import Flask, current_app

from .store import Store

STORE = "abiquo_store"


def install_store(app: Flask, store: Store) -> None:
    app.extensions[STORE] = store


def store_of(app: Flask | None = None) -> Store:
    """The store the app serves (the current app's, during a request)."""
    return (app or current_app).extensions[STORE]
