"""The replay gate: every captured exchange of a real Abiquo (3.8 and 3.10) whose operation and media type the mock
serves is replayed in the demo world; an answer that contradicts the capture fails the suite (tests/replay.py)."""

from __future__ import annotations

import functools

from .support.replay import SKIPS, Outcome, compare, compare_xml, load, replayable, run, summary


@functools.cache
def _replayed() -> tuple[list[Outcome], dict[str, str]]:
    return run()


def test_no_captured_exchange_is_contradicted(capsys):
    outcomes, skipped = _replayed()
    with capsys.disabled():
        print("\n" + summary(outcomes, skipped))
    assert len(outcomes) >= 250, "the captures of served operations are no longer found"
    contradicted = [f"{o.exchange.key}: {c}" for o in outcomes for c in o.contradictions]
    assert not contradicted, "\n".join(contradicted)


def test_the_skip_list_names_only_replayable_exchanges_with_a_reason():
    keys = {exchange.key for exchange, _ in replayable(load())}
    assert set(SKIPS) <= keys, sorted(set(SKIPS) - keys)
    assert all(isinstance(reason, str) and len(reason) > 30 for reason in SKIPS.values())


def test_the_comparison_sees_a_type_a_link_type_and_a_missing_field():
    outcome = Outcome(exchange=None, operation="x")
    compare(
        {"timestamp": "2016-03-01T11:56:47.000+0000", "rack": "r", "links": [{"rel": "edit", "type": "a"}]},
        {"timestamp": 1456833407000, "links": [{"rel": "edit", "type": "b"}]},
        "",
        outcome,
    )
    assert outcome.contradictions == [
        ".timestamp: string in the capture, number here",
        ".links[rel=edit]: type a in the capture, b here",
    ]
    assert outcome.missing == [".rack"]


def test_the_captured_xml_exchanges_are_replayed_too():
    outcomes, _ = _replayed()
    xml = {o.exchange.key for o in outcomes if "+xml" in (o.exchange.accept or "")}
    assert len(xml) >= 20, sorted(xml)
    assert "3.10/GET_adm_dcs_X_bkppolicies_X_AC_bkppolicy_x" in xml
    assert "3.8/PUT_cld_vdcs_X_vapps_X_vms_X_md_CT_md_x_AC_md_x" in xml


def test_the_xml_comparison_sees_another_root_and_a_missing_element():
    captured = "<limit><link rel='edit' href='h'/><cpuHard>0</cpuHard><id>1</id></limit>"
    other_root = Outcome(exchange=None, operation="x")
    compare_xml(captured, b"<limits><cpuHard>0</cpuHard><id>1</id></limits>", other_root)
    assert other_root.contradictions == ["root <limit> in the capture, <limits> here"]
    lacking = Outcome(exchange=None, operation="x")
    compare_xml(captured, b"<limit><id>1</id></limit>", lacking)
    assert lacking.contradictions == [".cpuHard: an element of the capture this answer lacks"]
