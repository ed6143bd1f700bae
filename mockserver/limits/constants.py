"""The limits context's own values."""

from __future__ import annotations

from ..infrastructure.constants import LIMIT_TYPES

LIMIT_FIELDS = tuple(LIMIT_TYPES)  # every number of a limit a client may write, each with its Java type
