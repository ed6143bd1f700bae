"""The sample outputs of the README and docs/, run for real: ``python -m tests.docs_samples`` says which differ,
``python -m tests.docs_samples --write`` (part of ``make docs``) writes what the commands print now.

A sample is a ```` ```console ```` block: each ``$ command`` line is run in a shell from the checkout, and the lines
after it, up to the next ``$``, are what it prints. A block is exact: a line that differs, one missing or one the
command no longer prints fails. A line that is only ``…`` stands for lines left out (an abridged sample), and
``…`` at the end of a line for the rest of that line. Before each command the mock a reader started with
``make serve`` (demo world, http://127.0.0.1:8080) is there: one is served on a free port, reset to demo before each
command, and the commands and their output are written with 8080. ``.venv/bin/`` names the virtual environment
running the check. Durations, temporary folders, other ports and test-case ids change from run to run, so they
are masked before comparing, and ``--write`` leaves a documented line that differs from the run only
there. The path of that environment's ``bin/`` in what a command prints is written ``.venv/bin/`` too.
"""

from __future__ import annotations

import os
import re
import subprocess
import sys
from dataclasses import dataclass, field
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
DOCUMENTS = ("README.md", *sorted(str(p.relative_to(ROOT)) for p in (ROOT / "docs").glob("*.md")))
FENCE = re.compile(r"^```console[^\n]*\n(.*?)^```$", re.M | re.S)
ELIDED = "…"
MASKS = (
    (re.compile(r"\b\d+(\.\d+)? ?(ms|s)\b"), "<time>"),
    (re.compile(r"/tmp/[\w.-]+"), "/tmp/<temporary>"),
    (re.compile(r"127\.0\.0\.1:(?!8080\b)\d+"), "127.0.0.1:<port>"),
    (re.compile(r"(Test Case ID: |st replay )\w+"), r"\1<id>"),
    (re.compile(r"\b[0-9a-f]{32}\b|\b[0-9a-f]{8}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{12}\b"), "<uuid>"),
)
DOCUMENTED_PORT = "8080"


@dataclass
class Sample:
    document: str
    command: str
    expected: list[str]
    start: int  # offset of the command line in the document
    end: int  # offset after the last expected line
    printed: list[str] = field(default_factory=list)


def samples(documents=DOCUMENTS) -> list[Sample]:
    found = []
    for name in documents:
        text = (ROOT / name).read_text(encoding="utf-8")
        for block in FENCE.finditer(text):
            offset = block.start(1)
            lines = block.group(1).splitlines(keepends=True)
            current: Sample | None = None
            for line in lines:
                if line.startswith("$ "):
                    current = Sample(name, line[2:].strip(), [], offset, offset + len(line))
                    found.append(current)
                elif current is not None:
                    current.expected.append(line.rstrip("\n"))
                    current.end = offset + len(line)
                offset += len(line)
    return found


def masked(line: str) -> str:
    for pattern, replacement in MASKS:
        line = pattern.sub(replacement, line)
    return line.rstrip()


def _same(expected: str, printed: str) -> bool:
    if expected.endswith(ELIDED) and expected != ELIDED:
        return masked(printed).startswith(masked(expected[: -len(ELIDED)]))
    return masked(expected) == masked(printed)


def differences(sample: Sample) -> list[str]:
    """What is wrong with the sample's lines against what the command printed; [] when they agree."""
    wanted, printed = sample.expected, sample.printed
    i = j = 0
    while i < len(wanted):
        if wanted[i] == ELIDED:  # skip printed lines until the next wanted one
            i += 1
            if i == len(wanted):
                return []
            while j < len(printed) and not _same(wanted[i], printed[j]):
                j += 1
            if j == len(printed):
                return [f"not printed: {wanted[i]!r}"]
        if j >= len(printed):
            return [f"not printed: {wanted[i]!r}"]
        if not _same(wanted[i], printed[j]):
            return [f"documented: {wanted[i]!r}", f"printed:    {printed[j]!r}"]
        i, j = i + 1, j + 1
    return [f"printed but not documented: {printed[j]!r}"] if j < len(printed) else []


def regenerated(sample: Sample) -> list[str]:
    """The sample's lines as this run printed them: every printed line, or, in an abridged sample, the lines it
    keeps (and the ``…`` between them). A line that differs from the documented one only where a run always
    differs (a duration, a port, an id) is left as documented, so that writing the samples again changes only
    what changed."""
    if ELIDED not in sample.expected and not any(line.endswith(ELIDED) for line in sample.expected):
        if len(sample.expected) != len(sample.printed):
            return sample.printed
        return [old if _same(old, new) else new for old, new in zip(sample.expected, sample.printed, strict=True)]
    out, j = [], 0
    for wanted in sample.expected:
        if wanted == ELIDED:
            out.append(wanted)
            continue
        while j < len(sample.printed) and not _same(wanted, sample.printed[j]):
            j += 1
        if j == len(sample.printed):
            raise ValueError(f"{sample.document}: {wanted!r} is no longer printed by `{sample.command}`: edit it")
        out.append(wanted)  # the same line, but for what differs from run to run
        j += 1
    return out


class Mock:
    """The mock `make serve` would be: demo world, control API on, on a free port standing for 8080."""

    def __enter__(self) -> Mock:
        from abiquo_mock.contracts.server import MockServer

        self.server = MockServer("--memory").__enter__()
        self.port = str(self.server.port)
        return self

    def __exit__(self, *exc) -> None:
        self.server.__exit__(*exc)

    def run(self, command: str) -> list[str]:
        import requests

        requests.post(self.server.url + "/_mock/reset", json={"scenario": "demo"}, timeout=30).raise_for_status()
        here = f"127.0.0.1:{DOCUMENTED_PORT}"
        shell = command.replace(here, f"127.0.0.1:{self.port}").replace(".venv/bin/", f"{Path(sys.executable).parent}/")
        env = {k: v for k, v in os.environ.items() if not k.startswith(("ABIQUO_", "PYTEST", "COV_"))}
        done = subprocess.run(
            ["bash", "-c", shell],
            cwd=ROOT,
            env={**env, "COLUMNS": "80", "NO_COLOR": "1"},
            stdout=subprocess.PIPE,
            stderr=subprocess.STDOUT,
            text=True,
            timeout=900,
        )
        text = done.stdout.replace(f"127.0.0.1:{self.port}", here).replace(
            f"{Path(sys.executable).parent}/", ".venv/bin/"
        )
        return [line.rstrip() for line in text.splitlines()]


def run_all(found: list[Sample]) -> list[Sample]:
    with Mock() as mock:
        for sample in found:
            sample.printed = mock.run(sample.command)
    return found


def write(found: list[Sample]) -> None:
    by_document: dict[str, list[Sample]] = {}
    for sample in found:
        by_document.setdefault(sample.document, []).append(sample)
    for name, these in by_document.items():
        path = ROOT / name
        text = path.read_text(encoding="utf-8")
        for sample in sorted(these, key=lambda s: s.start, reverse=True):
            lines = "".join(f"{line}\n" for line in [f"$ {sample.command}", *regenerated(sample)])
            text = text[: sample.start] + lines + text[sample.end :]
        path.write_text(text, encoding="utf-8")


def main(argv: list[str]) -> int:
    found = run_all(samples())
    if "--write" in argv:
        write(found)
        print(f"{len(found)} samples written from real runs")
        return 0
    stale = [(s, d) for s in found if (d := differences(s))]
    for sample, wrong in stale:
        print(f"{sample.document}: `{sample.command}`", *(f"    {line}" for line in wrong), sep="\n")
    print(f"{len(found) - len(stale)}/{len(found)} samples as documented")
    return 1 if stale else 0


if __name__ == "__main__":
    sys.exit(main(sys.argv[1:]))
