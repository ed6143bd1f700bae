"""Abiquo's session cookie: ``GET /api/login`` with Basic credentials opens a session and answers
``Set-Cookie: auth=…; Expires=…; Path=/api``; later calls may send ``Cookie: auth=…`` alone until it expires (30
minutes by default, ``serve --session-minutes``) or the client logs out (``POST /api/logout``).

A session is the user it was opened for, looked up again on every call (a user made inactive, or removed, is
refused at once), so a tenant's cookie reaches exactly what that tenant's Basic credentials reach. Sessions live
in the server's memory, one registry per store, not in the world: a reset or a restart ends them (the client
logs in again), no journal line or store write is spent on one, and a kept answer computed for a session is
given to nobody once the session is over (http/answers.py). The cookie's value is random and secret; the
registry keeps only its hash, and ``GET /api/login/sessions`` shows a public key instead. At most
``MAX_SESSIONS`` are kept (the oldest go first), so a flood of logins cannot fill the memory.
"""

from __future__ import annotations

import hashlib
import secrets
import threading
import time
import weakref
from collections import OrderedDict
from dataclasses import dataclass
from http.cookies import CookieError, SimpleCookie

from ..security import User
from ..store import Store
from . import auth
from .links import API_PREFIX

COOKIE = "auth"
DEFAULT_MINUTES = 30
MAX_SESSIONS = 10_000
MAX_PER_USER = 100
SESSION_MINUTES = "SESSION_MINUTES"  # the app's config key


def now() -> float:
    return time.time()


@dataclass(frozen=True)
class Session:
    id: int
    key: str  # public: what the session list shows (the cookie's value never leaves the login answer)
    digest: str  # sha256 of the cookie's value
    user: int
    nick: str
    enterprise: int
    expires: float  # epoch seconds


class Sessions:
    def __init__(self, minutes: float = DEFAULT_MINUTES) -> None:
        self.minutes = minutes
        self._by_digest: OrderedDict[str, Session] = OrderedDict()
        self._lock = threading.Lock()
        self._next_id = 1

    def open(self, user: User) -> tuple[str, Session]:
        """A new session of ``user``: (the cookie's value, the session)."""
        token = secrets.token_urlsafe(32)
        with self._lock:
            session = Session(
                self._next_id,
                secrets.token_hex(8),
                _digest(token),
                user.id,
                user.nick,
                user.enterprise,
                now() + self.minutes * 60,
            )
            self._next_id += 1
            self._by_digest[session.digest] = session
            self._trim(user.id)
        return token, session

    def _trim(self, user: int) -> None:
        mine = [s for s in self._by_digest.values() if s.user == user]
        for old in mine[: max(0, len(mine) - MAX_PER_USER)]:
            self._by_digest.pop(old.digest, None)
        while len(self._by_digest) > MAX_SESSIONS:
            self._by_digest.popitem(last=False)

    def live(self, token: str) -> Session | None:
        """The session a cookie's value opens, while it lasts."""
        with self._lock:
            session = self._by_digest.get(_digest(token))
            if session is not None and session.expires <= now():
                del self._by_digest[session.digest]
                return None
            return session

    def alive(self, digest: str) -> bool:
        with self._lock:
            session = self._by_digest.get(digest)
            return session is not None and session.expires > now()

    def close(self, token: str) -> bool:
        return self.close_digest(_digest(token))

    def close_digest(self, digest: str) -> bool:
        with self._lock:
            return self._by_digest.pop(digest, None) is not None

    def of_user(self, user: int) -> list[Session]:
        moment = now()
        with self._lock:
            return [s for s in self._by_digest.values() if s.user == user and s.expires > moment]

    def clear(self) -> None:
        with self._lock:
            self._by_digest.clear()


_registries: weakref.WeakKeyDictionary[Store, Sessions] = weakref.WeakKeyDictionary()


def install(store: Store, minutes: float) -> Sessions:
    """The sessions of the server on ``store``; a new world (a reset, a scenario loaded) ends every one, as its
    users are other people."""
    registry = _registries[store] = Sessions(minutes)
    store.on_commit(lambda changes: registry.clear() if changes is None else None)
    return registry


def of(store: Store) -> Sessions:
    found = _registries.get(store)
    return found if found is not None else install(store, DEFAULT_MINUTES)


def _digest(token: str) -> str:
    return hashlib.sha256(token.encode("utf-8", errors="surrogatepass")).hexdigest()


def token_of(cookie_header: str | None) -> str | None:
    """The value of the ``auth`` cookie of a ``Cookie`` header (None when it carries none)."""
    if not cookie_header:
        return None
    jar = SimpleCookie()
    try:
        jar.load(cookie_header)
    except CookieError:
        return None
    found = jar.get(COOKIE)
    return found.value if found is not None and found.value else None


def cookie_user(store: Store, header: str) -> User:
    """The user of the session a ``Cookie`` header's ``auth`` names; the 401 when it names none, or one that is
    over (expired, logged out, ended by a reset or a restart)."""
    token = token_of(header)
    if token is None:
        raise auth.no_credentials()
    session = of(store).live(token)
    if session is None:
        raise auth.unauthorized("The session has expired or was closed: log in again (GET /api/login)")
    return auth.user_named(store, session.nick, session.user)


def session_digest(cookie_header: str | None) -> str | None:
    token = token_of(cookie_header)
    return _digest(token) if token else None


def set_cookie(token: str, session: Session) -> str:
    from werkzeug.http import http_date

    return f"{COOKIE}={token}; Expires={http_date(session.expires)}; Path={API_PREFIX}; HttpOnly; SameSite=Strict"
