"""A bench-only app: one tiny route, served exactly as the mock is (granian, 1 worker, 1 blocking thread).
Its throughput is what this machine can do at all right now; the mock's figures are read against it."""

from __future__ import annotations

from flask import Flask, Response

app = Flask("bench-trivial")


@app.get("/trivial")
def trivial() -> Response:
    return Response('{"version":"3.8.5"}', content_type="application/vnd.abiquo.version+json; version=3.8")
