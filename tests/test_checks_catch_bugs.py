"""Each Abiquo convention check fails on a server that breaks the convention it guards.

Each broken server is the mock with one defect put in by an after_request hook. The check is called on
the broken answer directly, and a short in-process provider run against the broken server must name
the check among its failures. A provider run with wrong credentials must fail, not pass with a warning.
"""

from __future__ import annotations

import base64
import json
from dataclasses import replace

import pytest
from abiquo_mock.contracts import checks
from abiquo_mock.contracts.provider import Settings, execute_in_process
from abiquo_mock.mockserver.app import create_app
from flask import Flask, request

AUTH = {"Authorization": "Basic " + base64.b64encode(b"admin:xabiquo").decode()}
# Fuzzing only, a few examples: enough to meet each defect, quick enough for every run of the suite.
SHORT = Settings(max_examples=3, phases=("fuzzing",), paths=r"^/api/admin/(datacenters|enterprises)(/\{\w+\})?$")


def _exchange(app: Flask, path: str, headers: dict | None = None) -> checks.Exchange:
    answer = app.test_client().get(path, headers={**AUTH, **(headers or {})})
    return checks.Exchange(
        "GET",
        "http://localhost" + path,
        answer.status_code,
        {k.lower(): v for k, v in answer.headers.items()},
        answer.get_data(),
        {**AUTH, **(headers or {})},
    )


def _fetch_from(app: Flask) -> checks.Fetch:
    def fetch(href: str, accept: str) -> tuple[int, str]:
        answer = app.test_client().get(href.replace("http://localhost", ""), headers={**AUTH, "Accept": accept})
        return answer.status_code, answer.headers.get("Content-Type", "")

    return fetch


def _json_hook(app: Flask, change) -> Flask:
    """Rewrite every JSON answer of the API through ``change(document)``."""

    @app.after_request
    def rewrite(response):
        if request.path.startswith("/api/") and response.is_json and request.path != "/api/openapi.json":
            document = change(response.get_json())
            if document is not None:
                response.set_data(json.dumps(document))
        return response

    return app


def unversioned() -> Flask:
    app = create_app({"SCENARIO": "demo"})

    @app.after_request
    def drop_version(response):
        if request.path.startswith("/api/") and "+json" in response.content_type:
            response.headers["Content-Type"] = response.content_type.split(";")[0]
        return response

    return app


def html_errors() -> Flask:
    app = create_app({"SCENARIO": "demo"})

    @app.after_request
    def html(response):
        if response.status_code >= 400:
            response.set_data(f"<html><body>{response.status_code}</body></html>")
            response.headers["Content-Type"] = "text/html; charset=utf-8"
        return response

    return app


def dangling_links() -> Flask:
    def add(document):
        if isinstance(document, dict) and isinstance(document.get("links"), list):
            document["links"].append(
                {
                    "rel": "backups",
                    "href": request.host_url + "api/admin/nowhere/1",  # the server's own host: a link to follow
                    "type": "application/vnd.abiquo.backups+json",
                }
            )
        return document

    return _json_hook(create_app({"SCENARIO": "demo"}), add)


def lying_total() -> Flask:
    def inflate(document):
        if isinstance(document, dict) and isinstance(document.get("totalSize"), int):
            document["totalSize"] += 30
        return document

    return _json_hook(create_app({"SCENARIO": "demo"}), inflate)


def failing() -> Flask:
    app = create_app({"SCENARIO": "demo"})

    @app.before_request
    def explode():
        if request.path.startswith("/api/admin/enterprises"):
            raise RuntimeError("the database went away")

    return app


def json_to_xml_clients() -> Flask:
    app = create_app({"SCENARIO": "demo"})

    @app.after_request
    def ignore_accept(response):
        if request.path.startswith("/api/") and "+xml" in response.content_type and response.status_code < 400:
            response.set_data(b'{"links": []}')
            response.headers["Content-Type"] = response.content_type.replace("+xml", "+json")
        return response

    return app


# (check name, broken server, a request that meets the defect)
BROKEN = [
    ("abiquo_negotiated_version", unversioned, "/api/admin/datacenters/1"),
    ("abiquo_error_envelope", html_errors, "/api/admin/datacenters/999"),
    ("abiquo_links_resolve", dangling_links, "/api/admin/datacenters/1"),
    ("abiquo_paging_links", lying_total, "/api/admin/enterprises"),
    ("abiquo_no_server_error", failing, "/api/admin/enterprises"),
    ("abiquo_answered_as_asked", json_to_xml_clients, "/api/admin/datacenters/1"),
]


@pytest.mark.parametrize("name, broken, path", BROKEN, ids=[b[0] for b in BROKEN])
def test_the_check_fails_on_the_broken_answer_and_passes_on_the_mock(name, broken, path):
    check = checks.CHECKS[name]

    def judge(app: Flask) -> None:
        exchange = _exchange(app, path, {"Accept": "application/xml"} if name in XML_RUN else None)
        if name == "abiquo_links_resolve":
            check(exchange, _fetch_from(app))
        else:
            check(exchange)

    judge(create_app({"SCENARIO": "demo"}))
    with pytest.raises(AssertionError):
        judge(broken())


XML_RUN = {"abiquo_answered_as_asked"}  # the defects only a client asking for XML meets


@pytest.mark.slow
@pytest.mark.parametrize("name, broken, path", BROKEN, ids=[b[0] for b in BROKEN])
def test_a_provider_run_names_the_broken_convention(name, broken, path):
    outcome = execute_in_process(broken(), replace(SHORT, format="xml") if name in XML_RUN else SHORT)
    assert outcome.exit_code != 0
    assert name in outcome.failed_checks


def test_the_error_envelope_needs_code_and_message():
    bad = checks.Exchange(
        "GET",
        "http://h/api/x",
        404,
        {"content-type": checks.ERRORS_MEDIA_TYPE},
        json.dumps({"collection": [{"message": "no code"}]}).encode(),
    )
    with pytest.raises(AssertionError, match="malformed error entry"):
        checks.error_envelope(bad)


def test_paging_links_follow_the_requested_window():
    def page(startwith: int, rels: dict[str, int], total: int, items: int) -> checks.Exchange:
        links = [{"rel": rel, "href": f"http://h/api/x?startwith={start}&limit=2"} for rel, start in rels.items()]
        body = {"links": links, "collection": [{}] * items, "totalSize": total}
        return checks.Exchange(
            "GET",
            f"http://h/api/x?startwith={startwith}&limit=2",
            200,
            {"content-type": "application/vnd.abiquo.xs+json; version=3.8"},
            json.dumps(body).encode(),
        )

    checks.paging_links(page(2, {"first": 0, "previous": 0, "next": 4, "last": 4}, 5, 2))
    for wrong in (
        page(2, {"first": 0, "next": 4, "last": 4}, 5, 2),  # previous missing
        page(4, {"first": 0, "previous": 2, "next": 6, "last": 4}, 5, 1),  # next past the end
        page(2, {"first": 0, "previous": 0, "next": 4, "last": 2}, 5, 2),  # last is not the last page
        page(0, {"first": 0, "next": 2, "last": 4}, 5, 1),
    ):  # short page
        with pytest.raises(AssertionError):
            checks.paging_links(wrong)


def test_action_links_and_other_hosts_are_not_followed():
    body = {
        "links": [
            {"rel": "restore", "href": "http://h/api/vm/1/action/restorebackup", "type": "x"},
            {"rel": "docs", "href": "http://elsewhere/api/x", "type": "y"},
        ]
    }
    exchange = checks.Exchange(
        "GET", "http://h/api/vm/1", 200, {"content-type": "application/json"}, json.dumps(body).encode()
    )
    followed = []
    checks.links_resolve(exchange, lambda href, accept: followed.append(href) or (404, ""))
    assert followed == []


@pytest.mark.slow
def test_wrong_credentials_fail_the_run():
    assert execute_in_process(create_app({"SCENARIO": "demo"}), SHORT).exit_code == 0
    outcome = execute_in_process(create_app({"SCENARIO": "demo"}), replace(SHORT, password="not-the-password"))
    assert outcome.exit_code != 0


def test_an_error_code_the_operation_does_not_list_fails_and_a_listed_one_passes():
    def refusal(code: str) -> checks.Exchange:
        return checks.Exchange(
            "PUT",
            "http://localhost/api/admin/datacenters/1/backupproperties",
            400,
            {"content-type": checks.ERRORS_MEDIA_TYPE + "; version=3.8"},
            json.dumps({"collection": [{"code": code, "message": "no"}]}).encode(),
        )

    checks.documented_error_code(refusal("GEN-2"), ["GEN-2", "401-UNAUTHORIZED"])
    with pytest.raises(AssertionError, match="BC-30"):
        checks.documented_error_code(refusal("BC-30"), ["GEN-2", "401-UNAUTHORIZED"])


def test_the_contract_lists_the_codes_the_mock_really_answers():
    from abiquo_mock.mockserver.openapi import build

    create_app({"SCENARIO": "demo"})
    listed = build()["paths"]["/api/admin/datacenters/{dc}/backupproperties"]["put"]["x-abiquo-errors"]
    client = create_app({"SCENARIO": "demo"}).test_client()
    answer = client.put(
        "/api/admin/datacenters/1/backupproperties",
        json={"multipleRestore": "yes"},
        headers={"Authorization": "Basic " + base64.b64encode(b"admin:xabiquo").decode()},
    )
    assert answer.status_code == 400
    checks.documented_error_code(checks.Exchange("PUT", "http://localhost/x", 400, {}, answer.data), listed)


def test_a_schema_valid_body_refused_for_its_shape_fails_and_for_a_rule_passes():
    def refusal(code: str) -> checks.Exchange:
        return checks.Exchange(
            "POST",
            "http://localhost/api/admin/enterprises/2/limits",
            400,
            {"content-type": checks.ERRORS_MEDIA_TYPE + "; version=3.8"},
            json.dumps({"collection": [{"code": code, "message": "no"}]}).encode(),
        )

    checks.positive_refusals_are_rules(refusal("LIMIT-24"))
    with pytest.raises(AssertionError, match="GEN-2"):
        checks.positive_refusals_are_rules(refusal("GEN-2"))
