"""The metadata endpoints (blueprint registered under /api)."""
from __future__ import annotations

from flask import Blueprint

bp = Blueprint("metadata", __name__)
