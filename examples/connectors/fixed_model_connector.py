"""Broken connector: rebuilds the metadata from its own fixed model on write, dropping `policyBindings`,
`backupSchedule.policies` and custom keys such as `chef`.

It behaves like good_connector.py except in `build_put_body`: instead of PUTting back the envelope it read,
it PUTs ``{"metadata": {"backupSchedule": <only the type/granularity entries it understands>,
"backupResults": {...}}}``. Abiquo's metadata PUT replaces the whole object, so every key the connector's
model does not know is lost (or, on a deployed VM whose datacenter does not allow updates while deployed,
the PUT is refused with 409 BC-36 because `policyBindings` "changed").

Run it like the good one:
    ABIQUO_API_URL=http://127.0.0.1:8080/api ABIQUO_USER=admin ABIQUO_PASSWORD=xabiquo \
        python examples/connectors/fixed_model_connector.py
"""

import sys

from good_connector import Connector, main, schedule_entries


class FixedModelConnector(Connector):
    name = "fixed_model_connector"

    def build_put_body(self, envelope, results):
        # BUG: a fresh object built from the connector's own model instead of the envelope it read.
        metadata = envelope.get("metadata") or {}
        schedule = {}
        for backup_type, granularity, entry in schedule_entries(metadata.get("backupSchedule")):
            schedule.setdefault(backup_type, {})[granularity] = entry
        previous = (metadata.get("backupResults") or {}).get("results") or []
        return {"metadata": {"backupSchedule": schedule, "backupResults": {"results": list(previous) + list(results)}}}


if __name__ == "__main__":
    sys.exit(main(FixedModelConnector))
