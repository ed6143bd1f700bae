"""Handing a reproduction over: the served world as a scenario file that loads back into the identical store,
and recorded requests as a script that replays them against a mock.
"""

from __future__ import annotations

import pprint
import re
import time

from .. import scenarios
from ..errors import AbiquoError
from ..store import Store

NAME = re.compile(r"^[A-Za-z0-9][A-Za-z0-9_.-]{0,63}$")
REPLAYED_HEADERS = ("accept", "content-type")
ENTRY_FIELDS = {"method": str, "path": str, "query": str, "user": (str, type(None)), "status": int}


def check_name(name: object) -> str:
    if not isinstance(name, str) or not NAME.fullmatch(name):
        raise AbiquoError("GEN-2", "'name' must be 1 to 64 letters, digits, '_', '.' or '-', starting alphanumeric")
    return name


def scenario_document(store: Store, name: str, description: str, loaded: str | None) -> str:
    """The whole store as a scenario file: every table, every document as stored (metadata key order kept)."""
    origin = f" It started from the scenario '{loaded}'." if loaded else ""
    header = {
        "format": scenarios.FORMAT,
        "name": name,
        "description": description
        or f"Saved from the console on {time.strftime('%Y-%m-%d %H:%M UTC', time.gmtime())}." + origin,
        "tags": [],
    }
    return _yaml(header) + _yaml({"world": store.dump()})


def _yaml(document: dict) -> str:
    import yaml  # loaded when a world is saved, not with every server

    dumper = getattr(yaml, "CSafeDumper", yaml.SafeDumper)
    return yaml.dump(document, Dumper=dumper, sort_keys=False, allow_unicode=True, width=120)


def save_scenario(text: str, name: str, overwrite: bool) -> str:
    """Write the scenario into the scenarios folder, where --scenario, reset and the picker find it."""
    path = scenarios.fixtures_dir() / f"{name}.yaml"
    if path.exists() and not overwrite:
        raise AbiquoError("CTRL-2", f"There is already a scenario '{name}': choose another name or overwrite it")
    path.parent.mkdir(parents=True, exist_ok=True)
    temporary = path.with_name(f".{path.name}.tmp")
    temporary.write_text(text, encoding="utf-8")
    temporary.replace(path)
    return str(path)


def replay_entries(raw: object) -> list[dict]:
    """The journal entries a script should replay, reduced to what a replay needs, or GEN-2."""
    if not isinstance(raw, list) or not raw:
        raise AbiquoError("GEN-2", "'entries' must be a non-empty list of journal entries")
    entries = []
    for entry in raw:
        if not isinstance(entry, dict) or not all(isinstance(entry.get(k), t) for k, t in ENTRY_FIELDS.items()):
            raise AbiquoError("GEN-2", "each entry needs method, path, query, user and status as the journal has them")
        headers = entry.get("requestHeaders") if isinstance(entry.get("requestHeaders"), dict) else {}
        entries.append(
            {
                **{k: entry[k] for k in ENTRY_FIELDS},
                "headers": {k: v for k, v in headers.items() if k.lower() in REPLAYED_HEADERS and isinstance(v, str)},
                "body": entry.get("requestBody") if isinstance(entry.get("requestBody"), str) else "",
            }
        )
    return entries


def replay_script(store: Store, entries: list[dict], loaded: str | None) -> str:
    users = {e["user"] for e in entries if e["user"]}
    credentials = {u["nick"]: u.get("password", "") for u in store.all("users") if u["nick"] in users}
    return SCRIPT.format(
        count=len(entries),
        scenario=loaded or "demo",
        credentials=pprint.pformat(credentials, width=100),
        requests=pprint.pformat(entries, width=110, sort_dicts=False),
    )


SCRIPT = '''#!/usr/bin/env python3
"""Replays {count} requests recorded by abiquo-mock, in order, and compares each status with the recorded one.

    python replay.py [BASE_URL] [--reset SCENARIO]

BASE_URL defaults to http://127.0.0.1:8080. --reset first loads SCENARIO into the mock through its control API
(the recording started from '{scenario}'; a world saved from the console is a scenario too); with a control
token, set ABIQUO_MOCK_CONTROL_TOKEN. Exit status 1 when any status differs. Needs only Python 3.
"""

import argparse
import base64
import json
import os
import sys
import urllib.error
import urllib.request

CREDENTIALS = {credentials}
REQUESTS = {requests}


def send(base, method, path, headers, body):
    data = body.encode("utf-8") if body else None
    request = urllib.request.Request(base + path, data=data, method=method, headers=headers)
    try:
        with urllib.request.urlopen(request, timeout=60) as answer:
            return answer.status, answer.read().decode("utf-8", "replace")
    except urllib.error.HTTPError as error:
        return error.code, error.read().decode("utf-8", "replace")


def main():
    parser = argparse.ArgumentParser(description="Replay requests recorded by abiquo-mock")
    parser.add_argument("base", nargs="?", default="http://127.0.0.1:8080")
    parser.add_argument("--reset", metavar="SCENARIO")
    args = parser.parse_args()
    base = args.base.rstrip("/")
    if args.reset:
        headers = {{"Content-Type": "application/json"}}
        if "ABIQUO_MOCK_CONTROL_TOKEN" in os.environ:
            headers["X-Mock-Token"] = os.environ["ABIQUO_MOCK_CONTROL_TOKEN"]
        status, text = send(base, "POST", "/_mock/reset", headers, json.dumps({{"scenario": args.reset}}))
        print(f"reset to {{args.reset}}: {{status}}")
        if status != 200:
            sys.exit(f"cannot reset the mock: {{text}}")
    differ = 0
    for n, recorded in enumerate(REQUESTS, 1):
        headers = dict(recorded["headers"])
        if recorded["user"]:
            pair = f"{{recorded['user']}}:{{CREDENTIALS.get(recorded['user'], '')}}".encode()
            headers["Authorization"] = "Basic " + base64.b64encode(pair).decode()
        path = recorded["path"] + ("?" + recorded["query"] if recorded["query"] else "")
        status, text = send(base, recorded["method"], path, headers, recorded["body"])
        same = status == recorded["status"]
        differ += not same
        note = "" if same else f"(recorded {{recorded['status']}})"
        print(f"{{n:4}} {{recorded['method']:6}} {{path}} -> {{status}} {{note}}")
        if not same:
            print("       " + text[:300].replace("\\n", " "))
    print(f"{{len(REQUESTS) - differ}}/{{len(REQUESTS)}} answered as recorded")
    sys.exit(1 if differ else 0)


if __name__ == "__main__":
    main()
'''
