"""``report.html``: a certification as one self-contained page a vendor can hand on.

Everything it shows is in the file (the CSS and the script inline, no font, image or anything else fetched), and a
Content-Security-Policy of ``default-src 'none'`` lets the page load nothing else: only its own style and script,
named by their hashes. It renders from ``results.json``'s document alone.
"""

from __future__ import annotations

import base64
import hashlib
from html import escape
from pathlib import Path

from .evidence import as_text
from .obligations import ERROR, FAIL, NOT_APPLICABLE, PASS

ASSETS = Path(__file__).with_name("assets")
CSS_CLASS = {PASS: "PASS", FAIL: "FAIL", NOT_APPLICABLE: "NA", ERROR: "ERROR"}
EMBEDDED_WORLD = 200_000  # characters of a minimal world's file shown in the page itself


def _hash(text: str) -> str:
    return "'sha256-" + base64.b64encode(hashlib.sha256(text.encode("utf-8")).digest()).decode() + "'"


def page(document: dict, folder: Path | None = None) -> str:
    css = (ASSETS / "report.css").read_text(encoding="utf-8")
    script = (ASSETS / "report.js").read_text(encoding="utf-8")
    policy = (
        f"default-src 'none'; style-src {_hash(css)}; script-src {_hash(script)}; img-src 'none'; "
        "base-uri 'none'; form-action 'none'"
    )
    title = f"Certification of {document['connector']['command']}: {document['verdict']}"
    body = "\n".join(
        [
            _banner(document),
            _matrix(document),
            _obligations(document),
            _failures(document, folder),
            _worlds(document),
            "<footer>Written by abiquo-mock certify. The labels say where each rule comes from: <b>verified</b> "
            "(seen in a captured exchange of a real Abiquo), <b>documented</b> (Abiquo's documentation or error "
            "catalogue), <b>reconstructed</b> (abiquo-mock's reading where the real 3.8.5 is unknown).</footer>",
        ]
    )
    return (
        '<!doctype html>\n<html lang="en"><head><meta charset="utf-8">\n'
        f'<meta http-equiv="Content-Security-Policy" content="{policy}">\n'
        '<meta name="viewport" content="width=device-width, initial-scale=1">\n'
        f"<title>{escape(title)}</title>\n<style>{css}</style>\n</head>\n"
        f"<body><main>\n{body}\n</main>\n<script>{script}</script>\n</body></html>\n"
    )


def _badge(verdict: str) -> str:
    return f'<span class="badge {CSS_CLASS[verdict]}">{escape(verdict)}</span>'


def _label(label: str) -> str:
    return f'<span class="label label-{escape(label.split()[0] if label else "none")}">{escape(label)}</span>'


def _banner(document: dict) -> str:
    connector, mock = document["connector"], document["mock"]
    facts = [
        ("Connector", f"<code>{escape(connector['command'])}</code>"),
        ("Kind", f"{escape(connector['kind'])}: {escape(connector['detection'])}"),
        ("Formats", escape(", ".join(connector["formats"]))),
        ("Worlds", f"{len(document['worlds'])}, generated ones seeded {document['seed']}"),
        ("Took", f"{document['seconds']:.1f} s, started {escape(document['started'])}"),
        (
            "Judge and mock",
            f"abiquo-mock {escape(str(mock.get('mock')))} serving Abiquo {escape(str(mock.get('abiquo')))}",
        ),
    ]
    if document["error"]:
        facts.append(("Could not run", escape(document["error"])))
    rows = "".join(f"<dt>{k}</dt><dd>{v}</dd>" for k, v in facts)
    verdict = document["verdict"]
    return (
        f'<h1>Abiquo 3.8.5 certification</h1>\n<div class="banner"><div class="verdict {CSS_CLASS[verdict]}" '
        f'id="verdict">{escape(verdict)}</div><dl class="facts">{rows}</dl></div>'
    )


def _obligations(document: dict) -> str:
    rows = []
    for o in document["obligations"]:
        rules = "".join(f"<li>{escape(r['says'])} {_label(r['label'])}</li>" for r in o["restsOn"])
        operations = "".join(
            f"<li><code>{escape(op['operationId'])}</code> {_label(op['label'])}</li>" for op in o["operations"]
        )
        checks = ", ".join(f"<code>{escape(c['check'])}</code> ({escape(c['pass'])})" for c in o["checks"])
        rows.append(
            f'<tr id="o-{escape(o["id"])}"><td><b>{escape(o["title"])}</b><br><span class="why">{escape(o["means"])}'
            f'</span><br><span class="why">Checks: {checks}</span></td><td>{_badge(o["verdict"])}<br>'
            f'<span class="why">{escape(o["why"])}</span></td><td><ul class="rules">{rules}</ul></td>'
            f'<td><ul class="rules">{operations}</ul></td></tr>'
        )
    return (
        '<h2>Obligations</h2>\n<table class="obligations"><tr><th>Obligation</th><th>Verdict</th>'
        "<th>Rests on (the judge's labels)</th><th>Operations (labels of the served contract)</th></tr>"
        + "".join(rows)
        + "</table>"
    )


def failure_id(world: str, obligation: str) -> str:
    return f"f-{world}-{obligation}"


def _matrix(document: dict) -> str:
    heads = "".join(f'<th class="obligation">{escape(o["title"])}</th>' for o in document["obligations"])
    rows = []
    for world in document["worlds"]:
        cells = []
        for o in document["obligations"]:
            here = world["cells"][o["id"]]
            text = escape(here["verdict"])
            if here["verdict"] == FAIL:
                target = failure_id(world["id"], o["id"])
                text = f'<a href="#{escape(target)}" data-failure="{escape(target)}">FAIL</a>'
            cells.append(f'<td class="cell {CSS_CLASS[here["verdict"]]}" title="{escape(here["why"])}">{text}</td>')
        rows.append(f"<tr><th>{escape(world['id'])}</th>{''.join(cells)}</tr>")
    return (
        '<h2>Worlds × obligations</h2>\n<p class="why">A FAIL opens its evidence; hover a cell for why it is N/A.'
        f'</p>\n<table class="matrix"><tr><th>World</th>{heads}</tr>{"".join(rows)}</table>'
    )


def _failures(document: dict, folder: Path | None) -> str:
    failing = [w for w in document["worlds"] if any(c["verdict"] in (FAIL, ERROR) for c in w["cells"].values())]
    if not failing:
        return "<h2>Failures</h2>\n<p>None: every obligation judged passed.</p>"
    toolbar = (
        '<div class="toolbar"><button id="expand-all" type="button">Expand all</button>'
        '<button id="collapse-all" type="button">Collapse all</button></div>'
    )
    return "<h2>Failures</h2>\n" + toolbar + "\n".join(_world_failures(w, document, folder) for w in failing)


def _world_failures(world: dict, document: dict, folder: Path | None) -> str:
    titles = {o["id"]: o["title"] for o in document["obligations"]}
    failed = [o for o, c in world["cells"].items() if c["verdict"] == FAIL]
    parts = [f'<h3>Reproduce</h3><pre class="reproduce">{escape(world["reproduce"]["script"])}</pre>']
    if world.get("worldFile"):
        parts.append(f'<p>World file: <a href="{escape(world["worldFile"])}">{escape(world["worldFile"])}</a></p>')
    parts.append(_minimal(world, folder))
    if world["error"]:
        parts.append(f'<p class="failure-text">{escape(world["error"])}</p>')
    for obligation in failed:
        checks = [c for c in world["checks"] if c["obligation"] == obligation and c["failures"]]
        inner = "".join(_check(c) for c in checks) + _consequences(world, obligation, titles)
        first = next((c["failures"][0] for c in checks), "")
        parts.append(
            f'<details class="failure" id="{escape(failure_id(world["id"], obligation))}"><summary>'
            f'{escape(titles[obligation])}: {escape(first[:160])}</summary><div class="body">{inner}</div></details>'
        )
    summary = f"{escape(world['id'])}: " + (escape("; ".join(titles[o] for o in failed)) or "could not run")
    return (
        f'<details class="world" id="w-{escape(world["id"])}"><summary>{summary}</summary><div class="body">'
        + "".join(parts)
        + "</div></details>"
    )


def _consequences(world: dict, obligation: str, titles: dict) -> str:
    """The failures of other obligations' checks in this world that follow from this one's."""
    follows = [o for o, c in world["cells"].items() if obligation in c["followsFrom"]]
    checks = [c for c in world["checks"] if c["obligation"] in follows and c["failures"]]
    if not checks:
        return ""
    heads = ", ".join(escape(titles[o]) for o in follows)
    return f"<h3>What follows from it here (not counted against {heads})</h3>" + "".join(_check(c) for c in checks)


def _minimal(world: dict, folder: Path | None) -> str:
    minimal = world.get("minimalWorld")
    if not minimal:
        return ""
    if "sameAs" in minimal:
        same = escape(minimal["sameAs"])
        return f'<p>Minimal world: the one of <a href="#w-{same}">{same}</a>, which fails the same way.</p>'
    if "file" not in minimal:
        return f"<p>Minimal world: could not shrink it ({escape(str(minimal.get('error')))})</p>"
    how = "reproduces the failure" if minimal["reproduced"] else "did not reproduce the failure on its last run"
    text = ""
    if folder is not None and (folder / minimal["file"]).is_file():
        content = (folder / minimal["file"]).read_text(encoding="utf-8")
        if len(content) <= EMBEDDED_WORLD:
            text = f"<details><summary>{escape(minimal['file'])}</summary><pre>{escape(content)}</pre></details>"
    return (
        f'<h3>Minimal world</h3><p><a class="minimal" href="{escape(minimal["file"])}">{escape(minimal["file"])}</a>: '
        f"{minimal['vms']} VM(s), {how} (found in {minimal['seconds']} s, {minimal['runs']} runs of the connector)."
        f'</p><pre class="reproduce">{escape(minimal["reproduce"]["script"])}</pre>{text}'
    )


def _check(check: dict) -> str:
    listed = "".join(f"<li>{escape(f)}</li>" for f in check["failures"][:50])
    more = f"<li>… and {len(check['failures']) - 50} more</li>" if len(check["failures"]) > 50 else ""
    shown = "".join(_evidence(e) for e in check["evidence"])
    return f"<h3><code>{escape(check['check'])}</code> ({escape(check['pass'])})</h3><ul>{listed}{more}</ul>{shown}"


def _evidence(found: dict) -> str:
    parts = [f'<div class="failure-text">{escape(found["failure"])}</div>']
    if "metadata" in found:
        parts.append(
            '<div class="sides"><div><h4>Metadata before the pass</h4>'
            f'<pre class="before">{escape(as_text(found["metadata"]["before"]))}</pre></div>'
            "<div><h4>Metadata after it</h4>"
            f'<pre class="after">{escape(as_text(found["metadata"]["after"]))}</pre></div></div>'
        )
    parts += [_exchange(e) for e in found["requests"]]
    if found.get("faults"):
        parts.append(f"<h4>Faults that fired</h4><pre>{escape(as_text(found['faults']))}</pre>")
    if found.get("events"):
        parts.append(f"<h4>Events of the VM</h4><pre>{escape(as_text(found['events']))}</pre>")
    if found.get("stderr"):
        parts.append(f"<h4>The connector's stderr, last lines</h4><pre>{escape(found['stderr'])}</pre>")
    return "".join(parts)


def _exchange(entry: dict) -> str:
    query = f"?{entry['query']}" if entry["query"] else ""
    head = (
        f"{entry['method']} {entry['path']}{query} → {entry['status'] if entry['status'] is not None else 'no answer'}"
    )
    fault = f"<h4>Fault</h4><pre>{escape(as_text(entry['fault']))}</pre>" if entry.get("fault") else ""
    named = " named" if entry.get("named") else ""
    return (
        f'<details class="exchange{named}"><summary>{escape(head)}</summary><div class="body">'
        f"<h4>Request ({escape(str(entry.get('time')))}, as {escape(str(entry.get('user')))})</h4>"
        f"<pre>{escape(_headers(entry['requestHeaders']))}{escape(entry['requestBody'])}</pre>"
        f"<h4>Answer</h4><pre>{escape(_headers(entry['responseHeaders']))}{escape(entry['responseBody'])}</pre>"
        f"{fault}</div></details>"
    )


def _headers(headers: dict) -> str:
    return "".join(f"{k}: {v}\n" for k, v in headers.items()) + ("\n" if headers else "")


def _worlds(document: dict) -> str:
    rows = []
    for w in document["worlds"]:
        judged = [c["verdict"] for c in w["cells"].values()]
        verdict = FAIL if FAIL in judged else ERROR if ERROR in judged else PASS if PASS in judged else NOT_APPLICABLE
        rows.append(
            f"<tr><td>{escape(w['id'])}</td><td>{escape(w['kind'])}</td><td>{escape(str(w.get('served') or ''))}</td>"
            f"<td>{escape(w['format'])}</td><td>{w.get('vms') or ''}</td><td>{_took(w.get('seconds'))}</td>"
            f"<td>{_badge(verdict)}</td></tr>"
        )
    return (
        "<h2>Worlds</h2>\n<table><tr><th>World</th><th>Run as</th><th>Abiquo served</th><th>Format</th><th>VMs</th>"
        f"<th>Took</th><th>Verdict</th></tr>{''.join(rows)}</table>"
    )


def _took(seconds: float | None) -> str:
    """A world's duration as the terminal and the report's head write one (``2.5 s``)."""
    return f"{seconds:.1f} s" if seconds else ""
