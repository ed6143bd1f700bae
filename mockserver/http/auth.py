"""HTTP Basic authentication on every /api path except the version."""
from __future__ import annotations

import hmac

from flask import g, request

from ..errors import AbiquoError
from ..security import User, user_from_docs
from ..store import Store

REALM = 'Basic realm="Abiquo API"'


def unauthorized(message: str) -> AbiquoError:
    return AbiquoError("401-UNAUTHORIZED", message, headers={"WWW-Authenticate": REALM})


def authenticate(store: Store) -> User:
    credentials = request.authorization
    if credentials is None or credentials.type != "basic":
        raise unauthorized("This request requires user authentication (HTTP Basic)")
    doc = store.first("users", nick=credentials.username)
    if doc is None or not hmac.compare_digest(str(doc.get("password", "")), credentials.password or ""):
        raise unauthorized("Bad credentials")
    if not doc.get("active", True):
        raise unauthorized("The user is not active")
    return user_from_docs(doc, store.get("roles", doc["role"]))


def current_user() -> User:
    return g.user
