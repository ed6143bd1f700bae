"""The backup context's control operation: run the 3.8 → 3.8.5 upgrade on the store the mock serves."""

from __future__ import annotations

from ..errors import AbiquoError
from ..extensions import store_of
from ..http import control as conventions
from .upgrade import upgrade_store

bp = conventions.blueprint("backup_control", __name__)


@conventions.control(
    bp,
    "POST",
    "/upgrade",
    op_id="mockUpgrade",
    errors=("GEN-2", "GEN-3"),
    summary="Upgrade the served Abiquo 3.8 world to 3.8.5 in place, in one transaction (open event streams stay "
    "open), and report what changed; on a 3.8.5 world it changes nothing. It takes no body (or {})",
)
def upgrade():
    # A body is a caller's mistake (an option the upgrade does not have): say so rather than upgrade regardless.
    body = conventions.json_body()
    if body:
        raise AbiquoError("GEN-2", f"The upgrade takes no body; unknown field {next(iter(body))!r}")
    return upgrade_store(store_of())
