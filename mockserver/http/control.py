"""Declared control operations: the mock's own API under /_mock (plain JSON, documented in the contract's
control section). Any context may have some; each context keeps them on a blueprint of its own, which the
factory registers only when the control API is on (see mockserver/contexts.py).
"""

from __future__ import annotations

import functools
import hmac
import json
from collections.abc import Callable
from typing import Any

from flask import Blueprint, Response, current_app, g, request

from ..errors import AbiquoError
from . import media
from .api import Operation, register

PREFIX = "/_mock"
JSON = "application/json"


def blueprint(name: str, import_name: str) -> Blueprint:
    """A blueprint for a context's control operations."""
    return Blueprint(name, import_name, url_prefix=PREFIX)


def json_response(payload: object, status: int = 200) -> Response:
    return Response(json.dumps(payload), status=status, content_type=JSON)


def json_body() -> dict[str, Any]:
    """The request's JSON object; an empty body is an empty object."""
    if not request.get_data(cache=True).strip():
        return {}
    body = media.json_body()  # strict JSON; too deep a nesting is GEN-3 like any other unreadable body
    if not isinstance(body, dict):
        raise AbiquoError("GEN-2", "A JSON object is expected")
    return body


def token_accepted(token: str | None, sent: bytes) -> bool:
    """Whether the X-Mock-Token bytes sent match the control token (anything does when there is none).
    Compared as bytes: compare_digest refuses non-ASCII str; a token typed in UTF-8 on both sides matches."""
    return not token or hmac.compare_digest(sent, token.encode("utf-8"))


def _check_token() -> None:
    # A header arrives as latin-1 text of the bytes sent: encoded back, they are the bytes sent
    sent = request.headers.get("X-Mock-Token", "").encode("latin-1", errors="replace")
    if not token_accepted(current_app.config.get("CONTROL_TOKEN"), sent):
        raise AbiquoError("401-UNAUTHORIZED", "The control API needs the header X-Mock-Token")


def _render(result: object, status: int) -> Response:
    if isinstance(result, Response):
        return result
    return Response(status=204) if result is None else json_response(result, status)


def control(
    bp: Blueprint,
    method: str,
    rule: str,
    *,
    op_id: str,
    summary: str,
    status: int = 200,
    errors: tuple[str, ...] = (),
    request_schema: str | None = None,
    query: dict[str, Any] | None = None,
) -> Callable[..., Any]:
    """Register ``fn`` as a control operation on ``bp``; it returns a dict (JSON), None (204) or a Response."""
    op = Operation(
        op_id,
        method,
        rule,
        "control",
        None,
        status,
        errors,
        None,
        summary,
        "mock-only",
        prefix=PREFIX,
        request_schema=request_schema,
        blueprint=bp.name,
        query=query or {},
    )
    register(op)

    def decorate(fn: Callable[..., Any]) -> Callable[..., Any]:
        @functools.wraps(fn)
        def view(**values: Any) -> Any:
            g.operation = op
            _check_token()
            return _render(fn(**values), status)

        bp.add_url_rule(rule, endpoint=op_id, view_func=view, methods=[method], provide_automatic_options=False)
        return fn

    return decorate
