"""Abiquo collections: ``{"links", "collection", "totalSize"}`` with startwith / limit / by / asc / has."""

from __future__ import annotations

import threading
from collections.abc import Callable, Iterable
from dataclasses import dataclass
from typing import Any
from urllib.parse import urlencode

from flask import request

from ..errors import AbiquoError
from ..extensions import store_of
from ..ordering import Selection, cut, ordered
from .links import api_url
from .media import vendor

DEFAULT_LIMIT = 25
MAX_INT = 2**31 - 1  # Abiquo reads paging values as Java ints; the contract promises this bound
PAGING_PARAMS = ("startwith", "limit", "by", "asc", "has")
# The sort keys most collections offer (the first one is the default order).
BY_NAME = ("name", "id")
BY_ID = ("id",)
SORTED_KEPT = 64
# A crawl asks for every page of one collection in turn: sort it once, not once a page. An entry is
# reused only at the same store generation for the very same list of documents (stored documents are
# never changed in place); it holds (generation, the items, their filtered and sorted order).
_sorted: dict[tuple[Any, ...], tuple[int, list[dict[str, Any]], list[dict[str, Any]]]] = {}
_sorted_lock = threading.Lock()


@dataclass(frozen=True)
class Paging:
    startwith: int
    limit: int
    by: str
    asc: bool
    has: str | None


def _non_negative_int(name: str, default: int) -> int:
    raw = request.args.get(name)
    if raw is None:
        return default
    if not (raw.isascii() and raw.isdigit()) or int(raw) > MAX_INT:  # '²'.isdigit() is True, int('²') fails
        raise AbiquoError(
            "GEN-22", f"Invalid value for query parameter '{name}': an integer from 0 to {MAX_INT} is expected"
        )
    return int(raw)


def parse_paging(sort_keys: tuple[str, ...], default_asc: bool = True) -> Paging:
    by = request.args.get("by", sort_keys[0])
    if by not in sort_keys:
        raise AbiquoError(
            "QUERY-0", f"Invalid value for query parameter 'by': one of {', '.join(sort_keys)} is expected"
        )
    asc = request.args.get("asc", str(default_asc)).lower()
    if asc not in ("true", "false"):
        raise AbiquoError("GEN-22", "Invalid value for query parameter 'asc': true or false is expected")
    return Paging(
        _non_negative_int("startwith", 0),
        _non_negative_int("limit", DEFAULT_LIMIT),
        by,
        asc == "true",
        request.args.get("has") or None,
    )


def _page_link(rel: str, path: str, paging: Paging, startwith: int, media: str) -> dict[str, Any]:
    # Every filter of the request stays in the link (datefrom above all: a connector catching up follows next)
    query: list[tuple[str, object]] = [
        (k, v) for k, v in request.args.items(multi=True) if k.lower() not in PAGING_PARAMS
    ]
    query += [("startwith", startwith), ("limit", paging.limit), ("by", paging.by), ("asc", str(paging.asc).lower())]
    if paging.has:
        query.append(("has", paging.has))
    return {"rel": rel, "href": f"{api_url(path)}?{urlencode(query)}", "type": vendor(media)}


def paging_links(path: str, paging: Paging, total: int, media: str) -> list[dict[str, Any]]:
    """first, previous (if any), next (if any), last; limit 0 means everything on one page."""
    if paging.limit == 0:
        return [_page_link("first", path, paging, 0, media), _page_link("last", path, paging, 0, media)]
    last = max(0, (total - 1) // paging.limit * paging.limit) if total else 0
    links = [_page_link("first", path, paging, 0, media)]
    if paging.startwith > 0:
        links.append(_page_link("previous", path, paging, max(0, min(paging.startwith, total) - paging.limit), media))
    if paging.startwith + paging.limit < total:
        links.append(_page_link("next", path, paging, paging.startwith + paging.limit, media))
    links.append(_page_link("last", path, paging, last, media))
    return links


def collection(
    items: Iterable[dict[str, Any]] | Selection,
    *,
    media: str,
    render: Callable[[dict[str, Any]], dict[str, Any]],
    sort_keys: tuple[str, ...],
    filter_fields: tuple[str, ...] = ("name",),
    default_asc: bool = True,
) -> dict[str, Any]:
    """Filter, sort, page and render ``items`` (stored documents) as an Abiquo collection of ``media``.
    ``sort_keys`` are the values ``by`` accepts, the first one the default: pass the tuple the operation
    declares as ``paged=``, so that the contract says what the view does. A ``Selection`` (mockserver/ordering.py)
    pages from the order it keeps, without sorting; anything else is sorted here."""
    paging = parse_paging(sort_keys, default_asc)
    if isinstance(items, Selection):
        total, window = items.page(paging.by, paging.asc, paging.has, filter_fields, paging.startwith, paging.limit)
    else:
        chosen = _filtered_and_sorted(list(items), paging, filter_fields)
        total, window = len(chosen), cut(chosen, paging.startwith, paging.limit)
    path = request.path[len("/api") :]
    return {
        "links": paging_links(path, paging, total, media),
        "collection": [render(i) for i in window],
        "totalSize": total,
    }


def _filtered_and_sorted(
    items: list[dict[str, Any]], paging: Paging, filter_fields: tuple[str, ...]
) -> list[dict[str, Any]]:
    key = (
        request.endpoint,
        tuple(sorted((request.view_args or {}).items())),
        paging.by,
        paging.asc,
        paging.has,
        filter_fields,
    )
    generation = store_of().generation
    kept = _sorted.get(key)
    if kept is not None and kept[0] == generation and kept[1] == items:  # == compares by identity first
        return kept[2]
    chosen = ordered(items, paging.by, paging.asc, paging.has, filter_fields)
    with _sorted_lock:
        _sorted.pop(key, None)
        while len(_sorted) >= SORTED_KEPT:
            del _sorted[next(iter(_sorted))]
        _sorted[key] = (generation, items, chosen)
    return chosen
