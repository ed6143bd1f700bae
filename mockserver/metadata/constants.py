"""The values of the metadata context. The backup types, granularities, days and schedule formats it shares
with the backup context are declared in mockserver/backup/constants.py."""

from __future__ import annotations

DISK_TYPES = ("complete", "snapshot")  # the backup types whose schedule entries name disks (the others, paths)
POLICIES_KEY = "policies"  # written by the server inside backupSchedule (3.8.5)
RESULT_STATUSES = ("done", "progress", "failed")
