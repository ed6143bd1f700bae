"""Packaging layout (the metadata is in pyproject.toml).

Every import name lives under ``abiquo_mock`` so that none can collide with a user's own packages (a project
with its own ``contracts`` package must still load the pytest plugin), while the repository keeps its folders at
the top: ``abiquo_mock.mockserver`` is mockserver/, ``abiquo_mock.contracts`` is contracts/, and
``abiquo_mock.fixtures`` (the scenarios every install ships) is fixtures/.
"""

from setuptools import find_packages, setup

FOLDERS = ("mockserver", "contracts", "fixtures")

setup(
    packages=["abiquo_mock", *(f"abiquo_mock.{name}" for name in find_packages(include=[f"{f}*" for f in FOLDERS]))],
    package_dir={"abiquo_mock": "abiquo_mock", **{f"abiquo_mock.{folder}": folder for folder in FOLDERS}},
)
