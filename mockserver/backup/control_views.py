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
    summary="Run the 3.8 → 3.8.5 backup upgrade on the store and report what it changed",
)
def upgrade():
    return upgrade_store(store_of())
