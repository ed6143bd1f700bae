"""Broken connector: writes backup results with status "success", which is not one of Abiquo's done | progress | failed.

It behaves like good_connector.py except in `result_status`: it maps a successful backup to "success"
instead of "done". Abiquo refuses such a metadata PUT with 400 BC-15 (the connector reports the error and
exits non-zero); a server that accepted it would show results the UI cannot restore.

Run it like the good one:
    ABIQUO_API_URL=http://127.0.0.1:8080/api ABIQUO_USER=admin ABIQUO_PASSWORD=xabiquo \
        python examples/connectors/bad_status_connector.py
"""

import sys

from good_connector import Connector, main


class BadStatusConnector(Connector):
    name = "bad_status_connector"

    def result_status(self, outcome):
        # BUG: "success" is the backup system's word, not Abiquo's (done | progress | failed).
        return {"ok": "success", "running": "progress"}.get(outcome, "failed")


if __name__ == "__main__":
    sys.exit(main(BadStatusConnector))
