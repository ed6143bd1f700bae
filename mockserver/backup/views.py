"""The backup endpoints (blueprint registered under /api)."""
from __future__ import annotations

from flask import Blueprint

bp = Blueprint("backup", __name__)
