"""What a certification writes into its report folder: ``results.json`` (every verdict with its evidence; the
schema is ``certification.schema.json`` beside this module), ``summary.md`` (for a CI job summary), ``junit.xml``,
``report.html`` (contracts/certify/html.py), and the world files a failure points at (``worlds/``); and the lines
it prints at the end."""

from __future__ import annotations

import json
import xml.etree.ElementTree as ET
from datetime import UTC, datetime
from pathlib import Path

from . import plan, reproduce
from .obligations import CHECKS, ERROR, FAIL, NOT_APPLICABLE, OBLIGATIONS, PASS

FORMAT = "abiquo-mock-certification/1"
SCHEMA = Path(__file__).with_name("certification.schema.json")
MARK = {PASS: "✅ PASS", FAIL: "❌ FAIL", NOT_APPLICABLE: "➖ N/A", ERROR: "⚠️ ERROR"}
SUMMARY_FAILURES = 12  # failures listed in summary.md; the report holds them all


def verdict(certification) -> str:
    return {0: PASS, 1: FAIL}.get(certification.exit_code, ERROR)


def write(certification) -> None:
    folder = Path(certification.options.report_dir)
    (folder / "worlds").mkdir(parents=True, exist_ok=True)
    document = results(certification, folder)
    (folder / "results.json").write_text(json.dumps(document, indent=2, ensure_ascii=False), encoding="utf-8")
    (folder / "summary.md").write_text(summary(document), encoding="utf-8")
    (folder / "junit.xml").write_text(junit(document), encoding="utf-8")
    from .html import page

    (folder / "report.html").write_text(page(document, folder), encoding="utf-8")


# ---------------------------------------------------------------------------------------------- results.json


def results(certification, folder: Path) -> dict:
    options = certification.options
    return {
        "format": FORMAT,
        "verdict": verdict(certification),
        "exitCode": certification.exit_code,
        "error": certification.error,
        "connector": {
            "command": options.command,
            "kind": certification.kind,
            "detection": certification.detection,
            "formats": list(options.formats),
        },
        "mock": certification.served,
        "started": datetime.fromtimestamp(certification.started, UTC).isoformat(timespec="seconds"),
        "seconds": certification.seconds,
        "seed": options.seed,
        "generated": options.generated,
        "timeout": options.timeout,
        "obligations": [_obligation(o, certification) for o in OBLIGATIONS],
        "worlds": [_world(w, certification, folder) for w in certification.worlds],
    }


def _obligation(obligation, certification) -> dict:
    found = certification.verdicts.get(obligation.id, {"verdict": NOT_APPLICABLE, "why": "", "worlds": {}})
    return {
        "id": obligation.id,
        "title": obligation.title,
        "means": obligation.means,
        "verdict": found["verdict"],
        "why": found["why"],
        "worlds": found["worlds"],
        "checks": [
            {"pass": kind, "check": check} for (kind, check), m in CHECKS.items() if m.obligation == obligation.id
        ],
        "restsOn": [{"says": r.says, "label": r.label, "ref": r.ref} for r in obligation.rests_on],
        "operations": [
            {"operationId": op, "label": certification.labels.get(op, "not in the served contract")}
            for op in obligation.operations
        ],
    }


def _world(world: dict, certification, folder: Path) -> dict:
    spec: plan.WorldSpec = world["spec"]
    options = certification.options
    cells = certification.cells.get(world["id"], {})
    world_file = _world_file(world, folder, cells)
    shown = reproduce.shown_path(world_file, ".") if world_file else None
    found = {
        "id": world["id"],
        "scenario": spec.label,
        "kind": spec.kind,
        "format": spec.format,
        "served": world.get("served"),
        "seed": spec.seed if spec.kind == plan.GENERATED or spec.faults else None,
        "faults": len(spec.faults),
        "vms": world.get("vms"),
        "seconds": world.get("seconds"),
        "error": world["error"],
        "notes": world.get("notes", []),
        "worldFile": _relative(world_file, folder),
        "reproduce": reproduce.of_world(spec, shown, options.report_dir, options.command),
        "cells": cells,
        "checks": [_check(c) for c in world["checks"]],
    }
    minimal = world.get("minimalWorld")
    if minimal:
        found["minimalWorld"] = _minimal(minimal, folder, spec, options.command)
    return found


def _world_file(world: dict, folder: Path, cells: dict) -> Path | None:
    """The file of a generated world that failed (written now); a scale world's no-faults file where it failed."""
    failed = any(c["verdict"] == FAIL for c in cells.values())
    if world.get("worldYaml") and failed:
        path = folder / "worlds" / f"{world['id']}.yaml"
        path.write_text(world["worldYaml"], encoding="utf-8")
        return path
    if world["spec"].faults:
        (folder / "worlds" / reproduce.NO_FAULTS).write_text("[]\n", encoding="utf-8")
    return None


def _relative(path: Path | str | None, folder: Path) -> str | None:
    if path is None:
        return None
    try:
        return str(Path(path).resolve().relative_to(folder.resolve()))
    except ValueError:
        return str(path)


def _minimal(found: dict, folder: Path, spec: plan.WorldSpec, command: str) -> dict:
    if "path" not in found:
        return found
    return {
        **{k: v for k, v in found.items() if k != "path"},
        "file": _relative(found["path"], folder),
        "reproduce": reproduce.minimal(found["path"], spec, command),
    }


def _check(check: dict) -> dict:
    found = {
        "pass": check["pass"],
        "check": check["check"],
        "obligation": CHECKS[(check["pass"], check["check"])].obligation,
        "failures": check["failures"],
        "evidence": check["evidence"],
    }
    return {**found, "notJudged": check["notJudged"]} if check.get("notJudged") else found


# ---------------------------------------------------------------------------------------------- summary.md


def summary(document: dict) -> str:
    connector = document["connector"]
    worlds = document["worlds"]
    lines = [
        f"## abiquo-mock certification: {MARK[document['verdict']]}",
        "",
        f"`{connector['command']}`: {plan.article(connector['kind'])} connector ({connector['detection']}); "
        f"{len(worlds)} worlds in {document['seconds']:.0f} s, seed {document['seed']}, "
        f"abiquo-mock {document['mock'].get('mock')} serving Abiquo {document['mock'].get('abiquo')}.",
        "",
        "| Obligation | Verdict | |",
        "|---|---|---|",
    ]
    for obligation in document["obligations"]:
        lines.append(f"| {obligation['title']} | {MARK[obligation['verdict']]} | {_md(obligation['why'])} |")
    if document["error"]:
        lines += ["", f"The certification could not run: {_md(document['error'])}"]
    lines += _failures_md(document)
    lines += ["", "<details><summary>Worlds × obligations</summary>", "", *_matrix_md(document), "", "</details>"]
    lines += [
        "",
        "The full report, with the evidence of every failure: `report.html` (also `results.json`, "
        "`junit.xml` and `worlds/`).",
    ]
    return "\n".join(lines) + "\n"


def _failures_md(document: dict) -> list[str]:
    """Each failing world and obligation once: how many failures, the first of them."""
    found = []
    for world in document["worlds"]:
        for obligation in document["obligations"]:
            if world["cells"][obligation["id"]]["verdict"] != FAIL:
                continue
            failures = [f for c in world["checks"] if c["obligation"] == obligation["id"] for f in c["failures"]]
            found.append((world, obligation, failures))
    if not found:
        return []
    lines = ["", "### Failures", ""]
    for world, obligation, failures in found[:SUMMARY_FAILURES]:
        count = f" ({len(failures)} failures)" if len(failures) > 1 else ""
        first = _md(failures[0] if failures else "")
        lines.append(f"- **{obligation['title']}** on `{world['id']}`{count}: {first}")
    if len(found) > SUMMARY_FAILURES:
        lines.append(f"- … and {len(found) - SUMMARY_FAILURES} more worlds in the report")
    for world in [w for w in document["worlds"] if (w.get("minimalWorld") or {}).get("file")]:
        shrunk = world["minimalWorld"]
        lines += [
            "",
            f"Minimal world of `{world['id']}`: `{shrunk['file']}`, {shrunk['vms']} VM(s):",
            "",
            "```sh",
            shrunk["reproduce"]["script"],
            "```",
        ]
    return lines


def _matrix_md(document: dict) -> list[str]:
    short = {PASS: "✅", FAIL: "❌", NOT_APPLICABLE: "➖", ERROR: "⚠️"}
    heads = [o["title"] for o in document["obligations"]]
    lines = ["| World | " + " | ".join(heads) + " |", "|---|" + "---|" * len(heads)]
    for world in document["worlds"]:
        row = [short[world["cells"][o["id"]]["verdict"]] for o in document["obligations"]]
        lines.append(f"| `{world['id']}` | " + " | ".join(row) + " |")
    return lines


def _md(text: str) -> str:
    return (text or "").replace("|", "\\|").replace("\n", " ")


# ---------------------------------------------------------------------------------------------- junit.xml


def junit(document: dict) -> str:
    """One test case per world and obligation: a failure with its evidence's words, N/A skipped with why."""
    root = ET.Element("testsuites", name="abiquo-mock certify")
    for world in document["worlds"]:
        suite = ET.SubElement(root, "testsuite", name=f"certify.{world['id']}")
        counts = {FAIL: 0, ERROR: 0, NOT_APPLICABLE: 0}
        for obligation in document["obligations"]:
            here = world["cells"][obligation["id"]]
            case = ET.SubElement(suite, "testcase", classname=f"certify.{world['id']}", name=obligation["id"])
            counts[here["verdict"]] = counts.get(here["verdict"], 0) + 1
            if here["verdict"] == FAIL:
                failures = [f for c in world["checks"] if c["obligation"] == obligation["id"] for f in c["failures"]]
                text = "\n".join(failures) + "\n\nReproduce:\n" + world["reproduce"]["script"]
                ET.SubElement(case, "failure", message=failures[0][:500] if failures else "").text = text
            elif here["verdict"] == ERROR:
                ET.SubElement(case, "error", message=here["why"][:500]).text = here["why"]
            elif here["verdict"] == NOT_APPLICABLE:
                ET.SubElement(case, "skipped", message=here["why"][:500])
        suite.set("tests", str(len(document["obligations"])))
        suite.set("failures", str(counts[FAIL]))
        suite.set("errors", str(counts[ERROR]))
        suite.set("skipped", str(counts[NOT_APPLICABLE]))
    if document["error"]:
        suite = ET.SubElement(root, "testsuite", name="certify", tests="1", errors="1")
        case = ET.SubElement(suite, "testcase", classname="certify", name="could-run")
        ET.SubElement(case, "error", message=document["error"][:500]).text = document["error"]
    return ET.tostring(root, encoding="unicode")


# ---------------------------------------------------------------------------------------------- the terminal


def terminal(certification) -> str:
    width = max(len(o.title) for o in OBLIGATIONS)
    lines = [f"{'obligation':<{width}}  verdict  why"]
    for obligation in OBLIGATIONS:
        found = certification.verdicts[obligation.id]
        lines.append(f"{obligation.title:<{width}}  {found['verdict']:<7}  {found['why']}")
    folder = Path(certification.options.report_dir)
    lines.append(
        f"certify: {verdict(certification)} in {certification.seconds:.1f} s; report {folder / 'report.html'} "
        f"(summary.md, results.json, junit.xml)"
    )
    return "\n".join(lines)
