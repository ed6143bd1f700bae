"""Which Abiquo release the installation runs (3.8 or 3.8.5): part of the world, consulted by the rules that differ.

This is the product the server is, not the version of its media types (``http/media.py``: both releases speak API
version 3.8 in ``Accept`` and ``Content-Type``). It is stored as the one document of the table ``installation``, so
that it changes in the same transaction as the data it governs (the upgrade switches both at once), a reset sets it
with the world, and a kept answer computed from it is dropped the moment it changes (reading it is a tracked read
like any other). A store without that document is a 3.8.5 installation: every world saved before releases were
told apart was served as 3.8.5.

A release is compared with another by its place in ``RELEASES`` (oldest first), so a rule asks what a release has
(``release.has_policies``) or whether it is at least the one that brought something (``offers``); a later release
is one more line there.
"""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass, field
from types import MappingProxyType

from .store import Store

TABLE = "installation"  # one document, id 1: {"abiquo": <release name>, ...}
ID = 1


@dataclass(frozen=True)
class Release:
    rank: int  # place in RELEASES: a later release has a higher rank
    name: str  # as a user names it (serve --abiquo, reset {"abiquo": ...}, a scenario's abiquo key)
    version: str  # what /api/version answers
    scenario: str  # the world served when none is named
    # error codes this release's catalogue spells otherwise (the 3.8.0 catalogue has BC11 for BC-11)
    spellings: Mapping[str, str] = field(default_factory=lambda: MappingProxyType({}))
    aliases: tuple[str, ...] = ()

    def offers(self, since: str | None) -> bool:
        """Whether this release has what the release named ``since`` brought (None: every release has it)."""
        return since is None or self.rank >= named(since).rank

    @property
    def has_policies(self) -> bool:
        """Backup policies, datacenter backup properties, policies allowed in limits and policyBindings."""
        return self.offers(BACKUP_POLICIES)

    def spelled(self, code: str) -> str:
        return self.spellings.get(code, code)


RELEASES = (
    Release(0, "3.8", "3.8.0", "legacy-3.8", MappingProxyType({"BC-11": "BC11"}), aliases=("3.8.0",)),
    Release(1, "3.8.5", "3.8.5", "demo"),
)
BACKUP_POLICIES = RELEASES[1].name  # the release that brought backup policies
DEFAULT = RELEASES[-1]  # a store that names no release


def names() -> list[str]:
    return [r.name for r in RELEASES]


def named(name: object) -> Release:
    """The release called ``name`` (or one of its aliases); ValueError naming the known ones otherwise."""
    for release in RELEASES:
        if name == release.name or name in release.aliases:
            return release
    raise ValueError(f"there is no Abiquo release {name!r} (known: {', '.join(names())})")


def of(store: Store) -> Release:
    """The release the store's world runs."""
    found = store.get(TABLE, ID)
    return named(found["abiquo"]) if found else DEFAULT


def document(release: Release, **extra: object) -> dict:
    """The installation document of a world that runs ``release``."""
    return {"id": ID, "abiquo": release.name, **extra}


def of_world(tables: Mapping[str, list[dict]]) -> Release:
    """The release a world (tables, as a scenario gives them) runs."""
    found = next((d for d in tables.get(TABLE, []) if d.get("id") == ID), None)
    return named(found["abiquo"]) if found else DEFAULT


def why_not_served(tables: Mapping[str, list[dict]], release: Release) -> str | None:
    """Why a world cannot run ``release`` (None when it can): a release before backup policies has no policy, no
    policy allowed to an enterprise and no bound codes in a VM's schedule (``backupSchedule.policies``, which its
    rules refuse; a ``policyBindings`` key is one more custom key there)."""
    if release.has_policies:
        return None
    if tables.get("backuppolicies"):
        return f"it holds backup policies, which Abiquo {release.name} does not have"
    if any(limit.get("backuppolicies") for limit in tables.get("limits", [])):
        return f"its limits allow backup policies, which Abiquo {release.name} does not have"
    for vm in tables.get("virtualmachines", []):
        metadata = vm.get("metadata")
        schedule = metadata.get("backupSchedule") if isinstance(metadata, dict) else None
        if isinstance(schedule, dict) and "policies" in schedule:
            return f"virtual machine {vm['id']} is bound to backup policies, which Abiquo {release.name} does not have"
    return None
