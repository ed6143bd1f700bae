"""The entry points the production server imports: the app built from ABIQUO_MOCK_* variables, as WSGI
(``serve --dev``) or behind the front door (ASGI, what ``serve`` runs).

The CLI validates its arguments and prepares the store before the server starts, then passes what the
worker needs through the environment (the server imports the app in its own worker process).
"""

from __future__ import annotations

import atexit
import os
import signal

from .app import create_app
from .extensions import store_of
from .http import media


def config_from_environment() -> dict:
    db = os.environ.get("ABIQUO_MOCK_DB") or None
    faults, seed = None, os.environ.get("ABIQUO_MOCK_FAULT_SEED") or None
    found: str | int | None = seed
    if os.environ.get("ABIQUO_MOCK_FAULTS"):
        from .faults.hooks import load_file

        faults, file_seed = load_file(os.environ["ABIQUO_MOCK_FAULTS"])
        found = seed if seed is not None else file_seed
    return {
        "FAULTS": faults,
        "FAULT_SEED": int(found) if found is not None else None,
        "DB_PATH": db,
        "STORE_LOCK_HELD": bool(db) and os.environ.get("ABIQUO_MOCK_STORE_LOCKED") == "1",
        "SCENARIO": os.environ.get("ABIQUO_MOCK_SCENARIO") or None,
        "ABIQUO": os.environ.get("ABIQUO_MOCK_ABIQUO") or None,
        "CONTROL_ENABLED": os.environ.get("ABIQUO_MOCK_CONTROL", "on") != "off",
        "CONTROL_TOKEN": os.environ.get("ABIQUO_MOCK_CONTROL_TOKEN") or None,
        "ALLOWED_HOSTS": tuple(os.environ.get("ABIQUO_MOCK_ALLOWED_HOSTS", "").split(",")),
        "BIND_HOST": os.environ.get("ABIQUO_MOCK_BIND_HOST") or None,
        "LOADED_SCENARIO": os.environ.get("ABIQUO_MOCK_LOADED_SCENARIO") or None,
        "FAST_PATH": os.environ.get("ABIQUO_MOCK_FAST_PATH", "on") != "off",
        "BODY_TIMEOUT": float(os.environ.get("ABIQUO_MOCK_BODY_TIMEOUT") or 10),
        "JOURNAL_BYTES": int(os.environ.get("ABIQUO_MOCK_JOURNAL_MIB") or 8) * 1024 * 1024,
        "SESSION_MINUTES": float(os.environ.get("ABIQUO_MOCK_SESSION_MINUTES") or 30),
        "API_VERSIONS": media.parse_versions(
            os.environ.get("ABIQUO_MOCK_API_VERSIONS") or ",".join(media.SUPPORTED_VERSIONS)
        ),
    }


def app_from_environment():
    # A terminal's Ctrl-C reaches the whole process group; only the server's main process may act on it
    # (it then stops this worker), else the two race and the shutdown can hang.
    if os.environ.get("ABIQUO_MOCK_WORKER") == "1":
        signal.signal(signal.SIGINT, signal.SIG_IGN)
    app = create_app(config_from_environment())
    atexit.register(store_of(app).close)
    return app


def door_from_environment():
    from .frontdoor import build

    return build(app_from_environment())
