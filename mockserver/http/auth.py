"""HTTP Basic credentials: the one kind of credentials the API takes (credentials.py decides with them)."""

from __future__ import annotations

import base64
import binascii
import hmac
import weakref

from flask import g

from ..errors import AbiquoError
from ..security import User, user_from_docs
from ..store import Store

REALM = 'Basic realm="Abiquo API"'


def unauthorized(message: str) -> AbiquoError:
    return AbiquoError("401-UNAUTHORIZED", message, headers={"WWW-Authenticate": REALM})


# The tables a caller's credentials are checked against.
CREDENTIAL_TABLES = frozenset({"users", "roles"})
# store -> (generation, {(nick, password): User}): users and roles change only through the store, so a User
# stays right until a write touches one of those tables (measured: make bench).
_known: weakref.WeakKeyDictionary[Store, tuple[int, dict[tuple[str, str], User]]] = weakref.WeakKeyDictionary()


def basic_credentials(header: str | None) -> tuple[str, str] | None:
    """(nick, password) of an ``Authorization: Basic`` header, None for any other header: another scheme, or
    bytes that are not base64 of UTF-8 text. Whatever a client sends, the answer is a 401, never an error."""
    scheme, _, encoded = (header or "").strip().partition(" ")
    if scheme.lower() != "basic":
        return None
    try:
        text = base64.b64decode(encoded.strip().encode("ascii"), validate=True).decode("utf-8")
    except (UnicodeError, binascii.Error, ValueError):
        return None
    nick, _, password = text.partition(":")
    return nick, password


def no_credentials() -> AbiquoError:
    return unauthorized("This request requires user authentication (HTTP Basic)")


def basic_user(store: Store, header: str) -> User:
    """The user an ``Authorization`` header names (the refusal raised otherwise); known users are remembered
    until a write touches users or roles, so a repeated caller costs no password check."""
    return _user(store, basic_credentials(header))


def user_named(store: Store, nick: str, user_id: int) -> User:
    """The user a session was opened for, as they are now: refused once removed, renamed or made inactive."""
    doc = store.get("users", user_id)
    if doc is None or doc.get("nick") != nick or not doc.get("active", True):
        raise unauthorized("The user of this session is no longer active: log in again")
    return user_from_docs(doc, store.get("roles", doc["role"]))


def _user(store: Store, credentials: tuple[str, str] | None) -> User:
    if credentials is None:
        raise no_credentials()
    known = _known.get(store)
    if known is None or not store.unchanged_since(known[0], CREDENTIAL_TABLES):
        known = _known[store] = (store.generation, {})
    users = known[1]
    if credentials not in users:
        users[credentials] = _check(store, *credentials)
    return users[credentials]


def _check(store: Store, nick: str, password: str) -> User:
    doc = store.first("users", nick=nick)
    # Compared as UTF-8 bytes: compare_digest refuses str with non-ASCII characters, and passwords may have them.
    expected = doc.get("password") if doc else None
    given = password.encode("utf-8", errors="surrogatepass")
    if (
        doc is None
        or not isinstance(expected, str)
        or not expected
        or not hmac.compare_digest(expected.encode("utf-8", errors="surrogatepass"), given)
    ):
        raise unauthorized("Bad credentials")  # a user without a password never logs in
    if not doc.get("active", True):
        raise unauthorized("The user is not active")
    return user_from_docs(doc, store.get("roles", doc["role"]))


def current_user() -> User:
    user: User = g.user
    return user
