"""The contract: an OpenAPI 3 document generated from the declared operations and the media schemas.

Nothing here is written per route: paths, parameters, media types, status codes and links all come from
``abiquo_mock.mockserver.http.api.REGISTRY`` and ``abiquo_mock.mockserver.http.schemas.MEDIA_SCHEMAS``, so the
document cannot drift from the views (tests/test_openapi.py checks that every Flask route is described).
"""

from __future__ import annotations

import re

from apispec import APISpec
from apispec.ext.marshmallow import MarshmallowPlugin

from . import contexts
from . import release as releases
from .errors import status_of
from .http import media
from .http.api import BODY_ERRORS, COMMON_ERRORS, REGISTRY, Operation, schema_name
from .http.schemas import COLLECTIONS, MEDIA_SCHEMAS
from .http.sites import WRITES_WITH_BODY

STATUS_TEXT = {
    200: "OK",
    201: "Created",
    202: "Accepted",
    204: "No content",
    400: "Bad request",
    401: "Unauthorized",
    403: "Forbidden",
    404: "Not found",
    405: "Method not allowed",
    406: "Not acceptable",
    409: "Conflict",
    413: "Request body too large",
    415: "Unsupported media type",
    503: "Service unavailable",
}
TAG_DESCRIPTIONS = {contexts.CONTROL_TAG: {"description": "The mock's own control API under /_mock"}}
SINCE = "x-abiquo-since"  # on an operation or a schema property: the Abiquo release that brought it


_component = schema_name


def _register_components(spec: APISpec) -> None:
    contexts.load_media_schemas()
    for name, schema in MEDIA_SCHEMAS.items():
        spec.components.schema(_component(name), schema=schema)
    for collection, item in COLLECTIONS.items():
        spec.components.schema(
            _component(collection),
            {
                "type": "object",
                # a backups collection is also PUT, where Abiquo takes it without totalSize; the sessions list is not
                # paged (the 3.8 capture has no totalSize)
                "required": ["links", "collection"] + ([] if collection in ("backups", "sessions") else ["totalSize"]),
                "properties": {
                    "links": {"type": "array", "items": {"$ref": "#/components/schemas/Link"}},
                    "collection": {"type": "array", "items": {"$ref": f"#/components/schemas/{_component(item)}"}},
                    "totalSize": {"type": "integer", "minimum": 0},
                },
            },
        )
    for name, body_schema in contexts.control_schemas().items():
        spec.components.schema(name, body_schema)
    spec.components.response(
        "Error",
        {
            "description": "An Abiquo error",
            "content": {
                media.versioned(media.ERRORS, form): {"schema": {"$ref": "#/components/schemas/Errors"}}
                for form in (media.JSON, media.XML)
            },
        },
    )
    spec.components.security_scheme("basicAuth", {"type": "http", "scheme": "basic"})


def _schema_ref(name: str) -> dict:
    return {"$ref": f"#/components/schemas/{_component(name)}"}


def _both_renderings(names: tuple[str, ...]) -> dict:
    """JSON and XML of each media type, one schema for both: the XML is written from the same document
    (mockserver/http/xmldoc.py names its elements)."""
    content = {}
    for form in (media.JSON, media.XML):
        for name in names:
            content[media.versioned(name, form)] = {"schema": _schema_ref(name)}
    return content


def _parameters(op: Operation) -> list[dict]:
    params = [
        {
            "name": name,
            "in": "path",
            "required": True,
            "schema": {"type": "integer", "minimum": 1, "maximum": 2**31 - 1},
        }
        for name in re.findall(r"<(?:\w+:)?(\w+)>", op.rule)
    ]
    if op.paged:
        params += [
            {"name": "startwith", "in": "query", "schema": {"type": "integer", "minimum": 0, "maximum": 2**31 - 1}},
            {"name": "limit", "in": "query", "schema": {"type": "integer", "minimum": 0, "maximum": 2**31 - 1}},
            {"name": "by", "in": "query", "schema": {"type": "string", "enum": list(op.paged)}},
            {"name": "asc", "in": "query", "schema": {"type": "string", "enum": ["true", "false"]}},
            {"name": "has", "in": "query", "schema": {"type": "string"}},
        ]
    params += [{"name": name, "in": "query", "schema": schema} for name, schema in op.query.items()]
    return params


def _error_statuses(op: Operation) -> set[int]:
    statuses = {status_of(c) for c in _error_codes(op)}
    if op.consumes or op.request_schema:
        statuses |= {408, 413}  # a body too slow or too large: 400-BAD-REQUEST with the HTTP status that says which
    return statuses


def _error_codes(op: Operation) -> set[str]:
    """Every Abiquo error code the operation can answer: its own and those of the shared conventions."""
    codes = set(op.errors) | {"403-FORBIDDEN"}  # a host the mock does not answer for (http/sites.py)
    if op.prefix == "/api":
        codes |= set(COMMON_ERRORS)
        if op.path == "/api/version":
            codes.discard("401-UNAUTHORIZED")
    else:
        codes |= {"401-UNAUTHORIZED", "404-NOT-FOUND", "405-METHOD-NOT-ALLOWED"}
    if op.consumes or op.request_schema:
        codes |= set(BODY_ERRORS)
    if op.prefix != "/api" and op.method in WRITES_WITH_BODY:
        codes.add("415-UNSUPPORTED-MEDIA-TYPE")  # the control API takes only application/json
    if op.paged or op.query:
        codes.add("GEN-22")
    if op.paged:
        codes.add("QUERY-0")
    if op.method not in ("GET", "HEAD"):  # the disk may refuse the write (full, read-only, permission)
        codes.add("503-SERVICE-UNAVAILABLE")
    return codes


def _success(op: Operation, offered: set[str]) -> dict:
    response: dict = {"description": STATUS_TEXT.get(op.status, "OK")}
    if op.plain_text:
        response["content"] = {"text/plain": {"schema": {"type": "string"}}}
    elif op.produces == "control":
        response["content"] = {"application/json": {"schema": {"type": "object"}}} if op.status != 204 else None
    elif op.produces:
        response["content"] = _both_renderings(op.media)
    links = {name: (target, params) for name, (target, params) in op.links.items() if target in offered}
    if links:
        response["links"] = {
            name: {"operationId": target, "parameters": params} for name, (target, params) in links.items()
        }
    return {k: v for k, v in response.items() if v is not None}


def _operation(op: Operation, tag: str, release: releases.Release, offered: set[str]) -> dict:
    doc: dict = {
        "operationId": op.op_id,
        "summary": op.summary or op.op_id,
        "tags": [tag],
        "parameters": _parameters(op),
        "x-fidelity": op.label,
        "responses": {str(op.status): _success(op, offered)},
    }
    if op.prefix == "/api":
        doc[SINCE] = op.since or releases.RELEASES[0].name
    doc["x-abiquo-errors"] = sorted(release.spelled(code) for code in _error_codes(op))
    for status in sorted(_error_statuses(op)):
        doc["responses"][str(status)] = {"$ref": "#/components/responses/Error"}
    if op.privilege:
        doc["x-privilege"] = op.privilege
    if op.consumes:
        doc["requestBody"] = {
            "required": True,
            "content": _both_renderings((op.consumes,)),
        }
    elif op.request_schema:
        doc["requestBody"] = {
            "required": False,
            "content": {"application/json": {"schema": {"$ref": f"#/components/schemas/{op.request_schema}"}}},
        }
    if op.path == "/api/version" or op.prefix != "/api":
        doc["security"] = []
    return doc


def _drop_later_fields(document: dict, release: releases.Release) -> None:
    """A schema property a later release brought (``x-abiquo-since``) is not this release's."""
    for schema in document["components"]["schemas"].values():
        properties = schema.get("properties", {})
        for name in [n for n, p in properties.items() if not release.offers(p.get(SINCE))]:
            del properties[name]


def build(release: releases.Release = releases.DEFAULT) -> dict:
    """The contract of a server that is ``release``: the operations it has, each saying which release brought it."""
    tag_of = contexts.tag_of_blueprint()
    spec = APISpec(
        title="Abiquo API (backup surface) as served by abiquo-mock",
        version=release.version,
        openapi_version="3.0.3",
        plugins=[MarshmallowPlugin()],
        info={
            "description": f"Abiquo {release.version} backup surface. x-fidelity on each operation says whether "
            "it mirrors a captured exchange (verified), documentation (documented), "
            "or is this project's reconstruction (reconstructed); x-abiquo-since names the Abiquo release that "
            "brought it (a 3.8 server has no backup policy operation). The control tag "
            "is the mock's own API, not Abiquo's."
        },
        security=[{"basicAuth": []}],
        tags=[{"name": tag, **TAG_DESCRIPTIONS.get(tag, {})} for tag in contexts.tags()],
    )
    _register_components(spec)
    paths: dict[str, dict] = {}
    offered = {op.op_id for op in REGISTRY if release.offers(op.since)}
    for op in REGISTRY:
        if op.op_id in offered:
            paths.setdefault(op.path, {})[op.method.lower()] = _operation(op, tag_of[op.blueprint], release, offered)
    paths.update(contexts.door_docs())
    for path, operations in paths.items():
        spec.path(path=path, operations=operations)
    document = spec.to_dict()
    _drop_later_fields(document, release)
    document["servers"] = [{"url": "/"}]
    return document
