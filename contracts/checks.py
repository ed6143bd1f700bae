"""The Abiquo wire conventions every answer keeps, beyond what the OpenAPI document can say.

Each convention is a plain function of one ``Exchange`` (a request and its answer) that raises
``AssertionError`` when the answer breaks it, so it can be called on any recorded answer. The same
function is registered with schemathesis under an ``abiquo_*`` name, and a provider run reports a
broken convention by that name.
"""

from __future__ import annotations

import base64
import weakref
from collections.abc import Callable, Iterator
from urllib.parse import parse_qs, urlsplit

import schemathesis

from .exchange import (
    API_VERSION,
    DEFAULT_LIMIT,
    ERRORS_MEDIA_TYPE,
    XML_ERRORS_MEDIA_TYPE,
    Exchange,
    is_json,
    is_xml,
    media_type_of,
    parameters_of,
)

# ---- the conventions -------------------------------------------------------------------------------------


def error_envelope(exchange: Exchange) -> None:
    """Every 4xx/5xx is ``{"collection": [{"code", "message"}]}`` as application/vnd.abiquo.errors+json, or,
    to a client that asked for XML, ``<errors><error><code/><message/></error></errors>`` as errors+xml."""
    if exchange.status < 400:
        return
    where = f"{exchange.method} {exchange.path} answered {exchange.status}"
    expected = XML_ERRORS_MEDIA_TYPE if exchange.asked_xml else ERRORS_MEDIA_TYPE
    assert exchange.media_type == expected, (
        f"{where} as {exchange.content_type or '(no Content-Type)'!r}, not {expected}"
    )
    if exchange.method.upper() == "HEAD":
        return
    document = exchange.json()
    assert isinstance(document, dict) and isinstance(document.get("collection"), list) and document["collection"], (
        f"{where} without an Abiquo error collection: {exchange.body[:200]!r}"
    )
    for entry in document["collection"]:
        assert (
            isinstance(entry, dict)
            and isinstance(entry.get("code"), str)
            and entry["code"]
            and isinstance(entry.get("message"), str)
        ), f"{where} with a malformed error entry: {entry!r}"


def documented_error_code(exchange: Exchange, documented: list[str] | None) -> None:
    """Every error code an operation answers is one its contract lists (``x-abiquo-errors``), so that a
    connector author can rely on the document for every refusal the API can produce."""
    if exchange.status < 400 or documented is None or exchange.status == 405:
        return
    document = exchange.json()
    entries = document.get("collection", []) if isinstance(document, dict) else []
    undocumented = sorted({e.get("code") for e in entries if isinstance(e, dict)} - set(documented), key=str)
    assert not undocumented, (
        f"{exchange.method} {exchange.path} answered {exchange.status} with "
        f"{', '.join(map(str, undocumented))}, which its contract does not list"
    )


# Codes a body earns by its shape alone; the contract's schema must already refuse such a body.
SHAPE_CODES = frozenset({"GEN-2", "GEN-3", "GEN-22", "QUERY-0"})


def positive_refusals_are_rules(exchange: Exchange) -> None:
    """A body the contract's schema accepts may be refused only for a business rule (a code such as
    LIMIT-24 or BC-30), never for its shape: a shape refusal means the schema is looser than the server."""
    if exchange.status != 400:
        return
    document = exchange.json()
    entries = document.get("collection", []) if isinstance(document, dict) else []
    shape = sorted({e.get("code") for e in entries if isinstance(e, dict)} & SHAPE_CODES, key=str)
    assert not shape, (
        f"{exchange.method} {exchange.path} refused a body its contract accepts, by its shape "
        f"({', '.join(map(str, shape))}): {exchange.body[:300]!r}"
    )


def negotiated_version(exchange: Exchange) -> None:
    """Every JSON or XML answer of the API names the negotiated version: ``version=3.8`` in its Content-Type."""
    if not exchange.path.startswith("/api") or not (is_json(exchange.media_type) or is_xml(exchange.media_type)):
        return
    version = parameters_of(exchange.content_type).get("version")
    assert version == API_VERSION, (
        f"{exchange.method} {exchange.path} answered {exchange.status} as "
        f"{exchange.content_type!r}: version={API_VERSION} is missing"
    )


def answered_as_asked(exchange: Exchange) -> None:
    """An answer with a body to a client that asked for XML is Abiquo's XML: a ``+xml`` media type and a
    well-formed document (JSON to one that asked JSON)."""
    if not exchange.path.startswith("/api") or exchange.status >= 400 or not exchange.body:
        return
    if not exchange.media_type.startswith("application/vnd.abiquo."):
        return
    where = f"{exchange.method} {exchange.path} answered {exchange.status} as {exchange.content_type!r}"
    if not exchange.asked_xml:
        assert is_json(exchange.media_type), f"{where} to a client that asked for JSON"
        return
    assert is_xml(exchange.media_type), f"{where} to a client that asked for XML"
    from defusedxml.ElementTree import ParseError, fromstring

    try:
        fromstring(exchange.body)
    except (ParseError, ValueError) as exc:
        raise AssertionError(f"{where}, which is not well-formed XML: {exc}") from None


def no_server_error(exchange: Exchange) -> None:
    """No request, however malformed, makes the API fail with a 5xx."""
    assert exchange.status < 500, (
        f"{exchange.method} {exchange.path} answered {exchange.status}: {exchange.body[:200]!r}"
    )


def paging_links(exchange: Exchange) -> None:
    """A collection's paging links and page size agree with its totalSize and the requested window."""
    document = exchange.json() if 200 <= exchange.status < 300 else None
    if not (
        isinstance(document, dict)
        and isinstance(document.get("totalSize"), int)
        and isinstance(document.get("collection"), list)
    ):
        return
    query = parse_qs(urlsplit(exchange.url).query)
    startwith, limit = _query_int(query, "startwith", 0), _query_int(query, "limit", DEFAULT_LIMIT)
    if startwith is None or limit is None:
        return
    total, where = document["totalSize"], f"{exchange.method} {exchange.url}"
    pages = {link.get("rel"): link for link in _links_of(document.get("links"))}
    assert "first" in pages and "last" in pages, (
        f"{where}: paging links first and last are required, got {sorted(pages, key=str)}"
    )
    if limit == 0:  # no limit: everything on one page
        return
    expected = min(limit, max(0, total - startwith))
    assert len(document["collection"]) == expected, (
        f"{where}: {len(document['collection'])} items on the page, {expected} expected with totalSize {total}"
    )
    assert ("next" in pages) == (startwith + limit < total), (
        f"{where}: 'next' {'present' if 'next' in pages else 'missing'} with totalSize {total}"
    )
    assert ("previous" in pages) == (startwith > 0), (
        f"{where}: 'previous' {'present' if 'previous' in pages else 'missing'} at startwith {startwith}"
    )
    last = (total - 1) // limit * limit if total else 0
    assert _link_int(pages["last"], "startwith") == last, (
        f"{where}: 'last' starts at {_link_int(pages['last'], 'startwith')}, {last} expected with totalSize {total}"
    )
    if "next" in pages:
        assert _link_int(pages["next"], "startwith") == startwith + limit, f"{where}: 'next' does not follow the page"
    for rel, link in pages.items():
        if rel in ("first", "previous", "next", "last"):
            assert _link_int(link, "limit") == limit, (
                f"{where}: '{rel}' changes the limit to {_link_int(link, 'limit')}"
            )


Fetch = Callable[[str, str], tuple[int, str]]  # (href, Accept) -> (status, Content-Type)


def links_resolve(exchange: Exchange, fetch: Fetch) -> None:
    """Every link a payload carries on the API's own host answers 200 with the media type the link names.

    Links to actions (``/action/``) take POST only and are not followed."""
    if not 200 <= exchange.status < 300 or not is_json(exchange.media_type):
        return
    origin = urlsplit(exchange.url).netloc
    for link in _all_links(exchange.json()):
        href, wanted = link["href"], link.get("type") or ""
        if urlsplit(href).netloc != origin or "/action/" in urlsplit(href).path:
            continue
        status, content_type = fetch(href, wanted or "*/*")
        where = f"link rel={link.get('rel')!r} {href} in {exchange.method} {exchange.path}"
        assert status == 200, f"{where} answers {status}"
        if wanted:
            assert media_type_of(content_type) == media_type_of(wanted), (
                f"{where} serves {content_type!r}, not the link's type {wanted!r}"
            )


# ---- helpers ---------------------------------------------------------------------------------------------


def _links_of(value: object) -> list[dict]:
    if not isinstance(value, list):
        return []
    return [link for link in value if isinstance(link, dict) and isinstance(link.get("href"), str)]


def _all_links(document: object) -> Iterator[dict]:
    """Every link anywhere in a payload: entities, collection items and paging links."""
    if isinstance(document, dict):
        yield from _links_of(document.get("links"))
        for key, value in document.items():
            if key != "links":
                yield from _all_links(value)
    elif isinstance(document, list):
        for item in document:
            yield from _all_links(item)


def _query_int(query: dict, name: str, default: int) -> int | None:
    values = query.get(name)
    if not values:
        return default
    return int(values[0]) if values[0].isdigit() else None


def _link_int(link: dict, name: str) -> int | None:
    return _query_int(parse_qs(urlsplit(link["href"]).query), name, -1)


# ---- schemathesis registration ---------------------------------------------------------------------------


def exchange_of(response) -> Exchange:
    """An Exchange from a schemathesis Response (its headers have lower-case names and list values)."""
    request = response.request
    return Exchange(
        method=request.method or "GET",
        url=request.url or "",
        status=response.status_code,
        headers={k.lower(): ", ".join(v) for k, v in response.headers.items()},
        body=response.content or b"",
        request_headers=dict(request.headers),
    )


def _skipped(case) -> bool:
    # OPTIONS is answered by the HTTP layer, not by Abiquo operations.
    return case.method.upper() == "OPTIONS"


def _answers_the_operation(case, response) -> bool:
    """The answer is the operation's own, not a probe with another method (which the 405 checks judge)."""
    return not _skipped(case) and response.request.method.upper() == case.method.upper()


@schemathesis.check
def abiquo_error_envelope(ctx, response, case):
    if not _skipped(case):
        error_envelope(exchange_of(response))


@schemathesis.check
def abiquo_documented_error_code(ctx, response, case):
    if _answers_the_operation(case, response):
        documented_error_code(exchange_of(response), case.operation.definition.raw.get("x-abiquo-errors"))


@schemathesis.check
def abiquo_positive_refusals_are_rules(ctx, response, case):
    meta = getattr(case, "meta", None)
    if meta is not None and meta.generation.mode.is_positive and _answers_the_operation(case, response):
        positive_refusals_are_rules(exchange_of(response))


@schemathesis.check
def abiquo_negotiated_version(ctx, response, case):
    if not _skipped(case):
        negotiated_version(exchange_of(response))


@schemathesis.check
def abiquo_answered_as_asked(ctx, response, case):
    if not _skipped(case):
        answered_as_asked(exchange_of(response))


@schemathesis.check
def abiquo_no_server_error(ctx, response, case):
    no_server_error(exchange_of(response))


@schemathesis.check
def abiquo_paging_links(ctx, response, case):
    if not _skipped(case):
        paging_links(exchange_of(response))


# One cache of followed links per loaded schema, i.e. per run: each href is fetched once. Schemas are not
# hashable, so the cache is keyed by identity and dropped when the schema goes.
_LINK_CACHES: dict[int, dict] = {}


def _link_cache(schema) -> dict:
    key = id(schema)
    if key not in _LINK_CACHES:
        _LINK_CACHES[key] = {}
        weakref.finalize(schema, _LINK_CACHES.pop, key, None)
    return _LINK_CACHES[key]


@schemathesis.check
def abiquo_links_resolve(ctx, response, case):
    if _skipped(case):
        return
    exchange = exchange_of(response)
    cache = _link_cache(case.operation.schema)
    fetch = _fetcher(case.operation.app, _credentials(case, exchange))

    def cached(href: str, accept: str) -> tuple[int, str]:
        # Paging links differ only in their query: one fetch per resource keeps the run fast.
        key = (href.split("?", 1)[0], accept)
        if key not in cache:
            cache[key] = fetch(href, accept)
        return cache[key]

    links_resolve(exchange, cached)


def _credentials(case, exchange: Exchange) -> str | None:
    """The run's own credentials (a request's header may be a generated one)."""
    auth = case.operation.schema.config.auth_for(operation=case.operation)
    if auth is None:
        return exchange.request_headers.get("Authorization")
    return "Basic " + base64.b64encode(f"{auth[0]}:{auth[1]}".encode()).decode()


def _fetcher(app, authorization: str | None) -> Fetch:
    """GET a link the way the run reaches the API: in-process through the WSGI app, or over HTTP."""
    headers = {"Authorization": authorization} if authorization else {}

    def over_wsgi(href: str, accept: str) -> tuple[int, str]:
        parts = urlsplit(href)
        answer = app.test_client().get(
            parts.path,
            query_string=parts.query,
            headers={**headers, "Accept": accept},
            base_url=f"{parts.scheme}://{parts.netloc}",
        )
        return answer.status_code, answer.headers.get("Content-Type", "")

    def over_http(href: str, accept: str) -> tuple[int, str]:
        import requests

        try:
            answer = requests.get(href, headers={**headers, "Accept": accept}, timeout=30, allow_redirects=False)
        except requests.RequestException as exc:
            return 0, f"(no answer: {exc})"
        return answer.status_code, answer.headers.get("Content-Type", "")

    return over_wsgi if app is not None else over_http


CHECKS = {
    "abiquo_error_envelope": error_envelope,
    "abiquo_negotiated_version": negotiated_version,
    "abiquo_no_server_error": no_server_error,
    "abiquo_answered_as_asked": answered_as_asked,
    "abiquo_paging_links": paging_links,
    "abiquo_links_resolve": links_resolve,
    "abiquo_documented_error_code": documented_error_code,
    "abiquo_positive_refusals_are_rules": positive_refusals_are_rules,
}
