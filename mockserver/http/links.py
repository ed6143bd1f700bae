"""Abiquo links: ``{"rel", "href", "type", "title"}``, absolute hrefs built from the request's host."""

from __future__ import annotations

from typing import Any
from urllib.parse import urlsplit

from flask import request

from .media import vendor

API_PREFIX = "/api"


def api_url(path: str) -> str:
    return request.host_url.rstrip("/") + API_PREFIX + path


def link(rel: str, path: str, media: str | None, title: str | None = None) -> dict[str, Any]:
    entry = {"rel": rel, "href": api_url(path), "type": vendor(media) if media else ""}
    if title is not None:
        entry["title"] = title
    return entry


def links_with_rel(links: object, rel: str) -> list[dict[str, Any]]:
    if not isinstance(links, list):
        return []
    return [entry for entry in links if isinstance(entry, dict) and entry.get("rel") == rel]


def api_path_of(href: object) -> str | None:
    """The path below /api that a link's href points at, whatever host it names (or None)."""
    if not isinstance(href, str):
        return None
    path = urlsplit(href).path
    if not path.startswith(API_PREFIX + "/"):
        return None
    return path[len(API_PREFIX) :].rstrip("/")
