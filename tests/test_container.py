"""The image, run as CI runs it: built from the Dockerfile, started with Testcontainers, healthy by its own
HEALTHCHECK, serving as a non-root user, answering a connector. docs/ci.md shows this test as the example.

Needs a Docker daemon: without one every test here is skipped, and says so.
"""

from __future__ import annotations

import os
import subprocess
import sys
from pathlib import Path

import pytest
import requests

ROOT = Path(__file__).resolve().parent.parent
CONNECTOR = ROOT / "examples" / "connectors" / "good_connector.py"


def docker_daemon_problem() -> str | None:
    """Why no container can be started here, or None when a daemon answers."""
    try:
        import docker

        docker.from_env().ping()
    except Exception as exc:  # no SDK, no socket, no permission: each means no container
        return f"NO DOCKER DAEMON ({type(exc).__name__}): the image tests are SKIPPED"
    return None


pytestmark = pytest.mark.skipif(docker_daemon_problem() is not None, reason=str(docker_daemon_problem()))


@pytest.fixture(scope="module")
def mock_url():
    from testcontainers.core.container import DockerContainer
    from testcontainers.core.image import DockerImage
    from testcontainers.core.wait_strategies import HealthcheckWaitStrategy

    with DockerImage(path=ROOT, tag="abiquo-mock:test") as image:
        container = DockerContainer(str(image)).with_exposed_ports(8080)
        with container.waiting_for(HealthcheckWaitStrategy().with_startup_timeout(60)) as running:
            yield f"http://{running.get_container_host_ip()}:{running.get_exposed_port(8080)}", running


def test_the_image_is_healthy_and_serves_as_a_non_root_user(mock_url):
    url, container = mock_url

    assert requests.get(url + "/_mock/health", timeout=10).json()["status"] == "ok"
    assert container.exec(["id", "-u"]).output.decode().strip() != "0"


def test_a_connector_backs_up_against_the_container(mock_url):
    url, _ = mock_url
    env = {**os.environ, "ABIQUO_API_URL": url + "/api", "ABIQUO_USER": "admin", "ABIQUO_PASSWORD": "xabiquo"}

    subprocess.run([sys.executable, str(CONNECTOR)], env=env, check=True, timeout=120)

    puts = requests.get(url + "/_mock/journal?method=PUT", timeout=10).json()["collection"]
    assert puts and all(entry["status"] == 200 for entry in puts)
