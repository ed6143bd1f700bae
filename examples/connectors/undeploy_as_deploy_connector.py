"""Broken event-driven connector. Bug: takes every *_FINISH for a deploy and does not look at the VM's state, so
an undeploy makes it write a backup result for a VM that is gone.

Apart from that it behaves exactly like listening_connector.py; run it the same way.
"""

import sys

from listening_connector import ListeningConnector, main


class UndeployAsDeployConnector(ListeningConnector):
    name = "undeploy_as_deploy_connector"
    undeploy_is_deploy = True


if __name__ == "__main__":
    sys.exit(main(UndeployAsDeployConnector))
