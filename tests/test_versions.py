"""The media-type versions a 3.8.5 server accepts (docs/BACKUP-RULES.md#conventions): its own, 3.8, and the two
minor releases before it, 3.6 and 3.7, each echoed in the answer's media type; any other is 406 in Accept and 415
in Content-Type. ``serve --api-versions`` changes the list. The demo world."""

from __future__ import annotations

import pytest
from abiquo_mock.mockserver.app import create_app

from .support import InProcessApi

DATACENTER = "/api/admin/datacenters/1"
POLICY = "/api/admin/datacenters/1/backuppolicies/1"


@pytest.mark.parametrize("version", ["3.6", "3.7", "3.8"])
@pytest.mark.parametrize("form", ["json", "xml"])
def test_an_accepted_version_is_answered_and_echoed(api, version, form):
    answer = api.get(DATACENTER, accept=f"application/vnd.abiquo.datacenter+{form}; version={version}")
    assert answer.status == 200, answer.text
    assert answer.headers["content-type"] == f"application/vnd.abiquo.datacenter+{form}; version={version}"


@pytest.mark.parametrize("version", ["3.5", "3.9", "3.10", "2.2", "3.8.5", "x"])
def test_another_version_is_not_acceptable(api, version):
    answer = api.get(DATACENTER, accept=f"application/vnd.abiquo.datacenter+json; version={version}")
    assert answer.status == 406, answer.text
    assert answer.codes == ["406-NOT-ACCEPTABLE"]


def test_a_body_of_an_accepted_version_is_read_and_another_refused(api):
    policy = api.get(POLICY).json
    for version, status in (("3.6", 200), ("3.7", 200), ("3.5", 415), ("3.10", 415)):
        answer = api.put(
            POLICY, policy, headers={"Content-Type": f"application/vnd.abiquo.backuppolicy+json; version={version}"}
        )
        assert answer.status == status, (version, answer.text)
        if status == 415:
            assert answer.codes == ["415-UNSUPPORTED-MEDIA-TYPE-VERSION"]


def test_the_accepted_versions_are_configurable():
    api = InProcessApi(create_app({"SCENARIO": "demo", "API_VERSIONS": ("3.8",)}))
    assert api.get(DATACENTER, accept="application/vnd.abiquo.datacenter+json; version=3.6").status == 406
    answer = api.get(DATACENTER, accept="application/vnd.abiquo.datacenter+json")
    assert answer.status == 200  # a request naming no version gets the server's own
    assert answer.headers["content-type"].endswith("version=3.8")


def test_serve_refuses_a_list_that_is_no_list_of_versions():
    from abiquo_mock.mockserver.cli import main
    from click.testing import CliRunner

    result = CliRunner().invoke(main, ["serve", "--memory", "--api-versions", "3.6,latest"])
    assert result.exit_code != 0
    assert "--api-versions" in result.output
