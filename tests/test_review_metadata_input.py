"""Odd but plausible metadata bodies (§6): what JSON cannot carry back is refused, never a server error."""

from __future__ import annotations

import pytest

DB02 = "/api/cloud/virtualdatacenters/2/virtualappliances/2/virtualmachines/5"  # db-02, no metadata
MEDIA = {"Content-Type": "application/vnd.abiquo.metadata+json; version=3.8"}


@pytest.mark.parametrize(
    "raw",
    [
        b'{"links": [], "metadata": {"key1": NaN}}',
        b'{"links": [], "metadata": {"key1": Infinity}}',
        b'{"links": [], "metadata": {"key1": [1, -Infinity]}}',
        b'{"links": [], "metadata": {"key1": 1e999}}',
        b'{"links": [], "metadata": {"backupResults": {"results": [{"id": "b1", "status": "done", "size": 1e999}]}}}',
    ],
)
def test_a_number_json_cannot_carry_is_an_invalid_document(api, raw):
    before = api.get(f"{DB02}/metadata").text
    answer = api.put(f"{DB02}/metadata", raw=raw, headers=MEDIA)
    assert (answer.status, answer.codes) == (400, ["GEN-3"])
    assert api.get(f"{DB02}/metadata").text == before


def test_large_but_finite_numbers_round_trip(api):
    metadata = {"key1": 1e308, "key2": 10**30, "key3": -0.5}
    answer = api.put(f"{DB02}/metadata", media="metadata", body={"links": [], "metadata": metadata})
    assert answer.status == 200 and answer.json["metadata"] == metadata


@pytest.mark.parametrize("depth", [100, 400, 900])
def test_metadata_nested_too_deeply_is_an_invalid_document(inproc, store, depth):
    before = store.dump()
    raw = b'{"links": [], "metadata": {"key1": ' + b"[" * depth + b"]" * depth + b"}}"
    answer = inproc.put(f"{DB02}/metadata", raw=raw, headers=MEDIA)
    assert (answer.status, answer.codes) == (400, ["GEN-3"])
    assert store.dump() == before


def test_metadata_nested_within_the_bound_round_trips(inproc):
    nested = {"a": [[{"b": [[1]]}]]}
    answer = inproc.put(f"{DB02}/metadata", media="metadata", body={"links": [], "metadata": {"key1": nested}})
    assert answer.status == 200 and answer.json["metadata"] == {"key1": nested}
