"""ASGI scope + body bytes -> WSGI environ, and one WSGI call collected into an Answer.

The Flask app runs unchanged, called from the event loop; the door has already read the body there, so a WSGI
call never waits on a client.
"""

from __future__ import annotations

import io
import sys

from ..http.door import Answer
from ..http.paths import PATH_AS_SENT

# Headers that WSGI carries without the HTTP_ prefix.
_UNPREFIXED = {b"content-type": "CONTENT_TYPE", b"content-length": "CONTENT_LENGTH"}


def header_key(name: bytes) -> str:
    known = _UNPREFIXED.get(name)
    if known:
        return known
    return "HTTP_" + name.decode("latin-1").upper().replace("-", "_")


def server_of(scope: dict) -> tuple[str, str]:
    server = scope.get("server") or ("localhost", 80)
    return str(server[0]), str(server[1])


def environ_of(scope: dict, body: bytes) -> dict:
    """The environ a WSGI server would build for this request, with ``body`` as its input."""
    server = server_of(scope)
    client = scope.get("client") or ("", 0)
    environ = {
        "REQUEST_METHOD": scope["method"],
        "SCRIPT_NAME": scope.get("root_path", ""),
        # WSGI carries the path as latin-1 text of the undecoded UTF-8 bytes
        "PATH_INFO": scope["path"].encode("utf-8").decode("latin-1"),
        "QUERY_STRING": scope.get("query_string", b"").decode("latin-1"),
        "SERVER_NAME": server[0],
        "SERVER_PORT": server[1],
        "SERVER_PROTOCOL": f"HTTP/{scope.get('http_version', '1.1')}",
        "REMOTE_ADDR": str(client[0]),
        "REMOTE_PORT": str(client[1]),
        "wsgi.version": (1, 0),
        "wsgi.url_scheme": scope.get("scheme", "http"),
        "wsgi.input": io.BytesIO(body),
        "wsgi.errors": sys.stderr,
        "wsgi.multithread": False,
        "wsgi.multiprocess": False,
        "wsgi.run_once": False,
    }
    for name, value in scope["headers"]:
        key = header_key(name)
        text = value.decode("latin-1")
        if key in environ:  # a repeated header: WSGI joins the values
            text = environ[key] + ("; " if key == "HTTP_COOKIE" else ",") + text
        environ[key] = text
    if PATH_AS_SENT in scope:
        environ[PATH_AS_SENT] = scope[PATH_AS_SENT]
    # the door has read any chunked body whole: Flask sees a body of known length
    environ.pop("HTTP_TRANSFER_ENCODING", None)
    if body:
        environ["CONTENT_LENGTH"] = str(len(body))
    else:
        environ.pop("CONTENT_LENGTH", None)
    return environ


def call_wsgi(app, environ: dict) -> Answer:
    """Run the WSGI ``app`` once and collect its whole answer (the mock never streams from Flask)."""
    started: list = []
    chunks: list[bytes] = []

    def start_response(status, headers, exc_info=None):
        started[:] = [status, headers]
        return chunks.append

    result = app(environ, start_response)
    try:
        chunks.extend(result)
    finally:
        close = getattr(result, "close", None)
        if close is not None:
            close()
    status, headers = started
    raw = [(name.lower().encode("latin-1"), value.encode("latin-1")) for name, value in headers]
    return Answer(int(status[:3]), raw, b"".join(chunks))
