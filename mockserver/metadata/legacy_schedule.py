"""The legacy (3.1.1–3.8) backup schedule and results in VM metadata, and their BC-5…BC-19 rules.

``backupSchedule`` → type → granularity → ``{time, disks | paths, monday…sunday: "true"}``.
These checks are structural: they hold for every entry, bound to a policy or not. Whether a value is
required (a day for weekly_planned, a time defined in the VM) depends on the policy binding, so
``require_days`` is asked by the caller for unbound entries only.

Choices where the facts are silent:
- ``time`` may be absent (EX38 accepted a complete/daily entry without it); a ``time`` that is present
  but null or empty is "not supplied" (BC-11).
- an entry that is not an object, a day key on another granularity, a day value other than "true"
  or an unknown key inside an entry is an invalid schedule (BC-14).
- disk ids may be sent as integers and are stored as strings (VERIFIED); other disk values are BC-17.
"""

from __future__ import annotations

import re

from ..backup.constants import BACKUP_TYPES, GRANULARITIES, LEGACY_DATE, LEGACY_HOURS, LEGACY_TIME, WEEKDAYS
from ..errors import AbiquoError
from .constants import DISK_TYPES, POLICIES_KEY, RESULT_STATUSES


def is_time(value: object) -> bool:
    return isinstance(value, str) and re.match(LEGACY_TIME, value) is not None


def is_date(value: object) -> bool:
    # The shape only, as the contract's pattern says: Java's lenient date parsing rolls 2026/02/30 over.
    return isinstance(value, str) and re.match(LEGACY_DATE, value) is not None


def is_date_time(value: object) -> bool:
    if not isinstance(value, str) or " " not in value:
        return False
    date, _, time = value.partition(" ")
    return is_date(date) and is_time(time)


def is_hourly(value: object) -> bool:
    return isinstance(value, str) and re.match(LEGACY_HOURS, value) is not None


def entries(schedule: object):
    """(type, granularity, entry) for every entry of a backupSchedule, in document order."""
    if not isinstance(schedule, dict):
        return
    for backup_type, granularities in schedule.items():
        if backup_type in BACKUP_TYPES and isinstance(granularities, dict):
            for granularity, entry in granularities.items():
                yield backup_type, granularity, entry


def checked_schedule(schedule: object, policies: bool = True) -> dict:
    """The schedule as it will be stored (disk ids as strings), or the BC error it breaks. Without ``policies``
    (Abiquo 3.8) the server writes no ``policies`` key, so one sent is an unknown backup type like any other."""
    if not isinstance(schedule, dict):
        raise AbiquoError("BC-14", "Invalid backup schedule: backupSchedule must be an object")
    checked = {}
    for backup_type, granularities in schedule.items():
        if backup_type == POLICIES_KEY and policies:
            if not (isinstance(granularities, list) and all(isinstance(c, str) and c for c in granularities)):
                raise AbiquoError("BC-14", "Invalid backup schedule: 'policies' must be a list of policy codes")
            checked[backup_type] = granularities  # the server rewrites it; see bindings
            continue
        if backup_type not in BACKUP_TYPES:
            raise AbiquoError("BC-5", f"Invalid backup type '{backup_type}': one of {', '.join(BACKUP_TYPES)}")
        if not isinstance(granularities, dict):
            raise AbiquoError("BC-14", f"Invalid backup schedule: '{backup_type}' must be an object")
        checked[backup_type] = {}  # type: ignore[assignment]
        for granularity, entry in granularities.items():
            if granularity not in GRANULARITIES:
                raise AbiquoError(
                    "BC-8",
                    f"Invalid backup granularity '{granularity}' in '{backup_type}': one of {', '.join(GRANULARITIES)}",
                )
            checked[backup_type][granularity] = checked_entry(backup_type, granularity, entry)
    return checked


def checked_entry(backup_type: str, granularity: str, entry: object) -> dict:
    where = f"{backup_type}/{granularity}"
    if not isinstance(entry, dict):
        raise AbiquoError("BC-14", f"Invalid backup schedule: {where} must be an object")
    checked = {}
    for key, value in entry.items():
        if key == "time":
            _check_time(where, granularity, value)
        elif key == "disks":
            value = _checked_disks(where, backup_type, value)
        elif key == "paths":
            _check_paths(where, backup_type, value)
        elif key in WEEKDAYS and granularity == "weekly_planned":
            if value != "true":
                raise AbiquoError("BC-14", f'Invalid backup schedule: {where}/{key} must be "true" when selected')
        else:
            raise AbiquoError("BC-14", f"Invalid backup schedule: unknown key '{key}' in {where}")
        checked[key] = value
    return checked


def require_days(backup_type: str, granularity: str, entry: dict) -> None:
    """BC-19: a weekly planned entry the VM defines names at least one day."""
    if granularity == "weekly_planned" and not any(day in entry for day in WEEKDAYS):
        raise AbiquoError("BC-19", f'{backup_type}/weekly_planned needs at least one day (monday…sunday: "true")')


def _check_time(where: str, granularity: str, value: object) -> None:
    if value is None or value == "":
        raise AbiquoError("BC-11", f"The time value of {where} was not supplied")
    if granularity == "hourly":
        if not is_hourly(value):
            raise AbiquoError("BC-16", f"Invalid hourly value {value!r} in {where}: an integer from 0 to 24")
    elif granularity == "defined_hour":
        if not is_date_time(value):
            raise AbiquoError("BC-13", f"Invalid date {value!r} in {where}: the format is yyyy/MM/dd HH:mm:ss Z")
    elif not is_time(value):
        raise AbiquoError("BC-12", f"Invalid time {value!r} in {where}: the format is HH:mm:ss Z")


def _checked_disks(where: str, backup_type: str, value: object) -> list[str]:
    if backup_type not in DISK_TYPES:
        raise AbiquoError("BC-10", f"Disks are only allowed in complete and snapshot backups, not in {where}")
    if not isinstance(value, list) or not all(_is_disk_id(d) for d in value):
        raise AbiquoError("BC-17", f"The disks of {where} must be a list of disk ids")
    return [str(d) for d in value]


def _is_disk_id(value: object) -> bool:
    return (isinstance(value, str) and value != "") or (type(value) is int and value >= 0)


def _check_paths(where: str, backup_type: str, value: object) -> None:
    if backup_type != "filesystem":
        raise AbiquoError("BC-9", f"Paths are only allowed in filesystem backups, not in {where}")
    if not isinstance(value, list) or not all(isinstance(p, str) and p for p in value):
        raise AbiquoError("BC-18", f"The paths of {where} must be a list of paths")


def check_results(results: object) -> None:
    """backupResults → results[]: written by the integration; only the status is checked (BC-15)."""
    if not isinstance(results, dict):
        raise AbiquoError("GEN-2", "Invalid document: backupResults must be an object")
    items = results.get("results", [])
    if not isinstance(items, list) or not all(isinstance(r, dict) for r in items):
        raise AbiquoError("GEN-2", "Invalid document: backupResults.results must be a list of objects")
    for result in items:
        if result.get("status") not in RESULT_STATUSES:
            raise AbiquoError(
                "BC-15",
                f"Invalid backup result status {result.get('status')!r} for backup "
                f"{result.get('id')!r}: valid status values are: done, progress, failed",
            )
