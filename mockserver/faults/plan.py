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
from dataclasses import asdict, dataclass, field

from ..errors import CATALOGUE, AbiquoError

TRANSPORT = ("latency", "drop", "slow-body")
KINDS = ("error", "vm-locked", "backup-down", *TRANSPORT)
FIRED_KEPT = 10_000
WIRE = {"delay_ms": "delayMs", "max_delay_ms": "maxDelayMs", "bytes_per_second": "bytesPerSecond"}
FIELDS = ("id", "kind", "route", "method", "probability", "times", "code", "message", "when", "drop", "vm")
FIELDS += ("datacenter", "seconds", "requests", *WIRE.values())


def _bad(message: str) -> AbiquoError:
    return AbiquoError("GEN-2", f"Invalid fault: {message}")


def _number(spec: dict, name: str, low: float, high: float | None = None, default=None):
    value = spec.get(name, default)
    if value is None:
        return None
    if isinstance(value, bool) or not isinstance(value, (int, float)) or value < low or (high and value > high):
        raise _bad(f"'{name}' must be a number from {low}" + (f" to {high}" if high else ""))
    return value


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


def parse_rule(spec: object, default_id: str) -> Rule:
    """A rule from its JSON / YAML form; anything wrong is GEN-2 naming the field."""
    if not isinstance(spec, dict):
        raise _bad("a fault is a JSON object")
    unknown = sorted(set(spec) - set(FIELDS))
    if unknown:
        raise _bad(f"unknown field(s) {', '.join(unknown)}")
    kind = spec.get("kind")
    if kind not in KINDS:
        raise _bad(f"'kind' must be one of {', '.join(KINDS)}")
    rule = Rule(
        id=str(spec.get("id") or default_id),
        kind=kind,
        route=_text(spec, "route", "*"),
        method=_text(spec, "method", "*").upper(),
        probability=_number(spec, "probability", 0, 1),
        times=_integer(spec, "times"),
        message=spec.get("message") if isinstance(spec.get("message"), str) else None,
        delay_ms=_number(spec, "delayMs", 0, 600_000, 0),
        max_delay_ms=_number(spec, "maxDelayMs", 0, 600_000),
        bytes_per_second=_number(spec, "bytesPerSecond", 1),
        vm=_integer(spec, "vm"),
        datacenter=_integer(spec, "datacenter"),
        seconds=_number(spec, "seconds", 0),
        requests=_integer(spec, "requests"),
    )
    _check_kind(rule, spec)
    return rule


def _text(spec: dict, name: str, default: str) -> str:
    value = spec.get(name, default)
    if not isinstance(value, str) or not value:
        raise _bad(f"'{name}' must be a non-empty string")
    return value


def _integer(spec: dict, name: str) -> int | None:
    value = spec.get(name)
    if value is not None and (type(value) is not int or value < 1):
        raise _bad(f"'{name}' must be a positive integer")
    return value


def _check_kind(rule: Rule, spec: dict) -> None:
    if rule.kind == "error":
        rule.code = spec.get("code", "503-SERVICE-UNAVAILABLE")
        if rule.code not in CATALOGUE:
            raise _bad(f"'code' {rule.code!r} is not in the error catalogue")
        rule.when = spec.get("when", "before")
        if rule.when not in ("before", "after"):
            raise _bad("'when' must be before (nothing runs) or after (the request committed, its answer is lost)")
    elif rule.kind == "drop":
        rule.drop = spec.get("drop", "before")
        if rule.drop not in ("before", "mid-body"):  # the front door's two ways (mockserver/frontdoor/faults.py)
            raise _bad("'drop' must be before or mid-body")
    elif rule.kind == "slow-body" and rule.bytes_per_second is None:
        raise _bad("a slow-body fault needs 'bytesPerSecond'")
    if rule.max_delay_ms is not None and rule.max_delay_ms < rule.delay_ms:
        raise _bad("'maxDelayMs' must not be below 'delayMs'")


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

    def add(self, specs: list, seed: int | None = None) -> list[Rule]:
        """Parse every spec first, so that one bad rule adds none of them."""
        if seed is not None and type(seed) is not int:
            raise _bad("'seed' must be an integer")
        with self._lock:
            rules = [parse_rule(spec, f"fault-{next(self._ids)}") for spec in specs]
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
            self.start(rule, rule.vm if rule.kind == "vm-locked" else rule.datacenter)

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
