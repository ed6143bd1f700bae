"""The API's own endpoints: version, login, and the contract document."""

from __future__ import annotations

from flask import Blueprint, Response, g, request

from .. import release
from ..errors import AbiquoError
from ..extensions import contract_of, store_of
from ..http import media
from ..http.api import operation
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


@operation(bp, "GET", "/login", op_id="login", produces="user", label="verified", summary="The authenticated user")
def login():
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
