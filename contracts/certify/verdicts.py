"""From what the checks found to a verdict per obligation: in each world (a cell of the matrix) and for the
certification as a whole.

A cell is FAIL when one of the obligation's checks failed and nothing else in the same world accounts for it
(obligations.CHECKS says what may), N/A when its failures all follow from another obligation's (the cell says
which) or when the world does not judge the obligation (it says why), PASS otherwise; ERROR when the world could not
be run. One rule looks across worlds: a connector that passes every world served as Abiquo 3.8, and fails to
survive the upgrade, fails the 3.8.5 worlds that hold policyBindings for that same reason.
"""

from __future__ import annotations

from . import plan
from .obligations import (
    CHECKS,
    ERROR,
    FAIL,
    LISTENING,
    NOT_APPLICABLE,
    OBLIGATIONS,
    ONE_PASS,
    PASS,
    title,
)

ONE_PASS_OBLIGATIONS = (
    "reads-every-backup",
    "preserves-foreign-keys",
    "handles-every-schedule-shape",
    "writes-valid-results",
)
UPGRADE = "survives-upgrade"

# Why a world does not judge an obligation, by what the world runs.
NOT_JUDGED = {
    "survives-faults": "this world switches no fault on (the scale world does, in a second pass)",
    "survives-upgrade": "judged on the legacy worlds, served as Abiquo 3.8 and then upgraded",
    "reacts-to-lifecycle": "judged while a timeline deploys and undeploys VMs, for an event-driven connector",
}
WHILE_LISTENING = (
    "judged on a pass over a world; a connector that listens is judged on what it does as the world changes"
)


def cell(world: dict, obligation: str) -> dict:
    """The verdict of one obligation in one world, with why (N/A, ERROR) or the checks that failed (FAIL)."""
    if world["error"]:
        verdict = NOT_APPLICABLE if world["notServed"] else ERROR
        return {"verdict": verdict, "why": world["error"], "failed": [], "followsFrom": []}
    everything = [c for c in world["checks"] if CHECKS[(c["pass"], c["check"])].obligation == obligation]
    mine = [c for c in everything if not c.get("notJudged")]
    if everything and not mine:
        return {
            "verdict": NOT_APPLICABLE,
            "why": f"not judged: {everything[0]['notJudged']}",
            "failed": [],
            "followsFrom": [],
        }
    if not mine:
        listening = world["checks"] and world["checks"][0]["pass"] == LISTENING
        why = WHILE_LISTENING if listening and obligation in ONE_PASS_OBLIGATIONS else NOT_JUDGED.get(obligation, "")
        return {"verdict": NOT_APPLICABLE, "why": why, "failed": [], "followsFrom": []}
    failed = {(c["pass"], c["check"]) for c in world["checks"] if c["failures"]}
    own = [c for c in mine if c["failures"] and not failed & set(CHECKS[(c["pass"], c["check"])].follows_from)]
    if own:
        return {"verdict": FAIL, "why": "", "failed": [c["check"] for c in own], "followsFrom": []}
    consequences = [c["check"] for c in mine if c["failures"]]
    if consequences:
        causes = sorted({CHECKS[key].obligation for key in _root_causes(failed)} - {obligation})
        why = f"not judged here: its failures ({', '.join(consequences)}) follow from "
        why += ", ".join(title(c) for c in causes)
        return {"verdict": NOT_APPLICABLE, "why": why, "failed": [], "followsFrom": causes}
    return {"verdict": PASS, "why": "", "failed": [], "followsFrom": []}


def _root_causes(failed: set[tuple[str, str]]) -> set[tuple[str, str]]:
    """The failed checks no other failure of the world accounts for."""
    return {key for key in failed if not failed & set(CHECKS[key].follows_from)}


def cells(worlds: list[dict]) -> dict[str, dict[str, dict]]:
    """Every world's cells, by world id and obligation, with the rule across worlds applied."""
    found = {w["id"]: {o.id: cell(w, o.id) for o in OBLIGATIONS} for w in worlds}
    for world in _broken_by_the_upgrade(worlds, found):
        for obligation in ONE_PASS_OBLIGATIONS:
            here = found[world["id"]][obligation]
            if here["verdict"] == FAIL:
                why = (
                    f"not judged here: {', '.join(here['failed'])} failed on this 3.8.5 world, which holds "
                    f"policyBindings, while every world served as Abiquo 3.8 passed: it follows from "
                    f"{title(UPGRADE)}"
                )
                found[world["id"]][obligation] = {
                    **here,
                    "verdict": NOT_APPLICABLE,
                    "why": why,
                    "followsFrom": [UPGRADE],
                }
    return found


def _broken_by_the_upgrade(worlds: list[dict], found: dict) -> list[dict]:
    """The 3.8.5 worlds holding policyBindings, when the connector passes on 3.8 and fails survives-upgrade."""
    across = [w for w in worlds if w["spec"].kind == plan.ACROSS_UPGRADE and not w["error"]]
    on_3_8 = [c for w in across for c in w["checks"] if c["pass"] == ONE_PASS]
    if not on_3_8 or any(c["failures"] for c in on_3_8):
        return []
    if not any(found[w["id"]][UPGRADE]["verdict"] == FAIL for w in across):
        return []
    return [
        w
        for w in worlds
        if w["spec"].kind in (plan.SCENARIO, plan.GENERATED)
        and w.get("holdsBindings")
        and not w["error"]
        and not str(w.get("served", "")).startswith("3.8.0")
    ]


def overall(worlds: list[dict], found: dict, kind: str) -> dict[str, dict]:
    """Each obligation's verdict for the certification: FAIL where any world fails it, else ERROR where a world
    that would judge it could not run, else PASS where one passed it, else N/A with why."""
    verdicts = {}
    for obligation in OBLIGATIONS:
        here = {w["id"]: found[w["id"]][obligation.id] for w in worlds}
        by = {v: [w for w, c in here.items() if c["verdict"] == v] for v in (FAIL, ERROR, PASS, NOT_APPLICABLE)}
        if by[FAIL]:
            verdict, why = FAIL, f"fails on {', '.join(by[FAIL])}"
        elif by[ERROR]:
            verdict, why = ERROR, f"could not run {', '.join(by[ERROR])}"
        elif by[PASS]:
            verdict, why = PASS, f"passes on {len(by[PASS])} world(s)" + _followed(here, by[NOT_APPLICABLE])
        else:
            verdict, why = NOT_APPLICABLE, _why_not(obligation.id, kind, [here[w] for w in by[NOT_APPLICABLE]])
        verdicts[obligation.id] = {"verdict": verdict, "why": why, "worlds": {v: ws for v, ws in by.items() if ws}}
    return verdicts


def _followed(here: dict, worlds: list[str]) -> str:
    """Where the obligation passed but was not judged elsewhere because another obligation failed first."""
    shown = [w for w in worlds if here[w]["followsFrom"]]
    return f"; not judged on {', '.join(shown)} (another obligation failed first)" if shown else ""


def _why_not(obligation: str, kind: str, seen: list[dict]) -> str:
    followed = sorted({c for cell in seen for c in cell["followsFrom"]})
    if followed:
        return f"not judged: wherever it is judged, its failures follow from {', '.join(title(c) for c in followed)}"
    if kind == plan.ONE_PASS and obligation == "reacts-to-lifecycle":
        return "a one-pass connector (it does its pass and exits): it listens to no event"
    if kind == plan.EVENT_DRIVEN and obligation in (*ONE_PASS_OBLIGATIONS, "survives-faults"):
        return "an event-driven connector: " + WHILE_LISTENING
    reasons = sorted({cell["why"] for cell in seen if cell["why"]})
    return "; ".join(reasons) or "no world judged it"


def exit_code(verdicts: dict[str, dict]) -> int:
    """As the suites': 0 every obligation judged passed; 1 one failed; 3 a world could not run (and none failed)."""
    found = {v["verdict"] for v in verdicts.values()}
    if FAIL in found:
        return 1
    if ERROR in found or PASS not in found:
        return 3
    return 0
