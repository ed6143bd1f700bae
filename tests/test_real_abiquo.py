"""The same checks against a real Abiquo, when one is given: ABIQUO_REAL_URL (e.g. https://abiquo.example/api),
ABIQUO_REAL_USER and ABIQUO_REAL_PASSWORD. Skipped otherwise, so that the mock's fidelity can be measured by
anyone who has a real 3.8.5 to point at."""

from __future__ import annotations

import os

import pytest
import requests

REAL_URL = os.environ.get("ABIQUO_REAL_URL")
USER = os.environ.get("ABIQUO_REAL_USER", "admin")
PASSWORD = os.environ.get("ABIQUO_REAL_PASSWORD", "xabiquo")

pytestmark = [
    pytest.mark.real_abiquo,
    pytest.mark.skipif(not REAL_URL, reason="no real Abiquo given (set ABIQUO_REAL_URL)"),
]


@pytest.fixture(params=["mock", "real"])
def target(request, live_server):
    """The mock and, when given, the real Abiquo: each test below runs against both."""
    if request.param == "mock":
        return live_server.url + "/api", "admin", "xabiquo"
    return REAL_URL.rstrip("/"), USER, PASSWORD


def test_both_answer_the_version_as_plain_text(target):
    url, user, password = target
    answer = requests.get(url + "/version", auth=(user, password), headers={"Accept": "text/plain"}, timeout=30)
    assert answer.status_code == 200
    assert answer.text.strip() == "3.8.5"


def test_both_refuse_a_wrong_version_in_accept_with_406(target):
    url, user, password = target
    answer = requests.get(
        url + "/admin/datacenters",
        auth=(user, password),
        timeout=30,
        headers={"Accept": "application/vnd.abiquo.datacenters+json; version=0.1"},
    )
    assert answer.status_code == 406
    assert answer.json()["collection"][0]["code"] == "406-NOT-ACCEPTABLE"


def test_both_list_datacenters_with_backup_policy_links(target):
    url, user, password = target
    answer = requests.get(
        url + "/admin/datacenters",
        auth=(user, password),
        timeout=30,
        headers={"Accept": "application/vnd.abiquo.datacenters+json; version=3.8"},
    )
    assert answer.status_code == 200
    for datacenter in answer.json()["collection"]:
        rels = {link["rel"] for link in datacenter["links"]}
        assert {"racks", "backuppolicies", "backupproperties"} <= rels


def test_the_provider_suite_passes_against_the_real_abiquo():
    from abiquo_mock.contracts.provider import run

    assert run(REAL_URL, user=USER, password=PASSWORD, max_examples=10) == 0
