"""``abiquo-mock upgrade --db PATH``: the 3.8 → 3.8.5 backup upgrade on a store file."""

from __future__ import annotations

import json
import sys
from pathlib import Path

import click

from ..store import Store, StoreError
from .upgrade import upgrade_store


def summary(report: dict) -> list[str]:
    """The report as lines a person reads."""
    if not report["changed"]:
        return [f"nothing to upgrade: the store already runs Abiquo {report['abiquo']}"]
    lines = [f"Abiquo {report['upgradedFrom']} upgraded to {report['abiquo']}"]
    lines += [
        f"policy {p['code']} created in datacenter {p['datacenter']} (id {p['id']}): {p['type']} {p['period']}"
        for p in report["policiesCreated"]
    ]
    lines += [f"policy {a['code']} allowed to enterprise {a['enterprise']}" for a in report["policiesAllowed"]]
    lines += [
        f"virtual machine {v['id']} ({v['name']}) bound: {json.dumps(v['policyBindings'], sort_keys=True)}"
        for v in report["virtualMachinesBound"]
    ]
    lines += [
        f"datacenter {p['datacenter']}: multiple restore, multiple policies and updates while deployed on, as in 3.8"
        for p in report["propertiesWritten"]
    ]
    return lines


@click.command("upgrade")
@click.option("--db", "db", required=True, type=click.Path(dir_okay=False), help="The TinyDB store file.")
@click.option("--json", "as_json", is_flag=True, help="Print the report as JSON.")
def upgrade(db: str, as_json: bool) -> None:
    """Upgrade a store's Abiquo 3.8 installation to 3.8.5, its backup policies made from the legacy configuration
    (once: run again, it changes nothing)."""
    if not Path(db).is_file():
        _fail(f"{db}: no store file there")
    try:
        with Store(db) as store:
            report = upgrade_store(store)
    except (StoreError, OSError) as exc:
        _fail(str(exc))
    click.echo(json.dumps(report, indent=2) if as_json else "\n".join(summary(report)))


def _fail(message: str) -> None:
    click.echo(f"abiquo-mock: {message}", err=True)
    sys.exit(2)
