"""Broken event-driven connector. Bug: reacts to the METADATA_MODIFIED its own writes cause, so every backup it
writes makes it write another (a write loop).

Apart from that it behaves exactly like listening_connector.py; run it the same way.
"""

import sys

from listening_connector import ListeningConnector, main


class EchoConnector(ListeningConnector):
    name = "echo_connector"
    ignores_own_events = False


if __name__ == "__main__":
    sys.exit(main(EchoConnector))
