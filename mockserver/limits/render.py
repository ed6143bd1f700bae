"""How a limit looks on the wire: its numbers, and links to its enterprise, its datacenter and its policies."""

from __future__ import annotations

from ..http.links import link
from ..infrastructure.render import datacenter_path, policy_path
from .constants import LIMIT_FIELDS


def limit(lim: dict, policies: list[dict]) -> dict:
    """``policies`` are the stored policies the limit allows, in the order the limit lists them."""
    base = f"/admin/enterprises/{lim['enterprise']}/limits/{lim['id']}"
    links = [
        link("edit", base, "limit", f"edit datacenter limits {lim['id']}"),
        link("enterprise", f"/admin/enterprises/{lim['enterprise']}", "enterprise"),
        link("location", datacenter_path(lim["datacenter"]), "datacenter"),
    ] + [link("backuppolicy", policy_path(p["datacenter"], p["id"]), "backuppolicy", p["name"]) for p in policies]
    return {"id": lim["id"], **{f: lim.get(f, 0) for f in LIMIT_FIELDS}, "links": links}
