"""One request and its answer (``Exchange``), what every convention of contracts/checks.py is judged on, and how a
media type is read."""

from __future__ import annotations

import json
from collections.abc import Mapping
from dataclasses import dataclass, field
from urllib.parse import urlsplit

# contracts/ judges the mock from outside: it keeps its own copy of the Abiquo values it checks instead of
# importing mockserver's, so that a wrong value in the mock cannot make its own judge agree with it.
API_VERSION = "3.8"
ERRORS_MEDIA_TYPE = "application/vnd.abiquo.errors+json"
XML_ERRORS_MEDIA_TYPE = "application/vnd.abiquo.errors+xml"
DEFAULT_LIMIT = 25


@dataclass(frozen=True)
class Exchange:
    """One request and its answer: what every convention is judged on."""

    method: str
    url: str  # absolute, query included
    status: int
    headers: Mapping[str, str] = field(default_factory=dict)  # lower-case names
    body: bytes = b""
    request_headers: Mapping[str, str] = field(default_factory=dict)

    @property
    def content_type(self) -> str:
        return self.headers.get("content-type", "")

    @property
    def media_type(self) -> str:
        return media_type_of(self.content_type)

    @property
    def path(self) -> str:
        return urlsplit(self.url).path

    def json(self) -> object:
        """The body as JSON, or None when it is not JSON. Abiquo's XML error document is read as the JSON
        envelope it is the twin of, ``{"collection": [{"code", "message"}]}``."""
        if is_xml(self.media_type):
            return _xml_errors(self.body) if self.media_type == XML_ERRORS_MEDIA_TYPE else None
        try:
            return json.loads(self.body) if self.body else None
        except (ValueError, UnicodeDecodeError):
            return None

    @property
    def asked_xml(self) -> bool:
        """The client preferred XML (Accept), or sent an XML body and named no other."""
        sent = {name.lower(): value for name, value in self.request_headers.items()}
        accept = media_type_of(sent.get("accept", "").split(",")[0])
        if accept and accept not in ("*/*", "application/*"):
            return is_xml(accept)
        return is_xml(media_type_of(sent.get("content-type", "")))


def media_type_of(content_type: str) -> str:
    return content_type.split(";", 1)[0].strip().lower()


def parameters_of(content_type: str) -> dict[str, str]:
    params = {}
    for part in content_type.split(";")[1:]:
        name, _, value = part.partition("=")
        if name.strip():
            params[name.strip().lower()] = value.strip().strip('"')
    return params


def is_json(media_type: str) -> bool:
    return media_type == "application/json" or media_type.endswith("+json")


def is_xml(media_type: str) -> bool:
    return media_type in ("application/xml", "text/xml") or media_type.endswith("+xml")


def _xml_errors(body: bytes) -> dict | None:
    from defusedxml.ElementTree import ParseError, fromstring

    try:
        root = fromstring(body)
    except (ParseError, ValueError):
        return None
    if root.tag != "errors":
        return None
    return {"collection": [{"code": e.findtext("code"), "message": e.findtext("message")} for e in root]}
