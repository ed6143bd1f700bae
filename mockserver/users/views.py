"""The users of an enterprise and their roles: whom an event names, whom a notification reaches."""

from __future__ import annotations

from flask import Blueprint, g, request

from ..errors import AbiquoError
from ..extensions import store_of
from ..http.api import operation
from ..http.paging import collection
from ..infrastructure.constants import ENTERPRISE
from ..security import expand_privileges
from . import model, render

bp = Blueprint("users", __name__)
USER_SORT = ("name", "nick", "surname", "email", "id")
USER_FIELDS = ("name", "nick", "surname", "email")  # what ?has= looks in
QUERY = {
    "activated": {"type": "string", "enum": ["true", "false"], "description": "only active (true) or inactive users"},
    "connected": {"type": "string", "enum": ["false"], "description": "true (users with a session) is not served"},
}


def _flag(name: str) -> bool | None:
    raw = request.args.get(name)
    if raw is None:
        return None
    if raw.lower() not in ("true", "false"):
        raise AbiquoError("GEN-22", f"Invalid value for query parameter '{name}': true or false is expected")
    return raw.lower() == "true"


def _activated() -> bool | None:
    """The ``activated`` filter, once ``connected`` is known not to ask for what the mock cannot say."""
    if _flag("connected"):  # Abiquo lists the users holding a session; the mock keeps none (HTTP Basic only)
        raise AbiquoError("GEN-22", "The mock keeps no sessions: 'connected=true' is not served")
    return _flag("activated")


@operation(
    bp,
    "GET",
    f"{ENTERPRISE}/users",
    op_id="listUsers",
    produces="users",
    also_produces=("userswithroles",),
    errors=("EN-0",),
    paged=USER_SORT,
    query=QUERY,
    label="verified",
    summary="The users of an enterprise (with USERS_VIEW; else the caller alone), their roles embedded on asking",
    links={
        "GetUser": ("getUser", {"enterprise": "$request.path.enterprise", "user": "$response.body#/collection/0/id"})
    },
)
def list_users(enterprise):
    store = store_of()
    found = model.users(store, g.user, enterprise, _activated())
    with_roles = g.produced == "userswithroles"
    shown = (lambda u: render.user_with_role(store, u)) if with_roles else render.user
    return collection(found, media=g.produced, sort_keys=USER_SORT, filter_fields=USER_FIELDS, render=shown)


@operation(
    bp,
    "GET",
    f"{ENTERPRISE}/users/<int:user>",
    op_id="getUser",
    produces="user",
    errors=("EN-0", "USER-3", "403-FORBIDDEN"),
    label="verified",
    summary="A user of an enterprise: one's own, or any of it with USERS_VIEW",
)
def get_user(enterprise, user):
    return render.user(model.user(store_of(), g.user, enterprise, user))


@operation(bp, "GET", "/admin/roles/<int:role>", op_id="getRole", produces="role", errors=("ROLE-0",), label="verified")
def get_role(role):
    found = model.role(store_of(), g.user, role)
    return render.role(found, expand_privileges(found.get("privileges", [])))
