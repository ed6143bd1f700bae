"""What a tenant sees of a datacenter's backup policies: exactly those its enterprise's limit there allows."""

from __future__ import annotations

from .. import ordering
from ..errors import AbiquoError
from ..infrastructure import model as infrastructure
from ..security import User
from ..store import Store
from .model import allowed_policy_ids


def location_policies(store: Store, user: User, loc_id: int) -> list[dict]:
    """What a tenant sees of a datacenter's policies: exactly those its enterprise's limit allows."""
    infrastructure.location(store, user, loc_id)
    allowed = allowed_policy_ids(store, user.enterprise, loc_id)
    return [p for p in ordering.where(store, "backuppolicies", datacenter=loc_id) if p["id"] in allowed]


def location_policy(store: Store, user: User, loc_id: int, policy_id: int) -> dict:
    infrastructure.location(store, user, loc_id)
    found = store.get("backuppolicies", policy_id)
    if (
        found is None
        or found["datacenter"] != loc_id
        or policy_id not in allowed_policy_ids(store, user.enterprise, loc_id)
    ):
        raise AbiquoError("BC-23", f"The backup policy {policy_id} does not exist in location {loc_id}")
    return found
