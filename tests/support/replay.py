"""Replaying real Abiquo exchanges against the mock (tests/captures/): each captured request is made legal in the
demo world (hosts and ids rewritten, what it needs prepared), sent in-process, and its answer compared with the
captured one: status, media type, the JSON type of every field both carry and the type of every link rel both
carry. ``python -m tests.support.replay`` prints the comparison and the completeness report.
"""

from __future__ import annotations

import gzip
import json
import re
from collections import defaultdict
from dataclasses import dataclass, field
from pathlib import Path
from urllib.parse import urlsplit

import yaml
from abiquo_mock.mockserver.app import create_app
from abiquo_mock.mockserver.extensions import store_of
from abiquo_mock.mockserver.http.api import REGISTRY, Operation
from werkzeug.http import parse_options_header

from .replay_world import prepare
from .xmlshape import align, xml_shape

CAPTURES = Path(__file__).resolve().parents[1] / "captures"
VERSIONS = ("3.8", "3.10")  # the captured releases around 3.8.5; both are replayed as 3.8
ACCEPTED = ("3.6", "3.7", "3.8")  # what a 3.8.5 server accepts in version=
SKIPS: dict[str, str] = yaml.safe_load((CAPTURES / "skips.yaml").read_text())


@dataclass
class Exchange:
    release: str
    name: str
    method: str
    url: str
    accept: str | None
    content_type: str | None
    status: int
    request: str | None
    response: str | None

    @property
    def key(self) -> str:
        return f"{self.release}/{self.name}"

    @property
    def path(self) -> str:
        return urlsplit(self.url).path

    @property
    def query(self) -> str:
        return urlsplit(self.url).query


@dataclass
class Outcome:
    exchange: Exchange
    operation: str
    contradictions: list[str] = field(default_factory=list)
    missing: list[str] = field(default_factory=list)


def load() -> list[Exchange]:
    found = []
    for release in VERSIONS:
        with gzip.open(CAPTURES / f"abiquo-{release}-served.jsonl.gz", "rt", encoding="utf-8") as lines:
            found += [Exchange(release, **json.loads(line)) for line in lines]
    return found


def operation_of(exchange: Exchange) -> Operation | None:
    for op in REGISTRY:
        pattern = "^" + re.sub(r"\{\w+\}", r"[^/]+", op.path) + "$"
        if op.prefix == "/api" and op.method == exchange.method and re.match(pattern, exchange.path):
            return op
    return None


def media_of(header: str | None) -> tuple[str | None, str | None]:
    """(media name, version) of a vendor type such as ``application/vnd.abiquo.limit+json; version=3.10``."""
    return format_of(header)[:2]


def format_of(header: str | None) -> tuple[str | None, str | None, str]:
    """(media name, version, json or xml) of a vendor type such as ``application/vnd.abiquo.limit+xml``."""
    if not header:
        return None, None, "json"
    mimetype, params = parse_options_header(header.split(",")[0].strip())
    match = re.fullmatch(r"application/vnd\.abiquo\.(\w+)\+(json|xml)", mimetype)
    if match is None:
        return mimetype, params.get("version"), "json"
    return match.group(1), params.get("version"), match.group(2)


def served(exchange: Exchange, op: Operation) -> bool:
    """Whether the mock serves this exchange's media types (the operation's media in JSON or XML, or plain
    text)."""
    wanted, _ = media_of(exchange.accept)
    if op.plain_text:
        return wanted in (None, "text/plain")
    sent, _ = media_of(exchange.content_type)
    return wanted in (None, *op.media) and (op.consumes is None or sent == op.consumes)


def replayable(exchanges: list[Exchange]) -> list[tuple[Exchange, Operation]]:
    create_app({"DB_PATH": None, "SCENARIO": "empty"})  # registers the operations
    return [(e, op) for e in exchanges if (op := operation_of(e)) is not None and served(e, op)]


# --- comparison ---------------------------------------------------------------------------------------------


def json_type(value: object) -> str:
    if value is None:
        return "null"
    if isinstance(value, bool):
        return "boolean"
    if isinstance(value, (int, float)):
        return "number"
    return {str: "string", list: "array", dict: "object"}[type(value)]


def _rels(links: object) -> dict[str, str]:
    found: dict[str, str] = {}
    for link in links if isinstance(links, list) else []:
        if isinstance(link, dict) and isinstance(link.get("rel"), str):
            found.setdefault(link["rel"], link.get("type") or "")
    return found


def compare(captured: object, answered: object, where: str, outcome: Outcome) -> None:
    """Walk what both carry: a JSON type or link type that differs is a contradiction; what only the capture
    carries is missing (the completeness report)."""
    kinds = json_type(captured), json_type(answered)
    if "null" in kinds:
        return
    if kinds[0] != kinds[1]:
        outcome.contradictions.append(f"{where or '.'}: {kinds[0]} in the capture, {kinds[1]} here")
    elif isinstance(captured, dict):
        for key, value in captured.items():
            if key not in answered:
                outcome.missing.append(f"{where}.{key}")
            elif key == "links":
                _compare_links(value, answered[key], f"{where}.links", outcome)
            else:
                compare(value, answered[key], f"{where}.{key}", outcome)
    elif isinstance(captured, list) and captured and answered:
        for item in captured:
            compare(item, _counterpart(item, answered), f"{where}[]", outcome)


def _counterpart(item: object, answered: list) -> object:
    """The answered item to hold ``item`` against: the one sharing most of its keys and values (collections
    need not be in the same order), else the first."""
    if not isinstance(item, dict):
        return answered[0]

    def likeness(other: object) -> tuple[int, int]:
        if not isinstance(other, dict):
            return (-1, -1)
        same = sum(1 for k, v in item.items() if other.get(k) == v and not isinstance(v, (dict, list)))
        return (same, len(set(item) & set(other)))

    return max(answered, key=likeness)


def _compare_links(captured: object, answered: object, where: str, outcome: Outcome) -> None:
    mine = _rels(answered)
    for rel, kind in _rels(captured).items():
        if rel not in mine:
            outcome.missing.append(f"{where}[rel={rel}]")
        elif kind and mine[rel] and kind != mine[rel]:
            outcome.contradictions.append(f"{where}[rel={rel}]: type {kind} in the capture, {mine[rel]} here")


def _versioned(header: str | None) -> str | None:
    """The header as the mock takes it: a version a 3.8.5 server accepts (3.6 to 3.8) is sent as recorded, any
    other (3.10, or a page carried over from 2.x) as 3.8."""
    if not header:
        return header
    return re.sub(r"version=([0-9.]+)", lambda m: m.group(0) if m.group(1) in ACCEPTED else "version=3.8", header)


def demo_app():
    return create_app({"DB_PATH": None, "SCENARIO": "demo", "CONTROL_ENABLED": False, "FSYNC": False})


def replay(exchange: Exchange, op: Operation, app=None) -> Outcome:
    """Send the exchange's request, made legal in the demo world, to ``app`` (a fresh demo for a write)."""
    app = app or demo_app()
    request = prepare(store_of(app), exchange, op)
    headers = {"Authorization": "Basic YWRtaW46eGFiaXF1bw=="}  # admin:xabiquo
    if exchange.accept:
        headers["Accept"] = _versioned(exchange.accept)
    if request.body is not None:
        headers["Content-Type"] = _versioned(exchange.content_type)
    answer = app.test_client().open(
        request.path, method=exchange.method, headers=headers, query_string=request.query, data=request.body
    )
    outcome = Outcome(exchange, op.op_id)
    if answer.status_code != exchange.status:
        text = answer.get_data(as_text=True)[:300]
        outcome.contradictions.append(f"status {exchange.status} in the capture, {answer.status_code} here: {text}")
        return outcome
    wanted, _, form = format_of(exchange.accept)
    if exchange.response and wanted and not wanted.startswith("text/"):
        got, _, answered_form = format_of(answer.headers.get("Content-Type"))
        if (got, answered_form) != (wanted, form):
            outcome.contradictions.append(f"media {wanted}+{form} in the capture, {got}+{answered_form} here")
            return outcome
        if form == "xml":
            compare_xml(exchange.response, answer.get_data(), outcome)
        else:
            compare(json.loads(exchange.response), answer.get_json(), "", outcome)
    return outcome


def compare_xml(captured: str, answered: bytes, outcome: Outcome) -> None:
    """The same root element, and the capture's elements compared as JSON fields are (xmlshape.py): for XML,
    an element the capture has and the answer lacks is a contradiction, not only a gap of the completeness report
    (a link rel the answer lacks stays a gap, as in JSON)."""
    capture, answer = xml_shape(captured.encode()), xml_shape(answered)
    if capture[0] != answer[0]:
        outcome.contradictions.append(f"root <{capture[0]}> in the capture, <{answer[0]}> here")
        return
    compare(*align(capture[1], answer[1]), "", outcome)
    outcome.contradictions += [
        f"{path}: an element of the capture this answer lacks"
        for path in outcome.missing
        if not WORLD_DATA.search(path) and "[rel=" not in path and not path.endswith(".links")
    ]


def run() -> tuple[list[Outcome], dict[str, str]]:
    """Every replayable exchange, replayed; and the skipped ones with their reasons."""
    outcomes, skipped = [], {}
    reads = demo_app()  # reads change nothing: they share one world
    for exchange, op in replayable(load()):
        if exchange.key in SKIPS:
            skipped[exchange.key] = SKIPS[exchange.key]
            continue
        outcomes.append(replay(exchange, op, reads if exchange.method == "GET" else None))
    return outcomes, skipped


# What a capture has that says nothing of the representation: a VM's own metadata keys (its world's data) and
# the paging links of a collection (how many items its world had).
WORLD_DATA = re.compile(r"^\.metadata\.|^\.links\[rel=(first|previous|next|last)\]$")


def completeness(outcomes: list[Outcome]) -> dict[str, list[str]]:
    """Per operation: the fields and link rels a capture has that the mock's answer lacks."""
    report: dict[str, set[str]] = defaultdict(set)
    for outcome in outcomes:
        for path in outcome.missing:
            if not WORLD_DATA.search(path):
                report[outcome.operation].add(path)
    return {op: sorted(paths) for op, paths in sorted(report.items())}


def complete(outcome: Outcome) -> bool:
    return not any(not WORLD_DATA.search(path) for path in outcome.missing)


def summary(outcomes: list[Outcome], skipped: dict[str, str]) -> str:
    agreeing = [o for o in outcomes if not o.contradictions]
    lines = [
        f"replayed {len(outcomes)} captured exchanges ({len(skipped)} skipped by name): "
        f"{len(outcomes) - len(agreeing)} contradicted, "
        f"{sum(1 for o in agreeing if complete(o))} of {len(agreeing)} agreeing carry every captured field and rel",
    ]
    for outcome in outcomes:
        for text in outcome.contradictions:
            lines.append(f"  CONTRADICTION {outcome.exchange.key} ({outcome.operation}): {text}")
    lines.append("completeness (per operation, what the captures carry and the mock's answers lack):")
    for op, paths in completeness(outcomes).items():
        fields = [p for p in paths if "[rel=" not in p]
        rels = sorted({p.split("[rel=")[1].rstrip("]") for p in paths if "[rel=" in p})
        lines.append(f"  {op}: fields {', '.join(fields) or 'none'}; link rels {', '.join(rels) or 'none'}")
    return "\n".join(lines)


if __name__ == "__main__":
    print(summary(*run()))
