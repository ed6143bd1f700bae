"""Broken event-driven connector. Bug: never reacts to DEPLOY_FINISH, so a VM deployed while it listens is not
backed up until something else touches it.

Apart from that it behaves exactly like listening_connector.py; run it the same way.
"""

import sys

from listening_connector import ListeningConnector, main


class DeafToDeploysConnector(ListeningConnector):
    name = "deaf_to_deploys_connector"
    reacts_to_deploys = False


if __name__ == "__main__":
    sys.exit(main(DeafToDeploysConnector))
