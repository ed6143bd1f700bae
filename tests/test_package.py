"""abiquo-mock installed as a user installs it: the wheel, in a fresh virtual environment outside the checkout.

It serves the demo world, the README's pytest example passes in a new project that has its own ``contracts``
package, and both contract suites run; the sdist carries its own tests. Installed without the contract extra, it
serves too, and the suites and the pytest plugin's fixture say in one line that the extra is missing. Slow (it
builds, creates venvs and installs the dependencies): it runs under ``make test-package``
(ABIQUO_MOCK_PACKAGE_TESTS=1), which .ci/run runs.
"""

from __future__ import annotations

import os
import re
import shutil
import subprocess
import sys
import tarfile
from pathlib import Path

import pytest
import requests
from abiquo_mock.contracts.server import free_port

from .support import ServerProcess

ROOT = Path(__file__).resolve().parent.parent
CONNECTOR = ROOT / "examples" / "connectors" / "good_connector.py"
pytestmark = pytest.mark.skipif(
    os.environ.get("ABIQUO_MOCK_PACKAGE_TESTS") != "1",
    reason="builds and installs the package: run by make test-package (ABIQUO_MOCK_PACKAGE_TESTS=1)",
)

# the README's pytest example, word for word
README_EXAMPLE = """
import os, subprocess, sys
import pytest


@pytest.mark.abiquo_scenario("demo")
def test_connector_reports_a_backup(abiquo_mock):
    subprocess.run([sys.executable, "connector.py"], env={**os.environ, **abiquo_mock.env}, check=True)
    results = abiquo_mock.metadata(1)["backupResults"]["results"]
    assert results[-1]["status"] == "done"
    assert all(e["status"] == 200 for e in abiquo_mock.journal(method="PUT"))
"""


def run(*command: str | Path, cwd: Path, timeout: float = 600, **kw) -> subprocess.CompletedProcess:
    env = {k: v for k, v in os.environ.items() if k not in ("PYTHONPATH", "ABIQUO_MOCK_FIXTURES", "VIRTUAL_ENV")}
    return subprocess.run(
        [str(c) for c in command], cwd=cwd, env=env, capture_output=True, text=True, timeout=timeout, **kw
    )


@pytest.fixture(scope="module")
def built(tmp_path_factory) -> dict[str, Path]:
    """The wheel and the sdist, and a fresh venv (outside the checkout) with the wheel and its contract extra."""
    out = tmp_path_factory.mktemp("dist")
    shutil.copytree(
        ROOT,
        out / "src",
        ignore=shutil.ignore_patterns(".venv*", ".git", "var", "reports", "*.egg-info", "build", "__pycache__"),
    )
    done = run(sys.executable, "-m", "build", "--sdist", "--wheel", "--outdir", out, out / "src", cwd=out)
    assert done.returncode == 0, done.stdout[-3000:] + done.stderr[-3000:]
    wheel, sdist = next(out.glob("*.whl")), next(out.glob("*.tar.gz"))
    venv = tmp_path_factory.mktemp("venv") / "v"
    run(sys.executable, "-m", "venv", venv, cwd=out).check_returncode()
    done = run(venv / "bin" / "python", "-m", "pip", "install", "--quiet", f"{wheel}[contract]", cwd=out)
    assert done.returncode == 0, done.stderr[-3000:]
    return {"wheel": wheel, "sdist": sdist, "bin": venv / "bin"}


@pytest.fixture(scope="module")
def base(built, tmp_path_factory) -> Path:
    """A fresh venv with the wheel alone, no extra, and pytest: a user who has pytest but not the contract extra."""
    venv = tmp_path_factory.mktemp("base") / "v"
    run(sys.executable, "-m", "venv", venv, cwd=venv.parent).check_returncode()
    done = run(venv / "bin" / "python", "-m", "pip", "install", "--quiet", built["wheel"], "pytest", cwd=venv.parent)
    assert done.returncode == 0, done.stderr[-3000:]
    assert run(venv / "bin" / "python", "-c", "import requests", cwd=venv.parent).returncode != 0  # truly without
    return venv / "bin"


def test_without_the_contract_extra_the_mock_serves_and_the_suites_say_what_is_missing(base, tmp_path):
    assert run(base / "abiquo-mock", "scenarios", cwd=tmp_path).returncode == 0
    with ServerProcess("--memory") as server:  # the checkout's mock: the base install's suites judge it
        for arguments in (["provider", "--url", server.url], ["integration", "--command", "true"]):
            done = run(base / "abiquo-mock", "contract", *arguments, cwd=tmp_path)
            assert done.returncode == 3, done.stdout[-3000:] + done.stderr[-3000:]
            assert done.stderr.count("\n") == 1 and "Traceback" not in done.stderr, done.stderr
            assert "comes with the contract extra, not installed here" in done.stderr, done.stderr
            assert done.stderr.rstrip().endswith("pip install 'abiquo-mock[contract]'"), done.stderr


def test_without_the_contract_extra_the_fixture_says_what_is_missing(base, tmp_path):
    (tmp_path / "test_connector.py").write_text(README_EXAMPLE)

    done = run(base / "python", "-m", "pytest", "-q", "-p", "no:cacheprovider", cwd=tmp_path)

    assert done.returncode == 1 and "1 error" in done.stdout, done.stdout[-3000:] + done.stderr[-3000:]
    assert "the abiquo_mock fixture comes with the contract extra, not installed here (no requests)" in done.stdout
    assert "ModuleNotFoundError" not in done.stdout, done.stdout[-3000:]


def test_the_wheel_ships_the_scenarios_and_serves_the_demo_world(built, tmp_path):
    listed = run(built["bin"] / "abiquo-mock", "scenarios", cwd=tmp_path)
    assert listed.returncode == 0 and listed.stdout.startswith("demo "), listed.stdout + listed.stderr

    port = free_port()
    server = subprocess.Popen(
        [built["bin"] / "abiquo-mock", "serve", "--port", str(port), "--db", "x.json"], cwd=tmp_path
    )
    try:
        url = f"http://127.0.0.1:{port}"
        assert (
            run(
                built["bin"] / "python", "-m", "abiquo_mock.mockserver.healthcheck", url, "--wait", "30", cwd=tmp_path
            ).returncode
            == 0
        )
        answer = requests.get(url + "/api/cloud/virtualmachines", auth=("admin", "xabiquo"), timeout=10)
        assert answer.status_code == 200 and answer.json()["totalSize"] > 0
    finally:
        server.terminate()
        server.wait(30)
    assert (tmp_path / "x.json").is_file()


def test_the_readme_pytest_example_runs_in_a_project_with_its_own_contracts_package(built, tmp_path):
    (tmp_path / "contracts").mkdir()
    (tmp_path / "contracts" / "__init__.py").write_text("OURS = True\n")
    shutil.copy(CONNECTOR, tmp_path / "connector.py")
    shutil.copy(ROOT / "examples" / "connectors" / "abiquo_http.py", tmp_path / "abiquo_http.py")
    (tmp_path / "test_connector.py").write_text("import contracts\n\nassert contracts.OURS\n" + README_EXAMPLE)

    done = run(built["bin"] / "python", "-m", "pytest", "-q", "-p", "no:cacheprovider", cwd=tmp_path)

    assert done.returncode == 0, done.stdout[-3000:] + done.stderr[-3000:]
    assert "1 passed" in done.stdout


def test_both_contract_suites_run_from_the_wheel(built, tmp_path):
    shutil.copy(CONNECTOR, tmp_path / "connector.py")
    shutil.copy(ROOT / "examples" / "connectors" / "abiquo_http.py", tmp_path / "abiquo_http.py")
    integration = run(
        built["bin"] / "abiquo-mock",
        "contract",
        "integration",
        "--scenario",
        "demo",
        "--command",
        f"{built['bin'] / 'python'} connector.py",
        cwd=tmp_path,
    )
    assert integration.returncode == 0, integration.stdout[-3000:] + integration.stderr[-3000:]
    assert re.search(r"^demo: PASS (\d+)/\1$", integration.stdout, re.M), integration.stdout

    with ServerProcess("--memory") as server:
        provider = run(
            built["bin"] / "abiquo-mock",
            "contract",
            "provider",
            "--url",
            server.url,
            "--max-examples",
            "1",
            cwd=tmp_path,
        )
    assert provider.returncode == 0, provider.stdout[-3000:] + provider.stderr[-3000:]


def test_a_certification_runs_from_the_wheel_and_writes_its_report(built, tmp_path):
    shutil.copy(CONNECTOR, tmp_path / "connector.py")
    shutil.copy(ROOT / "examples" / "connectors" / "abiquo_http.py", tmp_path / "abiquo_http.py")
    command = f"{built['bin'] / 'python'} connector.py"

    done = run(built["bin"] / "abiquo-mock", "certify", "--command", command, "--world", "demo", cwd=tmp_path)

    assert done.returncode == 0, done.stdout[-3000:] + done.stderr[-3000:]
    report = tmp_path / "reports" / "certify"
    assert "default-src 'none'" in (report / "report.html").read_text(encoding="utf-8")  # its style and script too
    assert (report / "summary.md").read_text(encoding="utf-8").startswith("## abiquo-mock certification: ✅ PASS")


def test_the_sdist_runs_its_own_tests(built, tmp_path):
    with tarfile.open(built["sdist"]) as sdist:
        sdist.extractall(tmp_path, filter="data")
    (unpacked,) = tmp_path.iterdir()
    assert (unpacked / "tests" / "conftest.py").is_file() and (unpacked / "tests" / "support" / "__init__.py").is_file()
    done = run(
        built["bin"] / "python",
        "-m",
        "pytest",
        "-q",
        "-x",
        "-p",
        "no:cacheprovider",
        "tests/test_scenarios.py",
        "tests/test_contract_integration.py",
        "tests/test_pytest_plugin.py",
        cwd=unpacked,
    )
    assert done.returncode == 0, done.stdout[-3000:] + done.stderr[-3000:]
