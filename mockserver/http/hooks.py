"""The order of the request hooks, as data: every hook the factory or a context installs on the Flask app has
a place in ``ORDER``, and says what the front door's fast path does about it.

The fast path (frontdoor/fast.py) answers a repeated GET without running Flask, so none of these hooks runs
for it. Each is therefore either done by the door itself (``runs:``, naming where) or deliberately not needed
for a kept answer (``skipped:``, saying why). A hook installed any other way than ``install`` is not
accounted for, and ``unaccounted`` names it (tests/test_request_paths.py fails on it).
"""

from __future__ import annotations

from collections.abc import Callable
from typing import Any, NamedTuple

from flask import Flask

from ..extensions import HOOKS

BEFORE, AFTER, TEARDOWN = "before", "after", "teardown"


class Hook(NamedTuple):
    name: str
    when: str  # BEFORE, AFTER or TEARDOWN the view
    fast_path: str  # "runs: <where the door does it>" or "skipped: <why a kept answer needs none of it>"


# In the order they run, per stage; Flask stops at the first before-hook that answers.
ORDER = (
    Hook("check_site", BEFORE, "runs: mockserver.http.sites.Sites.refusal, asked by the door before any route"),
    Hook("check_query", BEFORE, "skipped: the kept answer was computed for this very query string"),
    Hook("refused_body", BEFORE, "skipped: the fast path answers only requests without a body"),
    Hook(
        "authenticate",
        BEFORE,
        "skipped: a kept answer is keyed on the credential headers and dropped when users or roles change",
    ),
    Hook("faults", BEFORE, "skipped: while any fault is on, the door leaves kept answers to Flask (FAST_PATH_OFF)"),
    Hook("kept_answer", BEFORE, "runs: mockserver.frontdoor.fast.FastPath.answer (it is the fast path)"),
    Hook("console_changes", BEFORE, "skipped: it follows metadata writes; the fast path answers only GETs"),
    # before the faults: a write a fault answers with an error after it committed is still a change made
    Hook("console_changes", AFTER, "skipped: it follows metadata writes; the fast path answers only GETs"),
    Hook("faults", AFTER, "skipped: while any fault is on, the door leaves kept answers to Flask (FAST_PATH_OFF)"),
    Hook("journal", AFTER, "runs: mockserver.frontdoor.journal.JournalFeed.add (the request journal)"),
    Hook("keep_answer", AFTER, "skipped: the answer is already kept"),
    Hook("stop_tracking", TEARDOWN, "skipped: the fast path tracks no reads"),
)
_FUNCS = {BEFORE: "before_request_funcs", AFTER: "after_request_funcs", TEARDOWN: "teardown_request_funcs"}


def _place(name: str, when: str) -> int:
    for index, hook in enumerate(ORDER):
        if hook.name == name and hook.when == when:
            return index
    raise ValueError(f"no request hook {name!r} runs {when} the view in http/hooks.py ORDER")


def install(app: Flask, name: str, when: str, func: Callable[..., Any]) -> None:
    """Install ``func`` as the hook ``name`` of ``ORDER``, in its place whatever the order of installation."""
    installed: dict[str, list[tuple[int, Callable]]] = app.extensions.setdefault(HOOKS, {})
    mine = installed.setdefault(when, [])
    mine.append((_place(name, when), func))
    mine.sort(key=lambda placed: placed[0])
    ordered = [f for _, f in mine]
    funcs = getattr(app, _FUNCS[when]).setdefault(None, [])
    others = [f for f in funcs if f not in ordered]
    # Flask runs after-request hooks last registered first
    funcs[:] = others + (ordered[::-1] if when == AFTER else ordered)


def name_of(app: Flask, func: Callable[..., Any]) -> str | None:
    """The place in ``ORDER`` a hook was installed in (None: not installed with ``install``)."""
    for placed in app.extensions.get(HOOKS, {}).values():
        for index, installed in placed:
            if installed is func:
                return ORDER[index].name
    return None


def unaccounted(app: Flask) -> list[str]:
    """The hooks on ``app`` that were not installed in a place of ``ORDER`` (a blueprint's included)."""
    installed = {f for placed in app.extensions.get(HOOKS, {}).values() for _, f in placed}
    return [
        f"{when} {getattr(func, '__qualname__', func)!s} ({scope or 'app'})"
        for when, attribute in _FUNCS.items()
        for scope, funcs in getattr(app, attribute).items()
        for func in funcs
        if func not in installed
    ]
