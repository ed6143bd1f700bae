"""Compact JSON for the store's records and the API's answers.

orjson where it can: it is several times faster than the standard library, whose encoding and decoding were about a
fifth of what a write cost. The standard library takes over for what orjson refuses (an integer beyond 64 bits).
orjson writes a NaN or an Infinity as null; no request can carry one (http.media.json_body refuses them). orjson
also shares the string of each short object key it has read lately, so the few
dozen field names that recur in every stored document are held once, not once per document.
"""

from __future__ import annotations

import json

import orjson


def dump(value) -> bytes:
    """``value`` as compact JSON (no spaces), UTF-8, for use at once (a journal line, a copy, a snapshot piece)."""
    try:
        return orjson.dumps(value, option=orjson.OPT_NON_STR_KEYS)
    except orjson.JSONEncodeError:
        return json.dumps(value, separators=(",", ":"), allow_nan=False).encode()


def dump_to_keep(value) -> bytes:
    """``dump``, for bytes that live on (an answer the fast path and the request journal keep): orjson's bytes hold
    the buffer it wrote into (16 KiB for a 1 KiB document), so these are copied to their own size."""
    return bytes(memoryview(dump(value)))


def load(text: str | bytes):
    return orjson.loads(text)
