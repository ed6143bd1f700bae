"""Abiquo vendor media types and their ``version=`` negotiation (docs/BACKUP-RULES.md#conventions).

Werkzeug's MIMEAccept compares media-type parameters exactly, so ``X; version=3.8`` would not match the
offer ``X``; the rules here are decided by hand on the parsed header instead.
"""

from __future__ import annotations

import json
import math
import re
from typing import Any, NamedTuple

from flask import current_app, request
from werkzeug.http import parse_options_header

from ..errors import AbiquoError

# The version of the media types (the API's), which Abiquo 3.8 and 3.8.5 share; the release the server is lives in
# mockserver/release.py.
API_VERSION = "3.8"
# A server keeps compatibility with the two minor releases before its own (Abiquo's version-numbers policy): what
# a client names in ``version=`` is answered in that version's media type. ``serve --api-versions`` changes it.
SUPPORTED_VERSIONS = ("3.6", "3.7", "3.8")
API_VERSIONS = "API_VERSIONS"  # the app's config key: the versions accepted, as a tuple
# Deeper bodies are refused by count, not by whether the parser runs out of stack: Python 3.11 raises
# RecursionError near 1,000 levels where 3.13 parses 5,000, and the answer must not depend on which runs.
MAX_BODY_DEPTH = 128
# A \\uD800-\\uDFFF escape: half of a pair, which is no character on its own and which no store can write as UTF-8.
SURROGATE_ESCAPE = re.compile(rb"\\u[dD][89a-fA-F]")
GENERIC_ACCEPT = ("*/*", "application/*", "application/json", "text/json")
XML_ACCEPT = ("application/xml", "text/xml")
ANY = ("*/*", "application/*")
JSON, XML = "json", "xml"
ERRORS = "errors"
VENDOR = re.compile(r"^application/vnd\.abiquo\.([\w.-]+)\+(json|xml)$")


class Negotiated(NamedTuple):
    media: str  # the media name answered
    content_type: str
    format: str  # JSON or XML


def vendor(name: str, form: str = JSON) -> str:
    """The unversioned vendor media type, as links carry it."""
    return f"application/vnd.abiquo.{name}+{form}"


def versioned(name: str, form: str = JSON, version: str = API_VERSION) -> str:
    """The Content-Type the server answers with."""
    return f"{vendor(name, form)}; version={version}"


def accepted_versions() -> tuple[str, ...]:
    """The versions a client may name (a request that names none gets the server's own, 3.8)."""
    return current_app.config.get(API_VERSIONS) or SUPPORTED_VERSIONS


def parse_versions(text: str) -> tuple[str, ...]:
    """``3.6,3.7,3.8`` as a tuple; ValueError naming what is not a MAJOR.MINOR version."""
    versions = tuple(v.strip() for v in text.split(",") if v.strip())
    wrong = [v for v in versions if not re.fullmatch(r"[0-9]+\.[0-9]+", v)]
    if wrong or not versions:
        raise ValueError(f"not a list of versions such as 3.6,3.7,3.8: {text!r}")
    return versions


def _accept_entries(header: str) -> list[tuple[str, dict[str, Any], float]]:
    entries = []
    for position, raw in enumerate(part for part in header.split(",") if part.strip()):
        mimetype, params = parse_options_header(raw.strip())
        try:
            quality = float(params.pop("q", 1))
        except ValueError:
            quality = 0.0
        entries.append((mimetype.lower(), params, quality, position))
    entries.sort(key=lambda e: (-e[2], e[3]))
    return [(m, p, q) for m, p, q, _ in entries]


def negotiate_among(names: tuple[str, ...]) -> Negotiated:
    """The first of ``names`` the client prefers, in JSON or XML, in the version it names, or 406. No Accept, or a
    generic one (``*/*``, ``application/json``…), gets the first in JSON, as Abiquo answers by default;
    ``application/xml`` and ``text/xml`` get it in XML. Media types are compared without case (``usersWithRoles``
    is ``userswithroles``)."""
    header = request.headers.get("Accept", "").strip()
    sent = _form_of(request.headers.get("Content-Type"))  # what */* gets: the body's own form, else JSON
    if not header:
        return Negotiated(names[0], versioned(names[0], sent), sent)
    versions = accepted_versions()
    for mimetype, params, quality in _accept_entries(header):
        if quality <= 0:
            continue
        if mimetype in GENERIC_ACCEPT or mimetype in XML_ACCEPT:
            form = XML if mimetype in XML_ACCEPT else sent if mimetype in ANY else JSON
            return Negotiated(names[0], versioned(names[0], form), form)
        found = VENDOR.match(mimetype)
        version = params.get("version")
        if found and found.group(1) in names and (version is None or version in versions):
            name, form = found.group(1), found.group(2)
            return Negotiated(name, versioned(name, form, version or API_VERSION), form)
    raise AbiquoError("406-NOT-ACCEPTABLE", _not_acceptable_message(header, vendor(names[0])))


def check_accept_version() -> None:
    """For an answer without a body (204): 406 only when every type the client accepts names another version."""
    header = request.headers.get("Accept", "").strip()
    wanted = [params for _, params, quality in _accept_entries(header) if quality > 0] if header else []
    versions = accepted_versions()
    if wanted and all(params.get("version", API_VERSION) not in (*versions, API_VERSION) for params in wanted):
        raise AbiquoError("406-NOT-ACCEPTABLE")


def wants_xml(accept: str | None, content_type: str | None = None) -> bool:
    """Whether an answer (an error above all) is to be XML: the type the client prefers is XML, or, when it
    names none or any (``*/*``), the body it sent was."""
    header = (accept or "").strip()
    for mimetype, _, quality in _accept_entries(header) if header else ():
        if quality > 0 and mimetype not in ANY:
            return mimetype in XML_ACCEPT or mimetype.endswith("+xml")
        if quality > 0:
            break
    return _form_of(content_type) == XML


def _form_of(content_type: str | None) -> str:
    mimetype = parse_options_header(content_type or "")[0].lower()
    return XML if mimetype in XML_ACCEPT or mimetype.endswith("+xml") else JSON


def error_body(envelope: dict[str, Any], xml: bool) -> tuple[bytes, str]:
    """(body, Content-Type) of an Abiquo error: the JSON envelope, or the XML error document a client that asked
    for XML reads."""
    if xml:
        from . import xmldoc

        return xmldoc.error_document(envelope), versioned(ERRORS, XML)
    return json.dumps(envelope).encode(), versioned(ERRORS)


def request_wants_xml() -> bool:
    return wants_xml(request.headers.get("Accept"), request.headers.get("Content-Type"))


def _not_acceptable_message(header: str, wanted: str) -> str:
    if wanted in header or wanted.replace("+json", "+xml") in header:
        return "Invalid version parameter for 'Accept' header"
    return f"The 'Accept' header does not allow {wanted}; version={API_VERSION}"


def accepts_plain_text() -> bool:
    header = request.headers.get("Accept", "").strip()
    if not header:
        return True
    return any(m in ("text/plain", "text/*", "*/*") and q > 0 for m, _, q in _accept_entries(header))


def require_content_type(name: str) -> str:
    """JSON or XML: how the body is declared, as media ``name`` (any accepted version) or plain JSON or XML;
    415 otherwise."""
    mimetype, params = parse_options_header(request.headers.get("Content-Type", ""))
    mimetype = mimetype.lower()
    if mimetype in ("application/json", "text/json"):
        return JSON
    if mimetype in XML_ACCEPT:
        return XML
    if mimetype not in (vendor(name), vendor(name, XML)):
        raise AbiquoError(
            "415-UNSUPPORTED-MEDIA-TYPE",
            f"Unsupported 'Content-Type' {mimetype or '(none)'}: expected {vendor(name)} or {vendor(name, XML)}",
        )
    if params.get("version") not in (None, *accepted_versions()):
        raise AbiquoError("415-UNSUPPORTED-MEDIA-TYPE-VERSION")
    return XML if mimetype.endswith("+xml") else JSON


def _finite(text: str) -> float:
    value = float(text)
    if math.isinf(value):
        raise ValueError(f"the number {text} is too large")
    return value


def _no_constant(name: str) -> None:
    raise ValueError(f"{name} is not a JSON number")


def json_body() -> object:
    """The request body as strict JSON (no NaN or Infinity, which nothing can store), or 400 GEN-3."""
    raw = request.get_data(cache=True)
    too_deep = f"it is nested deeper than {MAX_BODY_DEPTH} levels"
    try:
        document = json.loads(raw, parse_float=_finite, parse_constant=_no_constant)
    except (ValueError, UnicodeDecodeError, RecursionError) as exc:
        reason = too_deep if isinstance(exc, RecursionError) else str(exc)
        raise AbiquoError("GEN-3", f"Invalid document: the request body is not valid JSON ({reason})") from None
    if nesting_exceeds(document, MAX_BODY_DEPTH):
        raise AbiquoError("GEN-3", f"Invalid document: the request body is not valid JSON ({too_deep})")
    if SURROGATE_ESCAPE.search(raw) and _holds_lone_surrogate(document):
        raise AbiquoError(
            "GEN-3", "Invalid document: the request body is not valid JSON (a \\u escape of half a surrogate pair)"
        )
    return document


def _holds_lone_surrogate(document: object) -> bool:
    try:
        json.dumps(document, ensure_ascii=False).encode()
    except UnicodeEncodeError:
        return True
    return False


def nesting_exceeds(document: object, limit: int) -> bool:
    """Whether objects and lists nest deeper than ``limit`` (walked without recursion: depth cannot break it)."""
    pending = [(document, 0)]
    while pending:
        value, depth = pending.pop()
        if isinstance(value, (dict, list)):
            if depth >= limit:
                return True
            pending.extend((v, depth + 1) for v in (value.values() if isinstance(value, dict) else value))
    return False
