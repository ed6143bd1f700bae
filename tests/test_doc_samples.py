"""Every sample output of the README and docs/ is what its command prints now (tests/docs_samples.py says how a
sample is written and run; ``make docs`` writes them all again from real runs). A stale line fails here.

The provider suite's sample runs for about a minute and the certifications of docs/certify.md for about 40 s:
``make test`` leaves them, and the samples reading the reports they write, to ``make docs-check``
(ABIQUO_MOCK_DOC_SAMPLES=all), which runs every sample in order and which .ci/run runs."""

from __future__ import annotations

import os

import pytest

from . import docs_samples

SAMPLES = docs_samples.samples()
LONG = ("contract provider", "abiquo-mock certify", "reports/certify")  # the last: what a certification wrote


def test_the_readme_has_samples_of_both_suites_and_the_first_requests():
    commands = [sample.command for sample in SAMPLES if sample.document == "README.md"]
    assert any("contract provider" in c for c in commands) and any("contract integration" in c for c in commands)
    assert any("/api/version" in c for c in commands)


@pytest.fixture(scope="module")
def mock():
    with docs_samples.Mock() as running:
        yield running


@pytest.mark.slow
@pytest.mark.parametrize("sample", SAMPLES, ids=[f"{s.document}: {s.command[:70]}" for s in SAMPLES])
def test_the_sample_is_what_its_command_prints(mock, sample):
    if any(long in sample.command for long in LONG) and os.environ.get("ABIQUO_MOCK_DOC_SAMPLES") != "all":
        pytest.skip("a sample of the provider suite or of certify takes up to a minute: make docs-check runs it")
    sample.printed = mock.run(sample.command)

    wrong = docs_samples.differences(sample)

    assert not wrong, "\n".join([f"{sample.document}: `{sample.command}` (make docs writes it again)", *wrong])
