"""Event-driven connector that reads the stream the way Abiquo's events-notifier (3.x, libcurl) does.

It backs up exactly as listening_connector.py does; only the reading differs, and it is that of the notifier:
  * it opens ``/m/stream?X-Atmosphere-tracking-id=0&X-Atmosphere-Framework=1.0&X-Atmosphere-Transport=sse``
    (no ``X-atmo-protocol``, so no handshake) with HTTP Basic, and never sends a cursor;
  * it is handed the body one HTTP chunk at a time, as libcurl's write callback is; a chunk holding
    ``"timestamp"`` is one event, parsed as JSON after its first five characters (``data:``); any other chunk
    (the padding, keep-alives) is ignored;
  * for every event it looks the acting user up at ``<API URL>/<user URI>``: the URI starts with ``/``, so
    the URL has a doubled slash (``/api//admin/enterprises/1/users/1``), as the notifier's have;
  * when handling a chunk fails (it holds two events, say) the transfer is aborted, as libcurl aborts when its
    callback raises; it waits and reconnects without a cursor, so what happened meanwhile is lost.

Apart from that it behaves exactly like listening_connector.py; run it the same way. It misses what happens while
the stream is cut (it has no cursor to resume from), which the listening suite reports as ``catches-up``.
"""

import http.client
import json
import socket
import sys
import time
import urllib.parse

from abiquo_http import media_type
from listening_connector import RECONNECT_S, ListeningConnector, main

NOTIFIER_QUERY = "X-Atmosphere-tracking-id=0&X-Atmosphere-Framework=1.0&X-Atmosphere-Transport=sse"
RECEIVE_BYTES = 16384  # what libcurl reads from its socket at a time (CURL_MAX_WRITE_SIZE)


class Aborted(Exception):
    """The chunk could not be handled: the transfer ends, as libcurl ends it when its write callback fails."""


class ChunkListenerConnector(ListeningConnector):
    name = "chunk_listener_connector"
    resumes_with_cursor = False

    def listen(self):
        while True:
            try:
                self.read_stream()
            except (OSError, Aborted) as err:
                print("%s: stream ended (%s), reconnecting" % (self.name, err), file=sys.stderr)
            time.sleep(RECONNECT_S)

    def read_stream(self):
        url = urllib.parse.urlsplit(self.stream_url)
        with socket.create_connection((url.hostname, url.port or 80)) as sock:
            head = "GET %s?%s HTTP/1.1\r\nHost: %s\r\nAuthorization: %s\r\n\r\n"
            sock.sendall((head % (url.path, NOTIFIER_QUERY, url.netloc, self.client._authorization)).encode())
            body = _ChunkedBody(sock)
            status = body.status()
            if status != 200:
                raise OSError("the stream answered %d" % status)
            while True:
                self.on_receive(body.next_chunk())

    def on_receive(self, data):
        """The notifier's write callback: one chunk holding "timestamp" is one event."""
        text = data.decode("utf-8", "replace")
        if "timestamp" not in text:
            return
        try:
            event = json.loads(text[5:].strip())
            self.look_up_user(event["user"])
            self.handle(event)
        except Exception as err:  # the callback fails: libcurl aborts the transfer
            raise Aborted("%s: %s" % (type(err).__name__, err)) from None

    def look_up_user(self, user_uri):
        """The notifier's URL for the user an event names, ``"%s/api/%s" % (base, user_uri)``, fetched as libcurl
        fetches it: a redirect is not followed, so anything but the user's JSON fails the callback."""
        url = urllib.parse.urlsplit("%s/%s" % (self.client.api_url, user_uri))
        connection = http.client.HTTPConnection(url.hostname, url.port or 80, timeout=10)
        try:
            headers = {"Authorization": self.client._authorization, "Accept": media_type("user", None)}
            connection.request("GET", url.path, headers=headers)
            answer = connection.getresponse()
            user = json.loads(answer.read())
        finally:
            connection.close()
        print("%s: %s acted (%s)" % (self.name, user["nick"], user["email"]))


class _ChunkedBody:
    """An HTTP/1.1 answer read off a socket: its status, then its chunked body one chunk at a time."""

    def __init__(self, sock):
        self.sock, self.buffer = sock, b""

    def _line(self):
        while b"\r\n" not in self.buffer:
            self._receive()
        line, self.buffer = self.buffer.split(b"\r\n", 1)
        return line

    def _receive(self):
        data = self.sock.recv(RECEIVE_BYTES)
        if not data:
            raise OSError("the server closed the stream")
        self.buffer += data

    def status(self):
        status = int(self._line().split()[1])
        while self._line():  # the headers; the stream is chunked (no Content-Length)
            pass
        return status

    def next_chunk(self):
        size = int(self._line().split(b";")[0], 16)
        if size == 0:
            raise OSError("the server ended the stream")
        while len(self.buffer) < size + 2:
            self._receive()
        chunk, self.buffer = self.buffer[:size], self.buffer[size + 2 :]
        return chunk


if __name__ == "__main__":
    sys.exit(main(ChunkListenerConnector))
