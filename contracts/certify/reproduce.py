"""How to run one world of a certification again by hand: the mock serving it, and the connector pointed at it with
the environment certify gave it. Every pass of the world gets its own lines (the scale world: without its faults
and with them; a legacy world: on 3.8, then after the upgrade)."""

from __future__ import annotations

import json
import os
import shlex
from pathlib import Path

from ..client import ADMIN
from . import plan

PORT = 8080
URL = f"http://127.0.0.1:{PORT}"
NO_FAULTS = "no-faults.yaml"  # serve --faults with this file serves a scenario without the faults it brings


def environment(form: str) -> dict[str, str]:
    return {
        "ABIQUO_API_URL": f"{URL}/api",
        "ABIQUO_USER": ADMIN[0],
        "ABIQUO_PASSWORD": ADMIN[1],
        "ABIQUO_STREAM_URL": f"{URL}/m/stream",
        **plan.FORMATS[form].env,
    }


def shown_path(path: str | Path, cwd: str) -> str:
    """A file as the commands name it: relative to where the connector runs when it lies below it."""
    absolute = Path(path).resolve()
    try:
        return str(absolute.relative_to(Path(cwd).resolve()))
    except ValueError:
        return str(absolute)


def _serve(scenario: str, *extra: str) -> str:
    return shlex.join(["abiquo-mock", "serve", "--memory", "--port", str(PORT), "--scenario", scenario, *extra])


def _control(method: str, path: str, body: dict | None = None) -> str:
    words = ["curl", "-s", "-X", method]
    if body is not None:
        words += ["-H", "Content-Type: application/json", "-d", json.dumps(body)]
    return shlex.join([*words, f"{URL}/_mock{path}"])


def passes(spec: plan.WorldSpec, world_file: str | None, report_dir: str, cwd: str) -> list[dict]:
    """[{title, serve, steps}]: for each pass of the world, the command serving it and what to run against it."""
    if spec.kind == plan.GENERATED:
        return [{"title": "the generated world", "serve": _serve(world_file or spec.id), "steps": ["$CONNECTOR"]}]
    if spec.kind == plan.SCENARIO and spec.faults:
        quiet = shown_path(Path(report_dir) / "worlds" / NO_FAULTS, cwd)
        return [
            {"title": "without faults", "serve": _serve(spec.scenario, "--faults", quiet), "steps": ["$CONNECTOR"]},
            {
                "title": f"with its faults, seeded {spec.seed}",
                "serve": _serve(spec.scenario, "--fault-seed", str(spec.seed)),
                "steps": ["$CONNECTOR"],
            },
        ]
    if spec.kind == plan.SCENARIO:
        return [{"title": "the scenario", "serve": _serve(spec.scenario), "steps": ["$CONNECTOR"]}]
    if spec.kind == plan.ACROSS_UPGRADE:
        return [
            {
                "title": "served as Abiquo 3.8, then upgraded to 3.8.5",
                "serve": _serve(spec.scenario, "--abiquo", "3.8"),
                "steps": ["$CONNECTOR", _control("POST", "/upgrade"), "$CONNECTOR"],
            }
        ]
    timeline: dict[str, object] = {"scenario": spec.scenario}
    serve = _serve(spec.scenario)
    if spec.kind == plan.LISTENING_ACROSS:
        from ..listening import upgrade_timeline

        timeline = {"steps": upgrade_timeline([])}
        serve = _serve(spec.scenario, "--abiquo", "3.8")
    return [
        {
            "title": "while the timeline plays",
            "serve": serve,
            "steps": ["$CONNECTOR &", _control("POST", "/timeline", timeline), "sleep 5", "kill -TERM %1"],
        }
    ]


def script(reproduce: dict, command: str) -> str:
    """The lines to paste, in two terminals: the mock in one, the connector in the other."""
    lines = []
    for one in reproduce["passes"]:
        lines += [f"# {one['title']}: in one terminal", one["serve"], "# in another"]
        lines += [f"cd {shlex.quote(reproduce['cwd'])}"]
        lines += ["export " + " ".join(f"{k}={shlex.quote(v)}" for k, v in reproduce["env"].items())]
        lines += [step.replace("$CONNECTOR", command) for step in one["steps"]]
    return "\n".join(lines)


def of_world(spec: plan.WorldSpec, world_file: str | None, report_dir: str, command: str) -> dict:
    cwd = os.getcwd()
    found = {"cwd": cwd, "env": environment(spec.format), "passes": passes(spec, world_file, report_dir, cwd)}
    found["script"] = script(found, command)
    return found


def minimal(path: str, spec: plan.WorldSpec, command: str) -> dict:
    """The reproduction on a world written to a file (a minimal world)."""
    cwd = os.getcwd()
    found = {
        "cwd": cwd,
        "env": environment(spec.format),
        "passes": [{"title": "the minimal world", "serve": _serve(shown_path(path, cwd)), "steps": ["$CONNECTOR"]}],
    }
    found["script"] = script(found, command)
    return found
