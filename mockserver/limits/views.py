"""An enterprise's limits (blueprint registered under /api): read by whoever sees the enterprise, written by
whoever manages limits; a write allows or restricts backup policies through the limit's links."""

from __future__ import annotations

from flask import Blueprint, g

from ..events import emitters
from ..extensions import store_of
from ..http.api import operation
from ..http.paging import BY_ID, collection
from ..infrastructure.constants import ENTERPRISE
from . import model, render

bp = Blueprint("limits", __name__)
ENT = ENTERPRISE
THIS_LIMIT = {"enterprise": "$request.path.enterprise", "limit": "$response.body#/id"}


def _render(limit: dict) -> dict:
    return render.limit(limit, model.allowed_policies(store_of(), limit))


@operation(
    bp,
    "GET",
    f"{ENT}/limits",
    op_id="listLimits",
    produces="limits",
    errors=("EN-0",),
    paged=BY_ID,
    label="verified",
    links={
        "GetLimit": ("getLimit", {"enterprise": "$request.path.enterprise", "limit": "$response.body#/collection/0/id"})
    },
)
def list_limits(enterprise):
    return collection(model.limits(store_of(), g.user, enterprise), media="limits", sort_keys=BY_ID, render=_render)


@operation(
    bp,
    "GET",
    f"{ENT}/limits/<int:limit>",
    op_id="getLimit",
    produces="limit",
    errors=("EN-0", "LIMIT-8"),
    label="verified",
    links={"UpdateLimit": ("updateLimit", {"enterprise": "$request.path.enterprise", "limit": "$request.path.limit"})},
)
def get_limit(enterprise, limit):
    return _render(model.limit(store_of(), g.user, enterprise, limit))


@operation(
    bp,
    "POST",
    f"{ENT}/limits",
    op_id="createLimit",
    event=emitters.LIMIT_ACCESS,
    produces="limit",
    consumes="limit",
    status=201,
    privilege="USERS_MANAGE_LIMITS",
    errors=("EN-0", "GEN-6", "LIMIT-7", "LIMIT-24"),
    label="verified",
    links={
        "GetLimit": ("getLimit", THIS_LIMIT),
        "UpdateLimit": ("updateLimit", THIS_LIMIT),
        "DeleteLimit": ("deleteLimit", THIS_LIMIT),
    },
)
def create_limit(enterprise, body):
    return _render(model.create_limit(store_of(), g.user, enterprise, body))


@operation(
    bp,
    "PUT",
    f"{ENT}/limits/<int:limit>",
    op_id="updateLimit",
    event=emitters.LIMIT_ACCESS,
    produces="limit",
    consumes="limit",
    privilege="USERS_MANAGE_LIMITS",
    errors=("EN-0", "LIMIT-8", "GEN-6", "LIMIT-24", "LIMIT-25"),
    label="verified",
    summary="Replace a limit; its backuppolicy links allow policies, omitting one restricts it",
)
def update_limit(enterprise, limit, body):
    return _render(model.update_limit(store_of(), g.user, enterprise, limit, body))


@operation(
    bp,
    "DELETE",
    f"{ENT}/limits/<int:limit>",
    op_id="deleteLimit",
    event=emitters.LIMIT_ACCESS,
    privilege="USERS_MANAGE_LIMITS",
    errors=("EN-0", "LIMIT-8", "LIMIT-11", "LIMIT-25"),
    label="verified",
)
def delete_limit(enterprise, limit):
    model.delete_limit(store_of(), g.user, enterprise, limit)
