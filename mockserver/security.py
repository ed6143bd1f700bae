"""Users, roles and privileges, as the model sees them (no Flask here)."""

from __future__ import annotations

from dataclasses import dataclass

from .errors import AbiquoError

# The privileges the backup surface and the infrastructure it stands on check (Abiquo's names).
PRIVILEGES = (
    "PHYS_DC_ENUMERATE",  # see the datacenters, racks and machines of the infrastructure
    "PHYS_DC_ALLOW_BACKUP_CONFIG",  # manage datacenter backup properties, policies and legacy configuration
    "ENTERPRISE_ENUMERATE",  # see every enterprise
    "ENTERPRISE_ADMINISTER_ALL",  # act on other enterprises: limits, their VMs, their users
    "USERS_VIEW",  # see the other users of one's enterprise ("Access Users view")
    "USERS_MANAGE_LIMITS",  # create / change enterprise limits (allow and restrict policies)
    "VAPP_MANAGE_BACKUP",  # change a VM's backup configuration
    "VAPP_DEFINE_BACKUP_INFO",  # set backup dates and times defined in the VM
    "VAPP_MANAGE_BACKUP_DISKS",  # choose the disks of a VM backup
    "VAPP_RESTORE_BACKUP",  # request a restore
    "VAPP_DEPLOY_UNDEPLOY",  # deploy and undeploy VMs
)


@dataclass(frozen=True)
class User:
    id: int
    nick: str
    enterprise: int
    role: int
    privileges: frozenset[str]
    system: bool = False  # the installation itself (the upgrade), not a user of it

    def can(self, privilege: str) -> bool:
        return privilege in self.privileges

    def require(self, privilege: str, action: str = "this operation") -> None:
        if privilege not in self.privileges:
            raise AbiquoError("403-FORBIDDEN", f"Access is denied: {action} needs the privilege {privilege}")

    def sees_enterprise(self, enterprise_id: int) -> bool:
        return enterprise_id == self.enterprise or self.can("ENTERPRISE_ADMINISTER_ALL")


# Who the installation's own changes (the 3.8 -> 3.8.5 upgrade) are recorded as: no user, so that no connector
# takes them for its own writes.
SYSTEM = User(0, "SYSTEM", 0, 0, frozenset(PRIVILEGES), system=True)


def expand_privileges(value: object) -> list[str]:
    """A role's privileges as stored: the word ALL or a list of names."""
    if value == "ALL":
        return list(PRIVILEGES)
    return [p for p in value] if isinstance(value, list) else []


def user_from_docs(user: dict, role: dict | None) -> User:
    privileges = frozenset(expand_privileges(role.get("privileges", [])) if role else ())
    return User(user["id"], user["nick"], user["enterprise"], user["role"], privileges)
