"""Handing a reproduction over: the served world as a scenario file that loads back into the identical store,
and recorded requests as a script that replays them against a mock.

Neither carries a password: the downloaded world names the scenario its users' passwords come from
(``passwords: {from: demo}``), and the script replays each request through the control API as the user who made
it (POST /_mock/console/api/requests), so that the server, which knows the passwords, sends it.
"""

from __future__ import annotations

import pprint
import re
import time
from collections.abc import Mapping

from .. import scenarios
from ..errors import AbiquoError
from ..http.control import PREFIX
from ..store import Store
from .acting import PASSED_HEADERS, SEND_RULE

NAME = re.compile(r"^[A-Za-z0-9][A-Za-z0-9_.-]{0,63}$")
ENTRY_FIELDS = {"method": str, "path": str, "query": str, "user": (str, type(None)), "status": int}


def check_name(name: object) -> str:
    if not isinstance(name, str) or not NAME.fullmatch(name):
        raise AbiquoError("GEN-2", "'name' must be 1 to 64 letters, digits, '_', '.' or '-', starting alphanumeric")
    return name


def scenario_document(
    store: Store, name: str, description: str, loaded: str | None, transforms: Mapping | None = None
) -> str:
    """The whole store as a scenario file: every table, every document as stored (metadata key order kept).
    With ``transforms`` (for a file that leaves the server) the users carry no password: the file names the
    loaded scenario they take theirs from, where every one is the same there."""
    origin = f" It started from the scenario '{loaded}'." if loaded else ""
    header = {
        "format": scenarios.FORMAT,
        "name": name,
        "description": description
        or f"Saved from the console on {time.strftime('%Y-%m-%d %H:%M UTC', time.gmtime())}." + origin,
        "tags": [],
    }
    tables, note = store.dump(), ""
    if transforms is not None:
        tables, source = _without_passwords(tables, loaded, transforms)
        if source:
            header["passwords"] = {"from": source}
        else:
            note = "# The users' passwords are left out (the mock never hands one out): give each user one.\n"
    return note + _yaml(header) + _yaml({"world": tables})


def _without_passwords(tables: dict, loaded: str | None, transforms: Mapping) -> tuple[dict, str | None]:
    """The tables with no user's password, and the scenario whose users have those very passwords (or None)."""
    users = tables.get("users", [])
    source = None
    if loaded and "passwords" not in scenarios.read(loaded):
        known = {u.get("nick"): u.get("password") for u in scenarios.world(loaded, transforms).get("users", [])}
        source = loaded if all(known.get(u.get("nick")) == u.get("password") for u in users) else None
    return {**tables, "users": [{k: v for k, v in u.items() if k != "password"} for u in users]}, source


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
                "headers": {k: v for k, v in headers.items() if k.lower() in PASSED_HEADERS and isinstance(v, str)},
                "body": entry.get("requestBody") if isinstance(entry.get("requestBody"), str) else "",
            }
        )
    return entries


def replay_script(entries: list[dict], loaded: str | None) -> str:
    return SCRIPT.format(
        count=len(entries),
        scenario=loaded or "demo",
        sender=PREFIX + SEND_RULE,
        requests=pprint.pformat(entries, width=110, sort_dicts=False),
    )


SCRIPT = '''#!/usr/bin/env python3
"""Replays {count} requests recorded by abiquo-mock, in order, and compares each status with the recorded one.

    python replay.py [BASE_URL] [--reset SCENARIO]

BASE_URL defaults to http://127.0.0.1:8080. Each request is sent through the mock's control API as the user who
made it ({sender}: the mock knows its world's passwords, this script holds none), so the control API must be
on; with a control token, set ABIQUO_MOCK_CONTROL_TOKEN. --reset first loads SCENARIO (the recording started from
'{scenario}'; a world saved from the console is a scenario too). Exit status 1 when any status differs.
Needs only Python 3.
"""

import argparse
import json
import os
import sys
import urllib.error
import urllib.request

SENDER = "{sender}"
REQUESTS = {requests}


def control(base, path, document):
    headers = {{"Content-Type": "application/json", "Accept": "application/json"}}
    if os.environ.get("ABIQUO_MOCK_CONTROL_TOKEN"):
        headers["X-Mock-Token"] = os.environ["ABIQUO_MOCK_CONTROL_TOKEN"]
    data = json.dumps(document).encode("utf-8")
    request = urllib.request.Request(base + path, data=data, method="POST", headers=headers)
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
        status, text = control(base, "/_mock/reset", {{"scenario": args.reset}})
        print(f"reset to {{args.reset}}: {{status}}")
        if status != 200:
            sys.exit(f"cannot reset the mock: {{text}}")
    differ = 0
    for n, recorded in enumerate(REQUESTS, 1):
        fields = ("user", "method", "path", "query", "headers", "body")
        status, text = control(base, SENDER, {{k: recorded[k] for k in fields}})
        if status != 200:
            sys.exit(f"the mock cannot send request {{n}} ({{status}}): {{text[:300]}}")
        answer = json.loads(text)
        same = answer["status"] == recorded["status"]
        differ += not same
        note = "" if same else f"(recorded {{recorded['status']}})"
        shown = ascii(recorded["path"] + ("?" + recorded["query"] if recorded["query"] else ""))[1:-1]
        print(f"{{n:4}} {{recorded['method']:6}} {{shown}} -> {{answer['status']}} {{note}}")
        if not same:
            print("       " + answer["body"][:300].replace("\\n", " "))
    print(f"{{len(REQUESTS) - differ}}/{{len(REQUESTS)}} answered as recorded")
    sys.exit(1 if differ else 0)


if __name__ == "__main__":
    main()
'''
