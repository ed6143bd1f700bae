"""Pin the image's dependencies: ``python requirements/lock.py`` (``make lock``) rewrites the files beside it.

pyproject.toml says which versions the package accepts; these files say which ones the image installs, so that a
cold build installs what the last lock resolved and an edit of pyproject.toml (a ruff setting, a version bump)
leaves the image's dependency layers alone. pip resolves them (``pip install --dry-run --report``) for the
Python running this script, as the image's Python 3.11 on Linux. tests/test_requirements.py checks that every pin
still satisfies pyproject.toml.
"""

from __future__ import annotations

import json
import os
import subprocess
import sys
import tempfile
import tomllib
from pathlib import Path

HERE = Path(__file__).resolve().parent
PROJECT = tomllib.loads((HERE.parent / "pyproject.toml").read_text())
HEADER = "# Written by requirements/lock.py (make lock) from pyproject.toml: do not edit by hand.\n"


def resolve(requirements: list[str]) -> list[str]:
    """The pins pip would install into an empty environment, from the index alone (no local config)."""
    with tempfile.TemporaryDirectory() as tmp:
        report = Path(tmp) / "report.json"
        env = {**os.environ, "PIP_CONFIG_FILE": os.devnull}  # the index only: no find-links or local mirrors
        pip = (sys.executable, "-m", "pip", "install", "--quiet", "--dry-run", "--ignore-installed")
        subprocess.run(
            [*pip, "--report", str(report), *requirements],
            check=True,
            env=env,
        )
        installed = json.loads(report.read_text())["install"]
    return sorted(f"{item['metadata']['name']}=={item['metadata']['version']}" for item in installed)


def write(name: str, pins: list[str], what: str) -> None:
    (HERE / name).write_text(HEADER + f"# {what}\n" + "".join(f"{pin}\n" for pin in pins))


def main() -> None:
    project = PROJECT["project"]
    contract = resolve(project["dependencies"] + project["optional-dependencies"]["contract"])
    serving = {pin.split("==")[0] for pin in resolve(project["dependencies"])}
    serve = [pin for pin in contract if pin.split("==")[0] in serving]  # the same versions in both images
    build = resolve(PROJECT["build-system"]["requires"])
    write("serve.txt", serve, "What the serving image installs: the project's dependencies.")
    write("contract.txt", contract, "What the contract image installs: the same plus the contract extra.")
    write("build.txt", build, "What builds the wheel: pyproject.toml's build-system requirements.")


if __name__ == "__main__":
    main()
