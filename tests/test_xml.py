"""XML, Abiquo's other rendering of every media type (docs/BACKUP-RULES.md#conventions): asked for with Accept
(``+xml``, ``application/xml``, ``text/xml``), sent with Content-Type, answered from the same documents as JSON,
errors as the XML error document, and hostile XML refused before anything is read from it. The demo world."""

from __future__ import annotations

import json
from xml.etree.ElementTree import fromstring

import pytest
from abiquo_mock.mockserver.http import xmldoc

from .support import V

VM = "/api/cloud/virtualdatacenters/1/virtualappliances/1/virtualmachines/1"
METADATA = VM + "/metadata"
WRITABLE = "/api/cloud/virtualdatacenters/2/virtualappliances/2/virtualmachines/5/metadata"  # not deployed
LIMIT = "/api/admin/enterprises/1/limits/2"
XML_METADATA = "application/vnd.abiquo.metadata+xml" + V
GETS = {
    "/api/admin/datacenters/1": ("datacenter", "datacenter"),
    "/api/admin/datacenters": ("datacenters", "datacenters"),
    "/api/admin/datacenters/1/racks/1/machines/1": ("machine", "machine"),
    "/api/admin/enterprises/2": ("enterprise", "enterprise"),
    "/api/cloud/virtualdatacenters": ("virtualdatacenters", "virtualDatacenters"),
    VM: ("virtualmachine", "virtualMachine"),
    METADATA: ("metadata", "virtualmachinemetadata"),
    "/api/admin/datacenters/1/backuppolicies/1": ("backuppolicy", "backupPolicy"),
    "/api/admin/enterprises/1/limits": ("limits", "limits"),
    "/api/login": ("user", "user"),
}


def _xml(answer):
    return fromstring(answer.text.encode())


@pytest.mark.parametrize("path", sorted(GETS))
@pytest.mark.parametrize("how", ["vendor", "application/xml", "text/xml"])
def test_every_read_answers_xml_with_abiquos_root_element(api, path, how):
    media, root = GETS[path]
    accept = f"application/vnd.abiquo.{media}+xml; version=3.8" if how == "vendor" else how
    answer = api.get(path, accept=accept)
    assert answer.status == 200, answer.text
    assert answer.headers["content-type"] == f"application/vnd.abiquo.{media}+xml; version=3.8"
    document = _xml(answer)
    assert document.tag == root
    assert all(link.get("type", "").find("+json") < 0 for link in document.iter("link"))


@pytest.mark.parametrize("path", [METADATA, LIMIT, "/api/admin/datacenters/1/backuppolicies/2", VM])
def test_the_xml_answer_holds_the_very_data_of_the_json_one(api, contract, path):
    as_json = api.get(path).json
    media = api.get(path).headers["content-type"].split("+")[0].rsplit(".", 1)[-1]
    as_xml = api.get(path, accept="application/xml").text.encode()
    resolve = xmldoc.resolver(contract["components"]["schemas"])
    read = xmldoc.load(as_xml, media, resolve({"$ref": f"#/components/schemas/{media.capitalize()}"}), resolve)
    as_text = json.dumps(_untyped_as_text({k: v for k, v in as_json.items() if v is not None or k == "metadata"}))
    assert read == json.loads(as_text.replace("+json", "+xml"))  # links name the XML twins


def _untyped_as_text(document: dict) -> dict:
    """What XML cannot carry: a backup result's size, which the contract leaves untyped, reads back as text."""
    for result in (document.get("metadata") or {}).get("backupResults", {}).get("results", []):
        result.update({k: str(v) for k, v in result.items() if isinstance(v, int)})
    return document


@pytest.fixture
def contract():
    from abiquo_mock.mockserver.openapi import build

    return build()


WRITTEN = """<?xml version="1.0" encoding="UTF-8"?>
<virtualmachinemetadata>
  <metadata>
    <backupSchedule>
      <complete>
        <daily><time>01:30:00 +0000</time><disks>101</disks></daily>
        <weekly_planned><time>02:00:00 +0000</time><disks>101</disks><disks>102</disks><monday>true</monday>
        </weekly_planned>
      </complete>
    </backupSchedule>
    <startup-script>&lt;this&lt;&gt;&gt; is a weird script --&gt; {} &lt;!--</startup-script>
    <owner>ops team</owner>
  </metadata>
</virtualmachinemetadata>"""
READ_BACK = {
    "backupSchedule": {
        "complete": {
            "daily": {"time": "01:30:00 +0000", "disks": ["101"]},
            "weekly_planned": {"time": "02:00:00 +0000", "disks": ["101", "102"], "monday": "true"},
        }
    },
    "startup-script": "<this<>> is a weird script --> {} <!--",
    "owner": "ops team",
}


def test_metadata_written_in_xml_reads_back_identical_in_json(api):
    written = api.put(WRITABLE, raw=WRITTEN.encode(), headers={"Content-Type": XML_METADATA, "Accept": XML_METADATA})
    assert written.status == 200, written.text
    assert fromstring(written.text.encode()).find("metadata/owner").text == "ops team"
    read = api.get(WRITABLE).json["metadata"]
    stored = {k: v for k, v in read.items() if k not in ("backupResults", "policyBindings")}  # the server's own
    assert stored == READ_BACK


def test_metadata_written_in_json_reads_back_identical_through_xml(api):
    api.put(WRITABLE, {"metadata": READ_BACK}, media="metadata")
    again = api.put(
        WRITABLE,
        raw=api.get(WRITABLE, accept="application/xml").text.encode(),
        headers={"Content-Type": "application/xml"},
    )
    assert again.status == 200, again.text
    assert {k: v for k, v in api.get(WRITABLE).json["metadata"].items() if k in READ_BACK} == READ_BACK


def test_metadata_read_and_sent_back_in_xml_keeps_every_stored_value_and_its_type(api):
    read = api.put(WRITABLE, {"metadata": {**READ_BACK, "retention": 7, "encrypted": False}}, media="metadata").json
    xml = api.get(WRITABLE, accept=XML_METADATA).text
    assert "<retention>7</retention>" in xml
    assert api.put(WRITABLE, raw=xml.encode(), headers={"Content-Type": XML_METADATA}).status == 200
    assert api.get(WRITABLE).json["metadata"] == read["metadata"]  # 7 is still 7, false still false


def test_a_limit_is_written_in_xml_with_its_jaxb_names(api):
    before = api.get(LIMIT, accept="application/xml").text
    changed = before.replace("<cpuHard>0</cpuHard>", "<cpuHard>16</cpuHard>").replace(
        "<cpuSoft>0</cpuSoft>", "<cpuSoft>8</cpuSoft>"
    )
    assert changed != before
    answer = api.put(LIMIT, raw=changed.encode(), headers={"Content-Type": "application/vnd.abiquo.limit+xml" + V})
    assert answer.status == 200, answer.text
    assert _xml(answer).tag == "limit"  # the body was XML: so is the answer
    read = api.get(LIMIT).json
    assert (read["cpuCountHardLimit"], read["cpuCountSoftLimit"]) == (16, 8)


# --- errors ----------------------------------------------------------------------------------------------------


def _error_document(answer, status: int, code: str) -> None:
    assert answer.status == status, answer.text
    assert answer.headers["content-type"] == "application/vnd.abiquo.errors+xml; version=3.8"
    document = _xml(answer)
    assert document.tag == "errors"
    assert [e.findtext("code") for e in document.findall("error")] == [code]
    assert document.find("error/message").text


@pytest.mark.parametrize(
    ("path", "user", "accept", "status", "code"),
    [
        ("/api/admin/datacenters/99", "admin", "application/vnd.abiquo.datacenter+xml; version=3.8", 404, "DC-0"),
        ("/api/nothing/here", "admin", "application/xml", 404, "404-NOT-FOUND"),
        ("/api/admin/datacenters/1", None, "text/xml", 401, "401-UNAUTHORIZED"),
        (
            "/api/admin/datacenters/1",
            "admin",
            "application/vnd.abiquo.datacenter+xml; version=2.9",
            406,
            "406-NOT-ACCEPTABLE",
        ),
        ("/api/admin/datacenters/1", "user", "application/xml", 403, "403-FORBIDDEN"),
    ],
)
def test_an_error_asked_for_in_xml_is_the_xml_error_document(api, path, user, accept, status, code):
    _error_document(api.get(path, user=user, accept=accept), status, code)


def test_a_refused_xml_body_is_answered_in_xml_and_changes_nothing(api):
    before = api.get(WRITABLE).json
    bad = WRITTEN.replace("01:30:00 +0000", "25:99")
    answer = api.put(WRITABLE, raw=bad.encode(), headers={"Content-Type": XML_METADATA, "Accept": XML_METADATA})
    _error_document(answer, 400, "BC-12")
    assert api.get(WRITABLE).json == before


def test_an_error_is_still_json_for_a_client_asking_json(api):
    answer = api.get("/api/admin/datacenters/99", accept="application/json")
    assert answer.headers["content-type"].startswith("application/vnd.abiquo.errors+json")


# --- hostile bodies ------------------------------------------------------------------------------------------

BILLION_LAUGHS = (
    '<?xml version="1.0"?><!DOCTYPE lolz [<!ENTITY lol "lol">'
    + "".join(f'<!ENTITY lol{i} "{("&lol" + str(i - 1) + ";") * 10 if i > 1 else "&lol;" * 10}">' for i in range(1, 10))
    + "]><virtualmachinemetadata><metadata><x>&lol9;</x></metadata></virtualmachinemetadata>"
)
EXTERNAL = (
    '<?xml version="1.0"?><!DOCTYPE m [<!ENTITY secret SYSTEM "file:///etc/passwd">]>'
    "<virtualmachinemetadata><metadata><x>&secret;</x></metadata></virtualmachinemetadata>"
)
HOSTILE = {
    "billion laughs": BILLION_LAUGHS,
    "an external entity": EXTERNAL,
    "a DTD": '<!DOCTYPE virtualmachinemetadata SYSTEM "http://127.0.0.1:1/x.dtd"><virtualmachinemetadata/>',
    "not XML": "<virtualmachinemetadata><metadata>",
    "another root": "<limit><cpuHard>1</cpuHard></limit>",
    "too deep": "<virtualmachinemetadata><metadata>"
    + "<a>" * 200
    + "</a>" * 200
    + "</metadata></virtualmachinemetadata>",
}


@pytest.mark.parametrize("body", sorted(HOSTILE))
def test_hostile_xml_is_refused_with_an_abiquo_error_and_changes_nothing(api, body):
    before = api.get(METADATA).json
    answer = api.put(METADATA, raw=HOSTILE[body].encode(), headers={"Content-Type": XML_METADATA})
    _error_document(answer, 400, "GEN-3")  # an XML body with no Accept: the error is XML too
    assert "root:" not in answer.text  # nothing of /etc/passwd
    assert api.get(METADATA).json == before


def test_an_xml_body_over_the_size_limit_is_refused_unread(api):
    huge = (
        b"<virtualmachinemetadata><metadata><x>"
        + b"a" * (2 * 1024 * 1024)
        + b"</x></metadata></virtualmachinemetadata>"
    )
    answer = api.put(METADATA, raw=huge, headers={"Content-Type": XML_METADATA, "Accept": XML_METADATA})
    assert answer.status == 413
    assert _xml(answer).tag == "errors"


# --- the contract ----------------------------------------------------------------------------------------------


def test_the_contract_declares_both_renderings_of_every_media_type(contract):
    for path, operations in contract["paths"].items():
        for method, doc in operations.items():
            success = next(iter(doc["responses"].values()))
            kinds = set(success.get("content", {}))
            vendor = {k for k in kinds if k.startswith("application/vnd.abiquo.")}
            assert {k.replace("+json", "+xml") for k in vendor if "+json" in k} <= kinds, (method, path)
            body = set(doc.get("requestBody", {}).get("content", {}))
            assert {k.replace("+json", "+xml") for k in body if "vnd.abiquo" in k} <= body, (method, path)
    assert json.dumps(contract).count("+xml") > 50


def test_an_answer_echoing_what_xml_cannot_carry_is_still_xml(api):
    answer = api.get("/api/admin/datacenters/%1E%08x", accept="application/xml")
    _error_document(answer, 404, "404-NOT-FOUND")  # the path's control characters are written as U+FFFD
    assert "\ufffd\ufffdx" in _xml(answer).findtext("error/message")


@pytest.mark.parametrize(
    ("headers", "status"),
    [
        ({"Content-Type": "text/plain", "Origin": "http://evil.example"}, 403),  # a page of another site
        ({"Content-Type": "text/plain"}, 415),  # XML sent as plain text is neither XML nor JSON
    ],
)
def test_xml_a_hostile_page_posts_as_plain_text_is_refused_and_changes_nothing(api, headers, status):
    before = api.get(WRITABLE).json
    answer = api.put(WRITABLE, raw=WRITTEN.encode(), headers=headers)
    assert answer.status == status, answer.text
    assert api.get(WRITABLE).json == before
