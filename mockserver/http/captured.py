"""The Abiquo operations the captured 3.8 and 3.10 exchanges show (``captured_operations.json``, written by
``tools/operations_from_captures.py``): a request for one the mock does not serve is answered 501, so that a
connector author tells "not in the mock" from "no such URL in Abiquo" (404)."""

from __future__ import annotations

import functools
import json
import re
from importlib import resources
from typing import NamedTuple

from ..errors import AbiquoError

FILE = "captured_operations.json"


class CapturedOperation(NamedTuple):
    method: str
    path: str  # below /api, parameters as {}
    releases: tuple[str, ...]  # the captured releases that show it


@functools.cache
def captured() -> tuple[CapturedOperation, ...]:
    text = resources.files("abiquo_mock.mockserver").joinpath(FILE).read_text(encoding="utf-8")
    return tuple(CapturedOperation(o["method"], o["path"], tuple(o["releases"])) for o in json.loads(text))


@functools.cache
def _patterns() -> dict[str, list[tuple[re.Pattern[str], CapturedOperation]]]:
    by_method: dict[str, list[tuple[re.Pattern[str], CapturedOperation]]] = {}
    for op in captured():
        pattern = re.compile("^" + re.escape(op.path).replace(r"\{\}", "[^/]+") + "/?$")
        by_method.setdefault(op.method, []).append((pattern, op))
    return by_method


def is_served(op: CapturedOperation) -> bool:
    """Whether one of the mock's declared operations is ``op`` (a request for it that is not routed names an id of
    the wrong kind: 404, not 501)."""
    return op in _served()


@functools.cache
def _served() -> frozenset[CapturedOperation]:
    from .api import REGISTRY

    declared = [
        (o.method, re.compile("^" + re.sub(r"\{\w+\}", "[^/]+", o.path[len("/api") :]) + "$"))
        for o in REGISTRY
        if o.prefix == "/api"
    ]
    return frozenset(
        op for op in captured() if any(m == op.method and p.match(op.path.replace("{}", "1")) for m, p in declared)
    )


def operation_at(method: str, api_path: str, releases: tuple[str, ...]) -> CapturedOperation | None:
    """The captured operation ``method api_path`` (the path below /api) is, in one of ``releases``, when the mock
    does not serve it; None."""
    for pattern, op in _patterns().get(method, ()):
        if pattern.match(api_path) and set(op.releases) & set(releases) and not is_served(op):
            return op
    return None


def not_modelled(op: CapturedOperation) -> AbiquoError:
    shown = op.path.replace("{}", "{id}")
    return AbiquoError(
        "501-NOT-IMPLEMENTED",
        f"{op.method} /api{shown} is an operation of Abiquo {' and '.join(op.releases)} that abiquo-mock does not "
        "model: see docs/FIDELITY.md for the operations it serves",
    )
