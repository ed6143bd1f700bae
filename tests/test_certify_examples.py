"""The full certification of every example connector (tests/certify_examples.py): each passes, or fails exactly
the obligations of its bug, on every world. About 20 to 40 s per connector, so it is `make certify-examples` (which
.ci/run calls), not part of `make test`, which certifies each on the one world that shows its bug."""

from __future__ import annotations

import os

import pytest
from abiquo_mock.contracts.certify import outputs
from abiquo_mock.contracts.certify.run import Options, certify

from .support.certify_examples import EXAMPLES

pytestmark = pytest.mark.skipif(
    not os.environ.get("ABIQUO_MOCK_CERTIFY_EXAMPLES"),
    reason="the full certification of every example runs with `make certify-examples`",
)


@pytest.mark.parametrize("example", EXAMPLES, ids=lambda e: e.name)
def test_the_full_certification_of_an_example_fails_exactly_the_obligations_of_its_bug(example, tmp_path):
    example.skip_unless_runnable()
    lines: list[str] = []

    result = certify(Options(example.command, report_dir=str(tmp_path), formats=example.formats), echo=lines.append)

    failed = {o for o, v in result.verdicts.items() if v["verdict"] == "FAIL"}
    assert failed == set(example.fails), "\n".join(lines)
    assert result.exit_code == (1 if example.fails else 0)
    assert not [w["id"] for w in result.worlds if w["error"] and not w["notServed"]], outputs.terminal(result)
    print(f"{example.name}: {outputs.verdict(result)} in {result.seconds:.1f} s")  # the figure make prints
    minimal = [w["minimalWorld"] for w in result.worlds if "path" in (w.get("minimalWorld") or {})]
    assert all(m["reproduced"] and m["vms"] <= 10 for m in minimal), minimal
