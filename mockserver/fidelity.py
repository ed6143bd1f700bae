"""The fidelity table: each operation, field and error code with its label (docs/BACKUP-RULES.md says what
the labels mean) and the tests covering it.

Generated from the OpenAPI document (operations, their x-fidelity labels, schemas), the error catalogue,
mockserver/labels.yaml, and the coverage the test suite records in reports/coverage.json (which tests
answered which operation and which error code). ``python -m abiquo_mock.mockserver.fidelity > docs/FIDELITY.md``.
"""

from __future__ import annotations

import json
import sys
from pathlib import Path

import yaml

from . import fidelity_captures, release
from .errors import CATALOGUE, MOCK_ONLY
from .http.schemas import COLLECTIONS
from .openapi import build

LABELS_FILE = Path(__file__).with_name("labels.yaml")
COVERAGE_FILE = Path(__file__).resolve().parent.parent / "reports" / "coverage.json"
MAX_TESTS = 3
NOT_FOUND_TEST = "tests/test_abiquo_3_8.py::test_backup_policies_and_properties_are_not_found"
SPELLING_TEST = "tests/test_abiquo_3_8.py::test_a_time_left_empty_is_bc11_as_the_3_8_0_catalogue_spells_it"


def _labels() -> dict:
    return yaml.safe_load(LABELS_FILE.read_text())


def _coverage() -> dict:
    if COVERAGE_FILE.is_file():
        return json.loads(COVERAGE_FILE.read_text())
    return {"operations": {}, "errors": {}}


def _tests(names: list[str] | None) -> str:
    if not names:
        return "—"
    shown = sorted(names)[:MAX_TESTS]
    more = f" (+{len(names) - MAX_TESTS})" if len(names) > MAX_TESTS else ""
    return ", ".join(f"`{n}`" for n in shown) + more


def _judged(label: str, capture: str | None) -> str:
    """A capture of the real API outweighs any other source: what one shows is verified, and says which."""
    return f"verified (`{capture}`)" if capture else label


def operation_rows(document: dict, coverage: dict, seen: dict[str, str]) -> list[tuple[str, str, str, str, str]]:
    rows = []
    for path, operations in document["paths"].items():
        for method, op in operations.items():
            rows.append(
                (
                    method.upper(),
                    path,
                    op["operationId"],
                    _judged(op.get("x-fidelity", "documented"), seen.get(op["operationId"])),
                    _tests(coverage["operations"].get(op["operationId"])),
                )
            )
    return sorted(rows, key=lambda r: (r[1], r[0]))


def _media_of_component(document: dict) -> dict[str, str]:
    """Component schema name -> media name, from the content keys of the operations."""
    found: dict[str, str] = {}
    for operations in document["paths"].values():
        for op in operations.values():
            contents = [r.get("content", {}) for r in op["responses"].values() if isinstance(r, dict)]
            contents.append(op.get("requestBody", {}).get("content", {}))
            for content in contents:
                for key, value in content.items():
                    ref = value.get("schema", {}).get("$ref", "")
                    if key.startswith("application/vnd.abiquo.") and ref:
                        found[ref.rsplit("/", 1)[1]] = key.split(".", 2)[2].split("+")[0]
    return found


def _with_items(document: dict, components: dict[str, str]) -> dict[str, str]:
    """The components, and the item component of each collection (an event is only ever read in events)."""
    found = dict(components)
    for component, media in components.items():
        items = document["components"]["schemas"].get(component, {}).get("properties", {}).get("collection", {})
        ref = items.get("items", {}).get("$ref", "")
        if media in COLLECTIONS and ref:
            found.setdefault(ref.rsplit("/", 1)[1], COLLECTIONS[media])
    return found


def field_rows(document: dict, labels: dict, seen: dict[tuple[str, str], str]) -> list[tuple[str, str, str]]:
    media_labels, field_labels = labels["media"], labels["fields"]
    rows = []
    for component, media in sorted(_with_items(document, _media_of_component(document)).items(), key=lambda i: i[1]):
        schema = document["components"]["schemas"].get(component, {})
        for field in schema.get("properties", {}):
            key = f"{media}.{field}"
            label = field_labels.get(key, media_labels.get(media, media_labels["default"]))
            rows.append((media, field, _judged(label, seen.get((media, field)))))
        for key, label in field_labels.items():
            if key.startswith(f"{media}.") and key.count(".") > 1:
                rows.append((media, key.split(".", 1)[1], label))
    return rows


def error_rows(labels: dict, coverage: dict) -> list[tuple[str, int, str, str, str]]:
    error_labels = labels["errors"]
    rows = []
    for code, (status, message) in sorted({**CATALOGUE, **MOCK_ONLY}.items()):
        label = next(
            (name for name in ("verified", "reconstructed") if code in error_labels.get(name, [])),
            error_labels["default"],
        )
        rows.append((code, status, message, label, _tests(coverage["errors"].get(code))))
    return rows


def _missing_operations(served: release.Release, document: dict) -> list[str]:
    """A row for each /api operation of ``document`` (3.8.5's) that ``served`` does not have."""
    own = build(served)["paths"]
    missing = [
        (path, method.upper(), op["operationId"], op.get("x-abiquo-since"))
        for path, item in document["paths"].items()
        for method, op in item.items()
        if path.startswith("/api/") and method not in own.get(path, {})
    ]
    return [
        f"| {method} `{path}` ({op_id}): 404, as any path it does not have "
        f"| verified (`3.8/GET_adm_dcs_X_AC_dc_j`) | came with {since}: no captured 3.8 page has it, and the "
        f"3.8 datacenter links none | `{NOT_FOUND_TEST}` |"
        for path, method, op_id, since in sorted(missing)
    ]


def release_rows(labels: dict, document: dict) -> list[str]:
    """The section of each release before 3.8.5: the operations it does not have, the codes its catalogue spells
    otherwise, and the rules that differ (labels.yaml)."""
    out = []
    for served in (r for r in release.RELEASES if not r.has_policies):
        out += [
            "",
            f"## Abiquo {served.name}",
            "",
            f"`serve --abiquo {served.name}` (or a scenario naming it, as legacy-3.8 does) answers as Abiquo "
            f"{served.version}: the same rules, switched by the release the world runs (mockserver/release.py).",
            "",
            "| What | Label | Why | Held by |",
            "|---|---|---|---|",
            *_missing_operations(served, document),
        ]
        out += [
            f"| code {code} is answered as {spelled} | documented | its 3.8.0 catalogue spells it so | "
            f"`{SPELLING_TEST}` |"
            for code, spelled in sorted(served.spellings.items())
        ]
        out += [
            f"| {d['what']} | {d['label']} | {d['why']} | `{d['test']}` |"
            for d in labels.get("releases", {}).get(served.name, [])
        ]
    return out


def dialect_rows() -> list[str]:
    """What of the media types' renderings and versions is seen in captures and what is this project's choice."""
    return [
        "",
        "## Renderings and versions",
        "",
        "| What | Label | Why |",
        "|---|---|---|",
        "| JSON and XML of every media type, XML root elements, links, lists and JAXB names | verified | the 24 "
        "captured XML exchanges of served operations, replayed by `tests/test_replay.py` |",
        "| the XML error document `<errors><error><code/><message/></error></errors>` | documented | Abiquo's "
        "open-source API (no captured XML error) |",
        "| XML of what no capture shows (null as an empty element, a metadata key that is no XML name as "
        '`<entry key="…">`, a list in free-form metadata as repeated elements) | reconstructed | no capture shows '
        "them |",
        "| `version=3.6` and `3.7` accepted beside 3.8, echoed in the answer | reconstructed | Abiquo documents "
        "compatibility with the two minor releases before; the list 3.8.5 accepted is not recorded |",
        "| other versions 406 (Accept) and 415 (Content-Type) | verified | the 3.8.0 error catalogue |",
    ]


def captured_rows() -> list[str]:
    """How many of the operations the captures show the mock serves, and the rest, answered 501, by resource."""
    from .http import captured

    operations = captured.captured()
    served = [o for o in operations if captured.is_served(o)]
    missing = [o for o in operations if o not in served]
    by_area: dict[str, int] = {}
    for o in missing:
        area = "/api/" + "/".join(o.path.strip("/").split("/")[:2]).replace("{}", "{id}")
        by_area[area] = by_area.get(area, 0) + 1
    return [
        "",
        "## Abiquo operations served and not modelled",
        "",
        f"The captured 3.8 and 3.10 exchanges show {len(operations)} operations (method and path, "
        "`mockserver/captured_operations.json`, written from the captures by `tools/operations_from_captures.py`). "
        f"The mock serves {len(served)} of them; the other {len(missing)} answer **501** with the Abiquo error "
        "envelope (code 501-NOT-IMPLEMENTED, the message naming the operation), where a path no Abiquo has answers "
        "404. A 3.8 server (`serve --abiquo 3.8`) counts only the 3.8 captures.",
        "",
        "| Not modelled, under | Operations |",
        "|---|---:|",
        *[f"| `{area}` | {count} |" for area, count in sorted(by_area.items())],
    ]


def render() -> str:
    document, labels, coverage = build(), _labels(), _coverage()
    captured = fidelity_captures.exchanges()
    operations_seen = fidelity_captures.operations_seen(document, captured)
    fields_seen = fidelity_captures.fields_seen(captured, COLLECTIONS)
    out = [
        "# Fidelity of abiquo-mock to Abiquo 3.8.5",
        "",
        "Generated by `make fidelity` from the OpenAPI document, the captured real exchanges (`tests/captures/`),",
        "the error catalogues (`docs/abiquo-error-catalogue-3.8.0.md`, `docs/BACKUP-RULES.md`),",
        "`mockserver/labels.yaml` and the coverage the test suite records. Labels: **verified** (seen in a captured",
        "exchange of a real 3.8 or 3.10 API, named beside it, or in code that talks to the real API), **documented**",
        "(Abiquo's documentation prose or its error catalogue), **reconstructed** (this project's choice where the",
        "real 3.8.5 is unknown), **mock-only** (the mock's own control API). The replay gate",
        "(`tests/test_replay.py`) holds every captured exchange of a served operation to the mock's answer.",
        "",
        "## Operations",
        "",
        "| Method | Path | Operation | Label | Covered by |",
        "|---|---|---|---|---|",
    ]
    out += [
        f"| {m} | `{p}` | {o} | {label} | {t} |"
        for m, p, o, label, t in operation_rows(document, coverage, operations_seen)
    ]
    out += ["", "## Fields", "", "| Media type | Field | Label |", "|---|---|---|"]
    out += [f"| {m} | `{f}` | {label} |" for m, f, label in field_rows(document, labels, fields_seen)]
    out += ["", "## Error codes", "", "| Code | Status | Message | Label | Covered by |", "|---|---|---|---|---|"]
    out += [f"| {c} | {s} | {msg} | {label} | {t} |" for c, s, msg, label, t in error_rows(labels, coverage)]
    out += dialect_rows()
    out += captured_rows()
    out += release_rows(labels, document)
    return "\n".join(out) + "\n"


if __name__ == "__main__":
    sys.stdout.write(render())
