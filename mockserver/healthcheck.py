"""Exit 0 when the mock answers /_mock/health:
``python -m abiquo_mock.mockserver.healthcheck [BASE_URL] [--wait SECONDS]``.

The container's HEALTHCHECK runs it with no argument (the mock on this host, port ABIQUO_MOCK_PORT or 8080): only
the Python the image already has, no curl or wget. A pipeline waiting for a service passes its URL and --wait.
The control token is sent when one is configured (ABIQUO_MOCK_CONTROL_TOKEN).
"""

from __future__ import annotations

import argparse
import os
import sys
import time
import urllib.error
import urllib.request


def healthy(base_url: str, token: str = "", timeout: float = 3.0) -> bool:
    url = base_url.rstrip("/") + "/_mock/health"
    request = urllib.request.Request(url, headers={"X-Mock-Token": token} if token else {})
    try:
        with urllib.request.urlopen(request, timeout=timeout) as answer:
            return answer.status == 200
    except (urllib.error.URLError, OSError):
        return False


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(prog="python -m abiquo_mock.mockserver.healthcheck")
    local = f"http://127.0.0.1:{os.environ.get('ABIQUO_MOCK_PORT', '8080')}"
    parser.add_argument("url", nargs="?", default=local, help="the mock's base URL (default: %(default)s)")
    parser.add_argument("--wait", type=float, default=0, help="keep asking for up to SECONDS")
    options = parser.parse_args(argv)
    deadline = time.monotonic() + options.wait
    token = os.environ.get("ABIQUO_MOCK_CONTROL_TOKEN", "")
    while not healthy(options.url, token):
        if time.monotonic() >= deadline:
            print(f"abiquo-mock: no healthy answer from {options.url}/_mock/health", file=sys.stderr)
            return 1
        time.sleep(0.5)
    return 0


if __name__ == "__main__":
    sys.exit(main())
