"""Declared operations: one decorator registers a view with Flask and describes it for the contract.

Each operation says what it produces and consumes (Abiquo media names), its success status, the error
codes it can answer, the privilege it needs and the OpenAPI links that lead on from it. The wrapper does
what every view shares (Accept / Content-Type negotiation, body parsing, privilege) so that views stay
short, and ``mockserver/openapi.py`` builds the contract from the same declarations.
"""

from __future__ import annotations

import functools
import re
from collections.abc import Callable
from dataclasses import dataclass, field
from typing import Any, cast

from flask import Blueprint, Response, g, request

from .. import jsontext, release
from ..errors import AbiquoError
from ..extensions import store_of
from . import media

# Every status the conventions themselves can answer, whatever the operation.
COMMON_ERRORS = ("401-UNAUTHORIZED", "404-NOT-FOUND", "405-METHOD-NOT-ALLOWED", "406-NOT-ACCEPTABLE")
BODY_ERRORS = (
    "GEN-2",
    "GEN-3",
    "400-BAD-REQUEST",
    "415-UNSUPPORTED-MEDIA-TYPE",
    "415-UNSUPPORTED-MEDIA-TYPE-VERSION",
)


@dataclass
class Operation:
    op_id: str
    method: str
    rule: str  # Flask rule below /api, e.g. "/admin/datacenters/<int:dc>"
    produces: str | None  # media name of the answer, None for 204 / plain text
    consumes: str | None  # media name of the body
    status: int
    errors: tuple[str, ...]
    privilege: str | None
    summary: str
    label: str  # fidelity: verified / documented / reconstructed
    paged: tuple[str, ...] = ()  # sort keys when the answer is a paged collection
    links: dict[str, Any] = field(default_factory=dict)  # OpenAPI links: name -> (operationId, {param: expression})
    plain_text: bool = False
    event: Callable[..., Any] | None = None  # an emitter (mockserver/events/emitters.py): the event a success records
    query: dict[str, Any] = field(default_factory=dict)  # further query parameters: name -> JSON schema
    prefix: str = "/api"  # "/_mock" for the control API
    request_schema: str | None = None  # control operations: a component schema name for the JSON body
    blueprint: str = ""  # the name of the blueprint serving it, which says its context (mockserver/contexts.py)
    also_produces: tuple[str, ...] = ()  # other media the answer may be in, as Accept asks (produces is the default)
    since: str | None = None  # the Abiquo release that brought it (mockserver/release.py); None: every release

    @property
    def media(self) -> tuple[str, ...]:
        """Every media name the answer may be in, the default first."""
        return (self.produces, *self.also_produces) if self.produces else ()

    @property
    def endpoint(self) -> str:
        return f"{self.blueprint}.{self.op_id}"

    @property
    def path(self) -> str:
        """The OpenAPI path template, prefix included."""
        return self.prefix + re.sub(r"<(?:\w+:)?(\w+)>", r"{\1}", self.rule)


REGISTRY: list[Operation] = []
OPERATIONS: dict[str, Operation] = {}  # by Flask endpoint


@dataclass(frozen=True)
class Written:
    """What the view of an operation that records an event returns: its answer, and what the event is about:
    the entity the model wrote (None once deleted) and, where the event compares, the entity before the write."""

    answer: object
    entity: dict[str, Any] | None
    before: dict[str, Any] | None = None


def _render(op: Operation, result: object) -> Response:
    response = _response(op, result)
    if g.get("set_cookie"):  # a login's session (http/sessions.py)
        response.headers["Set-Cookie"] = g.set_cookie
    return response


def _response(op: Operation, result: object) -> Response:
    if isinstance(result, Response):
        return result
    if result is None:
        return Response(status=204)
    if g.format == media.XML:
        from . import xmldoc  # the XML writer loads with the first answer asked for in XML

        document = cast(dict[str, Any], result)  # a view answers a dict, a Response or None
        return Response(xmldoc.dump(document, g.produced), status=op.status, content_type=g.content_type)
    return Response(jsontext.dump_to_keep(result), status=op.status, content_type=g.content_type)


def _call(op: Operation, fn: Callable[..., Any], values: dict[str, Any]) -> object:
    """The view, and the event its success records, as one transaction: a refused request records none.
    The emitter gets what the model wrote (``Written``) and the request body, never the path values."""
    if op.event is None:
        return fn(**values)
    store = store_of()
    with store.transaction():
        written = fn(**values)
        op.event(store, g.user, written, values.get("body"))
    return written.answer


def operation(
    bp: Blueprint,
    method: str,
    rule: str,
    *,
    op_id: str,
    produces: str | None = None,
    consumes: str | None = None,
    status: int | None = None,
    errors: tuple[str, ...] = (),
    privilege: str | None = None,
    summary: str = "",
    label: str = "documented",
    paged: tuple[str, ...] = (),
    links: dict[str, Any] | None = None,
    plain_text: bool = False,
    event: Callable[..., Any] | None = None,
    query: dict[str, Any] | None = None,
    also_produces: tuple[str, ...] = (),
    since: str | None = None,
) -> Callable[..., Any]:
    """Register ``fn`` as the view of one Abiquo operation. ``fn`` receives the path values, and ``body``
    (the parsed JSON) when the operation consumes a media type; it returns a dict, None (204) or a Response.
    With ``also_produces``, ``g.produced`` names the media the client asked for (``produces`` by default).
    ``since`` names the Abiquo release that brought the operation: an earlier release answers 404, as for a path it
    does not have."""
    op = Operation(
        op_id,
        method,
        rule,
        produces,
        consumes,
        status or (200 if produces or plain_text else 204),
        tuple(errors),
        privilege,
        summary,
        label,
        paged,
        links or {},
        plain_text,
        event,
        query or {},
        blueprint=bp.name,
        also_produces=tuple(also_produces),
        since=since,
    )
    register(op)

    def decorate(fn: Callable[..., Any]) -> Callable[..., Any]:
        @functools.wraps(fn)
        def view(**values: Any) -> Any:
            # One hold of the store for the whole request: what it reads is one world, never half of a change
            # another thread (a timeline step, the upgrade) commits meanwhile.
            with store_of().lock:
                return _serve(op, fn, values)

        # strict_slashes off: one trailing slash names the same resource, as JAX-RS matches Abiquo's paths
        bp.add_url_rule(
            rule,
            endpoint=op_id,
            view_func=view,
            methods=[method],
            provide_automatic_options=False,
            strict_slashes=False,
        )
        return fn

    return decorate


def register(op: Operation) -> None:
    REGISTRY.append(op)
    OPERATIONS[op.endpoint] = op


def _serve(op: Operation, fn: Callable[..., Any], values: dict[str, Any]) -> Response:
    g.operation = op
    g.format = media.JSON
    g.release = release.of(store_of())  # the request's release, as long as it holds the store (errors are spelled so)
    if not g.release.offers(op.since):
        raise AbiquoError("404-NOT-FOUND", f"The requested resource {request.path} does not exist")
    if op.produces:
        g.produced, g.content_type, g.format = media.negotiate_among(op.media)
    elif not op.plain_text:
        media.check_accept_version()
    if op.privilege:
        g.user.require(op.privilege, op.summary or op.op_id)
    if op.consumes:
        g.body_format = media.require_content_type(op.consumes)
        values["body"] = media.json_body() if g.body_format == media.JSON else xml_body(op.consumes)
    return _render(op, _call(op, fn, values))


def xml_body(name: str) -> object:
    """An XML body as the document the same body in JSON would be, typed by the contract's schema of ``name``."""
    from ..extensions import contract_of
    from . import xmldoc

    components = contract_of(release=g.release)["components"]["schemas"]
    resolve = xmldoc.resolver(components)
    schema = resolve({"$ref": f"#/components/schemas/{schema_name(name)}"})
    return xmldoc.load(request.get_data(cache=True), name, schema, resolve)


def schema_name(media_name: str) -> str:
    """The contract's component of a media type (``backupdatacenterproperties`` is ``Backupdatacenterproperties``)."""
    return "".join(part.capitalize() for part in re.split(r"[^a-z0-9]", media_name)) or media_name


def require_object(body: object, what: str) -> dict[str, Any]:
    if not isinstance(body, dict):
        raise AbiquoError("GEN-2", f"Invalid document: a JSON object ({what}) is expected")
    return body
