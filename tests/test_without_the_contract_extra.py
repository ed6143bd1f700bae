"""Without the contract extra (the base install), the suites and the pytest plugin's fixture say in one line which
extra is missing and how to install it, instead of dying on an import. Here the missing modules are hidden from
this Python; tests/test_package.py checks the same in a real venv without the extra (make test-package)."""

from __future__ import annotations

import sys

import pytest
from abiquo_mock.mockserver.cli import main
from click.testing import CliRunner

pytest_plugins = ["pytester"]
INSTALL = "pip install 'abiquo-mock[contract]'"


def _hide(monkeypatch, *modules: str) -> None:
    for name in modules:
        monkeypatch.setitem(sys.modules, name, None)  # find_spec and import both see it missing
    for suite in ("provider", "integration"):
        monkeypatch.delitem(sys.modules, f"abiquo_mock.contracts.{suite}", raising=False)


@pytest.mark.parametrize(
    "arguments, hidden",
    [
        (["provider", "--url", "http://127.0.0.1:9"], "schemathesis"),  # needed only by the process it starts
        (["provider", "--url", "http://127.0.0.1:9"], "requests"),
        (["integration", "--command", "true"], "hypothesis"),
        (["integration", "--command", "true"], "jsonschema_rs"),
    ],
)
def test_a_suite_without_its_extra_says_which_extra_in_one_line_and_exits_3(monkeypatch, arguments, hidden):
    _hide(monkeypatch, hidden)

    result = CliRunner().invoke(main, ["contract", *arguments])

    assert result.exit_code == 3, result.output
    assert result.stderr.count("\n") == 1 and "Traceback" not in result.output, result.output
    assert f"comes with the contract extra, not installed here (no {hidden})" in result.stderr
    assert result.stderr.rstrip().endswith(INSTALL)


def test_the_fixture_without_its_extra_says_which_extra_in_one_line(pytester):
    pytester.makeconftest("import sys\nsys.modules['requests'] = None\n")  # requests gone, as in the base install
    pytester.makepyfile("def test_uses_the_mock(abiquo_mock):\n    assert abiquo_mock.url\n")

    result = pytester.runpytest_subprocess("-p", "no:cacheprovider")

    result.assert_outcomes(errors=1)
    output = result.stdout.str()
    assert f"the abiquo_mock fixture comes with the contract extra, not installed here (no requests): {INSTALL}" in (
        output
    )
    assert "ModuleNotFoundError" not in output and "Traceback" not in output
