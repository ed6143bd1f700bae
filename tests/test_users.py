"""An enterprise's users (GET /api/admin/enterprises/{id}/users and …/users/{id}) in the captured 3.8 shape, paged
like every collection, sealed by tenant: who may see whom.

The demo world: the cloud administrator ``admin`` (enterprise 1, every privilege); Acme (enterprise 2) with its
administrator ``entadmin`` (USERS_VIEW) and ``user`` (no USERS_VIEW); Globex (enterprise 3) with ``globex``.
"""

from __future__ import annotations

import pytest

from .support import contract_errors, mt

ACME_USERS = "/api/admin/enterprises/2/users"
WITH_ROLES = "application/vnd.abiquo.usersWithRoles+json"  # as Abiquo's events-notifier spells it
CAPTURED_USER_KEYS = {  # every field of a user in the 3.8 capture of this list
    "id", "nick", "name", "surname", "email", "locale", "authType", "active", "locked", "firstLogin", "links",
}  # fmt: skip


def _nicks(answer) -> list[str]:
    assert answer.status == 200, answer.text
    return [u["nick"] for u in answer.json["collection"]]


def test_the_enterprise_lists_its_users_in_the_captured_shape(api):
    answer = api.get(ACME_USERS, accept=mt("users"))
    assert answer.headers["content-type"] == "application/vnd.abiquo.users+json; version=3.8"
    assert answer.json["totalSize"] == 2 and _nicks(answer) == ["entadmin", "user"]  # by name: Ada, Ulf
    for user in answer.json["collection"]:
        assert set(user) == CAPTURED_USER_KEYS
        assert contract_errors("user", user) == []
        edit = next(link for link in user["links"] if link["rel"] == "edit")
        assert api.get(edit["href"][edit["href"].index("/api/") :], accept=mt("user")).json == user
    assert [link["rel"] for link in answer.json["links"]] == ["first", "last"]


def test_the_enterprise_links_to_its_users(api):
    enterprise = api.get("/api/admin/enterprises/2", accept=mt("enterprise")).json
    (users,) = [link for link in enterprise["links"] if link["rel"] == "users"]
    assert users["type"] == mt("users")
    assert users["href"].endswith(ACME_USERS)


def test_users_with_roles_embed_the_role_and_its_privileges(api):
    answer = api.get(ACME_USERS, accept=WITH_ROLES)
    assert answer.headers["content-type"] == "application/vnd.abiquo.userswithroles+json; version=3.8"
    roles = {u["email"]: u["role"]["name"] for u in answer.json["collection"]}
    assert roles == {"ada@acme.example": "ENTERPRISE_ADMIN", "ulf@acme.example": "USER"}
    ada = answer.json["collection"][0]
    assert "USERS_VIEW" in [p["name"] for p in ada["role"]["privileges"]["collection"]]
    assert ada["enterprise"]["name"] == "Acme"
    assert contract_errors("userwithrole", ada) == []


@pytest.mark.parametrize(
    ("query", "nicks", "total", "rels"),
    [
        ("?limit=1", ["entadmin"], 2, ["first", "next", "last"]),
        ("?limit=1&startwith=1", ["user"], 2, ["first", "previous", "last"]),
        ("?by=nick&asc=false", ["user", "entadmin"], 2, ["first", "last"]),
        ("?has=ULF", ["user"], 1, ["first", "last"]),
        ("?activated=false", [], 0, ["first", "last"]),
        ("?activated=true&connected=false", ["entadmin", "user"], 2, ["first", "last"]),
    ],
)
def test_the_users_are_paged_sorted_and_filtered_like_every_collection(api, query, nicks, total, rels):
    answer = api.get(ACME_USERS + query)
    assert _nicks(answer) == nicks
    assert answer.json["totalSize"] == total
    assert [link["rel"] for link in answer.json["links"]] == rels


@pytest.mark.parametrize(
    ("query", "code"),
    [
        ("?by=password", "QUERY-0"),
        ("?limit=-1", "GEN-22"),
        ("?activated=maybe", "GEN-22"),
        ("?connected=true", "GEN-22"),
    ],
)
def test_a_bad_query_is_refused(api, query, code):
    answer = api.get(ACME_USERS + query)
    assert (answer.status, answer.codes) == (400, [code])


@pytest.mark.parametrize(
    ("user", "enterprise", "status", "nicks"),
    [
        ("admin", 2, 200, ["entadmin", "user"]),  # the cloud administrator sees every enterprise's users
        ("entadmin", 2, 200, ["entadmin", "user"]),
        ("user", 2, 200, ["user"]),  # without USERS_VIEW, Abiquo lists the caller alone
        ("entadmin", 1, 404, None),  # another tenant's users are as unknown as its enterprise
        ("globex", 2, 404, None),
        ("admin", 9, 404, None),
    ],
)
def test_a_tenant_sees_only_its_own_enterprise_users(api, user, enterprise, status, nicks):
    answer = api.get(f"/api/admin/enterprises/{enterprise}/users", user=user)
    assert answer.status == status, answer.text
    if nicks is None:
        assert answer.codes == ["EN-0"]
    else:
        assert _nicks(answer) == nicks


@pytest.mark.parametrize(
    ("user", "path", "status", "code"),
    [
        ("user", "/api/admin/enterprises/2/users/3", 200, None),  # oneself
        ("user", "/api/admin/enterprises/2/users/2", 403, "403-FORBIDDEN"),  # another user, without USERS_VIEW
        ("entadmin", "/api/admin/enterprises/2/users/3", 200, None),
        ("entadmin", "/api/admin/enterprises/1/users/1", 404, "EN-0"),  # another tenant's
        ("admin", "/api/admin/enterprises/2/users/4", 404, "USER-3"),  # globex is not Acme's
        ("admin", "/api/admin/enterprises/2/users/99", 404, "USER-3"),
    ],
)
def test_a_user_is_read_by_itself_and_by_whoever_sees_the_users(api, user, path, status, code):
    answer = api.get(path, user=user, accept=mt("user"))
    assert answer.status == status, answer.text
    if code:
        assert answer.codes == [code]


def test_a_generic_accept_gets_json_as_abiquo_answers_by_default(api):
    for accept in ("*/*", None, "application/json"):
        answer = api.get(ACME_USERS, accept=accept)
        assert answer.headers["content-type"] == "application/vnd.abiquo.users+json; version=3.8"
    xml = api.get(ACME_USERS, accept="application/vnd.abiquo.users+xml")  # the XML twin is asked by name
    assert xml.status == 200 and xml.headers["content-type"] == "application/vnd.abiquo.users+xml; version=3.8"
