"""Backup policies of a datacenter and its backup properties, and the queries other contexts ask of them:
which VMs are bound to a policy, which policies an enterprise is allowed. The rules are those of
docs/BACKUP-RULES.md (#datacenter-backup-properties, #policies).

A policy is stored in canonical form: type, period and days upper case, a schedule field absent when it is
defined in the VM, the literal NOT_APPLY when the backup system decides it. A policy the 3.8 → 3.8.5 upgrade made
is stored with ``legacy: true`` (not served: the wire format has no such field): the entries bound to it keep 3.8's
rules (metadata/bindings.py) until its configurations change.
"""

from __future__ import annotations

import copy
from datetime import datetime

from .. import ordering, release
from ..errors import AbiquoError
from ..http.integers import JAVA_INT
from ..infrastructure.model import belonging, datacenter
from ..ordering import Selection
from ..store import Store
from .constants import (
    CODE_PATTERN,
    DATE_FORMAT,
    DATE_SHAPE,
    DESCRIPTION_MAX,
    HOURS_PATTERN,
    LEGACY,
    NAME_MAX,
    NOT_APPLY,
    NUMBER_PATTERN,
    PERIOD_FIELDS,
    PERIODS,
    POLICY_FIELDS,
    POLICY_TYPES,
    POLICY_WEEKDAYS,
    PROPERTY_NAMES,
    TIME_PATTERN,
)

# --- datacenter backup properties -----------------------------------------------------------------------


def properties(store: Store, dc_id: int) -> dict:
    """The datacenter's three backup switches; a datacenter never configured has them all off."""
    stored = store.get("backupproperties", dc_id) or {}
    return {name: bool(stored.get(name, False)) for name in PROPERTY_NAMES}


def datacenter_properties(store: Store, dc_id: int) -> dict:
    datacenter(store, dc_id)
    return properties(store, dc_id)


def update_properties(store: Store, dc_id: int, body: object) -> dict:
    datacenter(store, dc_id)
    if not release.of(store).has_policies:
        raise AbiquoError("404-NOT-FOUND", f"Abiquo {release.of(store).name} has no backup properties")
    if not isinstance(body, dict):
        raise AbiquoError("GEN-2", "Invalid document: a backupdatacenterproperties object is expected")
    unknown = sorted(set(body) - set(PROPERTY_NAMES) - {"links"})
    if unknown:
        raise AbiquoError("GEN-2", f"Invalid document: unknown fields {', '.join(unknown)}")
    for name in PROPERTY_NAMES:
        if not isinstance(body.get(name), bool):
            raise AbiquoError("GEN-2", f"Invalid document: '{name}' is mandatory and must be true or false")
    check_links(body)
    values = {name: body[name] for name in PROPERTY_NAMES}
    if not values["multiplePolicies"]:
        _check_no_vm_holds_several_policies(store, dc_id)
    store.put("backupproperties", dc_id, values)
    return values


def _check_no_vm_holds_several_policies(store: Store, dc_id: int) -> None:
    """Multiple policies cannot be switched off while a VM of the datacenter still uses several."""
    vm = ordering.select(store, HOLDING_SEVERAL, dc_id).first()
    if vm is not None:
        raise AbiquoError(
            "BC-27",
            f"Cannot disable multiple backup policies: virtual machine '{vm['name']}' "
            f"has {', '.join(sorted(bound_codes(vm.get('metadata'))))}",
        )


def check_links(body: dict) -> None:
    """Links in a body carry no meaning here, but when sent they must still be a list of links."""
    if "links" not in body:
        return
    links = body["links"]
    if not isinstance(links, list) or not all(
        isinstance(entry, dict)
        and isinstance(entry.get("rel"), str)
        and isinstance(entry.get("href"), str)
        and all(isinstance(entry.get(k, ""), str) for k in ("type", "title"))
        for entry in links
    ):
        raise AbiquoError("GEN-2", "Invalid document: 'links' must be a list of links with rel and href")


# --- queries other contexts use -------------------------------------------------------------------------


def policy_by_code(store: Store, dc_id: int, code: str) -> dict | None:
    """The policy of a datacenter with that code (codes are compared exactly), or None."""
    return ordering.where(store, "backuppolicies", datacenter=dc_id, code=code).first()


def is_legacy(policy: dict) -> bool:
    """Whether the upgrade made the policy from the 3.8 configuration (and its configurations are still those)."""
    return policy.get(LEGACY) is True


def legacy_policy(store: Store, dc_id: int, backup_type: str, granularity: str) -> dict | None:
    """The policy the upgrade made in a datacenter for one backup type and granularity, or None."""
    wanted = [{"type": backup_type.upper(), "period": granularity.upper()}]
    found = (
        p
        for p in ordering.where(store, "backuppolicies", datacenter=dc_id, **{LEGACY: True})
        if p["backupConfigurations"] == wanted
    )
    return next(found, None)


def allowed_policy_ids(store: Store, enterprise_id: int, dc_id: int) -> set[int]:
    """The policies an enterprise may use in a datacenter: those its limit there allows."""
    limit = ordering.where(store, "limits", enterprise=enterprise_id, datacenter=dc_id).first()
    return set(limit.get("backuppolicies", [])) if limit else set()


def bound_codes(metadata: object) -> set[str]:
    """Every policy code a VM's metadata binds (policyBindings: type -> granularity -> code)."""
    bindings = metadata.get("policyBindings") if isinstance(metadata, dict) else None
    if not isinstance(bindings, dict):
        return set()
    return {
        code
        for granularities in bindings.values()
        if isinstance(granularities, dict)
        for code in granularities.values()
        if isinstance(code, str)
    }


def _bound_in(vm: dict) -> tuple:
    return tuple((vm.get("datacenter"), code) for code in sorted(bound_codes(vm.get("metadata"))))


# The VMs that bind each policy, by (datacenter, code); and those that bind several policies, by datacenter.
BOUND = ordering.Grouping("virtualmachines", "bound to a policy", _bound_in)
HOLDING_SEVERAL = ordering.Grouping(
    "virtualmachines",
    "bound to several policies",
    lambda vm: (vm.get("datacenter"),) if len(bound_codes(vm.get("metadata"))) > 1 else (),
)


def vms_bound_to(store: Store, policy: dict) -> list[dict]:
    """The VMs of the policy's datacenter whose metadata binds the policy's code, in id order."""
    return ordering.select(store, BOUND, (policy["datacenter"], policy["code"])).documents()


# --- policies -------------------------------------------------------------------------------------------


def policies(store: Store, dc_id: int) -> Selection:
    datacenter(store, dc_id)
    return ordering.where(store, "backuppolicies", datacenter=dc_id)


def policy(store: Store, dc_id: int, policy_id: int) -> dict:
    datacenter(store, dc_id)
    return belonging(
        store,
        "backuppolicies",
        policy_id,
        "BC-23",
        f"The backup policy {policy_id} does not exist in datacenter {dc_id}",
        datacenter=dc_id,
    )


def create_policy(store: Store, dc_id: int, body: object) -> dict:
    datacenter(store, dc_id)
    wanted = policy_from_document(body)
    with store.transaction():
        _check_code_free(store, dc_id, wanted["code"])
        policy_id = store.insert("backuppolicies", {"datacenter": dc_id, **wanted})
        created = store.get("backuppolicies", policy_id)
        assert created is not None  # just inserted, in this transaction
        return created


def update_policy(store: Store, dc_id: int, policy_id: int, body: object) -> dict:
    with store.transaction():
        current = policy(store, dc_id, policy_id)
        wanted = policy_from_document(body)
        code_changes = wanted["code"] != current["code"]
        configurations_change = _configuration_set(wanted["backupConfigurations"]) != _configuration_set(
            current["backupConfigurations"]
        )
        if code_changes:
            _check_code_free(store, dc_id, wanted["code"])
        if (code_changes or configurations_change) and vms_bound_to(store, current):
            what = "code" if code_changes else "backup configurations"
            raise AbiquoError(
                "BC-29",
                f"Cannot update the {what} of the backup policy '{current['code']}' "
                "because there are virtual machines assigned to it",
            )
        updated = {**copy.deepcopy(current), **wanted}
        if configurations_change:
            updated.pop(LEGACY, None)  # no longer the 3.8 configuration the upgrade made it from
        store.put("backuppolicies", policy_id, updated)
        return updated


def delete_policy(store: Store, dc_id: int, policy_id: int) -> dict:
    """Delete a policy no VM is bound to; answer the deleted policy."""
    with store.transaction():
        current = policy(store, dc_id, policy_id)
        bound = vms_bound_to(store, current)
        if bound:
            names = ", ".join(vm["name"] for vm in bound)
            raise AbiquoError(
                "BC-25",
                f"Cannot delete the backup policy '{current['code']}' because the virtual "
                f"machines {names} have it assigned",
            )
        # A deleted policy is no longer allowed anywhere, so a later policy reusing its id is not either.
        for limit in ordering.where(store, "limits", datacenter=dc_id):
            if policy_id in limit.get("backuppolicies", []):
                store.put(
                    "limits",
                    limit["id"],
                    {**limit, "backuppolicies": [p for p in limit["backuppolicies"] if p != policy_id]},
                )
        store.delete("backuppolicies", policy_id)
        return current


def _check_code_free(store: Store, dc_id: int, code: str) -> None:
    if policy_by_code(store, dc_id, code) is not None:
        raise AbiquoError("BC-24", f"The backup policy code '{code}' is already used in datacenter {dc_id}")


def _configuration_set(configurations: list[dict]) -> list[tuple]:
    # Configurations have set semantics: their order never counts as a change.
    return sorted(tuple(sorted((k, repr(v)) for k, v in c.items())) for c in configurations)


# --- reading a policy document --------------------------------------------------------------------------


def policy_from_document(body: object) -> dict:
    """The canonical policy a backuppolicy document describes (id and links are ignored), or 400."""
    if not isinstance(body, dict):
        raise AbiquoError("GEN-2", "Invalid document: a backuppolicy object is expected")
    unknown = sorted(set(body) - set(POLICY_FIELDS))
    if unknown:
        raise AbiquoError("GEN-2", f"Invalid document: unknown fields {', '.join(unknown)}")
    JAVA_INT.check(body, "id")
    check_links(body)
    code, name = body.get("code"), body.get("name")
    if not isinstance(code, str) or not CODE_PATTERN.fullmatch(code):
        raise AbiquoError("GEN-2", "Invalid document: 'code' is mandatory: 1 to 64 letters, digits, '_', '.' or '-'")
    if not isinstance(name, str) or not 1 <= len(name) <= NAME_MAX:
        raise AbiquoError("GEN-2", f"Invalid document: 'name' is mandatory: 1 to {NAME_MAX} characters")
    description = body.get("description", "")
    if not isinstance(description, str) or len(description) > DESCRIPTION_MAX:
        raise AbiquoError("GEN-2", f"Invalid document: 'description' is text of at most {DESCRIPTION_MAX} characters")
    return {
        "code": code,
        "name": name,
        "description": description,
        "backupConfigurations": backup_configurations(body.get("backupConfigurations")),
    }


def backup_configurations(raw: object) -> list[dict]:
    if not isinstance(raw, list):
        raise AbiquoError("GEN-2", "Invalid document: 'backupConfigurations' is mandatory and must be a list")
    seen: set[tuple[str, str]] = set()
    result = []
    for item in raw:
        configuration = backup_configuration(item)
        pair = (configuration["type"], configuration["period"])
        if pair in seen:
            raise AbiquoError("BC-30", f"The backup configuration {pair[0]} {pair[1]} appears more than once")
        seen.add(pair)
        result.append(configuration)
    return result


def backup_configuration(item: object) -> dict:
    if not isinstance(item, dict):
        raise AbiquoError("GEN-2", "Invalid document: each backup configuration must be an object")
    unknown = sorted(set(item) - {"type", "period", "time", "days", "date"})
    if unknown:
        raise AbiquoError("GEN-2", f"Invalid document: unknown backup configuration fields {', '.join(unknown)}")
    if item.get("type") is None or item.get("period") is None:
        raise AbiquoError("BC-33")
    backup_type = _one_of(item["type"], POLICY_TYPES, "BC-5", "backup type")
    period = _one_of(item["period"], PERIODS, "BC-8", "backup period")
    foreign = sorted(set(item) - {"type", "period"} - set(PERIOD_FIELDS[period]))
    if foreign:
        raise AbiquoError("GEN-2", f"Invalid document: a {period} backup configuration has no {', '.join(foreign)}")
    configuration: dict[str, object] = {"type": backup_type, "period": period}
    if "time" in item:
        configuration["time"] = _hours(item["time"]) if period == "HOURLY" else _time(item["time"])
    if "date" in item:
        configuration["date"] = _date(item["date"])
    if "days" in item:
        configuration["days"] = _days(item["days"])
    return configuration


def _one_of(value: object, allowed: tuple[str, ...], code: str, what: str) -> str:
    if isinstance(value, str) and value.isascii() and value.upper() in allowed:
        return value.upper()
    raise AbiquoError(code, f"Invalid {what} {value!r}: one of {', '.join(allowed)} is expected")


def _not_apply(value: object) -> bool:
    return isinstance(value, str) and value.isascii() and value.upper() == NOT_APPLY


def _hours(value: object) -> str:
    if _not_apply(value):
        return NOT_APPLY
    if isinstance(value, str) and HOURS_PATTERN.fullmatch(value):
        return value.lstrip("0") or "0"
    if isinstance(value, str) and NUMBER_PATTERN.fullmatch(value):
        raise AbiquoError("BC-16", f"Invalid hourly value {value}: accepted values are integers from 0 to 24")
    raise AbiquoError("BC-12", f"Invalid hourly time {value!r}: a number of hours from 0 to 24 is expected")


def _time(value: object) -> str:
    if _not_apply(value):
        return NOT_APPLY
    if isinstance(value, str) and TIME_PATTERN.fullmatch(value):
        return value
    raise AbiquoError("BC-12", f"Invalid time {value!r}: the format is HH:mm:ss Z, e.g. 22:00:00 +0100")


def _date(value: object) -> str:
    if _not_apply(value):
        return NOT_APPLY
    if isinstance(value, str) and DATE_SHAPE.fullmatch(value):
        try:
            datetime.strptime(value, DATE_FORMAT)
            return value
        except ValueError:
            pass
    raise AbiquoError("BC-13", f"Invalid date {value!r}: the format is yyyy/MM/dd, e.g. 2026/12/24")


def _days(value: object) -> str | list[str]:
    if _not_apply(value):
        return NOT_APPLY
    if not isinstance(value, list):
        raise AbiquoError("GEN-2", "Invalid document: 'days' is a list of weekdays or NOT_APPLY")
    if not value:
        raise AbiquoError("BC-19", "A weekly planned backup requires at least one day (or NOT_APPLY)")
    wanted = {_one_of(day, POLICY_WEEKDAYS, "BC-28", "day of week") for day in value}
    return [day for day in POLICY_WEEKDAYS if day in wanted]
