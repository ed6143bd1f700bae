"""The fault plan: which requests fail, and how, decided the same way for the same seed.

A rule names a route pattern (``fnmatch``: ``*`` spans any characters, slashes included) and a method
(``*`` for any), and fires either always, with a ``probability``, for the next ``times`` matching requests,
or both (with a probability, until it fired ``times`` times). Whether the n-th request to one path fires
is drawn from ``Random("seed/rule/method/path/n")``, so a plan replays identically for the same seed and
the same requests to each path, however requests to different paths interleave.

Kinds: ``error`` (an Abiquo error, ``before`` the request runs or ``after`` it committed), ``latency``,
``drop`` (``before``: no answer; ``mid-body``: part of the answer, then the connection closes),
``slow-body``, and two domain faults: ``vm-locked`` (writes to a VM refused while a task runs on it) and
``backup-down`` (a datacenter's backup service unavailable).
"""

from __future__ import annotations

import fnmatch
import itertools
import random
import threading
import time
from collections import Counter, defaultdict, deque
from collections.abc import Callable
from dataclasses import asdict, dataclass, field

from .. import shapes
from ..errors import CATALOGUE, AbiquoError

Exists = Callable[[str, int], bool]  # (table, id) -> whether the world holds it

TRANSPORT = ("latency", "drop", "slow-body")
KINDS = ("error", "vm-locked", "backup-down", *TRANSPORT)
FIRED_KEPT = 10_000
MAX_FAULTS = 1_000  # switched on at once: every request is matched against each of them
WIRE = {"delay_ms": "delayMs", "max_delay_ms": "maxDelayMs", "bytes_per_second": "bytesPerSecond"}
METHODS = ("GET", "HEAD", "POST", "PUT", "DELETE", "OPTIONS", "PATCH")
MAX_MS = 600_000  # ten minutes: beyond any client's timeout
_ID = {"type": "integer", "minimum": 1, "maximum": 2**31 - 1}
_COUNT = {"type": "integer", "minimum": 1, "maximum": 2**31 - 1}
_MS = {"type": "number", "minimum": 0, "maximum": MAX_MS}
_SECONDS = {"type": "number", "minimum": 0, "exclusiveMinimum": True, "maximum": 86_400, "description": "how long"}


def _any_case(word: str) -> str:
    return "".join(f"[{c}{c.lower()}]" if c.isalpha() else c for c in word)


# Every fault has these; a field of another kind is refused (it would do nothing), as is one no kind has.
COMMON = {
    "id": {"type": "string", "minLength": 1, "maxLength": 100, "description": "default fault-N"},
    "kind": {"type": "string", "enum": list(KINDS)},
    "route": {
        "type": "string",
        "minLength": 1,
        "maxLength": 2048,
        "pattern": "^[/*]",
        "description": "fnmatch over the whole path (* spans anything): it starts with / or *; default *",
    },
    "method": {"type": "string", "pattern": "^(\\*|" + "|".join(_any_case(m) for m in METHODS) + ")$"},
    "probability": {"type": "number", "minimum": 0, "exclusiveMinimum": True, "maximum": 1},
    "times": _COUNT,
}
KIND_FIELDS: dict[str, dict[str, object]] = {
    "error": {
        "code": {"type": "string", "description": "a code of the error catalogue; default 503-SERVICE-UNAVAILABLE"},
        "message": {"type": "string", "maxLength": 2000},
        "when": {"type": "string", "enum": ["before", "after"]},
    },
    "latency": {"delayMs": _MS, "maxDelayMs": _MS},
    "drop": {"drop": {"type": "string", "enum": ["before", "mid-body"]}},
    "slow-body": {"bytesPerSecond": {"type": "number", "minimum": 1, "maximum": 2**30}},
    "vm-locked": {"vm": {**_ID, "description": "the VM a task holds"}, "seconds": _SECONDS, "requests": _COUNT},
    "backup-down": {"datacenter": {**_ID, "description": "whose backup service is down"}, "seconds": _SECONDS},
}
KIND_FIELDS["backup-down"]["requests"] = _COUNT
REQUIRED = {"latency": ["delayMs"], "slow-body": ["bytesPerSecond"]}
# One JSON schema per kind: what the contract publishes and what parse_rule holds every fault to.
FAULT_SCHEMAS = {
    kind: {
        "type": "object",
        "additionalProperties": False,
        "required": ["kind", *REQUIRED.get(kind, [])],
        "properties": {**COMMON, **KIND_FIELDS[kind]},
    }
    for kind in KINDS
}
_KIND = {"type": "object", "required": ["kind"], "properties": {"kind": COMMON["kind"]}}
TARGETS = {"vm-locked": ("vm", "virtualmachines", "VM"), "backup-down": ("datacenter", "datacenters", "datacenter")}


def _bad(message: str) -> AbiquoError:
    return AbiquoError("GEN-2", f"Invalid fault: {message}")


@dataclass
class Rule:
    id: str
    kind: str
    route: str = "*"
    method: str = "*"
    probability: float | None = None
    times: int | None = None
    code: str | None = None  # error: a catalogue code
    message: str | None = None
    when: str | None = None  # error: "before" the request runs, or "after" it committed
    delay_ms: float = 0  # latency: fixed, or drawn from [delay_ms, max_delay_ms]
    max_delay_ms: float | None = None
    drop: str | None = None
    bytes_per_second: float | None = None  # slow-body
    vm: int | None = None  # vm-locked: this VM, or the VM the request names
    datacenter: int | None = None  # backup-down: this datacenter, or the request's
    seconds: float | None = None  # domain faults: how long the task or the outage lasts
    requests: int | None = None  # domain faults: or how many requests it refuses
    fired: int = 0

    def matches(self, method: str, path: str) -> bool:
        return self.method in ("*", method) and fnmatch.fnmatchcase(path, self.route)

    @property
    def explicit(self) -> bool:
        """A domain fault naming its VM or datacenter, with no trigger: it starts when it is added."""
        target = self.vm if self.kind == "vm-locked" else self.datacenter if self.kind == "backup-down" else None
        return target is not None and self.route == "*" and self.probability is None

    def describe(self) -> dict:
        """The rule in the form it is written (camelCase), without what it leaves unset."""
        return {WIRE.get(k, k): v for k, v in asdict(self).items() if v is not None and (k, v) != ("delay_ms", 0)}


def parse_rule(spec: object, default_id: str, at: str = "", exists: Exists | None = None) -> Rule:
    """A rule from its JSON / YAML form; anything wrong, or a fault that could never act, is GEN-2 naming the
    field. ``exists(table, id)`` says whether the VM or datacenter a domain fault names is in the world."""
    if not isinstance(spec, dict):
        raise _bad(f"'{at}' must be an object" if at else "a fault is a JSON object")
    _shaped(spec, _KIND, at)
    kind = spec["kind"]
    _shaped(spec, FAULT_SCHEMAS[kind], at)
    rule = Rule(
        id=spec.get("id", default_id),
        kind=kind,
        route=spec.get("route", "*"),
        method=spec.get("method", "*").upper(),
        probability=spec.get("probability"),
        times=spec.get("times"),
        message=spec.get("message"),
        delay_ms=spec.get("delayMs", 0),
        max_delay_ms=spec.get("maxDelayMs"),
        bytes_per_second=spec.get("bytesPerSecond"),
        vm=spec.get("vm"),
        datacenter=spec.get("datacenter"),
        seconds=spec.get("seconds"),
        requests=spec.get("requests"),
    )
    _check_kind(rule, spec, shapes.where(at, []))
    _check_target(rule, spec, shapes.where(at, []), exists)
    return rule


def _shaped(spec: dict, schema: dict, at: str) -> None:
    try:
        shapes.check(spec, schema, at)
    except AbiquoError as exc:
        raise _bad(exc.message) from None


def _field(at: str, name: str) -> str:
    return f"'{shapes.where(at, [name])}'"


def _check_kind(rule: Rule, spec: dict, at: str) -> None:
    if rule.kind == "error":
        rule.code = spec.get("code", "503-SERVICE-UNAVAILABLE")
        if rule.code not in CATALOGUE:
            raise _bad(f"{_field(at, 'code')} {rule.code!r} is not in the error catalogue")
        rule.when = spec.get("when", "before")
    elif rule.kind == "drop":
        rule.drop = spec.get("drop", "before")  # the front door's two ways (mockserver/frontdoor/faults.py)
    elif rule.kind == "latency" and not (rule.delay_ms or rule.max_delay_ms):
        raise _bad(f"a latency fault of 0 ms delays nothing: {_field(at, 'delayMs')} (or 'maxDelayMs') above 0")
    if rule.max_delay_ms is not None and rule.max_delay_ms < rule.delay_ms:
        raise _bad(f"{_field(at, 'maxDelayMs')} must not be below 'delayMs'")


def _check_target(rule: Rule, spec: dict, at: str, exists: Exists | None) -> None:
    """A domain fault acts on the VM (datacenter) it names, or on the one each request it matches names: it
    needs one or the other, and what it names must be in the world."""
    if rule.kind not in TARGETS:
        return
    name, table, word = TARGETS[rule.kind]
    target = spec.get(name)
    if target is None and not {"route", "probability", "times"} & set(spec):
        raise _bad(
            f"a {rule.kind} fault needs {_field(at, name)} (the {word} it holds) or a 'route' "
            f"(each request to it starts the fault on the {word} the request names)"
        )
    if target is not None and exists is not None and not exists(table, target):
        raise _bad(f"{_field(at, name)}: there is no {word} {target}")


@dataclass
class Outage:
    """A running domain fault: a task holding a VM, or a datacenter whose backup service is down."""

    rule: str
    kind: str
    target: int
    until: float | None  # monotonic time it ends, None: only ``left`` ends it
    left: int | None  # requests it still refuses, None: only time ends it
    refused: int = 0

    def active(self, now: float) -> bool:
        return (self.until is None or now < self.until) and (self.left is None or self.left > 0)


@dataclass
class FaultPlan:
    seed: int = 0
    rules: list[Rule] = field(default_factory=list)
    outages: list[Outage] = field(default_factory=list)
    fired: deque = field(default_factory=lambda: deque(maxlen=FIRED_KEPT))
    _seen: Counter = field(default_factory=Counter)
    _ids: itertools.count = field(default_factory=lambda: itertools.count(1))
    # transport faults the door applies to requests that still reach the app: (method, path) -> fired entries
    pending: defaultdict = field(default_factory=lambda: defaultdict(deque))
    _lock: threading.RLock = field(default_factory=threading.RLock)

    def add(self, specs: list, seed: int | None = None, *, at: str = "faults", exists: Exists | None = None):
        """Parse every spec first, so that one bad rule adds none of them; ``at`` names the list in refusals
        (empty: a single fault), ``exists`` checks the targets of domain faults (see parse_rule)."""
        if seed is not None and not (type(seed) is int and -(2**63) <= seed < 2**63):
            raise _bad("'seed' must be an integer from -2^63 to 2^63-1")
        with self._lock:
            if len(self.rules) + len(specs) > MAX_FAULTS:
                raise _bad(f"at most {MAX_FAULTS} faults may be on at once ({len(self.rules)} are)")
            rules = [
                parse_rule(spec, f"fault-{next(self._ids)}", f"{at}[{n}]" if at else "", exists)
                for n, spec in enumerate(specs)
            ]
            taken = {r.id for r in self.rules}
            for rule in rules:
                if rule.id in taken:
                    raise _bad(f"there is already a fault with id {rule.id!r}")
                taken.add(rule.id)
            if seed is not None:
                self.seed = seed
            self.rules.extend(rules)
            for rule in rules:
                self._start_explicit(rule)
            return rules

    def clear(self) -> None:
        with self._lock:
            self.rules.clear()
            self.outages.clear()
            self.fired.clear()
            self._seen.clear()
            self.pending.clear()

    def describe(self) -> dict:
        with self._lock:
            now = time.monotonic()
            return {
                "seed": self.seed,
                "collection": [r.describe() for r in self.rules],
                "outages": [asdict(o) for o in self.outages if o.active(now)],
                "fired": len(self.fired),
            }

    def draw(self, kinds: tuple[str, ...], method: str, path: str) -> tuple[Rule, random.Random] | None:
        """The first rule of one of ``kinds`` that fires for this request, and the random source to shape it."""
        with self._lock:
            for rule in self.rules:
                if rule.kind not in kinds or rule.explicit or not rule.matches(method, path):
                    continue
                if rule.times is not None and rule.fired >= rule.times:
                    continue
                key = (rule.id, method, path)
                n = self._seen[key]
                self._seen[key] += 1
                chance = random.Random(f"{self.seed}/{rule.id}/{method}/{path}/{n}")
                if rule.probability is not None and chance.random() >= rule.probability:
                    continue
                rule.fired += 1
                return rule, chance
            return None

    def record(self, rule: Rule, method: str, path: str, **details) -> dict:
        entry = {"rule": rule.id, "kind": rule.kind, "method": method, "path": path, **details}
        entry["time"] = time.strftime("%Y-%m-%dT%H:%M:%SZ", time.gmtime())
        with self._lock:
            self.fired.append(entry)
        return entry

    # ------------------------------------------------------------------ domain faults

    def start(self, rule: Rule, target: int) -> Outage:
        with self._lock:
            until = time.monotonic() + rule.seconds if rule.seconds is not None else None
            left = rule.requests
            if left is None and until is None and not rule.explicit:
                left = 1  # a triggered task with no length refuses the request that started it
            outage = Outage(rule.id, rule.kind, target, until, left)
            self.outages.append(outage)
            return outage

    def _start_explicit(self, rule: Rule) -> None:
        if rule.explicit:
            target = rule.vm if rule.kind == "vm-locked" else rule.datacenter
            assert target is not None  # an explicit rule names its VM or datacenter (parse_rule)
            self.start(rule, target)

    def outage(self, kind: str, target: int | None) -> Outage | None:
        """The running outage of ``kind`` on ``target``, counting this request against it."""
        if target is None:
            return None
        with self._lock:
            now = time.monotonic()
            self.outages = [o for o in self.outages if o.active(now)]
            for outage in self.outages:
                if outage.kind == kind and outage.target == target:
                    outage.refused += 1
                    if outage.left is not None:
                        outage.left -= 1
                    return outage
            return None
