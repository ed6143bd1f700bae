"""HTTP Basic authentication on every /api path except the version."""

from __future__ import annotations

import hmac
import weakref

from flask import g, request
from werkzeug.datastructures import Authorization

from ..errors import AbiquoError
from ..security import User, user_from_docs
from ..store import Store

REALM = 'Basic realm="Abiquo API"'


def unauthorized(message: str) -> AbiquoError:
    return AbiquoError("401-UNAUTHORIZED", message, headers={"WWW-Authenticate": REALM})


# store -> (generation, {(nick, password): User}): users and roles change only through the store, and
# every write bumps its generation, so a User stays right until then (measured: make bench).
_known: weakref.WeakKeyDictionary[Store, tuple[int, dict]] = weakref.WeakKeyDictionary()


def authenticate(store: Store) -> User:
    return _user(store, request.authorization)


def accepts(store: Store, header: str) -> bool:
    """Whether an Authorization header names an active user; needs no request (the front door asks it
    before reading a body)."""
    try:
        _user(store, Authorization.from_header(header))
    except AbiquoError:
        return False
    return True


def _user(store: Store, credentials: Authorization | None) -> User:
    if credentials is None or credentials.type != "basic":
        raise unauthorized("This request requires user authentication (HTTP Basic)")
    generation, users = _known.get(store, (None, None))
    if generation != store.generation:
        generation, users = store.generation, {}
        _known[store] = (generation, users)
    key = (credentials.username, credentials.password)
    if key not in users:
        users[key] = _check(store, credentials.username, credentials.password)
    return users[key]


def check_credentials(store: Store, header: str | None) -> User:
    """The user an ``Authorization`` header names (outside a Flask request: the event stream)."""
    credentials = Authorization.from_header(header)
    if credentials is None or credentials.type != "basic":
        raise unauthorized("This request requires user authentication (HTTP Basic)")
    return _check(store, credentials.username, credentials.password)


def _check(store: Store, nick: str | None, password: str | None) -> User:
    doc = store.first("users", nick=nick)
    # Compared as UTF-8 bytes: compare_digest refuses str with non-ASCII characters, and passwords may have them.
    expected = str(doc.get("password", "")).encode("utf-8", errors="replace") if doc else b""
    if doc is None or not hmac.compare_digest(expected, (password or "").encode("utf-8", errors="replace")):
        raise unauthorized("Bad credentials")
    if not doc.get("active", True):
        raise unauthorized("The user is not active")
    return user_from_docs(doc, store.get("roles", doc["role"]))


def current_user() -> User:
    return g.user
