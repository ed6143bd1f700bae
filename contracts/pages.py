"""Where each VM is listed: the pages a connector must fetch to find it, on both walks.

The crawl reaches a VM through a chain of collections (datacenters, the datacenter's racks, the rack's
machines, the machine's VMs); the cloud-wide list reaches it directly. A VM is found on a walk when every
page of its chain that lists the next step was fetched. Positions are taken in each collection's default
order, and a fetched page covers ``startwith`` to ``startwith + limit`` of that order.
"""

from __future__ import annotations

from dataclasses import dataclass
from urllib.parse import parse_qs

DEFAULT_LIMIT = 25
CLOUD_LIST = "/api/cloud/virtualmachines"


@dataclass(frozen=True)
class Place:
    """Item ``index`` (0-based, default order) of the collection at ``path``."""

    path: str
    index: int

    def describe(self) -> str:
        page = self.index // DEFAULT_LIMIT
        return f"page {page + 1} of {self.path} (startwith={page * DEFAULT_LIMIT})"


Walk = tuple[Place, ...]


def fetched_ranges(journal: list[dict]) -> dict[str, list[range]]:
    """The item ranges of every collection page a client fetched (200, default order), by path."""
    ranges: dict[str, list[range]] = {}
    for entry in journal:
        if entry.get("method") != "GET" or entry.get("status") != 200:
            continue
        query = parse_qs(entry.get("query") or "")
        if query.get("asc", ["true"])[0] != "true" or query.get("has"):
            continue  # another order or a filter: its positions are not the ones we know
        if query.get("by", ["name"])[0] != "name":
            continue  # every walked collection is in name order by default
        try:
            start, limit = int(query.get("startwith", ["0"])[0]), int(query.get("limit", [str(DEFAULT_LIMIT)])[0])
        except ValueError:
            continue
        ranges.setdefault(entry["path"].rstrip("/"), []).append(range(start, start + limit))
    return ranges


def first_unfetched(walk: Walk, ranges: dict[str, list[range]]) -> Place | None:
    """The first place on the walk whose page was never fetched, or None when the walk was followed."""
    for place in walk:
        if not any(place.index in r for r in ranges.get(place.path, [])):
            return place
    return None
