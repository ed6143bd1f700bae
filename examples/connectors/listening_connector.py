"""Event-driven backup connector: listens to the outbound event stream and backs up what the events name.

It works the way Abiquo's own connector base does, written only from the mock's README and Abiquo's 3.x
event names:
  * ``GET /login`` for its own user's ``edit`` link (to recognise the events its own writes cause);
  * opens ``/m/stream`` as an Atmosphere SSE client (``X-Atmosphere-Transport=sse``, ``X-atmo-protocol=true``,
    tracking id 0): it skips the padding line and the handshake, then reads one JSON event per ``data:``;
  * ``VIRTUAL_MACHINE`` events: on ``DEPLOY_FINISH``, on ``RESTORE_BACKUP`` and on ``METADATA_MODIFIED``
    caused by someone else it GETs the VM (the event's ``entityIdentifier``), skips it unless it is running
    (``NOT_ALLOCATED`` and ``LOCKED`` VMs are left alone), reads its metadata and, when it has a
    ``backupSchedule``, appends one backup result and PUTs the envelope back; on ``UNDEPLOY_FINISH`` it
    forgets the VM;
  * it remembers the ``id`` of the last event and, when the stream drops, reconnects with
    ``?lastEventId=<id>`` so that it misses nothing (retrying while the server refuses);
  * SIGTERM or Ctrl-C stops it cleanly (exit 0).

Environment: ``ABIQUO_API_URL``, ``ABIQUO_USER``, ``ABIQUO_PASSWORD``; ``ABIQUO_STREAM_URL`` (default: the API
URL with ``/api`` replaced by ``/m/stream``).
"""

import datetime
import http.client
import json
import os
import signal
import sys
import time
import urllib.parse

from abiquo_http import ApiError, ConfigError, client_from_env, find_link, media_type, report_error

ATMOSPHERE = (
    "X-Atmosphere-Transport=sse&X-atmo-protocol=true&X-Atmosphere-tracking-id=0"
    "&X-Atmosphere-Framework=2.3.5-javascript&Content-Type=application/json"
)
RECONNECT_S = 0.25
METADATA = media_type("metadata")


class Stopped(Exception):
    """SIGTERM or Ctrl-C: raised from the signal handler, so that it interrupts a read that is waiting."""


class ListeningConnector:
    name = "listening_connector"
    reacts_to_deploys = True  # DEPLOY_FINISH starts the backups of a VM
    ignores_own_events = True  # its own metadata writes cause events too
    undeploy_is_deploy = False  # (a known trap: every *_FINISH looks alike)
    resumes_with_cursor = True  # reconnect with lastEventId

    def __init__(self, client, stream_url):
        self.client = client
        self.stream_url = stream_url
        self.last_id = None
        self.written = 0
        login = client.get_json(client.url("login"), media_type("user"))
        self.own_user = find_link(login, "edit")["href"].lower()

    # ------------------------------------------------------------------ events
    def handle(self, event):
        if event.get("type") != "VIRTUAL_MACHINE":
            return
        action, vm_uri = event.get("action"), event.get("entityIdentifier")
        if action == "UNDEPLOY_FINISH" and not self.undeploy_is_deploy:
            print("%s: %s undeployed, forgotten" % (self.name, vm_uri))
            return
        if action == "METADATA_MODIFIED" and self.ignores_own_events and self.own_user.endswith(event.get("user", "")):
            return
        wanted = ("METADATA_MODIFIED", "RESTORE_BACKUP")
        wanted += ("DEPLOY_FINISH",) if self.reacts_to_deploys else ()
        wanted += ("UNDEPLOY_FINISH",) if self.undeploy_is_deploy else ()
        if action in wanted:
            self.back_up(vm_uri, check_state=not self.undeploy_is_deploy)

    def back_up(self, vm_uri, check_state=True):
        vm = self.client.get_json(self.client.url(vm_uri), media_type("virtualmachine"))
        if check_state and vm.get("state") in ("NOT_ALLOCATED", "LOCKED"):
            return
        href = find_link(vm, "metadata")["href"]
        envelope = self.client.get_json(href, METADATA)
        metadata = envelope.get("metadata") or {}
        if not metadata.get("backupSchedule"):
            return
        results = (metadata.get("backupResults") or {}).get("results") or []
        now = datetime.datetime.now(datetime.UTC)
        result = {
            "id": "%s-%d" % (vm["id"], int(now.timestamp() * 1000)),
            "status": "done",
            "name": "event-driven backup of %s" % vm["name"],
            "type": "complete",
            "size": 1024,
            "date": now.strftime("%Y/%m/%d %H:%M:%S +0000"),
        }
        envelope["metadata"] = {**metadata, "backupResults": {"results": [*results, result]}}
        self.client.put_json(href, envelope, METADATA)
        self.written += 1
        print("%s: backed up %s" % (self.name, vm["name"]))

    # ------------------------------------------------------------------ the stream
    def listen(self):
        """Until stopped: read the stream, and reconnect whenever it drops or is refused."""
        while True:
            try:
                self.read_stream()
            except (OSError, http.client.HTTPException) as err:
                print("%s: stream dropped (%s), reconnecting" % (self.name, err), file=sys.stderr)
            time.sleep(RECONNECT_S)

    def open_stream(self):
        url = urllib.parse.urlsplit(self.stream_url)
        query = ATMOSPHERE
        if self.last_id is not None and self.resumes_with_cursor:
            query += "&lastEventId=%d" % self.last_id
        connection = http.client.HTTPConnection(url.hostname, url.port, timeout=10)
        connection.request("GET", "%s?%s" % (url.path, query), headers={"Authorization": self.client._authorization})
        connection.sock.settimeout(None)  # an idle stream is normal: wait for as long as it takes
        return connection, connection.getresponse()

    def read_stream(self):
        connection, response = self.open_stream()
        try:
            if response.status != 200:
                raise OSError("the stream answered %d" % response.status)
            handshake_seen = False
            while True:
                line = response.readline()
                if not line:
                    raise OSError("the server closed the stream")
                text = line.decode("utf-8").rstrip("\r\n")
                if not text.startswith("data:"):
                    continue  # padding, blank separators, keep-alive comments
                message = text[len("data:") :]
                if not handshake_seen and not message.startswith("{"):
                    handshake_seen = True  # "<tracking id>|<heartbeat>|<padding>|"
                    continue
                event = json.loads(message)
                self.handle(event)
                self.last_id = event["id"]
        finally:
            connection.close()


def main(connector_class=ListeningConnector):
    try:
        client = client_from_env()
    except ConfigError as err:
        print("%s: %s" % (connector_class.name, err), file=sys.stderr)
        return 2
    stream_url = os.environ.get("ABIQUO_STREAM_URL") or client.api_url.rsplit("/api", 1)[0] + "/m/stream"
    try:
        connector = connector_class(client, stream_url)
    except ApiError as err:
        report_error(err)
        return 1

    def stop(signum, frame):
        raise Stopped()

    signal.signal(signal.SIGTERM, stop)
    signal.signal(signal.SIGINT, stop)
    try:
        connector.listen()
    except Stopped:
        pass
    except ApiError as err:
        report_error(err)
        return 1
    print("%s: results written %d" % (connector.name, connector.written))
    return 0


if __name__ == "__main__":
    sys.exit(main())
