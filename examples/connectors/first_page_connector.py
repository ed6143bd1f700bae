"""Broken connector: reads only the first page of every collection.

It behaves like good_connector.py except in `collection`: it fetches a collection once, without following
its `next` link. Against a small installation it looks perfect; against one with more than a page (25) of
datacenters, racks, machines or VMs on a machine, every VM beyond the first page is never backed up, and
nothing says so.

Run it like the good one:
    ABIQUO_API_URL=http://127.0.0.1:8080/api ABIQUO_USER=admin ABIQUO_PASSWORD=xabiquo \
        python examples/connectors/first_page_connector.py
"""

import sys

from good_connector import Connector, main


class FirstPageConnector(Connector):
    name = "first_page_connector"

    def collection(self, url, accept):
        # BUG: the `next` link of the page is never followed.
        page = self.get_json(url, accept) or {}
        return iter(page.get("collection") or [])


if __name__ == "__main__":
    sys.exit(main(FirstPageConnector))
