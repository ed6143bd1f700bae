"""The mock a suite may serve from its own process, handed to the suites by whoever hosts them (the mock's
command line: ``abiquo-mock contract provider --in-process``). The judge never imports what it judges: it is
given a factory, as it is given a URL."""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass
from typing import Any


@dataclass(frozen=True)
class LocalMock:
    create_app: Callable[[dict], Any]  # a configuration -> a WSGI app (the mock's create_app)
    build_contract: Callable[[], dict]  # the OpenAPI document it builds, for a server that serves none
    contract_source: str  # what the suite says that document is
