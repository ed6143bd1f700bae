"""The contract extra: what the suites and the pytest plugin's fixture need beyond the base install, and the one
line that says so when it is missing. Only the standard library here: this must load where the extra is not."""

from __future__ import annotations

from collections.abc import Iterable
from importlib.util import find_spec

# The distributions the contract extra adds, by import name (see pyproject.toml).
CONTRACT_EXTRA = ("schemathesis", "hypothesis", "jsonschema_rs", "requests", "pytest")
INSTALL = "pip install 'abiquo-mock[contract]'"


def missing(names: Iterable[str] = CONTRACT_EXTRA) -> list[str]:
    """The modules of ``names`` this Python cannot import."""
    return [name for name in names if find_spec(name) is None]


def sentence(what: str, absent: Iterable[str]) -> str:
    """``what`` comes with the contract extra, which is missing here (naming what is absent): one line."""
    return f"{what} comes with the contract extra, not installed here (no {', '.join(absent)}): {INSTALL}"
