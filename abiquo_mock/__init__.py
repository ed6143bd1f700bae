"""abiquo-mock's import namespace: ``abiquo_mock.mockserver`` (the fake API), ``abiquo_mock.contracts`` (the
contract suites and the pytest plugin) and ``abiquo_mock.fixtures`` (the shipped scenarios) are the repository's
top-level folders mockserver/, contracts/ and fixtures/; setup.py maps them here in the wheel.

In a source tree (a checkout, an unpacked sdist) those folders sit beside this one, so the namespace also looks
there: the tree's own code is what its tests import, installed or not.
"""

from pathlib import Path

_HERE = Path(__file__).resolve().parent
if not (_HERE / "mockserver").is_dir():
    __path__.append(str(_HERE.parent))
