"""Broken connector: assumes every backupSchedule entry has a `time`, so it crashes with KeyError on a
NOT_APPLY entry (which has none).

It behaves like good_connector.py except in `plan`: to log when the next backup is due it parses
``entry["time"]``. Entries written for a policy whose time is "Do not use time" (NOT_APPLY) carry no `time`
key, so the pass dies with a traceback and a non-zero exit status; VMs after that one are never processed.

Run it like the good one:
    ABIQUO_API_URL=http://127.0.0.1:8080/api ABIQUO_USER=admin ABIQUO_PASSWORD=xabiquo \
        python examples/connectors/assumes_time_connector.py
"""

import sys
from datetime import datetime, timedelta

from good_connector import Connector, main, utc_now


def next_backup_time(granularity, time, now):
    """Next run of a schedule entry from its `time` (legacy formats only)."""
    if granularity == "hourly":
        return now + timedelta(hours=int(time))
    if granularity == "defined_hour":
        return datetime.strptime(time, "%Y/%m/%d %H:%M:%S %z")
    at = datetime.strptime(time, "%H:%M:%S %z")
    candidate = now.astimezone(at.tzinfo).replace(hour=at.hour, minute=at.minute, second=at.second, microsecond=0)
    return candidate if candidate > now else candidate + timedelta(days=1)


class AssumesTimeConnector(Connector):
    name = "assumes_time_connector"

    def plan(self, vm, backup_type, granularity, entry):
        # BUG: entry["time"] is absent when the policy leaves the time to the backup system (NOT_APPLY).
        due = next_backup_time(granularity, entry["time"], utc_now())
        return "next due %s" % due.isoformat()


if __name__ == "__main__":
    sys.exit(main(AssumesTimeConnector))
