"""The README's command-line synopsis and the command line are one: every option a command takes is in its
synopsis line, and the synopsis names no option the command does not take. The other engineer adding an option
adds it there too, or this fails."""

from __future__ import annotations

import re
from pathlib import Path

import click
import pytest
from abiquo_mock.mockserver.cli import main

README = (Path(__file__).resolve().parent.parent / "README.md").read_text(encoding="utf-8")
SYNOPSIS = README[README.index("## Command line") :].split("```")[1]


def synopsis_of(path: tuple[str, ...]) -> str:
    """The synopsis lines of `abiquo-mock <path>`, its continuation lines included."""
    found, taking = [], False
    for line in SYNOPSIS.splitlines():
        if line.startswith("abiquo-mock "):
            taking = line.split("#")[0].split()[1 : 1 + len(path)] == list(path)
        if taking:
            found.append(line.split("#")[0])
    return " ".join(found)


def commands(group: click.Group = main, path: tuple[str, ...] = ()):
    for name, command in sorted(group.commands.items()):
        if isinstance(command, click.Group):
            yield from commands(command, (*path, name))
        else:
            yield (*path, name), command


COMMANDS = list(commands())


@pytest.mark.parametrize(("path", "command"), COMMANDS, ids=[" ".join(p) for p, _ in COMMANDS])
def test_the_synopsis_of_each_command_names_exactly_its_options(path, command):
    line = synopsis_of(path)
    assert line, f"the README's synopsis has no line for abiquo-mock {' '.join(path)}"
    taken = {opt for p in command.params if isinstance(p, click.Option) for opt in (*p.opts, *p.secondary_opts)}
    longest = {max(p.opts, key=len) for p in command.params if isinstance(p, click.Option)} - {"--help"}
    named = set(re.findall(r"(?<![\w-])--[a-z][a-z-]*", line))
    assert named <= taken, f"abiquo-mock {' '.join(path)} takes no {sorted(named - taken)}"
    assert longest <= named | {opt for opt in taken if opt in named}, (
        f"the README's synopsis of abiquo-mock {' '.join(path)} lacks {sorted(longest - named)}"
    )
