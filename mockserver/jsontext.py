"""Compact JSON for the store's records and the API's answers, integers of any size kept exact.

orjson where it can: it is several times faster than the standard library, whose encoding and decoding were about a
fifth of what a write cost. orjson handles integers from -2^63 to 2^64-1 only: it refuses to write a bigger one,
and reads one as a float (99999999999999999999999 became 1e+23). The standard library, exact at any size, takes
over for both: ``dump`` when orjson refuses, ``copy`` for a value orjson could not write, ``load`` for a text that
holds a run of 19 digits or more (found by one ``bytes.translate``, a fifth of what orjson takes to read the text).
orjson writes a NaN or an Infinity as null; no request can carry one (http.media.json_body refuses them). orjson
also shares the string of each short object key it has read lately, so the few
dozen field names that recur in every stored document are held once, not once per document.
"""

from __future__ import annotations

import json

import orjson

# Every integer orjson reads exactly has at most 20 digits, and one of 19 digits or fewer always fits: a run of 19
# digits is where reading with orjson may lose precision. Digits become "9", everything else a space.
_DIGITS = bytes(ord("9") if chr(byte).isdigit() and byte < 128 else ord(" ") for byte in range(256))
_LONG_RUN = b"9" * 19


def _standard(value) -> bytes:
    return json.dumps(value, separators=(",", ":"), allow_nan=False, ensure_ascii=False).encode()


def dump(value) -> bytes:
    """``value`` as compact JSON (no spaces), UTF-8, for use at once (a journal line, a copy, a snapshot piece)."""
    try:
        return orjson.dumps(value, option=orjson.OPT_NON_STR_KEYS)
    except orjson.JSONEncodeError:
        return _standard(value)


def dump_to_keep(value) -> bytes:
    """``dump``, for bytes that live on (an answer the fast path and the request journal keep): orjson's bytes hold
    the buffer it wrote into (16 KiB for a 1 KiB document), so these are copied to their own size."""
    return bytes(memoryview(dump(value)))


def copy(value):
    """``load(dump(value))``: a deep copy through JSON, at orjson's speed whenever orjson could write the value
    (then it reads every integer back exactly), with the standard library otherwise."""
    try:
        return orjson.loads(orjson.dumps(value, option=orjson.OPT_NON_STR_KEYS))
    except orjson.JSONEncodeError:
        return json.loads(_standard(value))


def load(text: str | bytes):
    """The value a JSON text holds, every integer exactly as written."""
    data = text.encode() if isinstance(text, str) else text
    if _LONG_RUN in data.translate(_DIGITS):
        return json.loads(data)
    return orjson.loads(data)
