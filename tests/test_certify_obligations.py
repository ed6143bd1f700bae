"""The obligations certify judges and the one table that maps every check of the suites onto them: complete, free
of loops, labelled as the mock labels the same rules; and the verdicts it gives to what broken connectors do.

The worlds here are written by hand: what the suites' checks found when the example connectors ran (the checks that
failed), so the mapping is tested without running anything. tests/test_certify.py runs them.
"""

from __future__ import annotations

from pathlib import Path

import pytest
import yaml
from abiquo_mock.contracts.certify import obligations, plan, verdicts
from abiquo_mock.contracts.certify.obligations import CHECKS, FAIL, LISTENING, NOT_APPLICABLE, ONE_PASS, PASS
from abiquo_mock.contracts.integration_checks import CHECKS as ONE_PASS_CHECKS
from abiquo_mock.contracts.listening_checks import CHECKS as LISTENING_CHECKS
from abiquo_mock.mockserver import openapi

LABELS = Path(__file__).resolve().parent.parent / "mockserver" / "labels.yaml"


def test_every_check_of_every_pass_maps_onto_one_obligation_and_every_obligation_has_checks():
    expected = {(ONE_PASS, c) for c in ONE_PASS_CHECKS} | {(LISTENING, c) for c in LISTENING_CHECKS}
    expected |= {(obligations.FAULTED, "survives-faults"), (obligations.UPGRADED, "survives-upgrade")}
    expected |= {(LISTENING, "survives-upgrade")}

    assert set(CHECKS) == expected
    assert {m.obligation for m in CHECKS.values()} == {o.id for o in obligations.OBLIGATIONS}
    assert all(key in CHECKS for m in CHECKS.values() for key in m.follows_from)


def test_no_failure_can_be_explained_away_by_a_failure_it_explains():
    def reaches(start, goal, seen=()):
        return any(
            key == goal or (key not in seen and reaches(key, goal, (*seen, key))) for key in CHECKS[start].follows_from
        )

    assert [key for key in CHECKS if reaches(key, key)] == []


def _labelled(ref: str, labels: dict) -> str:
    kind, _, name = ref.partition(":")
    if kind == "field":
        media = name.split(".", 1)[0]
        return labels["fields"].get(name, labels["media"].get(media, labels["media"]["default"]))
    if kind == "media":
        return labels["media"].get(name, labels["media"]["default"])
    errors = labels["errors"]
    return next((label for label in ("verified", "reconstructed") if name in errors.get(label, [])), errors["default"])


def test_the_judges_labels_are_the_mocks_for_every_rule_both_label():
    labels = yaml.safe_load(LABELS.read_text(encoding="utf-8"))
    rules = [rule for o in obligations.OBLIGATIONS for rule in o.rests_on if rule.ref]

    assert rules, "no rule names its counterpart in the mock's labels"
    assert [(r.ref, r.label) for r in rules if r.label != _labelled(r.ref, labels)] == []
    assert {r.label for o in obligations.OBLIGATIONS for r in o.rests_on} <= {"verified", "documented", "reconstructed"}


def test_every_operation_an_obligation_names_is_in_the_served_contract():
    served = {op["operationId"] for ops in openapi.build()["paths"].values() for op in ops.values()}

    assert [op for o in obligations.OBLIGATIONS for op in o.operations if op not in served] == []


# ---------------------------------------------------------------------------------------------- verdicts

SPEC = {
    "scenario": plan.WorldSpec("demo", plan.SCENARIO, "demo"),
    "scale": plan.WorldSpec("scale", plan.SCENARIO, "scale", faults=({"kind": "error"},)),
    "across": plan.WorldSpec("legacy-3.8-across-upgrade", plan.ACROSS_UPGRADE, "legacy-3.8"),
    "generated": plan.WorldSpec("generated-0-1", plan.GENERATED, "generated"),
    "living": plan.WorldSpec("living", plan.LISTENING, "living"),
}


def world(spec: str, failed: set[str], kinds=(ONE_PASS,), bindings: bool = True, served: str = "3.8.5") -> dict:
    """A world whose checks of ``kinds`` ran, those named in ``failed`` ("pass/check" or "check") failing."""
    checks = []
    for kind, check in CHECKS:
        if kind in kinds:
            failing = check in failed or f"{kind}/{check}" in failed
            checks.append({"pass": kind, "check": check, "failures": [f"{check} failed"] if failing else []})
    return {
        "id": SPEC[spec].id,
        "spec": SPEC[spec],
        "checks": checks,
        "error": None,
        "notServed": False,
        "holdsBindings": bindings,
        "served": served,
    }


def failed_obligations(*worlds: dict) -> set[str]:
    found = verdicts.cells(list(worlds))
    return {o for cells in found.values() for o, c in cells.items() if c["verdict"] == FAIL}


# What the suites' checks found for each broken example connector, on the worlds that show its bug.
@pytest.mark.parametrize(
    ("found", "obligation"),
    [
        ({"exits-cleanly", "no-refused-writes", "preserves-foreign-keys"}, "preserves-foreign-keys"),  # fixed model
        (
            {"exits-cleanly", "handles-not-apply", "reads-every-page", "reads-every-backup"},
            "handles-every-schedule-shape",
        ),  # assumes every entry has a time
        ({"exits-cleanly", "no-refused-writes", "valid-results"}, "writes-valid-results"),  # bad status
        ({"reads-every-page"}, "reads-every-backup"),  # first page only
        ({"reads-every-backup"}, "reads-every-backup"),  # skips VMs bound to policies
        ({"exits-cleanly", "reads-every-backup"}, "handles-every-schedule-shape"),  # dies on an hourly entry
    ],
)
def test_a_pass_fails_the_one_obligation_its_first_failure_names(found, obligation):
    assert failed_obligations(world("scenario", found)) == {obligation}


def test_what_follows_from_a_failure_is_not_applicable_and_says_what_it_follows_from():
    cells = verdicts.cells([world("scenario", {"exits-cleanly", "no-refused-writes", "preserves-foreign-keys"})])[
        "demo"
    ]

    assert cells["writes-valid-results"]["verdict"] == NOT_APPLICABLE
    assert cells["writes-valid-results"]["followsFrom"] == ["preserves-foreign-keys"]
    assert "follow from Preserves what it does not own" in cells["handles-every-schedule-shape"]["why"]
    assert cells["reads-every-backup"]["verdict"] == PASS


def test_faults_and_the_upgrade_are_judged_only_on_a_first_pass_that_passed():
    never_retries = world("scale", {"faults/survives-faults"}, kinds=(ONE_PASS, obligations.FAULTED))
    bad_on_both = world("scale", {"valid-results", "faults/survives-faults"}, kinds=(ONE_PASS, obligations.FAULTED))
    fixed_model = world(
        "across",
        {"preserves-foreign-keys", "upgrade/survives-upgrade"},
        kinds=(ONE_PASS, obligations.UPGRADED),
        served="3.8.0",
    )

    assert failed_obligations(never_retries) == {"survives-faults"}
    assert failed_obligations(bad_on_both) == {"writes-valid-results"}
    assert failed_obligations(fixed_model) == {"preserves-foreign-keys"}


def test_a_connector_that_passes_on_3_8_and_not_after_the_upgrade_fails_the_upgrade_alone():
    every_key = [
        world("across", {"upgrade/survives-upgrade"}, kinds=(ONE_PASS, obligations.UPGRADED), served="3.8.0"),
        world("scenario", {"exits-cleanly", "handles-not-apply", "reads-every-page"}),
        world("generated", {"exits-cleanly", "handles-not-apply"}),
    ]
    weekly_without_days = [
        world("across", set(), kinds=(ONE_PASS, obligations.UPGRADED), served="3.8.0"),
        world("scenario", {"exits-cleanly", "handles-not-apply"}),
    ]
    already_broken_on_3_8 = [
        world("across", {"preserves-foreign-keys", "upgrade/survives-upgrade"}, kinds=(ONE_PASS, obligations.UPGRADED)),
        world("scenario", {"preserves-foreign-keys"}),
    ]

    assert failed_obligations(*every_key) == {"survives-upgrade"}
    assert (
        "every world served as Abiquo 3.8 passed"
        in verdicts.cells(every_key)["demo"]["handles-every-schedule-shape"]["why"]
    )
    assert failed_obligations(*weekly_without_days) == {"handles-every-schedule-shape"}
    assert failed_obligations(*already_broken_on_3_8) == {"preserves-foreign-keys"}
    without_bindings = [every_key[0], world("scenario", {"handles-not-apply"}, bindings=False)]
    assert failed_obligations(*without_bindings) == {"survives-upgrade", "handles-every-schedule-shape"}


def test_an_event_driven_connector_is_judged_on_lifecycle_and_the_one_pass_obligations_say_why_not():
    deaf = world("living", {"reacts-to-deploy"}, kinds=(LISTENING,))
    found = verdicts.cells([deaf])
    overall = verdicts.overall([deaf], found, plan.EVENT_DRIVEN)

    assert failed_obligations(deaf) == {"reacts-to-lifecycle"}
    assert overall["preserves-foreign-keys"]["verdict"] == NOT_APPLICABLE
    assert overall["preserves-foreign-keys"]["why"].startswith("an event-driven connector")
    assert verdicts.exit_code(overall) == 1


def test_the_exit_status_is_the_suites_and_judging_nothing_is_not_a_pass():
    passed = world("scenario", set())
    error = {**world("scenario", set()), "error": "the mock could not load it"}

    assert verdicts.exit_code(verdicts.overall([passed], verdicts.cells([passed]), plan.ONE_PASS)) == 0
    assert verdicts.exit_code(verdicts.overall([error], verdicts.cells([error]), plan.ONE_PASS)) == 3
    assert verdicts.exit_code(verdicts.overall([], {}, plan.ONE_PASS)) == 3
