"""Policy bindings in VM metadata (docs/BACKUP-RULES.md#policy-bindings): what the server does when a VM's backup
configuration changes.

``policyBindings`` → type → granularity → policy code. The five steps run in this order:
1. each code is a policy of the VM's datacenter (BC-23), allowed to its enterprise (403), with that
   (type, period) (BC-32);
2. more than one distinct code needs ``multiplePolicies`` (BC-27);
3. each bound schedule entry is filled from its policy configuration (fixed values written by the server,
   NOT_APPLY fields left out, fields defined in the VM required from the client);
4. no schedule entry without a binding while there are bindings (BC-34);
5. ``backupSchedule.policies`` is written by the server: the sorted bound codes.

Values the VM defines (a time, days, disks) need a privilege only when they change, so that a user without
it can still save a VM whose stored values another user chose.

A policy the 3.8 → 3.8.5 upgrade made (``legacy``, docs/BACKUP-RULES.md#upgrade) keeps 3.8's rules for the entries
bound to it: every value is the VM's, a time may be left out, a weekly entry names a day. And while a client sends
back the bindings it read, bindings to such policies follow the schedule as 3.8 knew it: an entry added is bound to
the upgrade's policy of its type and granularity, an entry removed loses its binding. So every edit 3.8 accepted on a
VM is accepted after the upgrade, whether the client keeps the bindings it read or sends none.
"""

from __future__ import annotations

from ..backup.constants import BACKUP_TYPES, GRANULARITIES, NOT_APPLY, WEEKDAYS
from ..backup.model import allowed_policy_ids, is_legacy, legacy_policy, policy_by_code, properties
from ..errors import AbiquoError
from ..security import User
from ..store import Store
from .constants import POLICIES_KEY
from .legacy_schedule import entries, require_days

IN_VM = object()  # the policy leaves the field to the VM (the field is absent from the policy)


def bound_pairs(bindings: object) -> list[tuple[str, str, str]]:
    """(type, granularity, code) of a policyBindings object, or the error its shape breaks."""
    if bindings is None:
        return []
    if not isinstance(bindings, dict):
        raise AbiquoError("GEN-2", "Invalid document: policyBindings must be an object")
    pairs = []
    for backup_type, granularities in bindings.items():
        if backup_type not in BACKUP_TYPES:
            raise AbiquoError("BC-5", f"Invalid backup type '{backup_type}' in policyBindings")
        if not isinstance(granularities, dict):
            raise AbiquoError("GEN-2", f"Invalid document: policyBindings.{backup_type} must be an object")
        for granularity, code in granularities.items():
            if granularity not in GRANULARITIES:
                raise AbiquoError("BC-8", f"Invalid backup granularity '{granularity}' in policyBindings")
            if not isinstance(code, str) or not code:
                raise AbiquoError(
                    "GEN-2", f"Invalid document: policyBindings.{backup_type}.{granularity} must be a policy code"
                )
            pairs.append((backup_type, granularity, code))
    return pairs


def apply_bindings(
    store: Store, user: User, vm: dict, schedule: dict | None, bindings: object, stored_schedule: object
) -> dict | None:
    """The backupSchedule to store for these bindings (steps 1 to 5), or the error a step raises."""
    pairs = bound_pairs(bindings)
    configurations = bound_configurations(store, vm, pairs)  # steps 1, 2
    codes = sorted({code for _, _, code in pairs})
    if schedule is None and not pairs:
        return None
    result = dict(schedule or {})
    for (backup_type, granularity), (configuration, legacy) in configurations.items():  # step 3
        sent = (result.get(backup_type) or {}).get(granularity, {})
        stored = _stored_entry(stored_schedule, backup_type, granularity)
        if legacy:  # the upgrade's policy: the entry is the VM's own, as in 3.8
            check_vm_values(user, backup_type, granularity, sent, stored)
            filled = sent
        else:
            filled = fill_entry(user, configuration, sent, stored, f"{backup_type}/{granularity}")
        result[backup_type] = {**result.get(backup_type, {}), granularity: filled}
    for backup_type, granularity, entry in list(entries(result)):
        if pairs and (backup_type, granularity) not in configurations:  # step 4
            raise AbiquoError("BC-34", f"The backup schedule {backup_type}/{granularity} has no policy binding")
        if not pairs:  # legacy form: every value is the VM's own
            check_vm_values(
                user, backup_type, granularity, entry, _stored_entry(stored_schedule, backup_type, granularity)
            )
    result.pop(POLICIES_KEY, None)  # step 5
    return {POLICIES_KEY: codes, **result} if pairs else result


def bound_configurations(store: Store, vm: dict, pairs: list[tuple[str, str, str]]) -> dict:
    """Steps 1 and 2: (type, granularity) -> (the policy configuration each binding names, whether the policy is
    one the upgrade made)."""
    configurations = {(t, g): _configuration(store, vm, t, g, code) for t, g, code in pairs}
    codes = sorted({code for _, _, code in pairs})
    for code in codes:
        _check_whole_policy(store, vm, code, {(t, g) for t, g, c in pairs if c == code})
    if len(codes) > 1 and not properties(store, vm["datacenter"])["multiplePolicies"]:
        raise AbiquoError(
            "BC-27",
            f"Cannot select multiple backup policies ({', '.join(codes)}): "
            "multiple policies are disabled in the datacenter",
        )
    return configurations


def _check_whole_policy(store: Store, vm: dict, code: str, bound: set[tuple[str, str]]) -> None:
    """A VM is assigned whole policies (policyBindings "specifies all the backup types in the backup policy"):
    a PUT binding only some configurations of a policy is refused, never completed behind the client's back,
    since the schedule values of the others (a time defined in the VM) can only come from the client."""
    policy = policy_by_code(store, vm["datacenter"], code)
    assert policy is not None  # the codes were found in the datacenter before
    wanted = {(c["type"].lower(), c["period"].lower()) for c in policy.get("backupConfigurations", [])}
    missing = sorted(wanted - bound)
    if missing:
        raise AbiquoError(
            "BC-14",
            f"Missing backup values: the backup policy '{code}' is assigned whole, so bind also "
            + ", ".join(f"{t}/{g}" for t, g in missing),
        )


def _configuration(store: Store, vm: dict, backup_type: str, granularity: str, code: str) -> tuple[dict, bool]:
    policy = policy_by_code(store, vm["datacenter"], code)
    if policy is None:
        raise AbiquoError("BC-23", f"There is no backup policy '{code}' in the datacenter of the virtual machine")
    if policy["id"] not in allowed_policy_ids(store, vm["enterprise"], vm["datacenter"]):
        raise AbiquoError(
            "403-FORBIDDEN", f"The backup policy '{code}' is not allowed to the enterprise of the virtual machine"
        )
    for configuration in policy.get("backupConfigurations", []):
        if (configuration["type"], configuration["period"]) == (backup_type.upper(), granularity.upper()):
            return configuration, is_legacy(policy)
    raise AbiquoError(
        "BC-32", f"The backup policy '{code}' has no {backup_type.upper()} {granularity.upper()} configuration"
    )


def followed_bindings(store: Store, vm: dict, sent: object, stored: object, schedule: object) -> object:
    """The bindings to store: those sent, except that bindings the client sent back as read that all name policies
    the upgrade made follow the schedule sent (each entry bound to the upgrade's policy of its type and granularity,
    if the VM's datacenter has one; an entry without one is left unbound, and so refused)."""
    if not isinstance(stored, dict) or sent != stored:
        return sent
    pairs = bound_pairs(stored)
    if not all(is_legacy(policy_by_code(store, vm["datacenter"], code) or {}) for _, _, code in pairs):
        return sent
    followed: dict[str, dict[str, str]] = {}
    for backup_type, granularity, _ in entries(schedule):
        policy = legacy_policy(store, vm["datacenter"], backup_type, granularity)
        if policy is None:
            return sent
        followed.setdefault(backup_type, {})[granularity] = policy["code"]
    return followed


def _stored_entry(stored_schedule: object, backup_type: str, granularity: str) -> dict:
    for t, g, entry in entries(stored_schedule):
        if (t, g) == (backup_type, granularity) and isinstance(entry, dict):
            return entry
    return {}


def _mode(value: object) -> object:
    return IN_VM if value is None else value


def fill_entry(user: User, configuration: dict, sent: dict, stored: dict, where: str) -> dict:
    """Step 3 for one bound entry: the entry to store, built from the policy and what the client sent."""
    period = configuration["period"]
    time_mode, fixed_part = _time_mode(configuration)
    entry = dict(sent)
    if time_mode is IN_VM:
        _check_vm_time(user, sent, stored, where, fixed_part, configuration)
    elif time_mode == NOT_APPLY:
        if "time" in sent:
            raise AbiquoError("BC-6", f"The time of {where} is not used by its backup policy: send no time")
    else:
        if "time" in sent and sent["time"] != time_mode:
            raise AbiquoError("BC-6", f"The time of {where} is fixed by its backup policy to '{time_mode}'")
        entry = {"time": time_mode, **{k: v for k, v in sent.items() if k != "time"}}
    if period == "WEEKLY_PLANNED":
        entry = _fill_days(user, configuration.get("days"), entry, stored, where)
    _check_disks(user, sent, stored, where)
    return entry


def _time_mode(configuration: dict) -> tuple[object, tuple[str, object] | None]:
    """The mode of the metadata ``time`` and, when the VM defines part of it, the part the policy fixes."""
    time = _mode(configuration.get("time"))
    if configuration["period"] != "DEFINED_HOUR":
        return time, None
    date = _mode(configuration.get("date"))
    if NOT_APPLY in (date, time):
        return NOT_APPLY, None
    if date is IN_VM and time is IN_VM:
        return IN_VM, None
    if date is not IN_VM and time is not IN_VM:
        return f"{date} {time}", None
    return IN_VM, ("date", date) if date is not IN_VM else ("time", time)


def _check_vm_time(user: User, sent: dict, stored: dict, where: str, fixed_part, configuration: dict) -> None:
    if "time" in sent and sent["time"] != stored.get("time"):
        user.require("VAPP_DEFINE_BACKUP_INFO", f"setting the time of {where}")
    if "time" not in sent:
        date_missing = configuration["period"] == "DEFINED_HOUR" and configuration.get("date") is None
        time_missing = configuration.get("time") is None
        raise AbiquoError(
            "BC-11" if time_missing or not date_missing else "BC-13",
            f"The backup policy of {where} leaves its time to the virtual machine: send it",
        )
    if fixed_part is not None:
        which, value = fixed_part
        date, _, time = sent["time"].partition(" ")
        if (date if which == "date" else time) != value:
            raise AbiquoError("BC-6", f"The {which} of {where} is fixed by its backup policy to '{value}'")


def _fill_days(user: User, policy_days: object, entry: dict, stored: dict, where: str) -> dict:
    sent_days = [day for day in WEEKDAYS if day in entry]
    if policy_days is None:  # defined in the VM
        if sent_days != [day for day in WEEKDAYS if day in stored]:
            user.require("VAPP_DEFINE_BACKUP_INFO", f"setting the days of {where}")
        if not sent_days:
            raise AbiquoError(
                "BC-19",
                f"The backup policy of {where} leaves its days to the virtual machine: "
                'send at least one (monday…sunday: "true")',
            )
        return entry
    if policy_days == NOT_APPLY:
        if sent_days:
            raise AbiquoError("BC-6", f"The days of {where} are not used by its backup policy: send no day")
        return entry
    assert isinstance(policy_days, list)  # a policy's days: NOT_APPLY, defined in the VM (None), or fixed
    fixed = [day.lower() for day in policy_days]
    if sent_days and set(sent_days) != set(fixed):
        raise AbiquoError("BC-6", f"The days of {where} are fixed by its backup policy to {', '.join(fixed)}")
    return {
        **{k: v for k, v in entry.items() if k not in WEEKDAYS},
        **{day: "true" for day in WEEKDAYS if day in fixed},
    }


def _check_disks(user: User, sent: dict, stored: dict, where: str) -> None:
    if sent.get("disks") != stored.get("disks"):
        user.require("VAPP_MANAGE_BACKUP_DISKS", f"choosing the disks of {where}")


def check_vm_values(user: User, backup_type: str, granularity: str, entry: dict, stored: dict) -> None:
    """A legacy (unbound) entry: the VM defines every value, so a change needs the privileges, and a weekly
    planned entry needs a day (BC-19)."""
    where = f"{backup_type}/{granularity}"
    if entry.get("time") != stored.get("time"):
        user.require("VAPP_DEFINE_BACKUP_INFO", f"setting the time of {where}")
    if [d for d in WEEKDAYS if d in entry] != [d for d in WEEKDAYS if d in stored]:
        user.require("VAPP_DEFINE_BACKUP_INFO", f"setting the days of {where}")
    _check_disks(user, entry, stored, where)
    require_days(backup_type, granularity, entry)
