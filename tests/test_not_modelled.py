"""An Abiquo operation the mock does not serve is not "not found": the captured 3.8 and 3.10 operations
(mockserver/captured_operations.json) the mock does not model answer 501 in the Abiquo envelope, naming the
operation; a path no Abiquo has stays 404. The demo world."""

from __future__ import annotations

import re
from pathlib import Path

import pytest
from abiquo_mock.mockserver import fidelity
from abiquo_mock.mockserver.http import captured

VM = "/api/cloud/virtualdatacenters/1/virtualappliances/1/virtualmachines/1"


@pytest.mark.parametrize(
    ("method", "path", "named"),
    [
        (
            "GET",
            VM + "/storage/disks",
            "GET /api/cloud/virtualdatacenters/{id}/virtualappliances/{id}/virtualmachines/{id}/storage/disks",
        ),
        ("GET", "/api/admin/datacenters/1/storage/tiers", "GET /api/admin/datacenters/{id}/storage/tiers"),
        ("GET", "/api/cloud/virtualdatacenters/1/tasks/7", "GET /api/cloud/virtualdatacenters/{id}/tasks/{id}"),
        ("GET", "/api/login/sessions/1/1", "GET /api/login/sessions/{id}/{id}"),
    ],
)
def test_an_abiquo_operation_the_mock_does_not_model_answers_501_naming_it(api, method, path, named):
    answer = api.request(method, path)
    assert answer.status == 501, answer.text
    assert answer.codes == ["501-NOT-IMPLEMENTED"]
    message = answer.json["collection"][0]["message"]
    assert named in message and "does not model" in message


def test_another_method_on_a_served_path_stays_405_and_names_the_operation(api):
    answer = api.delete("/api/admin/datacenters/1")
    assert answer.status == 405 and "GET" in answer.headers["allow"]
    assert answer.codes == ["405-METHOD-NOT-ALLOWED"]
    assert "DELETE /api/admin/datacenters/{id} is an operation of Abiquo" in answer.json["collection"][0]["message"]


@pytest.mark.parametrize(
    "path", ["/api/nothing/here", "/api/admin/datacenters/1/racks/1/teapots", VM + "/storage/floppies", "/api/cloud"]
)
def test_a_path_no_abiquo_has_is_still_404(api, path):
    answer = api.get(path)
    assert answer.status == 404, answer.text
    assert answer.codes == ["404-NOT-FOUND"]


def test_an_unmodelled_operation_still_needs_credentials_and_speaks_xml_when_asked(api):
    assert api.get(VM + "/storage/disks", user=None).status == 401
    answer = api.get(VM + "/storage/disks", accept="application/xml")
    assert answer.status == 501 and "<code>501-NOT-IMPLEMENTED</code>" in answer.text


def test_a_3_8_server_knows_only_the_3_8_operations(api):
    api.reset("legacy-3.8")
    assert api.get("/api/admin/datacenters/1/storage/tiers").status == 501  # a 3.8 operation
    only_3_10 = "/api/cloud/locations/1/devices/1/loadbalancers/1/healthstates"
    assert api.get(only_3_10).status == 404
    api.reset("demo")
    assert api.get(only_3_10).status == 501


def test_no_operation_the_mock_serves_answers_501(inproc):
    from abiquo_mock.mockserver.http.api import REGISTRY

    served = [op for op in REGISTRY if op.prefix == "/api" and op.method == "GET"]
    assert len(served) > 30
    for op in served:
        path = re.sub(r"\{\w+\}", "1", op.path)
        assert inproc.get(path).status != 501, path
    rows = fidelity.captured_rows()
    counted = re.search(r"serves (\d+) of them; the other (\d+)", "\n".join(rows))
    assert sum(map(int, counted.groups())) == len(captured.captured()) and int(counted.group(1)) >= 50


def test_the_fidelity_page_counts_what_the_list_holds():
    text = (Path(__file__).resolve().parent.parent / "docs" / "FIDELITY.md").read_text()
    assert "\n".join(fidelity.dialect_rows() + fidelity.captured_rows()) in text, "run make fidelity"


def test_a_served_operation_named_with_an_id_of_the_wrong_kind_is_404_not_501(api):
    for path in ("/api/admin/datacenters/1/backuppolicies/null,null", "/api/admin/enterprises/x/limits/1"):
        answer = api.delete(path)
        assert answer.status == 404, (path, answer.text)
