"""Write mockserver/captured_operations.json: every Abiquo operation (method and path template) the captured
3.8 and 3.10 exchanges show, so that the mock answers 501 to one it does not serve instead of 404.

    python tools/operations_from_captures.py CAPTURES_FOLDER

CAPTURES_FOLDER holds the complete captures, ``abiquo-3.8-examples.jsonl.gz`` and ``abiquo-3.10-examples.jsonl.gz``
(the public export of Abiquo's documentation wiki: tests/captures/README.md), one exchange a line. A path segment
is a parameter where the example page's name has ``X`` at its place (``GET_adm_dcs_X_rks_X_AC_rk_j`` is
``/admin/datacenters/{}/racks/{}``), and wherever it is a number or a UUID.
"""

from __future__ import annotations

import gzip
import json
import re
import sys
from pathlib import Path
from urllib.parse import unquote, urlsplit

RELEASES = ("3.8", "3.10")
OUT = Path(__file__).resolve().parent.parent / "mockserver" / "captured_operations.json"
PARAMETER = "{}"
UUID = re.compile(r"^[0-9a-f]{8}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{12}$", re.I)
METHODS = ("GET", "POST", "PUT", "DELETE")


def template(name: str, url: str) -> str | None:
    """The path below /api with its parameters as {}; None for what is not an /api path."""
    path = unquote(urlsplit(url).path)
    if not path.startswith("/api/") and path != "/api":
        return None
    segments = [s for s in path[len("/api") :].split("/") if s]
    tokens = re.split(r"_(?:AC|CT)_", name, maxsplit=1)[0].split("_")[1:]  # after the method
    marked = {i for i, token in enumerate(tokens) if token == "X"} if len(tokens) == len(segments) else set()
    return "/" + "/".join(
        PARAMETER if i in marked or s.isdigit() or UUID.match(s) else s for i, s in enumerate(segments)
    )


def operations(folder: Path) -> list[dict]:
    found: dict[tuple[str, str], set[str]] = {}
    for release in RELEASES:
        with gzip.open(folder / f"abiquo-{release}-examples.jsonl.gz", "rt", encoding="utf-8") as lines:
            for line in lines:
                exchange = json.loads(line)
                path = template(exchange["name"], exchange["url"])
                if path is not None and exchange["method"] in METHODS:
                    found.setdefault((exchange["method"], path), set()).add(release)
    return [
        {"method": method, "path": path, "releases": sorted(releases, key=RELEASES.index)}
        for (method, path), releases in sorted(found.items(), key=lambda item: (item[0][1], item[0][0]))
    ]


def main(argv: list[str]) -> None:
    if len(argv) != 1:
        sys.exit(__doc__)
    found = operations(Path(argv[0]))
    OUT.write_text(json.dumps(found, indent=0) + "\n", encoding="utf-8")
    print(f"{len(found)} captured operations written to {OUT.name}")


if __name__ == "__main__":
    main(sys.argv[1:])
