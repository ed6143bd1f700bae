"""Bad input on every write the contract declares, and on the control API: each is answered with an Abiquo
4xx in the error envelope, and the store is left exactly as it was."""

from __future__ import annotations

import re

import pytest
from abiquo_mock.mockserver.app import create_app
from abiquo_mock.mockserver.openapi import build

from .support import mt

TWO_MIB = 2 * 1024 * 1024


def _writes() -> list[tuple[str, str, str]]:
    """(method, path template, consumed media type) of every /api operation with a request body."""
    create_app({"DB_PATH": None, "SCENARIO": "empty", "CONTROL_ENABLED": False})  # registers every view
    found = []
    for template, operations in sorted(build()["paths"].items()):
        for method, operation in operations.items():
            if template.startswith("/api/") and "requestBody" in operation:
                content_type = next(iter(operation["requestBody"]["content"]))
                found.append((method.upper(), template, content_type))
    return found


WRITES = _writes()
WRITE_IDS = [f"{m} {t}" for m, t, _ in WRITES]


def _fill(template: str, value: str = "1") -> str:
    return re.sub(r"\{\w+\}", value, template)


def _other_entity(content_type: str) -> str:
    return f"{mt('datacenter')}; version=3.8" if "datacenter+" not in content_type else f"{mt('rack')}; version=3.8"


def _refused(inproc, store, method: str, path: str, status: int | None, code: str | None = None, **kw):
    before = store.dump()
    answer = inproc.request(method, path, **kw)
    assert (status is None and 400 <= answer.status < 500) or answer.status == status, (method, path, answer.text)
    assert answer.headers["content-type"].startswith("application/vnd.abiquo.errors+json"), answer.headers
    assert len(answer.codes) >= 1 and (code is None or answer.codes == [code]), answer.text
    assert store.dump() == before, "a refused request changed the store"
    return answer


def test_the_contract_declares_the_writes_of_the_backup_surface():
    declared = {(m, t) for m, t, _ in WRITES}
    assert (
        "PUT",
        "/api/cloud/virtualdatacenters/{vdc}/virtualappliances/{vapp}/virtualmachines/{vm}/metadata",
    ) in declared
    assert ("POST", "/api/admin/datacenters/{dc}/backuppolicies") in declared


@pytest.mark.parametrize("method, template, content_type", WRITES, ids=WRITE_IDS)
@pytest.mark.parametrize(
    "raw",
    [b"{", b"not json", b'{"a": }', b"\xff\xfe\x00", b""],
    ids=["open-brace", "words", "half-object", "not-utf8", "empty"],
)
def test_malformed_json_is_refused(inproc, store, method, template, content_type, raw):
    _refused(inproc, store, method, _fill(template), 400, "GEN-3", raw=raw, headers={"Content-Type": content_type})


@pytest.mark.parametrize("method, template, content_type", WRITES, ids=WRITE_IDS)
@pytest.mark.parametrize("body", [[], "text", None, 7], ids=["list", "string", "null", "number"])
def test_json_that_is_not_an_object_is_refused(inproc, store, method, template, content_type, body):
    import json

    _refused(
        inproc,
        store,
        method,
        _fill(template),
        400,
        raw=json.dumps(body).encode(),
        headers={"Content-Type": content_type},
    )


@pytest.mark.parametrize("method, template, content_type", WRITES, ids=WRITE_IDS)
def test_a_body_of_another_entity_is_unsupported(inproc, store, method, template, content_type):
    _refused(
        inproc,
        store,
        method,
        _fill(template),
        415,
        "415-UNSUPPORTED-MEDIA-TYPE",
        raw=b"{}",
        headers={"Content-Type": _other_entity(content_type)},
    )
    _refused(
        inproc,
        store,
        method,
        _fill(template),
        415,
        "415-UNSUPPORTED-MEDIA-TYPE",
        raw=b"{}",
        headers={"Content-Type": "text/plain"},
    )


@pytest.mark.parametrize("method, template, content_type", WRITES, ids=WRITE_IDS)
@pytest.mark.parametrize("version", ["3.10", "2.0", "4.0;"])
def test_a_body_of_another_version_is_unsupported(inproc, store, method, template, content_type, version):
    vendor = content_type.split(";")[0]
    _refused(
        inproc,
        store,
        method,
        _fill(template),
        415,
        "415-UNSUPPORTED-MEDIA-TYPE-VERSION",
        raw=b"{}",
        headers={"Content-Type": f"{vendor}; version={version}"},
    )


@pytest.mark.parametrize("method, template, content_type", WRITES, ids=WRITE_IDS)
def test_an_answer_in_another_version_is_not_acceptable(inproc, store, method, template, content_type):
    vendor = content_type.split(";")[0]
    _refused(
        inproc,
        store,
        method,
        _fill(template),
        406,
        "406-NOT-ACCEPTABLE",
        raw=b"{}",
        headers={"Content-Type": content_type},
        accept=f"{vendor}; version=3.10",
    )


@pytest.mark.parametrize("method, template, content_type", WRITES, ids=WRITE_IDS)
def test_an_oversized_body_is_refused(inproc, store, method, template, content_type):
    raw = b'{"name": "' + b"x" * TWO_MIB + b'"}'
    _refused(
        inproc,
        store,
        method,
        _fill(template),
        413,
        "400-BAD-REQUEST",
        raw=raw,
        headers={"Content-Type": content_type},
    )


def _with_one_unknown_id(template: str):
    names = re.findall(r"\{(\w+)\}", template)
    for unknown in names:
        path = template
        for name in names:
            path = path.replace(f"{{{name}}}", "999999" if name == unknown else "1")
        yield path


@pytest.mark.parametrize("method, template, content_type", WRITES, ids=WRITE_IDS)
def test_unknown_ids_are_refused(inproc, store, method, template, content_type):
    for path in _with_one_unknown_id(template):
        answer = _refused(inproc, store, method, path, None, raw=b"{}", headers={"Content-Type": content_type})
        assert answer.status in (400, 404), answer.text  # the empty body may be judged first


PUT_BACK = [(m, t, c) for m, t, c in WRITES if m == "PUT"]


@pytest.mark.parametrize("method, template, content_type", PUT_BACK, ids=[f"{m} {t}" for m, t, _ in PUT_BACK])
def test_putting_back_a_read_entity_under_an_unknown_id_is_not_found(inproc, store, method, template, content_type):
    read = inproc.get(_fill(template))
    assert read.status == 200, read.text
    for path in _with_one_unknown_id(template):
        _refused(inproc, store, method, path, 404, raw=read.text.encode(), headers={"Content-Type": content_type})


@pytest.mark.parametrize("method, template, content_type", WRITES, ids=WRITE_IDS)
def test_non_numeric_ids_are_not_found(inproc, store, method, template, content_type):
    for value in ("abc", "-1", "1.0", "%20"):
        _refused(
            inproc,
            store,
            method,
            _fill(template, value),
            404,
            "404-NOT-FOUND",
            raw=b"{}",
            headers={"Content-Type": content_type},
        )


@pytest.mark.parametrize(
    "path",
    [
        "/api/admin/datacenters/abc",
        "/api/admin/datacenters/1/racks/x",
        "/api/cloud/virtualdatacenters/1/virtualappliances/one/virtualmachines",
        "/api/admin/enterprises/-2",
        "/api/admin/datacenters/1e3",
    ],
)
def test_non_numeric_ids_in_reads_are_not_found(inproc, store, path):
    _refused(inproc, store, "GET", path, 404, "404-NOT-FOUND")


@pytest.mark.parametrize(
    "path, code",
    [
        ("/api/admin/datacenters/9", "DC-0"),
        ("/api/admin/datacenters/99999999999999999999", "DC-0"),
        ("/api/admin/datacenters/1/racks/2", "RACK-4"),
        ("/api/admin/datacenters/1/racks/1/machines/3", "MACHINE-0"),
        ("/api/admin/enterprises/9", "EN-0"),
        ("/api/admin/enterprises/2/limits/1", "LIMIT-8"),
        ("/api/cloud/virtualdatacenters/9", "VDC-0"),
        ("/api/cloud/virtualdatacenters/1/virtualappliances/2", "VAPP-0"),
        ("/api/cloud/virtualdatacenters/1/virtualappliances/1/virtualmachines/4", "VM-1"),
    ],
)
def test_unknown_or_misplaced_ids_in_reads_are_not_found(inproc, store, path, code):
    _refused(inproc, store, "GET", path, 404, code)


# --- the control API's one write -----------------------------------------------------------------------

STATE = "/_mock/virtualmachines/1/state"
JSON = {"Content-Type": "application/json"}


@pytest.mark.parametrize(
    "raw, status, code",
    [
        (b"{", 400, "GEN-3"),
        (b"[1]", 400, "GEN-2"),
        (b'{"state": 5}', 400, "GEN-2"),
        (b"{}", 400, "GEN-2"),
        (b'{"state": "RUNNING"}', 400, "CTRL-3"),
        (b'{"state": "on"}', 400, "CTRL-3"),
        (b'{"state": "' + b"x" * TWO_MIB + b'"}', 413, "400-BAD-REQUEST"),
    ],
)
def test_bad_vm_states_are_refused(inproc, store, raw, status, code):
    _refused(inproc, store, "PUT", STATE, status, code, user=None, raw=raw, headers=JSON)


@pytest.mark.parametrize(
    "path, code",
    [
        ("/_mock/virtualmachines/999/state", "VM-1"),
        ("/_mock/virtualmachines/abc/state", "404-NOT-FOUND"),
    ],
)
def test_the_state_of_an_unknown_vm_is_not_found(inproc, store, path, code):
    _refused(inproc, store, "PUT", path, 404, code, user=None, raw=b'{"state": "ON"}', headers=JSON)


def test_a_refused_state_change_leaves_the_vm_where_it_was(inproc):
    inproc.put(STATE, user=None, body={"state": "BOGUS"})
    vm = inproc.get("/api/cloud/virtualdatacenters/1/virtualappliances/1/virtualmachines/1").json
    assert vm["state"] == "ON"


def test_an_oversized_body_over_http_is_a_413_envelope(api):
    answer = api.put(STATE, user=None, raw=b'{"state": "' + b"x" * TWO_MIB + b'"}', headers=JSON)
    assert (answer.status, answer.codes) == (413, ["400-BAD-REQUEST"]), answer.text
    answer = api.put(
        "/api/admin/datacenters/1/backuppolicies/1",
        raw=b"{" + b" " * TWO_MIB + b"}",
        headers={"Content-Type": f"{mt('backuppolicy')}; version=3.8"},
    )
    assert (answer.status, answer.codes) == (413, ["400-BAD-REQUEST"]), answer.text
    assert api.get("/api/admin/datacenters/1/backuppolicies/1").json["code"] == "GOLD"


@pytest.mark.parametrize(
    "raw",
    [
        b'{"multipleRestore": NaN, "multiplePolicies": true, "updateWhileDeployed": true}',
        b'{"multipleRestore": true, "multiplePolicies": true, "updateWhileDeployed": true, "x": 1e999}',
        b'{"a":' * 5000 + b"1" + b"}" * 5000,
        b'{"a":' * 200 + b"1" + b"}" * 200,  # parsed by every Python: refused by its depth, not by a crash
    ],
)
def test_json_nothing_can_store_is_refused_as_an_invalid_document(inproc, store, raw):
    before = store.dump()
    answer = inproc.put(
        "/api/admin/datacenters/1/backupproperties",
        raw=raw,
        headers={"Content-Type": "application/vnd.abiquo.backupdatacenterproperties+json"},
    )
    assert (answer.status, answer.codes) == (400, ["GEN-3"])
    assert store.dump() == before


# --- odd but plausible metadata bodies: what JSON cannot carry back is refused, never a server error ----

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


@pytest.mark.parametrize(
    "raw",
    [
        b'{"links": [], "metadata": {"key1": "\\ud800"}}',
        b'{"links": [], "metadata": {"\\uDFFF": 1}}',
        b'{"links": [], "metadata": {"key1": ["a\\ud83dz"]}}',
    ],
)
def test_half_a_surrogate_pair_is_an_invalid_document(api, raw):
    before = api.get(f"{DB02}/metadata").text
    answer = api.put(f"{DB02}/metadata", raw=raw, headers=MEDIA)
    assert (answer.status, answer.codes) == (400, ["GEN-3"]), answer.text
    assert api.get(f"{DB02}/metadata").text == before


def test_a_whole_surrogate_pair_is_the_character_it_escapes(api):
    raw = b'{"links": [], "metadata": {"key1": "\\ud83d\\ude00"}}'
    assert api.put(f"{DB02}/metadata", raw=raw, headers=MEDIA).status == 200
    assert api.get(f"{DB02}/metadata").json["metadata"] == {"key1": "\U0001f600"}


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
