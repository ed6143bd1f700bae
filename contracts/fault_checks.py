"""survives-faults: a connector's run with faults on, judged against its run on the same world without them."""

from __future__ import annotations

from collections import Counter

from .integration_checks import (
    ConnectorRun,
    VirtualMachine,
    World,
    canonical,
    exits_cleanly,
    new_results,
    results_of,
    vm_of,
)


def _new_result_kinds(vm: VirtualMachine, metadata: object) -> Counter:
    return Counter(
        f"{r.get('type')}/{r.get('name')}" if isinstance(r, dict) else canonical(r) for r in new_results(vm, metadata)
    )


def _faults_on(run: ConnectorRun, vm: int) -> str:
    hit = [e for e in run.journal if "fault" in e and vm_of(e) == vm]
    if not hit:
        return ""
    said = [
        f"{e['method']} {e['status'] or 'no answer'} {e['fault'].get('rule')} "
        f"({'committed' if e['fault'].get('committed') else 'nothing committed'})"
        for e in hit[:4]
    ]
    return "; faults on its requests: " + ", ".join(said)


def survives_faults(world: World, clean: ConnectorRun, faulted: ConnectorRun, seed: int = 0) -> list[str]:
    """With faults on, the run ends as it did without them: no crash, no result lost, none duplicated."""
    replay = f" (faults seeded {seed}: --seed {seed} replays them)"
    failures = [f"with faults on: {f}{replay}" for f in exits_cleanly(world, faulted)]
    for vm in world.vms.values():
        want = _new_result_kinds(vm, clean.final.get(vm.id))
        got = _new_result_kinds(vm, faulted.final.get(vm.id))
        ids = Counter(r.get("id") for r in results_of(faulted.final.get(vm.id)) if isinstance(r, dict))
        twice = sorted(str(i) for i, n in ids.items() if n > 1)
        lost, extra = want - got, got - want
        if lost:
            failures.append(
                f"{vm.label}: {sum(lost.values())} result(s) lost with faults on ({', '.join(sorted(lost))})"
                f"{_faults_on(faulted, vm.id)}{replay}"
            )
        if extra or twice:
            what = ", ".join(sorted(extra)) or f"result id {', '.join(twice)} stored twice"
            failures.append(
                f"{vm.label}: {sum(extra.values()) or len(twice)} result(s) duplicated after a retry ({what})"
                f"{_faults_on(faulted, vm.id)}{replay}"
            )
    return failures
