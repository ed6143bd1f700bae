"""The limits context's own values."""

from __future__ import annotations

from ..infrastructure.constants import LIMITS

LIMIT_FIELDS = (*LIMITS, "repositorySoftInMb", "repositoryHardInMb")  # every field of a limit a client may write
