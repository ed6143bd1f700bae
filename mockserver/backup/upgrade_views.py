"""The control operation that runs the 3.8 → 3.8.5 upgrade on the store the mock serves."""

from __future__ import annotations

from ..control.views import control
from ..extensions import store_of
from .upgrade import upgrade_store


@control(
    "POST",
    "/upgrade",
    op_id="mockUpgrade",
    summary="Run the 3.8 → 3.8.5 backup upgrade on the store and report what it changed",
)
def upgrade():
    return upgrade_store(store_of())
