"""The integration suite's report: one row per world and check, the table, the matrix of worlds and releases, and
JUnit XML."""

from __future__ import annotations

import xml.etree.ElementTree as ET
from dataclasses import dataclass, field

PASSED, FAILED, COULD_NOT_RUN = 0, 1, 3
ACROSS = "3.8→3.8.5"  # the column of a world run across its upgrade


@dataclass
class Row:
    scenario: str
    check: str
    failures: list[str]
    error: str | None = None
    abiquo: str | None = None  # the release the world was served as (3.8→3.8.5 across the upgrade); None: its own
    not_served: bool = False  # the world cannot be served as that release (a 3.8 server has no policies)

    @property
    def verdict(self) -> str:
        if self.not_served:
            return "N/A"
        return "ERROR" if self.error else ("FAIL" if self.failures else "PASS")


@dataclass
class IntegrationReport:
    command: str
    rows: list[Row] = field(default_factory=list)

    @property
    def ok(self) -> bool:
        judged = [row for row in self.rows if row.verdict != "N/A"]
        return bool(judged) and all(row.verdict == "PASS" for row in judged)

    @property
    def exit_code(self) -> int:
        """0 every check passed; 1 the connector failed a check; 3 a world could not be judged (the mock
        could not start, load or read it) and no check failed."""
        if self.ok:
            return PASSED
        return FAILED if any(r.verdict == "FAIL" for r in self.rows) else COULD_NOT_RUN

    def failed(self, scenario: str | None = None) -> set[str]:
        """Names of the checks that did not pass (in ``scenario``, or anywhere)."""
        return {r.check for r in self.rows if r.verdict not in ("PASS", "N/A") and scenario in (None, r.scenario)}

    def table(self, shown: int = 3) -> str:
        width = max([len(world_of(r)) for r in self.rows] + [8])
        lines = [f"{'scenario':<{width}}  {'check':<22}  result"]
        for row in self.rows:
            lines.append(f"{world_of(row):<{width}}  {row.check:<22}  {row.verdict}")
            problems = [row.error] if row.error else row.failures
            lines.extend(f"{'':<{width}}    - {p}" for p in problems[:shown])
            if len(problems) > shown:
                lines.append(f"{'':<{width}}    … and {len(problems) - shown} more")
        passed = sum(r.verdict == "PASS" for r in self.rows)
        judged = sum(r.verdict != "N/A" for r in self.rows)
        lines.append(f"{passed}/{judged} checks passed: {'OK' if self.ok else 'FAILED'}")
        return "\n".join(lines)

    def matrix(self) -> str:
        """One line per world, one column per release it was served as: PASS, FAIL (the checks), ERROR or N/A."""
        releases = list(dict.fromkeys(r.abiquo or "own" for r in self.rows))
        worlds = list(dict.fromkeys(r.scenario for r in self.rows))
        width = max([len(w) for w in worlds] + [5])
        cells = {
            (w, a): _cell([r for r in self.rows if (r.scenario, r.abiquo or "own") == (w, a)])
            for w in worlds
            for a in releases
        }
        columns = {a: max([len(a)] + [len(cells[w, a]) for w in worlds]) for a in releases}
        header = f"{'world':<{width}}  " + "  ".join(f"{a:<{columns[a]}}" for a in releases)
        lines = [f"connector: {self.command}", header]
        for world in worlds:
            lines.append(f"{world:<{width}}  " + "  ".join(f"{cells[world, a]:<{columns[a]}}" for a in releases))
        return "\n".join(line.rstrip() for line in lines)

    def junit(self) -> str:
        suite = ET.Element(
            "testsuite",
            name="abiquo-mock integration",
            tests=str(len(self.rows)),
            failures=str(sum(r.verdict == "FAIL" for r in self.rows)),
            errors=str(sum(r.verdict == "ERROR" for r in self.rows)),
        )
        ET.SubElement(ET.SubElement(suite, "properties"), "property", name="command", value=self.command)
        for row in self.rows:
            case = ET.SubElement(suite, "testcase", classname=f"integration.{row.scenario}", name=row.check)
            if row.verdict != "PASS":
                problems = [row.error] if row.error else row.failures
                tag = "error" if row.error else "failure"
                ET.SubElement(case, tag, message=problems[0][:500]).text = "\n".join(problems)
        return ET.tostring(suite, encoding="unicode")


def world_of(row: Row) -> str:
    return f"{row.scenario} ({row.abiquo})" if row.abiquo else row.scenario


def _cell(rows: list[Row]) -> str:
    if not rows:
        return "-"
    if any(r.verdict == "N/A" for r in rows):
        return "N/A"
    if any(r.verdict == "ERROR" for r in rows):
        return "ERROR"
    failed = [r.check for r in rows if r.verdict == "FAIL"]
    return f"FAIL ({', '.join(failed)})" if failed else "PASS"
