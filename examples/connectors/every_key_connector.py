"""Broken connector, written for Abiquo 3.8: takes every object in a VM's metadata but the results for a backup
schedule, so it works on 3.8 and breaks once 3.8.5 adds `policyBindings`.

In 3.8 the only object a VM's metadata holds beside `backupResults` is `backupSchedule` (`chef` and
`startup-script` are strings), so reading "every object key as backup type -> granularity -> entry" finds the
schedule. After the upgrade to 3.8.5 the metadata also holds `policyBindings` (backup type -> granularity -> policy
code): the connector takes it for a second schedule whose entries are policy codes, and the pass dies on the first
VM the upgrade bound. `contract integration --across-upgrade` fails it on survives-upgrade.

It behaves like good_connector.py except in `entries_of`. Run it like the good one:
    ABIQUO_API_URL=http://127.0.0.1:8080/api ABIQUO_USER=admin ABIQUO_PASSWORD=xabiquo \
        python examples/connectors/every_key_connector.py
"""

import sys

from good_connector import Connector, main


class EveryKeyConnector(Connector):
    name = "every_key_connector"

    def entries_of(self, metadata):
        # BUG: every object-valued key is taken for backup type -> granularity -> entry, policyBindings included.
        entries = []
        for key, value in (metadata or {}).items():
            if key == "backupResults" or not isinstance(value, dict):
                continue
            for backup_type, granularities in value.items():
                for granularity, entry in (granularities or {}).items():
                    entries.append((backup_type, granularity, entry))
        return entries


if __name__ == "__main__":
    sys.exit(main(EveryKeyConnector))
