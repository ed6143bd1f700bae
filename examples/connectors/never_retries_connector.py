"""Broken connector: never tries a request again.

It behaves like good_connector.py except in `attempts`: every request is tried once. When the API answers
503 while a backend service restarts, 409 VM-2 while a task holds a VM or 409 StaleObject, or drops the
connection, that VM's backup results are lost for this pass (the error is printed, exit status 1).

Run it like the good one:
    ABIQUO_API_URL=http://127.0.0.1:8080/api ABIQUO_USER=admin ABIQUO_PASSWORD=xabiquo \
        python examples/connectors/never_retries_connector.py
"""

import sys

from good_connector import Connector, main


class NeverRetriesConnector(Connector):
    name = "never_retries_connector"

    def attempts(self):
        # BUG: one try; a transient failure becomes a lost backup.
        return 1


if __name__ == "__main__":
    sys.exit(main(NeverRetriesConnector))
