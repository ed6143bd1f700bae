"""How users and roles look on the wire (the captured 3.8 ``user``, ``users`` and ``userswithroles``)."""

from __future__ import annotations

from ..http.links import link
from ..infrastructure.render import enterprise as render_enterprise
from ..security import expand_privileges
from ..store import Store


def user_path(u: dict) -> str:
    return f"/admin/enterprises/{u['enterprise']}/users/{u['id']}"


def user(u: dict) -> dict:
    return {
        "id": u["id"],
        "nick": u["nick"],
        "name": u.get("name", u["nick"]),
        "surname": u.get("surname", ""),
        "email": u.get("email", ""),
        "locale": u.get("locale", "en_US"),
        "authType": "ABIQUO",
        "active": u.get("active", True),
        "locked": False,
        "firstLogin": False,
        "links": [
            link("edit", user_path(u), "user", u["nick"]),
            link("enterprise", f"/admin/enterprises/{u['enterprise']}", "enterprise"),
            link("role", f"/admin/roles/{u['role']}", "role"),
        ],
    }


def role(r: dict, privileges: list[str]) -> dict:
    return {
        "id": r["id"],
        "name": r["name"],
        "privileges": privileges,
        "blocked": r.get("blocked", False),
        "links": [link("edit", f"/admin/roles/{r['id']}", "role", r["name"])],
    }


def privileges(names) -> dict:
    """A role's privileges as Abiquo embeds them: a collection of ``{id, name, links}``, by name."""
    return {"links": [], "collection": [{"id": n + 1, "name": p, "links": []} for n, p in enumerate(sorted(names))]}


def user_with_role(store: Store, u: dict) -> dict:
    """A user with its enterprise and its role embedded, the role's privileges as a collection (userswithroles)."""
    found = store.get("roles", u["role"]) or {"id": u["role"], "name": ""}
    embedded_role = {
        "id": found["id"],
        "name": found["name"],
        "blocked": found.get("blocked", False),
        "links": [],
        "privileges": privileges(expand_privileges(found.get("privileges", []))),
    }
    enterprise = store.get("enterprises", u["enterprise"])
    return {**user(u), "role": embedded_role, "enterprise": render_enterprise(enterprise) if enterprise else None}
