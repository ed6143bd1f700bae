"""What the captured real exchanges (tests/captures/) show, for the fidelity table: which operations were recorded
and which fields each media type carried, each with the name of the first capture that shows it."""

from __future__ import annotations

import gzip
import json
import re
from pathlib import Path
from urllib.parse import urlsplit

CAPTURES = Path(__file__).resolve().parent.parent / "tests" / "captures"
VENDOR = re.compile(r"application/vnd\.abiquo\.(\w+)\+json")


def exchanges() -> list[dict]:
    """Every captured exchange (empty when the captures are not beside the sources, as in an installed copy)."""
    found = []
    # the release 3.8.5 comes from first, then the one after it
    for path in sorted(
        CAPTURES.glob("abiquo-*-served.jsonl.gz"), key=lambda p: [int(n) for n in p.name.split("-")[1].split(".")]
    ):
        release = path.name.split("-")[1]
        with gzip.open(path, "rt", encoding="utf-8") as lines:
            found += [{**json.loads(line), "release": release} for line in lines]
    return found


def _name(exchange: dict) -> str:
    return f"{exchange['release']}/{exchange['name']}"


def _document(text: str | None) -> object:
    try:
        return json.loads(text) if text else None
    except ValueError:
        return None


def operations_seen(document: dict, found: list[dict]) -> dict[str, str]:
    """operationId -> the first capture of that method and path."""
    patterns = [
        (method.upper(), re.compile("^" + re.sub(r"\{\w+\}", "[^/]+", path) + "$"), op["operationId"])
        for path, operations in document["paths"].items()
        for method, op in operations.items()
    ]
    seen: dict[str, str] = {}
    for exchange in found:
        path = urlsplit(exchange["url"]).path
        for method, pattern, op_id in patterns:
            if method == exchange["method"] and pattern.match(path):
                seen.setdefault(op_id, _name(exchange))
    return seen


def fields_seen(found: list[dict], collections: dict[str, str]) -> dict[tuple[str, str], str]:
    """(media, field) -> the first capture whose request or answer of that JSON media carries the field; the
    items of a collection count for their own media."""
    seen: dict[tuple[str, str], str] = {}
    for exchange in found:
        for header, body in (
            (exchange["accept"], exchange["response"]),
            (exchange["content_type"], exchange["request"]),
        ):
            match = VENDOR.match(header or "")
            document = _document(body)
            if match is None or not isinstance(document, dict):
                continue
            media = match.group(1)
            for field in document:
                seen.setdefault((media, field), _name(exchange))
            if media in collections:
                for item in document.get("collection") or []:
                    for field in item if isinstance(item, dict) else []:
                        seen.setdefault((collections[media], field), _name(exchange))
    return seen
