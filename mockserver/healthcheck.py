"""Exit 0 when the mock answers: ``python -m abiquo_mock.mockserver.healthcheck [BASE_URL] [--wait SECONDS]``.

The container's HEALTHCHECK runs it with no argument, every 2 s: it then asks the address the server announced
in the file named by ABIQUO_MOCK_HEALTH_FILE (``serve`` writes it once it has checked its arguments), so a
command with another ``--port`` or ``--no-control`` is checked where it serves: ``/_mock/health`` with the control
API on, ``/api/version`` (public) without it or when the token is not in the environment. Without that file it
asks port ABIQUO_MOCK_PORT or 8080 on this host. It needs only the Python the image has (no curl or wget) and
imports little, since it runs all the container's life. A pipeline waiting for a service passes its URL and
--wait. The control token is sent when one is configured (ABIQUO_MOCK_CONTROL_TOKEN).
"""

from __future__ import annotations

import http.client
import json
import os
import sys
import time
from urllib.parse import urlsplit

ANNOUNCED = "ABIQUO_MOCK_HEALTH_FILE"
HEALTH, VERSION = "/_mock/health", "/api/version"


def announce(host: str, port: int, *, control: bool, token_in_environment: bool) -> None:
    """Write where this server answers into $ABIQUO_MOCK_HEALTH_FILE, when that is set (the image sets it)."""
    path = os.environ.get(ANNOUNCED)
    if not path:
        return
    local = {"0.0.0.0": "127.0.0.1", "::": "::1", "": "127.0.0.1"}.get(host, host)
    url = f"http://[{local}]:{port}" if ":" in local else f"http://{local}:{port}"
    check = HEALTH if control and token_in_environment else VERSION
    try:
        with open(path, "w", encoding="utf-8") as out:
            json.dump({"url": url, "path": check, "pid": os.getpid()}, out)
    except OSError as exc:  # a read-only /tmp must not stop the server, only its health check
        print(f"abiquo-mock: cannot write {path} for the health check ({exc.strerror})", file=sys.stderr)


def healthy(base_url: str, path: str = HEALTH, token: str = "", timeout: float = 3.0) -> bool:
    where = urlsplit(base_url)
    kind = http.client.HTTPSConnection if where.scheme == "https" else http.client.HTTPConnection
    connection = kind(where.hostname or "127.0.0.1", where.port, timeout=timeout)
    try:
        connection.request("GET", where.path.rstrip("/") + path, headers={"X-Mock-Token": token} if token else {})
        return connection.getresponse().status == 200
    except (OSError, http.client.HTTPException):
        return False
    finally:
        connection.close()


def target() -> tuple[str, str]:
    """(base URL, path) of the server this host runs: the announced one, else port ABIQUO_MOCK_PORT or 8080."""
    try:
        with open(os.environ.get(ANNOUNCED) or os.devnull, encoding="utf-8") as announced:
            found = json.load(announced)
        return found["url"], found["path"]
    except (OSError, ValueError, KeyError, TypeError):
        return f"http://127.0.0.1:{os.environ.get('ABIQUO_MOCK_PORT', '8080')}", HEALTH


def main(argv: list[str] | None = None) -> int:
    argv = sys.argv[1:] if argv is None else argv
    url, path, wait = *target(), 0.0
    if argv:  # argparse only when there is something to parse: the container's check passes nothing
        import argparse

        parser = argparse.ArgumentParser(prog="python -m abiquo_mock.mockserver.healthcheck")
        parser.add_argument("url", nargs="?", help=f"the mock's base URL (default: {url})")
        parser.add_argument("--wait", type=float, default=0, help="keep asking for up to SECONDS")
        options = parser.parse_args(argv)
        if options.url:  # a URL given is asked for /_mock/health, as a pipeline waiting for a service expects
            url, path = options.url, HEALTH
        wait = options.wait
    deadline = time.monotonic() + wait
    token = os.environ.get("ABIQUO_MOCK_CONTROL_TOKEN", "")
    while not healthy(url, path, token):
        if time.monotonic() >= deadline:
            print(f"abiquo-mock: no healthy answer from {url}{path}", file=sys.stderr)
            return 1
        time.sleep(0.5)
    return 0


if __name__ == "__main__":
    sys.exit(main())
