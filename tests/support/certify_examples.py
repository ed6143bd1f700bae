"""The example connectors certify must judge, each with the obligations it must fail (none: it must pass) and a
world where that shows. A connector in another language is one more line: its command (any shell command) and the
program it needs, without which its tests are skipped, saying what to install.

tests/test_certify.py certifies each on its one world (cheap, in `make test`); tests/test_certify_examples.py
certifies each on every world (`make certify-examples`).
"""

from __future__ import annotations

import shlex
import shutil
import sys
from dataclasses import dataclass
from pathlib import Path

import pytest

CONNECTORS = Path(__file__).resolve().parents[2] / "examples" / "connectors"
# examples/java/build writes it; `make certify-examples` builds it first wherever a JDK and Jackson are installed
JAVA_JAR = CONNECTORS.parent / "java" / "out" / "abiquo-connectors.jar"


@dataclass(frozen=True)
class Example:
    name: str
    command: str
    fails: frozenset[str]  # the obligations it fails; empty: it passes
    shows_on: tuple[str, ...]  # the worlds that show it (a scenario's name, or "generated")
    needs: tuple[str, ...] = ()  # programs it runs with (java…): without one, its tests are skipped
    built: Path | None = None  # what must be built before it runs (a jar), and is not when its tests are skipped
    formats: tuple[str, ...] = ("json",)  # the renderings it is certified in (certify --format)

    def skip_unless_runnable(self) -> None:
        missing = [program for program in self.needs if shutil.which(program) is None]
        if missing:
            pytest.skip(f"{self.name} needs {', '.join(missing)} (not found on the PATH)")
        if self.built is not None and not self.built.is_file():
            pytest.skip(f"{self.name} needs {self.built} (build it with make java-connectors)")


def python(script: str) -> str:
    return f"{shlex.quote(sys.executable)} {shlex.quote(str(CONNECTORS / script))}"


def _example(script: str, fails: set[str], *shows_on: str) -> Example:
    return Example(script, python(script), frozenset(fails), shows_on)


def _java(main: str, fails: set[str], *shows_on: str) -> Example:
    command = f"java -cp {shlex.quote(str(JAVA_JAR))} abiquo.connector.{main}"
    return Example(f"java {main}", command, frozenset(fails), shows_on, needs=("java",), built=JAVA_JAR)


EXAMPLES = [
    _example("good_connector.py", set(), "demo", "legacy-3.8"),
    _example("legacy_connector.py", set(), "legacy-3.8"),
    # speaks XML (Abiquo's JAXB renderings), certified in xml: a JSON connector is not judged there
    Example("xml_connector.py", python("xml_connector.py"), frozenset(), ("demo", "legacy-3.8"), formats=("xml",)),
    _example("fixed_model_connector.py", {"preserves-foreign-keys"}, "demo"),
    _example("assumes_time_connector.py", {"handles-every-schedule-shape"}, "not-apply"),
    _example("bad_status_connector.py", {"writes-valid-results"}, "demo"),
    _example("first_page_connector.py", {"reads-every-backup"}, "generated"),
    _example("never_retries_connector.py", {"survives-faults"}, "scale"),
    # written for 3.8: passes there, dies on policyBindings once they appear (the 3.8.5 worlds follow from it)
    _example("every_key_connector.py", {"survives-upgrade"}, "legacy-3.8", "demo"),
    _example("listening_connector.py", set(), "living"),
    _example("deaf_to_deploys_connector.py", {"reacts-to-lifecycle"}, "living"),
    _example("undeploy_as_deploy_connector.py", {"reacts-to-lifecycle"}, "living"),
    _example("echo_connector.py", {"reacts-to-lifecycle"}, "living"),
    _example("forgetful_connector.py", {"reacts-to-lifecycle"}, "living"),
    # no cursor: it misses what happens while the stream is cut (catches-up)
    _example("chunk_listener_connector.py", {"reacts-to-lifecycle"}, "living", "legacy-3.8"),
]
