"""Broken event-driven connector. Bug: reconnects without its cursor after the stream drops, so whatever happened
while it was away is never handled.

Apart from that it behaves exactly like listening_connector.py; run it the same way.
"""

import sys

from listening_connector import ListeningConnector, main


class ForgetfulConnector(ListeningConnector):
    name = "forgetful_connector"
    resumes_with_cursor = False


if __name__ == "__main__":
    sys.exit(main(ForgetfulConnector))
