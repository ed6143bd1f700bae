"""The mixed load: 70 % GETs (datacenters, a VM, the event log) and 30 % durable PUTs of VM metadata (each
records an event), at 16 connections, driven by wrk with a Lua script."""

from __future__ import annotations

import json

from .load import Load, run_script
from .server import ADMIN, Server

WRITES_IN_TEN = 3


def _metadata_puts(server: Server, vm_paths: list[str]) -> list[tuple[str, str]]:
    """(path, body) of metadata PUTs that are accepted: each VM's own metadata sent back as it is."""
    puts = []
    for path in vm_paths:
        status, body = server.request("GET", path + "/metadata")
        if status != 200:
            continue
        document = json.loads(body)
        document.pop("links", None)
        if server.request("PUT", path + "/metadata", document)[0] in (200, 204):
            puts.append((path + "/metadata", json.dumps(document)))
    if not puts:
        raise RuntimeError("no VM accepts its own metadata back: the mixed load has nothing to write")
    return puts


def _lua(gets: list[str], puts: list[tuple[str, str]]) -> str:
    listed_gets = ",\n".join(f'  "{p}"' for p in gets)
    listed_puts = ",\n".join(f'  {{"{p}", [==[{body}]==]}}' for p, body in puts)
    return (
        f'local auth = "{ADMIN}"\n'
        f"local gets = {{\n{listed_gets}\n}}\nlocal puts = {{\n{listed_puts}\n}}\nlocal n = 0\n"
        'wrk.headers["Authorization"] = auth\nwrk.headers["Accept"] = "*/*"\n'
        "request = function()\n  n = n + 1\n"
        f"  if n % 10 < {WRITES_IN_TEN} then\n    local put = puts[n % #puts + 1]\n"
        '    return wrk.format("PUT", put[1], {["Authorization"] = auth, ["Accept"] = "*/*",'
        ' ["Content-Type"] = "application/json"}, put[2])\n'
        '  end\n  return wrk.format("GET", gets[n % #gets + 1])\nend\n'
    )


def run(wrk: str, server: Server, vm_paths: list[str], *, seconds: float, connections: int = 16) -> Load:
    gets = [
        "/api/admin/datacenters",
        "/api/admin/datacenters/1",
        *vm_paths[:4],
        "/api/events?limit=25",
        "/api/events?asc=false&limit=25",
    ]
    lua = _lua(gets, _metadata_puts(server, vm_paths[:20]))
    run_script(wrk, server.port, lua, seconds=1, threads=2, connections=connections)  # warm-up
    return run_script(wrk, server.port, lua, seconds=seconds, threads=2, connections=connections)
