"""Abiquo vendor media types and their ``version=`` negotiation (docs/BACKUP-RULES.md#conventions).

Werkzeug's MIMEAccept compares media-type parameters exactly, so ``X; version=3.8`` would not match the
offer ``X``; the rules here are decided by hand on the parsed header instead.
"""

from __future__ import annotations

import json
import math
import re
from typing import Any

from flask import request
from werkzeug.http import parse_options_header

from ..errors import AbiquoError

# The version of the media types (the API's), which Abiquo 3.8 and 3.8.5 share; the release the server is lives in
# mockserver/release.py.
API_VERSION = "3.8"
SUPPORTED_VERSIONS = ("3.8",)
# Deeper bodies are refused by count, not by whether the parser runs out of stack: Python 3.11 raises
# RecursionError near 1,000 levels where 3.13 parses 5,000, and the answer must not depend on which runs.
MAX_BODY_DEPTH = 128
# A \\uD800-\\uDFFF escape: half of a pair, which is no character on its own and which no store can write as UTF-8.
SURROGATE_ESCAPE = re.compile(rb"\\u[dD][89a-fA-F]")
GENERIC_ACCEPT = ("*/*", "application/*", "application/json", "text/json")
ERRORS = "errors"


def vendor(name: str) -> str:
    """The unversioned vendor media type, as links carry it."""
    return f"application/vnd.abiquo.{name}+json"


def versioned(name: str) -> str:
    """The Content-Type the server answers with."""
    return f"{vendor(name)}; version={API_VERSION}"


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


def negotiate_among(names: tuple[str, ...]) -> tuple[str, str]:
    """(media name, Content-Type) of the first of ``names`` the client prefers, or 406. No Accept, or a generic
    one (``*/*``, ``application/json``…), gets the first: JSON, as Abiquo answers by default. Media types are
    compared without case (``usersWithRoles`` is ``userswithroles``)."""
    header = request.headers.get("Accept", "").strip()
    if not header:
        return names[0], versioned(names[0])
    offered = {vendor(name): name for name in names}
    for mimetype, params, quality in _accept_entries(header):
        if quality <= 0:
            continue
        if mimetype in GENERIC_ACCEPT:
            return names[0], versioned(names[0])
        if mimetype in offered and params.get("version", API_VERSION) in SUPPORTED_VERSIONS:
            return offered[mimetype], versioned(offered[mimetype])
    raise AbiquoError("406-NOT-ACCEPTABLE", _not_acceptable_message(header, vendor(names[0])))


def check_accept_version() -> None:
    """For an answer without a body (204): 406 only when every type the client accepts names another version."""
    header = request.headers.get("Accept", "").strip()
    wanted = [params for _, params, quality in _accept_entries(header) if quality > 0] if header else []
    if wanted and all(params.get("version", API_VERSION) not in SUPPORTED_VERSIONS for params in wanted):
        raise AbiquoError("406-NOT-ACCEPTABLE")


def _not_acceptable_message(header: str, wanted: str) -> str:
    if wanted in header:
        return "Invalid version parameter for 'Accept' header"
    return f"The 'Accept' header does not allow {wanted}; version={API_VERSION}"


def accepts_plain_text() -> bool:
    header = request.headers.get("Accept", "").strip()
    if not header:
        return True
    return any(m in ("text/plain", "text/*", "*/*") and q > 0 for m, _, q in _accept_entries(header))


def require_content_type(name: str) -> None:
    """415 unless the body is declared as media ``name`` (any supported version) or plain JSON."""
    mimetype, params = parse_options_header(request.headers.get("Content-Type", ""))
    mimetype = mimetype.lower()
    if mimetype in ("application/json", "text/json"):
        return
    if mimetype != vendor(name):
        raise AbiquoError(
            "415-UNSUPPORTED-MEDIA-TYPE", f"Unsupported 'Content-Type' {mimetype or '(none)'}: expected {vendor(name)}"
        )
    if params.get("version", API_VERSION) not in SUPPORTED_VERSIONS:
        raise AbiquoError("415-UNSUPPORTED-MEDIA-TYPE-VERSION")


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
