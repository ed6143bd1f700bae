"""The images, run as their users run them: built from the Dockerfile, started through the Docker API (Docker's
daemon, or podman's Docker-compatible service as .ci/image starts it), each serving image published on a loopback
port. The serving image answers as uid 10001, is healthy by its own HEALTHCHECK whatever port or control setting
its command gives, keeps its store on a /data volume from one container to the next, stops cleanly on SIGTERM,
refuses a /data it cannot write with the way out, and serves a connector; the contract image writes its report to
a path relative to its working directory. docs/ci.md shows the first fixture as the Testcontainers recipe.

Needs a Docker API: without one every test here is skipped, and says so (make image-test runs them).
"""

from __future__ import annotations

import os
import subprocess
import sys
import tempfile
import time
import uuid
from pathlib import Path

import pytest
import requests

ROOT = Path(__file__).resolve().parent.parent
CONNECTOR = ROOT / "examples" / "connectors" / "good_connector.py"
LOOPBACK = "127.0.0.1"
WEB_03 = "/api/cloud/virtualdatacenters/1/virtualappliances/1/virtualmachines/3"  # NOT_ALLOCATED in demo


def docker_daemon_problem() -> str | None:
    """Why no container can be started here, or None when a daemon answers."""
    try:
        import docker

        docker.from_env().ping()
    except Exception as exc:  # no SDK, no socket, no permission: each means no container
        return f"NO DOCKER DAEMON ({type(exc).__name__}): the image tests are SKIPPED (make image-test runs them)"
    return None


pytestmark = pytest.mark.skipif(docker_daemon_problem() is not None, reason=str(docker_daemon_problem()))


def build(tag: str, target: str | None = None) -> str:
    from testcontainers.core.image import DockerImage

    image = DockerImage(path=ROOT, tag=tag, clean_up=False, **({"target": target} if target else {}))
    image.build()
    return str(image)


@pytest.fixture(scope="module")
def docker_client():
    import docker

    client = docker.from_env()
    yield client
    client.close()


@pytest.fixture(scope="module")
def serve_image(docker_client):
    tag = build("abiquo-mock:test")
    yield tag
    docker_client.images.remove(tag)  # the tag only: the image may carry others (abiquo-mock)


@pytest.fixture(scope="module")
def contract_image(docker_client):
    tag = build("abiquo-mock:test-contract", target="contract")
    yield tag
    docker_client.images.remove(tag)


def start(image: str, *command: str, volume: str | None = None):
    """A started testcontainers container of ``image``, its port 8080 published on a free loopback port."""
    from testcontainers.core.container import DockerContainer

    container = DockerContainer(image)
    if volume:
        container.with_volume_mapping(volume, "/data", "rw")
    container.ports["8080/tcp"] = (LOOPBACK, free_port())  # with_bind_ports takes no address: loopback only
    if command:
        container.with_command(list(command))
    return container.start()


def free_port() -> int:
    from abiquo_mock.contracts.server import free_port as pick

    return pick()


def url_of(container) -> str:
    return f"http://{LOOPBACK}:{container.get_exposed_port(8080)}"


def wait_until(answered, what: str, timeout: float = 60):
    deadline = time.monotonic() + timeout
    while time.monotonic() < deadline:
        found = answered()
        if found:
            return found
        time.sleep(0.2)
    raise AssertionError(f"gave up waiting for {what}")


def health_of(container) -> str:
    container.get_wrapped_container().reload()
    return container.get_wrapped_container().attrs["State"].get("Health", {}).get("Status", "none")


def answers(url: str, path: str = "/api/version"):
    try:
        answer = requests.get(url + path, timeout=2)
    except requests.ConnectionError:
        return None
    return answer if answer.status_code == 200 else None


@pytest.fixture(scope="module")
def serving(serve_image):
    container = start(serve_image)
    try:
        wait_until(lambda: health_of(container) == "healthy", "the serving container's health check")
        yield url_of(container), container
    finally:
        container.stop()


def test_the_serving_image_answers_its_version_as_uid_10001_and_is_healthy(serving):
    url, container = serving

    assert requests.get(url + "/api/version", timeout=10).text.strip() == "3.8.5"
    assert container.exec(["id", "-u"]).output.decode().strip() == "10001"
    assert container.exec(["id", "-g"]).output.decode().strip() == "10001"
    assert health_of(container) == "healthy"
    assert requests.get(url + "/_mock/health", timeout=10).json()["status"] == "ok"


def test_a_connector_backs_up_against_the_container(serving):
    url, _ = serving
    env = {**os.environ, "ABIQUO_API_URL": url + "/api", "ABIQUO_USER": "admin", "ABIQUO_PASSWORD": "xabiquo"}

    subprocess.run([sys.executable, str(CONNECTOR)], env=env, check=True, timeout=120)

    puts = requests.get(url + "/_mock/journal?method=PUT", timeout=10).json()["collection"]
    assert puts and all(entry["status"] == 200 for entry in puts)


@pytest.mark.parametrize(
    "command",
    [
        ("abiquo-mock", "serve", "--host", "0.0.0.0", "--port", "9090", "--memory"),
        ("abiquo-mock", "serve", "--host", "0.0.0.0", "--port", "8080", "--memory", "--no-control"),
        ("abiquo-mock", "serve", "--host", "0.0.0.0", "--port", "8080", "--memory", "--control-token", "s3cret"),
    ],
    ids=["another-port", "no-control", "token-on-the-command-line"],
)
def test_the_health_check_follows_the_command_wherever_it_serves(serve_image, command):
    container = start(serve_image, *command)
    try:
        wait_until(lambda: health_of(container) == "healthy", f"health with {' '.join(command[2:])}")
        assert container.exec(["python", "-m", "abiquo_mock.mockserver.healthcheck"]).exit_code == 0
    finally:
        container.stop()


def test_the_store_on_a_volume_outlives_its_container(serve_image, docker_client):
    volume = f"abiquo-mock-test-{uuid.uuid4().hex[:8]}"
    first = start(serve_image, volume=volume)
    try:
        url = url_of(first)
        wait_until(lambda: answers(url), "the first container")
        changed = requests.put(url + "/_mock/virtualmachines/3/state", json={"state": "ON"}, timeout=10)
        assert changed.status_code == 200, changed.text
        first.stop()
        second = start(serve_image, volume=volume)
        try:
            url = url_of(second)
            wait_until(lambda: answers(url), "the second container")
            vm = requests.get(url + WEB_03, auth=("admin", "xabiquo"), timeout=10)
            assert vm.status_code == 200 and vm.json()["state"] == "ON", vm.text
        finally:
            second.stop()
    finally:
        docker_client.volumes.get(volume).remove(force=True)


def test_docker_stop_ends_the_server_cleanly_on_sigterm(serve_image):
    container = start(serve_image)
    wait_until(lambda: answers(url_of(container)), "the container")
    wrapped = container.get_wrapped_container()

    wrapped.stop(timeout=20)  # SIGTERM, then SIGKILL after 20 s

    wrapped.reload()
    assert wrapped.attrs["State"]["ExitCode"] == 0, wrapped.logs().decode()[-2000:]
    assert "Stopped worker" in wrapped.logs().decode() or "shutdown" in wrapped.logs().decode().lower()
    wrapped.remove()


def test_a_data_folder_the_mock_cannot_write_is_refused_with_the_way_out(serve_image, docker_client):
    with tempfile.TemporaryDirectory() as host_folder:
        os.chmod(host_folder, 0o755)  # the host user's own folder, which uid 10001 cannot write
        container = docker_client.containers.run(
            serve_image, volumes={host_folder: {"bind": "/data", "mode": "rw"}}, detach=True
        )
        try:
            status = container.wait(timeout=60)["StatusCode"]
            logs = container.logs().decode()
        finally:
            container.remove(force=True)
    assert status == 2, logs
    assert "Permission denied" in logs and "chown 10001" in logs, logs
    assert "Traceback" not in logs, logs


def test_the_contract_image_writes_its_report_to_a_relative_path(contract_image, docker_client):
    script = (
        "abiquo-mock contract provider --max-examples 1 --report junit reports/provider.xml; status=$?; "
        "head -c 300 reports/provider.xml; ls -d .hypothesis; exit $status"
    )
    container = docker_client.containers.run(contract_image, ["sh", "-c", script], detach=True)
    try:
        status = container.wait(timeout=600)["StatusCode"]
        logs = container.logs().decode()
    finally:
        container.remove(force=True)

    assert status == 0, logs[-3000:]
    assert "<testsuite" in logs and ".hypothesis" in logs, logs[-3000:]
    assert "PermissionError" not in logs and "Traceback" not in logs, logs[-3000:]
