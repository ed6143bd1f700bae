"""The one renderer of an ``AbiquoError``: the Abiquo error envelope ``{"collection": [{"code", "message"}]}``, or
to a client that asked for XML the XML error document ``<errors><error><code/><message/></error></errors>``
(http/media.py ``wants_xml``), its versioned media type and the error's own headers, for Flask
(``flask_response``), for the front door (``door_answer``) and for the door's own routes (``send_error``, an event
stream's refusal)."""

from __future__ import annotations

from collections.abc import Awaitable, Callable, Mapping
from typing import Any

from flask import Response, g

from .. import release
from ..errors import AbiquoError
from ..extensions import store_of
from . import media
from .door import Answer


def body_of(error: AbiquoError, spellings: Mapping[str, str] | None = None, xml: bool = False) -> tuple[bytes, str]:
    """(body, Content-Type); ``spellings``: the codes as the catalogue of the release that refused spells them
    (3.8.0 has BC11)."""
    return media.error_body(error.envelope(spellings), xml)


def flask_response(error: AbiquoError, spellings: Mapping[str, str] | None = None) -> Response:
    """The error as Flask answers it; by default in the spellings of the release the request is served as."""
    if spellings is None:
        spellings = (g.get("release") or release.of(store_of())).spellings
    body, content_type = body_of(error, spellings, media.request_wants_xml())
    response = Response(body, status=error.status, content_type=content_type)
    response.headers.update(error.headers)
    return response


def door_answer(error: AbiquoError, xml: bool = False) -> Answer:
    """The error as the front door answers it, before or without Flask: the error's headers, then the length."""
    body, content_type = body_of(error, xml=xml)
    headers = [(b"content-type", content_type.encode())]
    headers += [(name.lower().encode("latin-1"), value.encode("latin-1")) for name, value in error.headers.items()]
    return Answer(error.status, [*headers, (b"content-length", str(len(body)).encode())], body)


async def send_error(send: Callable[[dict[str, Any]], Awaitable[None]], error: AbiquoError) -> None:
    """The error sent as an ASGI answer, by a route the front door serves itself."""
    answer = door_answer(error)
    await send({"type": "http.response.start", "status": answer.status, "headers": answer.headers})
    await send({"type": "http.response.body", "body": answer.body})
