"""The API's own endpoints: version, login, and the contract document."""

from __future__ import annotations

from datetime import UTC, datetime

from flask import Blueprint, Response, g, request

from .. import release
from ..errors import AbiquoError
from ..extensions import contract_of, store_of
from ..http import media, sessions
from ..http.api import operation
from ..http.links import link
from ..users import render

bp = Blueprint("general", __name__)


@operation(
    bp,
    "GET",
    "/version",
    op_id="getVersion",
    plain_text=True,
    label="verified",
    summary="The version of the Abiquo release the server is (3.8.0 or 3.8.5), as plain text",
)
def get_version():
    if not media.accepts_plain_text():
        raise AbiquoError("406-NOT-ACCEPTABLE", "/version answers text/plain only")
    return Response(release.of(store_of()).version, content_type="text/plain; charset=utf-8")


@operation(
    bp,
    "GET",
    "/login",
    op_id="login",
    produces="user",
    label="verified",
    summary="The authenticated user; with Basic credentials, a session cookie (Set-Cookie: auth=…) besides",
)
def login():
    if request.headers.get("Authorization") is not None:  # a caller already in a session keeps it
        token, session = sessions.of(store_of()).open(g.user)
        g.set_cookie, g.session = sessions.set_cookie(token, session), session.digest
    found = render.user(store_of().get("users", g.user.id))
    if "privileges" in request.args.get("expand", "").split(","):
        # 3.10 names the expansion after what it holds, 3.8 calls it "expands": both are given
        privileges = render.privileges(g.user.privileges)
        found.update(privileges=privileges, expands=privileges)
    return found


@bp.get("/openapi.json")
def openapi_document():
    """The contract of the release the server is: a 3.8 server offers no backup policy operation."""
    return contract_of(release=release.of(store_of()))


@operation(
    bp,
    "GET",
    "/login/sessions",
    op_id="listSessions",
    produces="sessions",
    label="reconstructed",
    summary="The caller's open sessions",
)
def list_sessions():
    mine = sessions.of(store_of()).of_user(g.user.id)
    return {"links": [], "collection": [_session(s) for s in mine]}  # not paged: no totalSize, as Abiquo answers


def _session(session: sessions.Session) -> dict:
    return {
        "id": session.id,
        "key": session.key,
        "nick": session.nick,
        "authType": "ABIQUO",
        "expirationDate": datetime.fromtimestamp(session.expires, UTC).strftime("%Y-%m-%dT%H:%M:%S.000+0000"),
        "idUser": session.user,
        "links": [
            link("user", f"/admin/enterprises/{session.enterprise}/users/{session.user}", "user", session.nick),
            link("enterprise", f"/admin/enterprises/{session.enterprise}", "enterprise"),
        ],
    }


@operation(
    bp,
    "POST",
    "/logout",
    op_id="logout",
    label="reconstructed",
    summary="Close the session the cookie names (with Basic credentials alone: every session of the caller)",
)
def logout():
    registry = sessions.of(store_of())
    token = sessions.token_of(request.headers.get("Cookie"))
    if request.headers.get("Authorization") is None and token is not None:
        registry.close(token)
    else:
        for session in registry.of_user(g.user.id):
            registry.close_digest(session.digest)
