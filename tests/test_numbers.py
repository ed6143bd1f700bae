"""Integers read back exactly as they were written, wherever they are kept: in memory, in the store's journal and
snapshot (after a restart), in kept answers; and the typed fields of Abiquo's entities refuse, as Abiquo's Java
model does, a number their type cannot hold.

The demo world: db-02 (VM 5) has no metadata and is not deployed, so its metadata may be written freely;
enterprise 1 has limit 1 in datacenter 1.
"""

from __future__ import annotations

import json
import re
import signal

import pytest
from abiquo_mock.mockserver import jsontext
from abiquo_mock.mockserver.app import create_app
from abiquo_mock.mockserver.extensions import store_of
from abiquo_mock.mockserver.openapi import build

from .support import HttpApi, InProcessApi, ServerProcess

DB02 = "/api/cloud/virtualdatacenters/2/virtualappliances/2/virtualmachines/5/metadata"
LIMIT = "/api/admin/enterprises/1/limits/1"
TWENTY_THREE_DIGITS = 99999999999999999999999
# Beyond what orjson reads as an integer (from -2^63 to 2^64-1), at its edges, and far beyond.
BIG = [2**63, -(2**63) - 1, TWENTY_THREE_DIGITS, 2**64, -(2**64), 10**100]
BIG_IDS = ["2^63", "-2^63-1", "23-digits", "2^64", "-2^64", "10^100"]
INT_FIELDS = ("cpuCountSoftLimit", "cpuCountHardLimit", "ramSoftLimitInMb", "ramHardLimitInMb")
LONG_FIELDS = ("diskHardLimitInMb", "storageSoftInMb", "vlansHard", "publicIpsSoft", "repositoryHardInMb")


def _integers_in(text: str, key: str) -> list[str]:
    """The digits written for ``key`` in a JSON text, as they travelled (not as a parser turns them)."""
    return re.findall(rf'"{key}":\s*(-?\d+)(?![.\deE])', text)


def _put_metadata(api, metadata: dict):
    return api.put(DB02, media="metadata", body={"links": [], "metadata": metadata})


@pytest.mark.parametrize("value", BIG, ids=BIG_IDS)
def test_an_integer_of_any_size_in_custom_metadata_reads_back_as_written(api, value):
    assert _put_metadata(api, {"counter": value, "nested": {"list": [value, 1]}}).status == 200

    for _ in range(2):  # the second read is a kept answer (and, over HTTP, the front door's fast path)
        answer = api.get(DB02)
        assert _integers_in(answer.text, "counter") == [str(value)], answer.text
        assert answer.json["metadata"]["counter"] == value and type(answer.json["metadata"]["counter"]) is int
        assert answer.json["metadata"]["nested"] == {"list": [value, 1]}


def _file_api(path) -> InProcessApi:
    return InProcessApi(create_app({"DB_PATH": str(path), "FSYNC": False}))


def _close(api: InProcessApi) -> None:
    store_of(api.app).close()


def test_big_integers_survive_a_restart_from_the_journal_and_from_the_snapshot(tmp_path):
    db = tmp_path / "mock.json"
    api = _file_api(db)
    api.reset("demo")
    metadata = {f"k{n}": value for n, value in enumerate(BIG)}
    assert _put_metadata(api, metadata).status == 200
    _close(api)

    api = _file_api(db)  # the metadata comes back from the journal's line
    assert api.get(DB02).json["metadata"] == metadata
    assert _integers_in(api.get(DB02).text, "k2") == [str(TWENTY_THREE_DIGITS)]
    store_of(api.app)._compact()  # the snapshot now holds it, the journal is empty
    _close(api)
    assert str(TWENTY_THREE_DIGITS) in db.read_text()

    api = _file_api(db)
    assert api.get(DB02).json["metadata"] == metadata
    _close(api)


def test_the_store_copies_and_reads_big_integers_exactly():
    document = {"a": BIG, "b": {"c": 2**63 - 1, "d": -(2**63), "e": 1.5}}
    assert jsontext.copy(document) == document
    assert jsontext.load(jsontext.dump(document)) == document
    assert jsontext.load(json.dumps(document)) == document  # a text, as a journal line is read back
    assert all(type(v) is int for v in jsontext.load(jsontext.dump(BIG)))


# --- limits: Java ints and longs --------------------------------------------------------------------------


def _limit(api) -> dict:
    return api.get(LIMIT).json


def _put_limit(api, **numbers):
    return api.put(LIMIT, {**_limit(api), **numbers}, media="limit")


@pytest.mark.parametrize(
    "field, value",
    [(f, v) for f in INT_FIELDS for v in (2**31 - 1, -(2**31))]
    + [(f, v) for f in LONG_FIELDS for v in (2**63 - 1, -(2**63))],
)
def test_a_limit_holds_every_value_of_its_java_type_exactly(api, field, value):
    answer = _put_limit(api, **{field: value})
    assert answer.status == 200, answer.text
    assert _integers_in(api.get(LIMIT).text, field) == [str(value)]


@pytest.mark.parametrize(
    "field, value",
    [(f, v) for f in INT_FIELDS for v in (2**31, -(2**31) - 1, 2**63, TWENTY_THREE_DIGITS)]
    + [(f, v) for f in LONG_FIELDS for v in (2**63, -(2**63) - 1, TWENTY_THREE_DIGITS)],
)
def test_a_limit_beyond_its_java_type_is_refused_and_nothing_changes(api, field, value):
    before = api.get(LIMIT).text

    answer = _put_limit(api, **{field: value})

    assert (answer.status, answer.codes) == (400, ["GEN-2"]), answer.text
    assert f"'{field}' must be an integer from" in answer.json["collection"][0]["message"]
    assert api.get(LIMIT).text == before


def test_a_new_limit_beyond_a_java_long_is_refused_and_none_is_created(api):
    before = api.get("/api/admin/enterprises/3/limits").text
    body = {"diskHardLimitInMb": 2**63, "links": [{"rel": "location", "href": "/api/admin/datacenters/2"}]}

    answer = api.post("/api/admin/enterprises/3/limits", body, media="limit")

    assert (answer.status, answer.codes) == (400, ["GEN-2"]), answer.text
    assert api.get("/api/admin/enterprises/3/limits").text == before


def test_the_contract_states_the_java_type_of_each_limit():
    create_app({"SCENARIO": "empty"})
    properties = build()["components"]["schemas"]["Limit"]["properties"]
    for field in INT_FIELDS:
        assert (properties[field]["minimum"], properties[field]["maximum"]) == (-(2**31), 2**31 - 1)
        assert properties[field]["format"] == "int32"
    for field in LONG_FIELDS:
        assert (properties[field]["minimum"], properties[field]["maximum"]) == (-(2**63), 2**63 - 1)
        assert properties[field]["format"] == "int64"


@pytest.mark.parametrize(
    "path, media, body",
    [
        ("/api/admin/datacenters/1/backuppolicies/1", "backuppolicy", {"id": 2**31}),
        ("/api/admin/datacenters/1/backups/1", "backup", {"id": -(2**31) - 1}),
    ],
)
def test_an_entity_id_beyond_a_java_int_is_refused(api, path, media, body):
    current = api.get(path)
    assert current.status == 200, current.text

    answer = api.put(path, {**current.json, **body}, media=media)

    assert (answer.status, answer.codes) == (400, ["GEN-2"]), answer.text
    assert api.get(path).text == current.text


def test_an_integer_of_more_digits_than_can_be_read_is_an_invalid_document(api):
    before = api.get(DB02).text
    raw = b'{"links": [], "metadata": {"counter": ' + b"9" * 4301 + b"}}"

    answer = api.put(DB02, raw=raw, headers={"Content-Type": "application/vnd.abiquo.metadata+json; version=3.8"})

    assert (answer.status, answer.codes) == (400, ["GEN-3"]), answer.text
    assert api.get(DB02).text == before


def test_big_integers_survive_a_killed_server_and_the_request_journal_keeps_them(tmp_path):
    db = str(tmp_path / "mock.json")
    metadata = {f"k{n}": value for n, value in enumerate(BIG)}
    server = ServerProcess("--db", db).wait_ready()
    try:
        api = HttpApi(server.url)
        assert _put_metadata(api, metadata).status == 200  # acknowledged: on disk before the answer left
        journal = api.get("/_mock/journal?method=PUT", user=None).json["collection"]
        assert _integers_in(journal[-1]["requestBody"], "k2") == [str(TWENTY_THREE_DIGITS)]
    finally:
        server.stop(signal.SIGKILL)
    server = ServerProcess("--db", db).wait_ready()
    try:
        answer = HttpApi(server.url).get(DB02)
        assert answer.json["metadata"] == metadata
        assert _integers_in(answer.text, "k5") == [str(10**100)]
    finally:
        server.stop()
