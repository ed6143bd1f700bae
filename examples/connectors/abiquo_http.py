"""Minimal Abiquo 3.8 HTTP client shared by the example connectors (standard library only).

What it does for a connector:
  * HTTP Basic authentication on every request (sent up front, not after a 401 challenge);
  * ``Accept`` / ``Content-Type`` headers, JSON encoding and decoding;
  * decoding of Abiquo error bodies ``{"collection": [{"code": ..., "message": ...}]}`` into ``ApiError``;
  * link lookup by ``rel`` and following ``rel=next`` paging links until there are none;
  * telling a transient failure (no answer, 5xx, a VM locked by a task, a stale object) from a final one.

Configuration comes from the environment: ``ABIQUO_API_URL`` (e.g. ``http://127.0.0.1:8080/api``),
``ABIQUO_USER`` and ``ABIQUO_PASSWORD``.
"""

import base64
import http.client
import json
import os
import sys
import urllib.error
import urllib.request

MEDIA_VERSION = "3.8"
DEFAULT_TIMEOUT = 30  # seconds per request
TRANSIENT_STATUSES = (500, 502, 503, 504)
# 409s that go away by themselves: a task holds the VM, or someone else updated it meanwhile
TRANSIENT_CODES = ("VM-2", "409-CONFLICT-StaleObject")


def media_type(name, version=MEDIA_VERSION):
    """``media_type("datacenters")`` -> ``application/vnd.abiquo.datacenters+json; version=3.8``."""
    base = "application/vnd.abiquo.%s+json" % name
    return "%s; version=%s" % (base, version) if version else base


class ConfigError(Exception):
    """The connector's environment is incomplete."""


class ApiError(Exception):
    """A non-2xx answer from the API, or no answer at all (``status`` is None then)."""

    def __init__(self, method, url, status, errors, raw=""):
        self.method = method
        self.url = url
        self.status = status
        self.errors = errors  # list of (code, message)
        self.raw = raw
        super().__init__(self.describe())

    def describe(self):
        if self.status is None:
            head = "%s %s: no answer" % (self.method, self.url)
        else:
            head = "%s %s -> HTTP %s" % (self.method, self.url, self.status)
        if self.errors:
            details = "; ".join("%s: %s" % (code, message) for code, message in self.errors)
        else:
            details = (self.raw or "").strip()[:300] or "(empty body)"
        return "%s: %s" % (head, details)


def decode_errors(raw):
    """Return [(code, message), ...] from an Abiquo error body, or [] when it is not one."""
    try:
        body = json.loads(raw)
    except ValueError:
        return []
    items = body.get("collection") if isinstance(body, dict) else None
    if not isinstance(items, list):
        return []
    errors = []
    for item in items:
        if isinstance(item, dict):
            errors.append((str(item.get("code", "?")), str(item.get("message", ""))))
    return errors


class AbiquoClient:
    """Talks to one Abiquo API with one user. Every request carries HTTP Basic credentials."""

    def __init__(self, api_url, user, password, timeout=DEFAULT_TIMEOUT):
        self.api_url = api_url.rstrip("/")
        token = base64.b64encode(("%s:%s" % (user, password)).encode("utf-8")).decode("ascii")
        self._authorization = "Basic " + token
        self.timeout = timeout

    def url(self, path):
        """The only place a URL is built by hand: the API root plus a path (for the first request)."""
        return self.api_url + "/" + path.lstrip("/")

    def request(self, method, url, accept, body=None, content_type=None):
        """Send one request; return (status, content_type, text). Raise ApiError on non-2xx."""
        data = None
        headers = {"Authorization": self._authorization, "Accept": accept}
        if body is not None:
            data = body.encode("utf-8")
            headers["Content-Type"] = content_type
        req = urllib.request.Request(url, data=data, headers=headers, method=method)
        try:
            with urllib.request.urlopen(req, timeout=self.timeout) as resp:
                text = resp.read().decode("utf-8")
                return resp.status, resp.headers.get("Content-Type", ""), text
        except urllib.error.HTTPError as err:
            try:
                raw = err.read().decode("utf-8", "replace")
            except (OSError, http.client.HTTPException) as cut:  # the error's body was cut short
                raise ApiError(method, url, None, [], "%s: %s" % (type(cut).__name__, cut)) from None
            raise ApiError(method, url, err.code, decode_errors(raw), raw) from None
        except (urllib.error.URLError, OSError, http.client.HTTPException) as err:
            # no answer, or an answer cut short (IncompleteRead): whether the request ran is unknown
            reason = getattr(err, "reason", err)
            raise ApiError(method, url, None, [], "%s: %s" % (type(err).__name__, reason)) from None

    def get_text(self, url, accept="text/plain"):
        return self.request("GET", url, accept)[2]

    def get_json(self, url, accept):
        text = self.request("GET", url, accept)[2]
        return json.loads(text) if text.strip() else None

    def put_json(self, url, obj, media):
        """PUT ``obj`` with Content-Type and Accept ``media``; return the decoded answer (or None)."""
        body = json.dumps(obj)  # ASCII-only JSON: safe whatever charset the server assumes
        text = self.request("PUT", url, media, body=body, content_type=media)[2]
        return json.loads(text) if text.strip() else None


def client_from_env(environ=None):
    """Build a client from ABIQUO_API_URL / ABIQUO_USER / ABIQUO_PASSWORD."""
    environ = os.environ if environ is None else environ
    names = ("ABIQUO_API_URL", "ABIQUO_USER", "ABIQUO_PASSWORD")
    missing = [name for name in names if not environ.get(name)]
    if missing:
        raise ConfigError("missing environment variable(s): " + ", ".join(missing))
    return AbiquoClient(environ["ABIQUO_API_URL"], environ["ABIQUO_USER"], environ["ABIQUO_PASSWORD"])


def find_link(entity, rel):
    """The first link of ``entity`` with this ``rel``, or None."""
    for link in (entity or {}).get("links") or []:
        if isinstance(link, dict) and link.get("rel") == rel:
            return link
    return None


def link_accept(link, fallback):
    """The Accept header for following ``link``: its ``type`` when it has one, else ``fallback``."""
    kind = (link or {}).get("type")
    return kind if kind else fallback


def is_transient(error):
    """Whether trying the same request again may succeed."""
    if error.status is None or error.status in TRANSIENT_STATUSES:
        return True
    return any(code in TRANSIENT_CODES for code, _ in error.errors)


def iter_collection(client, url, accept, get=None):
    """Yield every item of a paged collection, following ``rel=next`` links until there is none.
    ``get(url, accept)`` fetches one page (default: ``client.get_json``)."""
    get = get or client.get_json
    seen = set()
    while url and url not in seen:
        seen.add(url)  # a server that links a page to itself must not loop us forever
        page = get(url, accept) or {}
        yield from page.get("collection") or []
        nxt = find_link(page, "next")
        url = nxt.get("href") if nxt else None
        accept = link_accept(nxt, accept)


def follow_collection(client, entity, rel, fallback_accept, get=None):
    """Yield the items of the collection that ``entity`` links to with ``rel`` (nothing if no such link)."""
    link = find_link(entity, rel)
    if not link or not link.get("href"):
        return iter(())
    return iter_collection(client, link["href"], link_accept(link, fallback_accept), get)


def report_error(err, stream=None):
    """Print an ApiError (code and message of each Abiquo error) to stderr."""
    print("ERROR " + err.describe(), file=stream or sys.stderr)
