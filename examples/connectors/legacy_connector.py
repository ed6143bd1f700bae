"""Correct connector, written for Abiquo 3.8 and never changed: it knows nothing of backup policies, and keeps
working on 3.8.5 because it reads only what 3.8 documents and sends back the rest as it read it.

It reads `backupSchedule` -> complete | snapshot | filesystem -> granularity -> entry (the backup types of 3.8, the
only keys it looks at), takes an entry without a `time` as 3.8 allowed (the backup system decides), and PUTs the
envelope back with its results added, every other key (`policyBindings` and `policies` included, which it has never
heard of) exactly as read. `contract integration --across-upgrade` passes it.

It behaves like good_connector.py except in `entries_of`. Run it like the good one:
    ABIQUO_API_URL=http://127.0.0.1:8080/api ABIQUO_USER=admin ABIQUO_PASSWORD=xabiquo \
        python examples/connectors/legacy_connector.py
"""

import sys

from good_connector import Connector, main

BACKUP_TYPES_3_8 = ("complete", "snapshot", "filesystem")  # "written in lower-case letters" (BC-5)


class LegacyConnector(Connector):
    name = "legacy_connector"

    def entries_of(self, metadata):
        schedule = (metadata or {}).get("backupSchedule") if isinstance(metadata, dict) else None
        entries = []
        for backup_type in BACKUP_TYPES_3_8:
            granularities = (schedule or {}).get(backup_type)
            for granularity, entry in (granularities if isinstance(granularities, dict) else {}).items():
                if isinstance(entry, dict):
                    entries.append((backup_type, granularity, entry))
        return entries


if __name__ == "__main__":
    sys.exit(main(LegacyConnector))
