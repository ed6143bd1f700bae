"""Which requests the mock answers at all, decided before anything else runs: the front door and Flask both ask
``Sites.refusal``, so that ``serve``, ``serve --dev`` and the in-process app refuse the same requests.

- **Host allow-list, against DNS rebinding.** A page on ``evil.example`` whose name the attacker then points at
  127.0.0.1 is same-origin with the mock for the browser: it could read the journal and every answer. Its
  requests still carry ``Host: evil.example``. Allowed: ``localhost`` and every name under ``.localhost``
  (RFC 6761: always the loopback, never looked up in DNS), every IP address (a rebinding page always sends its
  own *name*), the address the server is bound to, and the names given with ``--allowed-host`` (a leading dot
  allows a domain and every name under it; ``*`` allows any host).
- **Foreign pages.** A browser sends ``Origin`` on every cross-origin write, and ``Sec-Fetch-Site`` on every
  request; a connector sends neither. The control API refuses any request another site sent, and the Abiquo API
  refuses writes from one. Same-origin means an ``Origin`` naming the very host and port the request was sent to
  (``null`` is never same-origin), and ``Sec-Fetch-Site`` ``same-origin`` or ``none`` (typed by the person).
- **Simple requests.** A page may POST a form or ``text/plain`` anywhere without asking; ``application/json``
  needs the browser to ask first (a CORS preflight), which the mock never grants. So the control API takes only
  ``application/json`` on a request that carries a body or a type (an empty form has one). A bodiless POST with
  no type at all (``curl -X POST``, the contract suites' client) is served: a browser sends ``Origin`` on it.
"""

from __future__ import annotations

import ipaddress
import re
from collections.abc import Callable, Iterable
from dataclasses import dataclass, field
from urllib.parse import urlsplit

from ..errors import AbiquoError
from .control import JSON, PREFIX

LOOPBACK_NAME = "localhost"
SAME_SITE = frozenset({"same-origin", "none"})
READS = frozenset({"GET", "HEAD"})
WRITES_WITH_BODY = frozenset({"POST", "PUT", "PATCH"})  # the control writes that may carry a body
DEFAULT_PORTS = {"http": 80, "https": 443}
# The console's page and scripts hold no data: a link from another site (a bug report) may open them.
CONSOLE_PAGE, CONSOLE_ASSETS = PREFIX + "/console/", PREFIX + "/console/static/"
_LABEL = re.compile(r"^(?!-)[a-z0-9_-]{1,63}(?<!-)$")
_KNOWN_HOSTS = 256
HOST_HELP = "allow it with --allowed-host NAME or ABIQUO_MOCK_ALLOWED_HOSTS (a comma-separated list)"


class BadHostName(ValueError):
    """An --allowed-host value the mock cannot use; the message says why."""


def is_control(path: str) -> bool:
    """Whether ``path`` is the mock's own API (also when a client doubled its leading slash)."""
    path = "/" + path.lstrip("/")
    return path == PREFIX or path.startswith(PREFIX + "/")


def allowed_hosts(values: Iterable[str]) -> tuple[str, ...]:
    """The names of ``--allowed-host`` / ABIQUO_MOCK_ALLOWED_HOSTS (each value may list several, comma-separated),
    lower-cased and checked; BadHostName names the first one that is not a host name."""
    found: list[str] = []
    for value in values:
        for name in (part.strip().lower() for part in value.split(",")):
            if not name:
                continue
            if name != "*" and _host_of(name) is None and not _is_name(name.removeprefix(".")):
                raise BadHostName(f"--allowed-host {name!r} is not a host name (give it without scheme or port)")
            found.append(name)
    return tuple(dict.fromkeys(found))


@dataclass
class Sites:
    """The hosts one server answers for, and the refusals of what other sites send."""

    names: frozenset[str] = frozenset()
    domains: tuple[str, ...] = ()  # ".example": example and every name under it
    any_host: bool = False
    control_api: bool = True  # off (--no-control): /_mock is a path like any other, answered 404
    _known: dict[str, bool] = field(default_factory=dict)

    @classmethod
    def of(cls, allowed: Iterable[str], bind: str | None = None, *, control_api: bool = True) -> Sites:
        names = set(allowed_hosts(allowed))
        if bind:
            names.add(bind.strip().lower().strip("[]"))
        return cls(
            frozenset(n for n in names if not n.startswith(".")),
            tuple(n for n in names if n.startswith(".")),
            "*" in names,  # --allowed-host '*': any host
            control_api,
        )

    def refusal(self, method: str, path: str, header: Callable[[str], str | None]) -> AbiquoError | None:
        """Why this request must not be served (None: serve it). ``header`` gives a header's value by its
        lower-case name, repeated headers joined with commas, as WSGI does."""
        host = header("host")
        if host is not None and not self.allows(host):
            return AbiquoError("403-FORBIDDEN", f"The mock does not answer for the host {_shown(host)}: {HOST_HELP}")
        control = self.control_api and is_control(path)
        page = method in READS and (path == CONSOLE_PAGE or path.startswith(CONSOLE_ASSETS))
        if (control or method not in READS) and not page:
            foreign = _foreign(header("origin"), header("sec-fetch-site"), host)
            if foreign is not None:
                return AbiquoError(
                    "403-FORBIDDEN",
                    f"Refused: another site sent this request ({foreign}); "
                    + ("the control API" if control else "the API refuses writes from other sites and")
                    + " only answers what is sent from its own pages or from outside a browser",
                )
        content_type = header("content-type")
        writes = method not in READS and (content_type is not None or _carries_body(header))
        if control and writes and not _is_json(content_type):
            return AbiquoError(
                "415-UNSUPPORTED-MEDIA-TYPE",
                f"The control API accepts only Content-Type: {JSON} (what a web page cannot send without asking)",
            )
        return None

    def allows(self, host: str) -> bool:
        known = self._known.get(host)
        if known is None:
            known = self._allows(host)
            if len(self._known) >= _KNOWN_HOSTS:
                self._known.clear()
            self._known[host] = known
        return known

    def _allows(self, host: str) -> bool:
        name = _host_of(host)
        if name is None:
            return False
        if self.any_host or _is_ip(name) or name in self.names:
            return True
        if name == LOOPBACK_NAME or name.endswith("." + LOOPBACK_NAME):
            return True
        return any(name == domain[1:] or name.endswith(domain) for domain in self.domains)


def _host_of(value: str) -> str | None:
    """The lower-case host name or address of a Host header value (port dropped), or None when it is none."""
    value = value.strip().lower()
    if value.startswith("["):
        address, _, rest = value[1:].partition("]")
        if rest and not (rest.startswith(":") and rest[1:].isdigit()):
            return None
        return address if _is_ip(address) and ":" in address else None
    name, _, port = value.partition(":")
    if port and not (port.isascii() and port.isdigit()):
        return None
    name = name.removesuffix(".")
    return name if _is_ip(name) or _is_name(name) else None


def _is_ip(name: str) -> bool:
    try:
        ipaddress.ip_address(name)
    except ValueError:
        return False
    return True


def _is_name(name: str) -> bool:
    return 0 < len(name) <= 253 and name.isascii() and all(_LABEL.match(label) for label in name.split("."))


def _foreign(origin: str | None, site: str | None, host: str | None) -> str | None:
    """What says another site sent the request, or None."""
    if site is not None and site.strip().lower() not in SAME_SITE:
        return f"Sec-Fetch-Site: {_shown(site)}"
    if origin is None or _same_origin(origin, host):
        return None
    return f"Origin: {_shown(origin)}"


def _same_origin(origin: str, host: str | None) -> bool:
    try:
        parts = urlsplit(origin.strip())
        origin_port = parts.port
    except ValueError:
        return False
    default = DEFAULT_PORTS.get(parts.scheme)
    if default is None or host is None or not parts.hostname:
        return False
    name, port = _host_of(host), _port_of(host)
    return parts.hostname.removesuffix(".") == name and (origin_port or default) == (port or default)


def _port_of(host: str) -> int | None:
    tail = host.strip().rpartition("]")[2] if host.strip().startswith("[") else host
    _, colon, port = tail.rpartition(":")
    return int(port) if colon and port.isdigit() else None


def _carries_body(header: Callable[[str], str | None]) -> bool:
    length = header("content-length")
    return header("transfer-encoding") is not None or (length is not None and length.strip(" 0") != "")


def _is_json(content_type: str | None) -> bool:
    return content_type is not None and content_type.split(";", 1)[0].strip().lower() == JSON


def _shown(value: str) -> str:
    """A header value quoted for a message: short, and only printable ASCII."""
    printable = "".join(c if " " <= c <= "~" else "?" for c in value[:100])
    return repr(printable + ("…" if len(value) > 100 else ""))
