"""Every error code the docs name is one the mock answers, and for the rule they give it: each row of a rule table
(``| Rule | Code | Status | … |``, in docs/BACKUP-RULES.md, docs/EVENTS.md or any other doc) is provoked against
the demo world by the requests tests/doc_probes.yaml gives for its rule, and the answer must carry that code and
status. A new row without a probe fails here until it has one; a code named anywhere else in the docs must at
least be one the mock can answer.

doc_probes.yaml maps ``document -> rule text -> [probe]``; a probe is a request (``method``, ``path``, optional
``json`` / ``body`` + ``content_type``, ``headers``, ``as`` a user of the world, default admin) after optional
``before`` requests, all against a mock reset to demo, or to the world its ``world`` names (the body of a reset:
``{abiquo: "3.8"}`` is the world a 3.8 server starts with). A row naming two codes (``BC-17, BC-18``) has one probe
per code, in that order; a row naming none is a rule that answers, and its probe's ``answers`` is the exact body.
"""

from __future__ import annotations

import base64
import errno
import http.client
import json
import os
import re
import socket
from pathlib import Path
from types import SimpleNamespace

import pytest
import requests
import yaml
from abiquo_mock.contracts.server import MockServer
from abiquo_mock.mockserver.errors import CATALOGUE, MOCK_ONLY
from abiquo_mock.mockserver.extensions import store_of

ROOT = Path(__file__).resolve().parent.parent
PROBES = yaml.safe_load((Path(__file__).parent / "doc_probes.yaml").read_text(encoding="utf-8"))
# Documents that quote codes they do not define: Abiquo's own catalogue, and the generated fidelity table.
QUOTING = {"docs/abiquo-error-catalogue-3.8.0.md", "docs/FIDELITY.md"}
DOCUMENTS = [
    "README.md",
    "fixtures/README.md",
    "examples/connectors/README.md",
    *(str(p.relative_to(ROOT)) for p in sorted((ROOT / "docs").glob("*.md"))),
]
PASSWORDS = {"admin": "xabiquo", "entadmin": "entadmin", "user": "user", "globex": "globex"}
ANSWERABLE = set(CATALOGUE) | set(MOCK_ONLY)
PREFIXES = sorted({code.rsplit("-", 1)[0] for code in ANSWERABLE if not code[0].isdigit()}, key=len, reverse=True)
CODE = re.compile(rf"(?<![\w,.-])(?:(?:{'|'.join(PREFIXES)})-[0-9A-Z]+|[1-5]\d\d-[A-Z][A-Z-]*[A-Za-z])(?![\w-])")


def rule_rows(document: str) -> list[tuple[str, list[str], int]]:
    """(rule, codes, status) of every row of a table whose header has Rule, Code and Status."""
    rows, columns = [], None
    for line in (ROOT / document).read_text(encoding="utf-8").splitlines():
        cells = [cell.strip() for cell in line.strip().strip("|").split("|")] if line.startswith("|") else None
        if cells is None:
            columns = None
        elif columns is None:
            lowered = [cell.lower() for cell in cells]
            columns = (
                {name: lowered.index(name) for name in ("rule", "code", "status")}
                if {
                    "rule",
                    "code",
                    "status",
                }
                <= set(lowered)
                else {}
            )
        elif columns and not set(cells[0]) <= set("-: "):
            codes = [c.strip() for c in cells[columns["code"]].split(",")]
            rows.append((cells[columns["rule"]], codes, int(cells[columns["status"]])))
    return rows


ROWS = [(doc, *row) for doc in DOCUMENTS if doc not in QUOTING for row in rule_rows(doc)]


def test_the_docs_have_rule_tables_to_check():
    assert {doc for doc, *_ in ROWS} >= {"docs/BACKUP-RULES.md", "docs/EVENTS.md"}
    assert len(ROWS) > 60


@pytest.mark.parametrize("document", [d for d in DOCUMENTS if d not in QUOTING])
def test_every_code_a_doc_names_is_one_the_mock_can_answer(document):
    named = set(CODE.findall((ROOT / document).read_text(encoding="utf-8")))
    assert named <= ANSWERABLE, f"{document} names codes the mock never answers: {sorted(named - ANSWERABLE)}"


def test_every_probe_belongs_to_a_documented_rule():
    documented = {(doc, rule) for doc, rule, *_ in ROWS}
    probed = {(doc, rule) for doc, rules in PROBES.items() for rule in rules}
    assert probed <= documented, f"probes for rules no doc states (reworded?): {sorted(probed - documented)}"


@pytest.fixture(scope="module")
def mock():
    with MockServer("--memory", env={"ABIQUO_MOCK_BODY_TIMEOUT": "1"}) as server:  # a stalled body waits 1 s
        yield server


def _request(probe: dict) -> tuple[str, str, dict, bytes | None]:
    user = probe.get("as", "admin")
    headers = dict(probe.get("headers", {}))
    data = probe.get("body")
    if "json" in probe:
        data = json.dumps(probe["json"])
        headers.setdefault("Content-Type", "application/json")
    if "content_type" in probe:
        headers["Content-Type"] = probe["content_type"]
    if user:
        secret = base64.b64encode(f"{user}:{PASSWORDS.get(user, 'wrong')}".encode()).decode()
        headers["Authorization"] = f"Basic {secret}"
    return probe.get("method", "GET"), probe["path"], headers, data.encode() if isinstance(data, str) else data


def send(url: str, probe: dict, tmp_path: Path, monkeypatch) -> SimpleNamespace:
    method, path, headers, data = _request(probe)
    if probe.get("disk_full"):
        return _on_a_full_disk(method, path, headers, data, tmp_path, monkeypatch)
    if "raw" in probe:
        return _raw(url, method, path, headers, probe["raw"])
    answer = requests.request(method, url + path, data=data, headers=headers, timeout=30)
    return SimpleNamespace(status_code=answer.status_code, text=answer.text)


def _raw(url: str, method: str, path: str, headers: dict, raw: dict) -> SimpleNamespace:
    """A request whose body is not what its Content-Length says (too large to send, or never finished)."""
    host, port = url.removeprefix("http://").split(":")
    head = {**headers, "Host": f"{host}:{port}", "Content-Type": "application/json"}
    head["Content-Length"] = str(raw["content_length"])
    lines = [f"{method} {path} HTTP/1.1", *(f"{k}: {v}" for k, v in head.items()), "", raw["sent"]]
    with socket.create_connection((host, int(port)), timeout=30) as connection:
        connection.sendall("\r\n".join(lines).encode())
        answer = http.client.HTTPResponse(connection)
        answer.begin()
        return SimpleNamespace(status_code=answer.status, text=answer.read().decode())


def _on_a_full_disk(method, path, headers, data, tmp_path, monkeypatch) -> SimpleNamespace:
    """The answer of a mock whose disk refuses every write of its store (disk full)."""
    from abiquo_mock.mockserver.app import create_app

    app = create_app({"DB_PATH": str(tmp_path / "store.json"), "SCENARIO": "demo", "FSYNC": False})
    real_write = os.write

    def write(fd, chunk):
        if os.readlink(f"/proc/self/fd/{fd}").startswith(str(tmp_path)):
            raise OSError(errno.ENOSPC, os.strerror(errno.ENOSPC))
        return real_write(fd, chunk)

    monkeypatch.setattr(os, "write", write)
    try:
        answer = app.test_client().open(path, method=method, headers=headers, data=data)
    finally:
        monkeypatch.undo()
        store_of(app).close()
    return SimpleNamespace(status_code=answer.status_code, text=answer.get_data(as_text=True))


@pytest.mark.parametrize(("document", "rule", "codes", "status"), ROWS, ids=[f"{d}: {r[:60]}" for d, r, *_ in ROWS])
def test_each_documented_rule_answers_its_code_and_status(mock, tmp_path, monkeypatch, document, rule, codes, status):
    probes = PROBES.get(document, {}).get(rule)
    assert probes, f"{document} says '{rule}' answers {', '.join(codes)}: give tests/doc_probes.yaml a probe for it"
    assert len(probes) == len(codes), f"one probe per code of '{rule}'"
    for code, probe in zip(codes, probes, strict=True):
        world = probe.get("world", {"scenario": "demo"})
        requests.post(mock.url + "/_mock/reset", json=world, timeout=30).raise_for_status()
        for step in probe.get("before", []):
            done = send(mock.url, step, tmp_path, monkeypatch)
            assert done.status_code < 400, f"setup {step} answered {done.status_code}: {done.text[:300]}"
        answer = send(mock.url, probe, tmp_path, monkeypatch)
        assert answer.status_code == status, f"'{rule}': {answer.status_code} {answer.text[:300]}"
        if not code:  # a rule that answers, not one that refuses: the probe says what it answers
            assert answer.text == probe["answers"], f"'{rule}': the mock answers {answer.text[:300]!r}"
            continue
        answered = [error["code"] for error in json.loads(answer.text)["collection"]]
        assert answered == [code], f"'{rule}' is documented as {code}; the mock answers {answered}"


def test_the_connector_table_names_every_example_connector_and_no_other():
    table = (ROOT / "examples" / "connectors" / "README.md").read_text(encoding="utf-8")
    listed = set(re.findall(r"^\| `(\w+_connector\.py)` \|", table, re.M))
    assert listed == {p.name for p in (ROOT / "examples" / "connectors").glob("*_connector.py")}
