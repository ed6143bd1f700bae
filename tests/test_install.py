"""The install lines the docs give work as written: each ```` ```sh install ```` block of the README and docs/, and
each line of docs/ci.md's pipeline recipes that installs abiquo-mock, run from a fresh shell (an environment with
nothing but PATH, HOME and the machine's network settings) in a fresh clone of this repository, into a fresh
virtual environment. ``REPO`` and ``ABIQUO_MOCK_GIT`` name that clone, as a reader's would name the repository they
cloned. Slow (each builds or installs the package and its dependencies): make test-install, which .ci/run runs.
"""

from __future__ import annotations

import os
import re
import subprocess
from pathlib import Path

import pytest

ROOT = Path(__file__).resolve().parent.parent
DOCUMENTS = ["README.md", *(str(p.relative_to(ROOT)) for p in sorted((ROOT / "docs").glob("*.md")))]
BLOCK = re.compile(r"^```(\w+)([^\n]*)\n(.*?)^```$", re.M | re.S)
INSTALLS_THIS = re.compile(r"pip install .*(abiquo-mock|abiquo_mock|dist/)")
# What a fresh shell on the machine still has: its network and certificate settings.
KEPT = re.compile(
    r"^(PIP_(CERT|INDEX_URL|EXTRA_INDEX_URL|TRUSTED_HOST|DEFAULT_TIMEOUT)|SSL_CERT_\w+|REQUESTS_CA_BUNDLE|"
    r"(HTTPS?|NO)_PROXY|(https?|no)_proxy)$"
)

pytestmark = pytest.mark.skipif(
    os.environ.get("ABIQUO_MOCK_INSTALL_TESTS") != "1",
    reason="installs the package from scratch several times: run by make test-install (ABIQUO_MOCK_INSTALL_TESTS=1)",
)


def install_blocks() -> list[tuple[str, str]]:
    """(where, shell text) of every install block, and of every recipe line that installs this package."""
    found = []
    for name in DOCUMENTS:
        for block in BLOCK.finditer((ROOT / name).read_text(encoding="utf-8")):
            language, info, body = block.groups()
            if language == "sh" and "install" in info.split():
                found.append((f"{name}: install block {len(found) + 1}", body))
            elif language == "yaml":
                for line in body.splitlines():
                    command = re.sub(r"^\s*-\s*(run:\s*)?", "", line).strip()
                    if INSTALLS_THIS.search(command):
                        venv = "python3 -m venv ~/venv && . ~/venv/bin/activate && "
                        found.append((f"{name}: {command}", venv + command + "\nabiquo-mock --version\n"))
    return found


BLOCKS = install_blocks()


def test_the_readme_and_the_pipeline_recipes_have_install_lines():
    assert {where.split(":")[0] for where, _ in BLOCKS} >= {"README.md", "docs/ci.md"}


@pytest.fixture(scope="module")
def clone(tmp_path_factory) -> Path:
    """A clone of this repository as committed, as a reader gets it."""
    where = tmp_path_factory.mktemp("clone") / "abiquo-mock"
    subprocess.run(["git", "clone", "--quiet", str(ROOT), str(where)], check=True, timeout=120)
    return where


@pytest.mark.parametrize(("where", "text"), BLOCKS, ids=[where for where, _ in BLOCKS])
def test_the_install_lines_work_from_a_fresh_shell(clone, tmp_path, where, text):
    home = tmp_path / "home"
    home.mkdir()
    env = {
        **{name: value for name, value in os.environ.items() if KEPT.match(name)},
        "PATH": "/usr/local/bin:/usr/bin:/bin",
        "HOME": str(home),
        "LANG": "C.UTF-8",
        "REPO": f"file://localhost{clone}",  # pip before 23.1 takes no file:/// in a requirement
        "ABIQUO_MOCK_GIT": f"file://localhost{clone}",
    }
    done = subprocess.run(
        ["bash", "-euo", "pipefail", "-c", text],
        cwd=clone,
        env=env,
        capture_output=True,
        text=True,
        timeout=1200,
    )

    assert done.returncode == 0, f"{where}\n{text}\n{done.stdout[-3000:]}\n{done.stderr[-3000:]}"
    assert re.search(r"^abiquo-mock \d+\.\d+", done.stdout, re.M), done.stdout[-2000:]
