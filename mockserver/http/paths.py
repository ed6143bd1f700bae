"""Request paths as Abiquo's server reads them: adjacent slashes count as one.

Tomcat, in front of the real API, collapses them before dispatch, so ``/api//admin/enterprises/1/users/1`` (a base
URL joined to a URI that starts with ``/``, as Abiquo's events-notifier builds them) reaches the user and is
answered 200, never redirected. The front door collapses the path of every request before it routes it; the
Flask app does the same for the requests it gets without the door (tests, ``serve --dev``). The request journal
keeps the path as it was sent (``PATH_AS_SENT``).
"""

from __future__ import annotations

import re
from collections.abc import Callable
from typing import Any

PATH_AS_SENT = "abiquo.path_as_sent"  # ASGI scope and WSGI environ key: the path before its slashes were collapsed
_SLASHES = re.compile(r"//+")


def collapse_slashes(path: str) -> str:
    return _SLASHES.sub("/", path) if "//" in path else path


def with_slashes_collapsed(scope: dict[str, Any]) -> dict[str, Any]:
    """The ASGI ``scope`` with its path collapsed (the same scope when there was nothing to collapse)."""
    path = scope.get("path", "")
    if "//" not in path:
        return scope
    return {**scope, "path": collapse_slashes(path), PATH_AS_SENT: path}


def collapsing_slashes(wsgi_app: Callable[..., Any]) -> Callable[..., Any]:
    """Wrap a WSGI app so that it routes the collapsed path and remembers the one sent."""

    def collapsing(environ: dict[str, Any], start_response: Callable[..., Any]) -> Any:
        path = environ.get("PATH_INFO", "")
        if "//" in path:
            # PATH_INFO is latin-1 text of the URL's bytes; the journal keeps text as Flask's request.path shows it
            environ.setdefault(PATH_AS_SENT, path.encode("latin-1").decode("utf-8", "replace"))
            environ["PATH_INFO"] = collapse_slashes(path)
        return wsgi_app(environ, start_response)

    return collapsing
