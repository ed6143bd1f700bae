"""Who may see which users, as Abiquo's user service decides (docs/BACKUP-RULES.md#users).

An enterprise's users are another tenant's business: reaching them through an enterprise the caller may not see
is EN-0, as for the enterprise itself. Within it, seeing other users needs USERS_VIEW (Abiquo's "Access Users
view"); without it the list holds the caller alone and any other user is refused (403).
"""

from __future__ import annotations

from ..errors import AbiquoError
from ..infrastructure import model as infrastructure
from ..security import User
from ..store import Store


def users(store: Store, caller: User, enterprise_id: int, activated: bool | None = None) -> list[dict]:
    infrastructure.enterprise(store, caller, enterprise_id)
    found = store.find("users", enterprise=enterprise_id)
    if not caller.can("USERS_VIEW"):
        found = [u for u in found if u["id"] == caller.id]
    if activated is not None:
        found = [u for u in found if u.get("active", True) == activated]
    return found


def user(store: Store, caller: User, enterprise_id: int, user_id: int) -> dict:
    infrastructure.enterprise(store, caller, enterprise_id)
    found = infrastructure.belonging(store, "users", user_id, "USER-3", enterprise=enterprise_id)
    if found["id"] != caller.id:
        caller.require("USERS_VIEW", "seeing another user")
    return found


def role(store: Store, caller: User, role_id: int) -> dict:
    """A role: the caller's own, or any for whoever acts on every enterprise."""
    found = store.get("roles", role_id)
    if found is None or (role_id != caller.role and not caller.can("ENTERPRISE_ADMINISTER_ALL")):
        raise AbiquoError("ROLE-0")
    return found
