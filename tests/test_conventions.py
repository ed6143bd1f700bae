"""The wire conventions every Abiquo endpoint shares (docs/BACKUP-RULES.md#conventions): media types and their
version, links, collections and paging, and the error envelope."""

from __future__ import annotations

import re
from urllib.parse import parse_qs, urlsplit

import pytest
from abiquo_mock.mockserver.app import create_app
from abiquo_mock.mockserver.http import media
from abiquo_mock.mockserver.openapi import build

from .support import mt

DATACENTERS = mt("datacenters")
ANSWER = "application/vnd.abiquo.datacenters+json; version=3.8"
HOST = "abiquo.localhost:9000"  # a host the mock answers for (loopback), other than the one reached


def _error_envelope(answer, status: int, code: str) -> None:
    assert answer.status == status, answer.text
    assert answer.headers["content-type"].split(";")[0] == "application/vnd.abiquo.errors+json"
    assert answer.codes == [code], answer.text
    assert answer.json["collection"][0]["message"]
    assert "<html" not in answer.text.lower()


# --- media types ---------------------------------------------------------------------------------------


@pytest.mark.parametrize(
    "accept",
    [
        DATACENTERS,
        f"{DATACENTERS}; version=3.8",
        f"{DATACENTERS};version=3.8",
        f"{DATACENTERS}; version=3.8;",
        f'{DATACENTERS}; version="3.8"',
        "application/json",
        "text/json",
        "*/*",
        "application/*",
        "text/json,application/json",
        f"text/html, {DATACENTERS}; version=3.8;",
        f"{DATACENTERS}; version=3.10, {DATACENTERS}; version=3.8; q=0.5",
        None,
    ],
)
def test_every_accepted_form_answers_the_versioned_vendor_type(api, accept):
    answer = api.get("/api/admin/datacenters", accept=accept)
    assert answer.status == 200, answer.text
    assert answer.headers["content-type"] == ANSWER
    assert answer.json["totalSize"] == 2


@pytest.mark.parametrize(
    "accept",
    [
        f"{DATACENTERS}; version=3.10",
        f"{DATACENTERS}; version=2.0;",
        f"{DATACENTERS};version=4.0, text/html",
        mt("datacenter"),  # the single entity where the collection is served
        "text/html",
    ],
)
def test_any_other_version_or_type_in_accept_is_not_acceptable(api, accept):
    _error_envelope(api.get("/api/admin/datacenters", accept=accept), 406, "406-NOT-ACCEPTABLE")


def test_the_version_is_plain_text(api):
    for accept in (None, "text/plain", "*/*"):
        answer = api.get("/api/version", user=None, accept=accept)
        assert answer.status == 200
        assert answer.text == "3.8.5"
        assert answer.headers["content-type"].split(";")[0] == "text/plain"


def _body_check(content_type: str):
    """Run the Content-Type rule of a view consuming a backuppolicy, as the operation wrapper does."""
    app = create_app({"DB_PATH": None, "SCENARIO": "empty", "CONTROL_ENABLED": False})
    with app.test_request_context("/", method="POST", data=b"{}", headers={"Content-Type": content_type}):
        media.require_content_type("backuppolicy")


@pytest.mark.parametrize(
    "content_type",
    [
        mt("backuppolicy"),
        f"{mt('backuppolicy')}; version=3.8",
        f"{mt('backuppolicy')};version=3.8;",
        "application/json",
        "text/json",
    ],
)
def test_a_body_of_the_consumed_type_in_any_supported_form_is_read(content_type):
    _body_check(content_type)


@pytest.mark.parametrize(
    "content_type, code",
    [
        (f"{mt('backuppolicy')}; version=3.10", "415-UNSUPPORTED-MEDIA-TYPE-VERSION"),
        (f"{mt('backuppolicy')}; version=2.0;", "415-UNSUPPORTED-MEDIA-TYPE-VERSION"),
        (f"{mt('datacenter')}; version=3.8", "415-UNSUPPORTED-MEDIA-TYPE"),
        ("text/plain", "415-UNSUPPORTED-MEDIA-TYPE"),
        ("", "415-UNSUPPORTED-MEDIA-TYPE"),
    ],
)
def test_a_body_of_another_version_or_entity_is_unsupported(content_type, code):
    from abiquo_mock.mockserver.errors import AbiquoError

    with pytest.raises(AbiquoError) as refused:
        _body_check(content_type)
    assert (refused.value.status, refused.value.code) == (415, code)


# --- links ---------------------------------------------------------------------------------------------

ENTITIES = [
    "/api/admin/datacenters/1",
    "/api/admin/datacenters/1/racks/1",
    "/api/admin/datacenters/1/racks/1/machines/1",
    "/api/admin/enterprises/2",
    "/api/admin/enterprises/2/limits/3",
    "/api/cloud/locations/1",
    "/api/cloud/virtualdatacenters/1",
    "/api/cloud/virtualdatacenters/1/virtualappliances/1",
    "/api/cloud/virtualdatacenters/1/virtualappliances/1/virtualmachines/1",
    "/api/login",
    "/api/admin/enterprises/1/users/1",
    "/api/admin/roles/1",
    "/api/admin/datacenters/1/backuppolicies/1",
    "/api/admin/datacenters/1/backupproperties",
    "/api/cloud/locations/1/backuppolicies/1",
    "/api/admin/datacenters/1/backups/1",
    "/api/config/backups/1",
]
COLLECTIONS = [
    "/api/admin/datacenters",
    "/api/admin/datacenters/1/racks",
    "/api/admin/datacenters/1/racks/1/machines",
    "/api/admin/datacenters/1/racks/1/machines/1/virtualmachines",
    "/api/admin/enterprises",
    "/api/admin/enterprises/2/limits",
    "/api/cloud/locations",
    "/api/cloud/virtualdatacenters",
    "/api/cloud/virtualdatacenters/1/virtualappliances",
    "/api/cloud/virtualmachines",
    "/api/cloud/virtualdatacenters/1/virtualappliances/1/virtualmachines",
]


def _all_links(document: dict) -> list[dict]:
    links = list(document.get("links", []))
    for item in document.get("collection", []):
        links += item.get("links", [])
    return links


@pytest.mark.parametrize("path", ENTITIES + COLLECTIONS)
def test_every_link_has_a_type_and_an_absolute_href_on_the_requests_host(api, path):
    answer = api.get(path, headers={"Host": HOST})
    assert answer.status == 200, answer.text
    links = _all_links(answer.json)
    assert links
    for link in links:
        assert set(link) <= {"rel", "href", "type", "title"}, link
        assert link["type"].startswith("application/vnd.abiquo.") and link["type"].endswith("+json"), link
        assert link["href"].startswith(f"http://{HOST}/api/"), link


@pytest.mark.parametrize("path", ENTITIES)
def test_links_without_a_host_header_name_the_host_the_client_reached(api, path):
    answer = api.get(path)
    hrefs = [link["href"] for link in answer.json["links"]]
    assert all(href.startswith(api.base + "/api/") for href in hrefs), hrefs


@pytest.mark.parametrize("path", ENTITIES)
def test_entities_that_can_be_changed_carry_an_edit_link(api, path):
    links = api.get(path).json["links"]
    edits = [link for link in links if link["rel"] == "edit"]
    assert len(edits) == 1, links
    assert urlsplit(edits[0]["href"]).path.startswith("/api/")


def _contract_paths() -> dict[str, dict]:
    create_app({"DB_PATH": None, "SCENARIO": "empty", "CONTROL_ENABLED": False})  # registers every view
    return {t: ops for t, ops in build()["paths"].items() if t.startswith("/api/")}


CONTRACT = _contract_paths()
# The metadata envelope is VERIFIED as {"links": [], "metadata": ...}: changeable, yet without an edit link.
CHANGEABLE = sorted(
    re.sub(r"\{\w+\}", "1", t)
    for t, ops in CONTRACT.items()
    if "get" in ops and "put" in ops and not t.endswith("/metadata")
)


def _operations_at(path: str) -> set[str]:
    """The methods the contract declares for a concrete path (empty: the path leads nowhere)."""
    for template, operations in CONTRACT.items():
        if re.fullmatch(re.sub(r"\{\w+\}", "[0-9]+", template), path):
            return set(operations)
    return set()


@pytest.mark.parametrize("path", CHANGEABLE)
def test_every_entity_the_contract_lets_a_client_put_has_an_edit_link_to_itself(api, path):
    answer = api.get(path)
    assert answer.status == 200, answer.text
    if "collection" in answer.json:  # a collection PUT (legacy backups): its items are edited
        assert answer.json["collection"]
        for item in answer.json["collection"]:
            assert [link for link in item["links"] if link["rel"] == "edit"], item
        return
    edits = [link for link in answer.json["links"] if link["rel"] == "edit"]
    assert [urlsplit(link["href"]).path for link in edits] == [path]


@pytest.mark.parametrize("path", ENTITIES + COLLECTIONS)
def test_every_link_leads_somewhere_and_answers_its_type(api, path):
    for link in _all_links(api.get(path).json):
        href = urlsplit(link["href"])
        methods = _operations_at(href.path)
        assert methods, f"{link['rel']} of {path} leads to {href.path}, which the contract does not serve"
        if "get" not in methods:
            continue  # an action such as restorebackup: POST only
        followed = api.get(f"{href.path}?{href.query}" if href.query else href.path, accept=link["type"])
        assert followed.status == 200, (link, followed.text)
        assert followed.headers["content-type"] == link["type"] + "; version=3.8", link


# --- collections and paging ----------------------------------------------------------------------------

VMS_BY_NAME = ["db-01", "db-02", "erp-01", "tools-01", "web-01", "web-02", "web-03"]


def _page(api, query: str):
    answer = api.get(f"/api/cloud/virtualmachines?{query}")
    assert answer.status == 200, answer.text
    return answer


def _rels(answer) -> list[tuple[str, int, int]]:
    found = []
    for link in answer.json["links"]:
        query = parse_qs(urlsplit(link["href"]).query)
        found.append((link["rel"], int(query["startwith"][0]), int(query["limit"][0])))
    return found


def test_a_collection_carries_links_collection_and_total_size(api):
    answer = _page(api, "")
    assert set(answer.json) == {"links", "collection", "totalSize"}
    assert answer.json["totalSize"] == 7
    assert [vm["name"] for vm in answer.json["collection"]] == VMS_BY_NAME  # default: by name, 25 a page
    assert _rels(answer) == [("first", 0, 25), ("last", 0, 25)]


def test_paging_links_come_first_previous_next_last_with_startwith_and_limit(api):
    answer = _page(api, "startwith=2&limit=2")
    assert [vm["name"] for vm in answer.json["collection"]] == ["erp-01", "tools-01"]
    assert answer.json["totalSize"] == 7
    assert _rels(answer) == [("first", 0, 2), ("previous", 0, 2), ("next", 4, 2), ("last", 6, 2)]


def test_the_last_page_has_no_next_and_the_first_no_previous(api):
    assert [r for r, _, _ in _rels(_page(api, "startwith=6&limit=2"))] == ["first", "previous", "last"]
    assert [r for r, _, _ in _rels(_page(api, "limit=2"))] == ["first", "next", "last"]


def test_following_next_links_visits_every_item_once(api):
    seen, answer = [], _page(api, "limit=3")
    while True:
        seen += [vm["name"] for vm in answer.json["collection"]]
        following = [link for link in answer.json["links"] if link["rel"] == "next"]
        if not following:
            break
        href = urlsplit(following[0]["href"])
        answer = api.get(f"{href.path}?{href.query}", accept=following[0]["type"])
        assert answer.status == 200
    assert seen == VMS_BY_NAME


def test_limit_zero_answers_everything(api):
    answer = _page(api, "limit=0")
    assert len(answer.json["collection"]) == 7


@pytest.mark.parametrize(
    "query, names",
    [
        ("by=id&asc=false", ["tools-01", "erp-01", "db-02", "db-01", "web-03", "web-02", "web-01"]),
        ("by=name&asc=false&limit=2", ["web-03", "web-02"]),
        ("has=WEB", ["web-01", "web-02", "web-03"]),
        ("has=db&by=id&asc=false", ["db-02", "db-01"]),
        ("by=state&limit=2", ["web-03", "db-02"]),  # NOT_ALLOCATED sorts first, ties by id
        ("has=nothing-like-this", []),
    ],
)
def test_sorting_and_filtering_are_honoured(api, query, names):
    answer = _page(api, query)
    assert [vm["name"] for vm in answer.json["collection"]] == names
    assert answer.json["totalSize"] == (len(names) if "limit" not in query else 7)


def test_the_filter_is_kept_in_paging_links(api):
    answer = _page(api, "has=web&limit=1")
    assert answer.json["totalSize"] == 3
    for link in answer.json["links"]:
        assert parse_qs(urlsplit(link["href"]).query)["has"] == ["web"]


@pytest.mark.parametrize(
    "query",
    [
        "startwith=-1",
        "startwith=x",
        "limit=-5",
        "limit=ten",
        "limit=1.5",
        "by=password",
        "asc=maybe",
        "startwith=",
    ],
)
def test_invalid_paging_values_are_refused(api, query):
    # a 'by' Abiquo does not sort by is QUERY-0; any other unusable paging value is GEN-22
    _error_envelope(api.get(f"/api/cloud/virtualmachines?{query}"), 400, "QUERY-0" if "by=" in query else "GEN-22")


# --- the error envelope --------------------------------------------------------------------------------


def test_an_unknown_path_is_a_404_in_the_envelope(api):
    for path in ("/api/nothing/here", "/", "/favicon.ico", "/api/admin/datacenters/1/nothing"):
        _error_envelope(api.get(path), 404, "404-NOT-FOUND")


def test_a_method_not_allowed_keeps_its_allow_header(api):
    answer = api.request("DELETE", "/api/admin/datacenters")
    _error_envelope(answer, 405, "405-METHOD-NOT-ALLOWED")
    assert "GET" in answer.headers["allow"]
    assert "DELETE" not in answer.headers["allow"]


def test_missing_credentials_are_challenged(api):
    answer = api.get("/api/admin/datacenters", user=None)
    _error_envelope(answer, 401, "401-UNAUTHORIZED")
    assert answer.headers["www-authenticate"] == 'Basic realm="Abiquo API"'


def test_not_acceptable_and_forbidden_answers_are_in_the_envelope(api):
    _error_envelope(api.get("/api/login", accept="text/html"), 406, "406-NOT-ACCEPTABLE")
    _error_envelope(api.get("/api/admin/datacenters", user="entadmin"), 403, "403-FORBIDDEN")


def test_an_answer_without_a_body_still_honours_the_accept_version(api):
    policy = "/api/admin/datacenters/1/backuppolicies/3"  # SILVER, bound to no VM
    refused = api.delete(policy, accept=f"{mt('backuppolicy')}; version=3.10")
    _error_envelope(refused, 406, "406-NOT-ACCEPTABLE")
    assert api.get(policy).status == 200
    assert api.delete(policy, accept="text/json,application/json").status == 204
    assert api.get(policy).codes == ["BC-23"]


def _existing_path_values(store) -> dict[str, int]:
    """Path values that name existing, related entities of the demo world, as the administrator reaches them."""
    machine = store.all("machines")[0]
    vapp = store.all("virtualappliances")[0]
    vm = store.find("virtualmachines", virtualappliance=vapp["id"])[0]
    return {
        "vm": vm["id"],
        "dc": machine["datacenter"],
        "loc": machine["datacenter"],
        "rack": machine["rack"],
        "machine": machine["id"],
        "enterprise": 1,
        "vdc": vapp["virtualdatacenter"],
        "vapp": vapp["id"],
    }


def test_every_paged_collection_sorts_by_exactly_what_the_contract_declares(inproc, store):
    """Views pass their sort keys to the collection helper: each must be the tuple the operation declares."""
    from abiquo_mock.mockserver.http.api import REGISTRY

    values = _existing_path_values(store)
    paged = [op for op in REGISTRY if op.paged]
    assert len(paged) >= 10
    for op in paged:
        path = op.path.format(**values)
        for key in op.paged:
            assert inproc.get(f"{path}?by={key}").status == 200, (op.op_id, key)
        refused = inproc.get(f"{path}?by=nothing")
        assert refused.codes == ["QUERY-0"], op.op_id
        assert f"one of {', '.join(op.paged)} is expected" in refused.json["collection"][0]["message"], op.op_id
