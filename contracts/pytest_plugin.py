"""pytest plugin: the ``abiquo_mock`` fixture, a real mock server for testing code that talks to Abiquo.

    @pytest.mark.abiquo_scenario("demo")
    def test_my_connector(abiquo_mock):
        subprocess.run([sys.executable, "connector.py"], env={**os.environ, **abiquo_mock.env}, check=True)
        assert abiquo_mock.metadata(1)["backupResults"]["results"]

One server process serves the whole session (started the first time a test asks for the fixture); every
test gets it freshly loaded with its scenario and an empty journal. Loaded through the `pytest11` entry point:
nothing starts, and nothing beyond pytest is imported, until a test uses the fixture.
"""

from __future__ import annotations

import pytest

from .extra import missing, sentence

# contracts/ judges the mock from outside: it keeps its own copy of the Abiquo values it checks instead of
# importing mockserver's, so that a wrong value in the mock cannot make its own judge agree with it.
DEFAULT_SCENARIO = "demo"


def pytest_configure(config):
    config.addinivalue_line(
        "markers",
        "abiquo_scenario(name): the scenario the abiquo_mock fixture loads "
        f"before the test (default {DEFAULT_SCENARIO})",
    )


class AbiquoMock:
    """A running mock: where it is, who may log in, and its control API (load, deploy, journal)."""

    def __init__(self, url: str, user: str = "admin", password: str = "xabiquo"):
        from .client import MockClient

        self.url = url
        self.api_url = url + "/api"
        self.user = user
        self.password = password
        self.scenario: str | None = None
        self._client = MockClient(url, user, password)

    @property
    def env(self) -> dict[str, str]:
        """The environment a connector reads: ABIQUO_API_URL, ABIQUO_USER, ABIQUO_PASSWORD."""
        return {"ABIQUO_API_URL": self.api_url, "ABIQUO_USER": self.user, "ABIQUO_PASSWORD": self.password}

    def load(self, scenario: str, abiquo: str | None = None) -> None:
        """Replace the whole world with ``scenario`` (and forget the journal), served as the Abiquo release
        ``abiquo`` ("3.8", "3.8.5") when one is named, else as the one the scenario names."""
        self._client.reset(scenario, abiquo=abiquo)
        self.scenario = scenario

    def upgrade(self) -> dict:
        """Upgrade the served Abiquo 3.8 world to 3.8.5 in place, as a connector's installation would be."""
        return self._client.upgrade()

    def reset(self, scenario: str = DEFAULT_SCENARIO) -> None:
        self.load(scenario)

    def set_state(self, vm_id: int, state: str) -> dict:
        """Deploy (ON, OFF…) or undeploy (NOT_ALLOCATED) a VM."""
        return self._client.set_state(vm_id, state)

    def journal(self, path: str | None = None, method: str | None = None, **filters) -> list[dict]:
        """The requests the API answered, oldest first; ``path`` is a prefix such as "/api/cloud"; further
        filters: pathPattern (a glob such as "/api/cloud/*/metadata"), status (404 or "4xx"), user, since,
        until (ISO 8601 or epoch seconds)."""
        return self._client.journal(path, method, **filters)

    def count(self, **pattern) -> int:
        """How many recorded requests match, e.g. ``count(method="PUT", status="2xx")``."""
        return self._client.count_requests(**pattern)

    def verify(self, times: int | None = None, *, at_least: int | None = None, at_most: int | None = None, **pattern):
        """Fail the test unless requests matching ``pattern`` were made ``times`` times (or at least / at most;
        with no count, at least once). ``verify(1, method="PUT", pathPattern="*/metadata")``"""
        expected = {"count": times, "atLeast": at_least, "atMost": at_most}
        answer = self._client.verify_requests(**pattern, **{k: v for k, v in expected.items() if v is not None})
        if not answer["verified"]:
            raise AssertionError(f"expected {answer['expected']} requests matching {pattern}, found {answer['count']}")
        return answer["count"]

    def clear_journal(self) -> None:
        self._client.clear_journal()

    def metadata(self, vm_id: int) -> dict | None:
        """A VM's metadata object as the API serves it now (None when it has none)."""
        from .client import link
        from .integration import read_metadata

        vm = next(v for v in self._client.collection("cloud/virtualmachines", "virtualmachines") if v["id"] == vm_id)
        return read_metadata(self._client, link(vm, "metadata"))


@pytest.fixture(scope="session")
def abiquo_mock_server():
    """The mock process behind every ``abiquo_mock``: started once, stopped at the end of the session."""
    absent = missing(("requests",))
    if absent:
        pytest.fail(sentence("the abiquo_mock fixture", absent), pytrace=False)
    from .client import MockProcess

    with MockProcess() as server:
        yield server


@pytest.fixture
def abiquo_mock(request, abiquo_mock_server) -> AbiquoMock:
    """The mock, loaded with the test's ``abiquo_scenario`` (default demo), its journal empty."""
    marker = request.node.get_closest_marker("abiquo_scenario")
    mock = AbiquoMock(abiquo_mock_server.url)
    mock.load(marker.args[0] if marker else DEFAULT_SCENARIO)
    return mock
