"""Which worlds a certification runs, each as what, in which format: the rows of the report's matrix.

A one-pass connector runs every scenario tagged integration (a legacy one across its upgrade, whose first pass
is that scenario's pass), the generated worlds of the seed, and the scale world a second time with its faults on;
an event-driven one listens on every scenario tagged event-driven, and across the upgrade of each legacy one.
Every world runs once per format the connector speaks.
"""

from __future__ import annotations

from dataclasses import dataclass, field

from ..report import ACROSS

ONE_PASS, EVENT_DRIVEN = "one-pass", "event-driven"  # the kinds of connector
INTEGRATION, LEGACY, TIMELINE = "integration", "legacy", "event-driven"  # the scenario tags each kind runs


def article(kind: str) -> str:
    return f"an {kind}" if kind.startswith("event") else f"a {kind}"


@dataclass(frozen=True)
class Format:
    """A wire format the mock serves. The connector is told which one a run certifies (``env``)."""

    name: str
    env: dict[str, str]


# The formats the mock serves; a new one is a line here (and the mock serving it). A run in xml judges only a
# connector that spoke XML (contracts/integration_checks.py spoke_another_format).
FORMATS: dict[str, Format] = {name: Format(name, {"ABIQUO_FORMAT": name}) for name in ("json", "xml")}

# What a world runs: its kind says which passes (obligations.py) judge it.
SCENARIO, GENERATED, ACROSS_UPGRADE = "scenario", "generated", "across-upgrade"
LISTENING, LISTENING_ACROSS = "listening", "listening-across-upgrade"


@dataclass(frozen=True)
class WorldSpec:
    id: str
    kind: str
    scenario: str  # the scenario loaded (a generated world: its number under the seed)
    format: str = "json"
    faults: tuple = ()  # the scenario's faults, on in a second pass
    seed: int = 0
    index: int = 0  # a generated world: which of the seed's
    expected: tuple = ()  # (vm, code) refusals the scenario expects
    sizes: tuple[int, int] | None = None
    cost: int = field(default=1, compare=False)  # rough, to start the longest first

    @property
    def across(self) -> bool:
        return self.kind in (ACROSS_UPGRADE, LISTENING_ACROSS)

    @property
    def label(self) -> str:
        return f"{self.scenario} ({ACROSS})" if self.across else self.scenario


def expected_refusals(scenario: dict) -> tuple[tuple[int, str], ...]:
    section = scenario.get("integration") or {}
    return tuple(sorted((int(item["vm"]), str(item["code"])) for item in section.get("expectedRefusals", [])))


def plan(
    known: list[dict],
    kind: str,
    formats: list[str],
    generated: int,
    seed: int,
    sizes: tuple[int, int] | None = None,
    only: set[str] | None = None,
) -> list[WorldSpec]:
    """The worlds to run for a connector of ``kind``, in the order the report shows them; ``only`` keeps the worlds
    of those names (a scenario's name, ``generated`` for the generated worlds)."""
    tagged = {tag: [s for s in known if tag in (s.get("tags") or [])] for tag in (INTEGRATION, LEGACY, TIMELINE)}
    legacy = {s["name"] for s in tagged[LEGACY]}
    specs: list[WorldSpec] = []
    for name in formats:
        if kind == ONE_PASS:
            specs += _one_pass(tagged[INTEGRATION], legacy, name, seed)
            specs += [_generated(name, seed, index, sizes) for index in range(generated)]
        else:
            specs += [WorldSpec(s["name"], LISTENING, s["name"], name, cost=3) for s in tagged[TIMELINE]]
            specs += [WorldSpec(_across(s["name"]), LISTENING_ACROSS, s["name"], name, cost=3) for s in tagged[LEGACY]]
    if only is not None:
        specs = [s for s in specs if s.scenario in only or (s.kind == GENERATED and "generated" in only)]
    if len(formats) > 1:
        specs = [_in_format(s) for s in specs]
    return specs


def _one_pass(scenarios: list[dict], legacy: set[str], form: str, seed: int) -> list[WorldSpec]:
    specs = []
    for scenario in scenarios:
        name, faults = scenario["name"], tuple(scenario.get("faults") or ())
        expected = expected_refusals(scenario)
        if name in legacy:  # its first pass is the scenario's own pass, on the world served as 3.8
            specs.append(WorldSpec(_across(name), ACROSS_UPGRADE, name, form, expected=expected, cost=2))
        else:
            cost = 6 if faults else 1
            specs.append(WorldSpec(name, SCENARIO, name, form, faults, seed, expected=expected, cost=cost))
    return specs


def _generated(form: str, seed: int, index: int, sizes: tuple[int, int] | None) -> WorldSpec:
    return WorldSpec(f"generated-{seed}-{index + 1}", GENERATED, "generated", form, (), seed, index, (), sizes, 4)


def _across(name: str) -> str:
    return f"{name}-across-upgrade"


def _in_format(spec: WorldSpec) -> WorldSpec:
    from dataclasses import replace

    return replace(spec, id=f"{spec.id}-{spec.format}")
