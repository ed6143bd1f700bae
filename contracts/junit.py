"""The JUnit reports of the suites: read the failing checks, and record a failure that is not a test case."""

from __future__ import annotations

import os
import re
import xml.etree.ElementTree as ET
from pathlib import Path

# schemathesis names the failing check in each failure's text, e.g. "- Abiquo error envelope" or a check id
_CHECK_NAME = re.compile(r"\b(abiquo_\w+|not_a_server_error|\w+_conformance|\w+_data_\w+|ignored_auth)\b")


def _root(path: str | os.PathLike) -> ET.Element:
    return ET.parse(path).getroot()


def _suites(root: ET.Element) -> list[ET.Element]:
    return [root] if root.tag == "testsuite" else root.findall("testsuite")


def counts_failures(path: str | os.PathLike) -> bool:
    """True when the report holds at least one failing or erroring test case."""
    if not Path(path).is_file():
        return False
    root = _root(path)
    return any(case.find("failure") is not None or case.find("error") is not None for case in root.iter("testcase"))


def failed_checks(path: str | os.PathLike) -> set[str]:
    """The names of the checks the report's failures mention."""
    names: set[str] = set()
    for element in _root(path).iter():
        if element.tag in ("failure", "error"):
            names |= set(_CHECK_NAME.findall(" ".join(filter(None, (element.get("message"), element.text)))))
    return names


def write_problem(path: str | os.PathLike, suite: str, name: str, problem: str) -> None:
    """A report holding one erroring test case: the run itself could not happen."""
    record_problem(path, suite, name, problem, problem)


def record_problem(path: str | os.PathLike, suite: str, name: str, message: str, details: str) -> None:
    """Add an erroring test case to the report (created if missing) and count it in its totals."""
    if not Path(path).is_file():
        Path(path).parent.mkdir(parents=True, exist_ok=True)
        ET.ElementTree(ET.Element("testsuites")).write(path, encoding="unicode")
    root = _root(path)
    target = _suites(root)[0] if _suites(root) else ET.SubElement(root, "testsuite", name=suite)
    case = ET.SubElement(target, "testcase", classname=suite, name=name)
    ET.SubElement(case, "error", message=message[:500]).text = details
    for element in {target, root}:
        for total in ("tests", "errors"):
            element.set(total, str(int(element.get(total) or 0) + 1))
    ET.ElementTree(root).write(path, encoding="unicode")
