"""The OpenAPI document is a valid OpenAPI 3.0 document and says exactly what the server does."""

from __future__ import annotations

import re

import pytest
import schemathesis
from abiquo_mock.mockserver import openapi
from abiquo_mock.mockserver.extensions import DOOR_ROUTES

METHODS = ("get", "put", "post", "delete", "patch")
UNAUTHENTICATED = ("/api/version",)
# The document does not describe itself, nor the console's pages and assets (its data comes from operations).
UNDOCUMENTED_RULES = {"/api/openapi.json", "/_mock/console/", "/_mock/console/static/<path:name>"}


@pytest.fixture
def document(client):
    answer = client.get("/api/openapi.json")
    assert answer.status_code == 200
    return answer.get_json()


def operations(document: dict):
    for path, item in document["paths"].items():
        for method, op in item.items():
            if method in METHODS:
                yield path, method, op


def resolve(document: dict, node: dict) -> dict:
    while "$ref" in node:
        target = document
        for part in node["$ref"].lstrip("#/").split("/"):
            target = target[part]
        node = target
    return node


def test_the_served_document_is_the_built_one(app, document):
    with app.app_context():
        assert document == openapi.build()


def test_the_document_is_valid_openapi_3_0(document):
    assert document["openapi"].startswith("3.0.")
    try:
        from openapi_spec_validator import validate
    except ImportError:  # the meta-schema check schemathesis itself ships
        validate = None
    if validate is not None:
        validate(document)
    schema = schemathesis.openapi.from_dict(document)
    schema.validate()
    loaded = list(schema.get_all_operations())
    assert loaded and all(result.ok() for result in loaded)


def _rules(app) -> set[tuple[str, str]]:
    described = set()
    for rule in app.url_map.iter_rules():
        if not rule.rule.startswith(("/api", "/_mock")) or rule.rule in UNDOCUMENTED_RULES:
            continue
        path = re.sub(r"<(?:\w+:)?(\w+)>", r"{\1}", rule.rule)
        described |= {(path, method.lower()) for method in rule.methods - {"HEAD", "OPTIONS"}}
    return described | {(path, "get") for path in app.extensions[DOOR_ROUTES]}  # the front door's own


def test_every_route_is_described_and_nothing_else(app, document):
    served = _rules(app)
    documented = {(path, method) for path, method, _ in operations(document)}
    assert served - documented == set(), "routes the document does not describe"
    assert documented - served == set(), "operations the server does not serve"


def test_operation_ids_are_unique(document):
    ids = [op["operationId"] for _, _, op in operations(document)]
    assert len(ids) == len(set(ids))


def _produces_vendor_type(document: dict, op: dict) -> bool:
    return any(
        "vnd.abiquo" in media
        for status, response in op["responses"].items()
        if status.startswith("2")
        for media in resolve(document, response).get("content", {})
    )


def test_every_operation_documents_the_errors_of_the_conventions(document):
    missing = []
    for path, method, op in operations(document):
        expected = {"404", "405"}
        if path not in UNAUTHENTICATED:
            expected.add("401")
        if _produces_vendor_type(document, op):
            expected.add("406")
        if "requestBody" in op:
            expected.add("415")
        missing += [f"{method.upper()} {path}: {status}" for status in sorted(expected - set(op["responses"]))]
    assert missing == []


def test_every_error_answer_is_the_abiquo_envelope_in_json_or_xml(document):
    for path, method, op in operations(document):
        for status, response in op["responses"].items():
            if int(status) >= 400:
                content = resolve(document, response)["content"]
                expected = ["application/vnd.abiquo.errors+json; version=3.8"]
                if path != "/m/stream":  # the event stream is JSON alone (docs/EVENTS.md)
                    expected.append("application/vnd.abiquo.errors+xml; version=3.8")
                assert list(content) == expected, (path, method, status)


def _media(document: dict):
    for path, method, op in operations(document):
        for status, response in op["responses"].items():
            for media, body in resolve(document, response).get("content", {}).items():
                yield f"{method.upper()} {path} {status} {media}", body
        for media, body in op.get("requestBody", {}).get("content", {}).items():
            yield f"{method.upper()} {path} body {media}", body


def test_every_produced_and_consumed_media_type_has_a_schema(document):
    for where, body in _media(document):
        assert "schema" in body, where
        schema = resolve(document, body["schema"])
        assert schema.get("type") or schema.get("properties") or schema.get("allOf"), where


def test_vendor_media_types_are_versioned_and_their_schema_named_after_them(document):
    for where, body in _media(document):
        if "vnd.abiquo" not in where or "errors" in where:
            continue
        assert where.endswith(("+json; version=3.8", "+xml; version=3.8")), where
        name = re.search(r"vnd\.abiquo\.(\w+)\+(json|xml)", where).group(1)
        assert body["schema"] == {"$ref": f"#/components/schemas/{name.capitalize()}"}, where


def test_every_link_names_an_operation_and_its_parameters(document):
    by_id = {op["operationId"]: op for _, _, op in operations(document)}
    broken = []
    for path, method, op in operations(document):
        for status, response in op["responses"].items():
            for name, link in resolve(document, response).get("links", {}).items():
                where = f"{method.upper()} {path} {status} {name}"
                target = by_id.get(link["operationId"])
                if target is None:
                    broken.append(f"{where}: no operation {link['operationId']}")
                    continue
                known = {p["name"] for p in target.get("parameters", [])}
                broken += [
                    f"{where}: {link['operationId']} has no parameter {p}"
                    for p in link.get("parameters", {})
                    if p not in known
                ]
                required = {p["name"] for p in target.get("parameters", []) if p.get("in") == "path"}
                broken += [
                    f"{where}: {link['operationId']} needs {p}"
                    for p in sorted(required - set(link.get("parameters", {})))
                ]
    assert broken == []


def test_the_document_names_the_operations_the_views_declare(document):
    from abiquo_mock.mockserver import contexts
    from abiquo_mock.mockserver.http.api import REGISTRY

    declared = {(op.path, op.method.lower()) for op in REGISTRY}
    declared |= {(path, method) for path, item in contexts.door_docs().items() for method in item}
    assert declared == {(path, method) for path, method, _ in operations(document)}
