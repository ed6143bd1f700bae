"""create_app(config): the factory. No global app, no global store."""

from __future__ import annotations

import logging
from typing import Any

from flask import Flask, Response, current_app, g, request
from werkzeug.exceptions import HTTPException, NotFound, RequestEntityTooLarge
from werkzeug.routing import Rule

from . import contexts, extensions, release, scenarios
from .errors import AbiquoError
from .extensions import ANSWERS, DOOR_REFUSAL, DOOR_ROUTES, KEPT_BLUEPRINTS, SITE_CHECKED, SITES, store_of
from .http import answers, api, captured, credentials, hooks, media, sessions
from .http.envelope import flask_response
from .http.hooks import AFTER, BEFORE, TEARDOWN
from .http.paths import collapsing_slashes
from .http.sites import Sites
from .store import Store, StoreUnavailable

log = logging.getLogger("abiquo_mock")

DEFAULTS: dict[str, Any] = {
    "DB_PATH": None,  # None: in memory
    "SCENARIO": None,  # load this scenario at start (replacing the store); None: keep the store
    "ABIQUO": None,  # the Abiquo release to serve the world as ("3.8", "3.8.5"); None: the one the world names
    "CONTROL_ENABLED": True,  # the /_mock control API and the request journal
    "CONTROL_TOKEN": None,  # when set, the control API needs header X-Mock-Token
    "JOURNAL_BYTES": 8 * 1024 * 1024,  # the request log's memory budget (/_mock/journal, control/request_log.py)
    "MAX_CONTENT_LENGTH": 1024 * 1024,
    "FAST_PATH": True,  # the front door answers repeated GETs from kept answers (mockserver/frontdoor/fast.py)
    "BODY_TIMEOUT": 10.0,  # seconds a client has to send its whole body before it is answered 408
    "FSYNC": True,
    "STREAM_HEARTBEAT_S": 15,  # an open event stream that has nothing to say writes a keep-alive this often
    "LIFECYCLE_MS": 200,  # how long a deploy or undeploy keeps its VM LOCKED; 0: it finishes within the request
    "ALLOWED_HOSTS": (),  # host names served beyond loopback and IP addresses (mockserver/http/sites.py)
    "BIND_HOST": None,  # the address the server listens on: a name given there is served too
    "API_VERSIONS": media.SUPPORTED_VERSIONS,  # what a client may name in version= (serve --api-versions)
    "SESSION_MINUTES": sessions.DEFAULT_MINUTES,  # how long a session cookie lasts (serve --session-minutes)
}
HTTP_CODES = {
    400: "GEN-3",
    401: "401-UNAUTHORIZED",
    403: "403-FORBIDDEN",
    404: "404-NOT-FOUND",
    405: "405-METHOD-NOT-ALLOWED",
    406: "406-NOT-ACCEPTABLE",
    413: "400-BAD-REQUEST",  # the request is refused whole, before its body is read: Abiquo's generic refusal
    415: "415-UNSUPPORTED-MEDIA-TYPE",
}


class LazyBuildRule(Rule):
    """A URL rule whose URL builder is compiled the first time a URL is built from it. Werkzeug compiles two per
    rule as the rule is added, two thirds of the app's start; the mock writes its links itself and never builds
    one from a rule while it serves."""

    def _compile_builder(self, append_unknown: bool = True):
        compile_now = super()._compile_builder
        built = None

        def build(rule: Rule, *args, **kwargs):
            nonlocal built
            if built is None:
                built = compile_now(append_unknown).__get__(rule, None)
            return built(*args, **kwargs)

        return build


def error_response(error: AbiquoError) -> Response:
    return flask_response(error)


def _http_error(exc: HTTPException) -> Response:
    allowed = _allowed_methods(exc) if exc.code == 405 else None
    if allowed == []:  # every method of the path came with a later release than the one served
        exc = NotFound()
    # An Abiquo operation the mock leaves out: 501 where the mock routes nothing; on a path it serves with other
    # methods, still 405 (the resource is here, the Allow header says how) with a message naming the operation.
    unmodelled = _captured_operation() if exc.code in (404, 405) and request.path.startswith("/api/") else None
    if unmodelled is not None and exc.code == 404:
        return error_response(captured.not_modelled(unmodelled))
    code = HTTP_CODES.get(exc.code or 500, "500-INTERNAL-SERVER-ERROR")
    messages: dict[int | None, str | None] = {
        404: f"The requested resource {request.path} does not exist",
        405: f"The method {request.method} is not allowed on {request.path}"
        + (f": {captured.not_modelled(unmodelled).message}" if unmodelled else ""),
    }
    message = messages.get(exc.code, exc.description)
    response = error_response(AbiquoError(code, message, status=exc.code))
    if isinstance(exc, RequestEntityTooLarge):
        response.headers["Connection"] = "close"
    if allowed:
        response.headers["Allow"] = ", ".join(allowed)
    return response


def _captured_operation() -> captured.CapturedOperation | None:
    """The Abiquo operation a request the mock routes nowhere is, where the captures show it; a 3.8 server knows
    only the 3.8 captures, 3.8.5 those of 3.8 and 3.10 (the release after it)."""
    serving = release.of(store_of())
    releases = ("3.8",) if not serving.has_policies else ("3.8", "3.10")
    return captured.operation_at(request.method, request.path[len("/api") :], releases)


def _allowed_methods(exc: HTTPException) -> list[str] | None:
    """The methods a 405 offers on the path that the served release has (a 3.8 server has no backup policies);
    None when the 405 names none."""
    offered = [m.strip() for m in (exc.get_response().headers.get("Allow") or "").split(",") if m.strip()]
    if not offered:
        return None
    served = release.of(store_of())
    adapter = current_app.url_map.bind_to_environ(request.environ)
    kept = []
    for method in offered:
        try:
            endpoint, _ = adapter.match(method=method)
        except HTTPException:
            continue
        operation = api.OPERATIONS.get(endpoint)
        if operation is None or served.offers(operation.since):
            kept.append(method)
    return kept


def _unavailable(exc: StoreUnavailable) -> Response:
    # Nothing of the refused write was kept, and the next write tries the disk again: say why, and when to retry.
    log.error("%s %s refused: %s", request.method, request.path, exc)
    message = f"Service unavailable: the mock cannot write its store ({exc.cause}); nothing was changed, try again"
    return error_response(AbiquoError("503-SERVICE-UNAVAILABLE", message, headers={"Retry-After": "5"}))


def _unexpected(exc: Exception) -> Response:
    log.exception("unexpected error on %s %s", request.method, request.path)
    return error_response(AbiquoError("500-INTERNAL-SERVER-ERROR", f"Unexpected error: {type(exc).__name__}"))


def _check_site() -> None:
    """Before anything else: a host the mock does not answer for, or what another site sent (http/sites.py)."""
    if request.environ.get(SITE_CHECKED):
        return
    refusal = current_app.extensions[SITES].refusal(request.method, request.path, request.headers.get)
    if refusal is not None:
        g.site_refused = True  # never reached the API: the request journal leaves it out
        raise refusal


def _check_query() -> None:
    # Werkzeug reads the query string as strict UTF-8: raw bytes that are not (a client that did not percent-encode)
    # would fail every view that reads it
    try:
        request.query_string.decode("utf-8")
    except UnicodeDecodeError:
        raise AbiquoError("GEN-22", "The query string is not UTF-8: percent-encode what it holds") from None


def _refused_body() -> None:
    # The front door could not read the body (too slow): it asks for the error instead of the operation.
    # Abiquo has no code of its own for it: its generic refusal, with the HTTP status that says why
    status = request.environ.get(DOOR_REFUSAL)
    if status:
        raise AbiquoError("400-BAD-REQUEST", "The request body did not arrive in time", status=status)


def _authenticate() -> Response | None:
    g.user = None
    found = credentials.caller_of(store_of(), request.path, request.headers.get)
    if isinstance(found, AbiquoError):
        raise found
    g.user = found
    return None


def _kept_answer() -> Response | None:
    if request.method != "GET" or request.blueprint not in current_app.extensions[KEPT_BLUEPRINTS]:
        return None
    store = store_of()
    key = answers.key_of(request.environ)
    found = current_app.extensions[ANSWERS].get(key, store)
    if found is not None:
        return Response(found.body, status=found.status, headers=found.headers)
    g.answer = (key, store.generation, store.track_reads())
    return None


def _keep_answer(response: Response) -> Response:
    computing = g.pop("answer", None)
    if computing is None:
        return response
    key, generation, _ = computing
    store = store_of()
    tables = store.untrack_reads() | credentials.CREDENTIAL_TABLES
    if generation == store.generation and not (response.direct_passthrough or response.is_streamed):
        headers = list(response.headers.items())
        user = getattr(g, "user", None)
        kept = answers.Kept(
            response.status_code,
            headers,
            response.get_data(),
            generation,
            frozenset(tables),
            user.nick if user else None,
            answers.raw(headers),
            g.get("session") or sessions.session_digest(request.headers.get("Cookie") if _by_cookie() else None),
        )
        current_app.extensions[ANSWERS].keep(key, kept)
    return response


def _by_cookie() -> bool:
    return request.headers.get("Authorization") is None and request.headers.get("Cookie") is not None


def _stop_tracking(exc: BaseException | None) -> None:
    if g.pop("answer", None) is not None:  # the request failed before its answer could be kept
        store_of().untrack_reads()


# The factory's own request hooks, each in its place of http/hooks.py ORDER (the contexts install theirs)
FACTORY_HOOKS = (
    ("check_site", BEFORE, _check_site),
    ("check_query", BEFORE, _check_query),
    ("refused_body", BEFORE, _refused_body),
    ("authenticate", BEFORE, _authenticate),
    ("kept_answer", BEFORE, _kept_answer),
    ("keep_answer", AFTER, _keep_answer),
    ("stop_tracking", TEARDOWN, _stop_tracking),
)


def _contract(serving: release.Release) -> dict:
    from . import openapi  # apispec and the media schemas (marshmallow) load with the first request for the contract

    return openapi.build(serving)


def _install_contexts(app: Flask) -> None:
    """Everything each context of the table brings: its blueprints, its hooks, its front-door routes."""
    door_routes: dict = {}
    for context in contexts.CONTEXTS:
        if context.blueprint is not None:
            app.register_blueprint(context.blueprint, url_prefix="/api")
        if context.control is not None and app.config["CONTROL_ENABLED"]:
            app.register_blueprint(context.control)
        if context.init_app is not None:
            context.init_app(app)
        for path, handler in (context.door_routes(app) if context.door_routes else {}).items():
            if path in door_routes:
                raise ValueError(f"two contexts serve {path} at the front door")
            door_routes[path] = handler
    app.extensions[DOOR_ROUTES] = door_routes
    app.extensions[KEPT_BLUEPRINTS] = contexts.kept_blueprints()


def create_app(config: dict[str, Any] | None = None) -> Flask:
    app = Flask("mockserver")
    app.url_rule_class = LazyBuildRule
    app.wsgi_app = collapsing_slashes(app.wsgi_app)  # type: ignore[method-assign]  # as Tomcat does: no redirect for a doubled slash
    app.config.update(DEFAULTS)
    app.config.update(config or {})
    store = app.config.get("STORE") or Store(
        app.config["DB_PATH"], fsync=app.config["FSYNC"], lock_held=app.config.get("STORE_LOCK_HELD", False)
    )
    transforms = contexts.transforms()
    extensions.install(app, store, transforms, _contract)
    abiquo = release.named(app.config["ABIQUO"]) if app.config["ABIQUO"] else None
    scenarios.prepare_store(store, app.config["SCENARIO"], transforms, abiquo)

    app.register_error_handler(AbiquoError, error_response)
    app.register_error_handler(HTTPException, _http_error)
    app.register_error_handler(StoreUnavailable, _unavailable)
    app.register_error_handler(Exception, _unexpected)
    app.extensions[SITES] = Sites.of(
        app.config["ALLOWED_HOSTS"], app.config["BIND_HOST"], control_api=app.config["CONTROL_ENABLED"]
    )
    registry = sessions.install(store, float(app.config["SESSION_MINUTES"]))
    app.extensions[ANSWERS] = answers.Answers(sessions=registry)
    for name, when, func in FACTORY_HOOKS:
        hooks.install(app, name, when, func)
    _install_contexts(app)
    return app
