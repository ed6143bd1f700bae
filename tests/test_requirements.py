"""The image installs the pinned versions of requirements/ (make lock): each pin must still be one that
pyproject.toml accepts, every dependency pyproject.toml names must be pinned, and both images must pin the same
version of what they share. An edit of pyproject.toml that a pin no longer satisfies fails here until make lock."""

from __future__ import annotations

import tomllib
from pathlib import Path

import pytest
from packaging.requirements import Requirement
from packaging.utils import canonicalize_name

ROOT = Path(__file__).resolve().parent.parent
PROJECT = tomllib.loads((ROOT / "pyproject.toml").read_text())


def pins(name: str) -> dict[str, str]:
    lines = (ROOT / "requirements" / name).read_text().splitlines()
    found = (line.split("==") for line in lines if line and not line.startswith("#"))
    return {canonicalize_name(package): version for package, version in found}


@pytest.mark.parametrize(
    ("lock", "declared"),
    [
        ("serve.txt", PROJECT["project"]["dependencies"]),
        ("contract.txt", PROJECT["project"]["dependencies"] + PROJECT["project"]["optional-dependencies"]["contract"]),
        ("build.txt", PROJECT["build-system"]["requires"]),
    ],
)
def test_every_declared_dependency_is_pinned_to_a_version_pyproject_accepts(lock, declared):
    pinned = pins(lock)
    for requirement in map(Requirement, declared):
        name = canonicalize_name(requirement.name)
        assert name in pinned, f"{requirement.name} is not pinned in requirements/{lock}: run make lock"
        assert requirement.specifier.contains(pinned[name], prereleases=True), (
            f"requirements/{lock} pins {requirement.name}=={pinned[name]}, which pyproject.toml's "
            f"'{requirement}' refuses: run make lock"
        )


def test_both_images_pin_the_same_version_of_what_they_share():
    serve, contract = pins("serve.txt"), pins("contract.txt")
    assert {name: contract.get(name) for name in serve} == serve
