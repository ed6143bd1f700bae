"""Who is calling: the one credential decision both pipelines take, the front door before it reads a body and
Flask before any view, and the headers that carry credentials, on which kept answers are keyed.

A way to authenticate is a ``CredentialKind``: the header that carries it and a function that turns the
header's value into the user it names, or the refusal. Adding one (a session cookie, say) is one line in
``KINDS``: the door, Flask, the event stream and the kept answers' keys all read this list.
"""

from __future__ import annotations

from collections.abc import Callable
from typing import NamedTuple

from ..errors import AbiquoError
from ..security import User
from ..store import Store
from . import auth, sessions

# The /api paths anyone may read: the version, and the contract a client generates its code from.
PUBLIC_PATHS = ("/api/version", "/api/openapi.json")
# The tables a caller's credentials are checked against: an answer computed for a caller is good only while
# they are unchanged.
CREDENTIAL_TABLES = auth.CREDENTIAL_TABLES

Header = Callable[[str], str | None]  # a header's value by its lower-case name, repeated ones comma-joined


class CredentialKind(NamedTuple):
    header: str  # the lower-case name of the header that carries it
    caller: Callable[[Store, str], User]  # (store, the header's value) -> the user, or raises the refusal


# Basic first: a request carrying both is who its Basic credentials say (and a login opens a new session)
KINDS = (CredentialKind("authorization", auth.basic_user), CredentialKind("cookie", sessions.cookie_user))
CREDENTIAL_HEADERS = tuple(kind.header for kind in KINDS)  # what kept answers are keyed on besides the URL


def needs_credentials(path: str) -> bool:
    return path.startswith("/api") and path not in PUBLIC_PATHS


def caller(store: Store, header: Header) -> User | AbiquoError:
    """The user the request's credentials name, or the refusal (401): the first kind whose header the request
    carries decides; a request with none is refused as one without Basic credentials."""
    for kind in KINDS:
        value = header(kind.header)
        if value is not None:
            try:
                return kind.caller(store, value)
            except AbiquoError as refusal:
                return refusal
    return auth.no_credentials()


def caller_of(store: Store, path: str, header: Header) -> User | AbiquoError | None:
    """``caller`` for a path that needs credentials; None for one that does not (nobody is asked)."""
    return caller(store, header) if needs_credentials(path) else None
