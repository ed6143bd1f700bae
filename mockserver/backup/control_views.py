"""The backup context's control operation: run the 3.8 → 3.8.5 upgrade on the store the mock serves."""

from __future__ import annotations

from ..extensions import store_of
from ..http import control as conventions
from .upgrade import upgrade_store

bp = conventions.blueprint("backup_control", __name__)


@conventions.control(
    bp,
    "POST",
    "/upgrade",
    op_id="mockUpgrade",
    summary="Upgrade the served Abiquo 3.8 world to 3.8.5 in place, in one transaction (open event streams stay "
    "open), and report what changed; on a 3.8.5 world it changes nothing",
)
def upgrade():
    return upgrade_store(store_of())
