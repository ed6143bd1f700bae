"""What the integration suite reads of a connector that speaks XML: the metadata it sent, the error codes it was
answered, and whether it spoke XML at all. The judge keeps its own reading of Abiquo's XML (it never asks the
mock's code how to read it), so a wrong rendering in the mock cannot make its own judge agree with it.

A VM's metadata is ``<virtualmachinemetadata><metadata>`` with one element per key, nested, and a key repeated
for each item of a list; XML says neither which values are lists nor which are numbers, so a value is read with
the shape and type of the value it replaces in the metadata the VM had (``before``), and ``results``, ``disks``,
``paths`` and ``policies`` are lists whatever their length.
"""

from __future__ import annotations

from xml.etree.ElementTree import Element

from defusedxml.ElementTree import ParseError, fromstring

LISTS = ("results", "disks", "paths", "policies")


def is_xml(entry: dict) -> bool:
    kind = _header(entry, "content-type").split(";")[0].strip().lower()
    return kind in ("application/xml", "text/xml") or kind.endswith("+xml")


def spoke_xml(entry: dict) -> bool:
    """The request asked for XML (or for no vendor type: plain text, say) and any body it sent was XML."""
    accept = _header(entry, "accept").lower()
    asked_json = "+json" in accept or "application/json" in accept
    return not asked_json and (not entry.get("requestBody") or is_xml(entry))


def _header(entry: dict, name: str) -> str:
    headers = entry.get("requestHeaders") or {}
    return next((str(v) for k, v in headers.items() if k.lower() == name), "")


def error_code(text: str) -> str | None:
    try:
        root = fromstring(text)
    except (ParseError, ValueError):
        return None
    return root.findtext("error/code") if root.tag == "errors" else None


def metadata(text: str, before: dict | None) -> tuple[dict | None, str | None]:
    """The metadata an XML envelope sent, or why there is none."""
    try:
        root = fromstring(text)
    except (ParseError, ValueError) as exc:
        return None, f"sent a body that is not well-formed XML ({exc})"
    found = root.find("metadata")
    if root.tag != "virtualmachinemetadata" or found is None:
        return None, "sent a body that is not a metadata envelope (<virtualmachinemetadata><metadata>)"
    value = _read(found, before or {})
    return (value if isinstance(value, dict) else {}), None


def _read(element: Element, before: object) -> object:
    children = list(element)
    if not children:
        return _typed(element.text or "", before)
    found: dict = {}
    for child in children:
        name = child.attrib.get("key", child.tag) if child.tag == "entry" else child.tag
        was = before.get(name) if isinstance(before, dict) else None
        listed = name in LISTS or isinstance(was, list)
        if listed:
            items = found.setdefault(name, [])
            was_item = was[len(items)] if isinstance(was, list) and len(items) < len(was) else None
            items.append(_read(child, was_item))
        elif name in found:
            previous = found[name]
            found[name] = (
                [*previous, _read(child, None)] if isinstance(previous, list) else [previous, _read(child, None)]
            )
        else:
            found[name] = _read(child, was)
    return found


def _typed(text: str, before: object) -> object:
    """The text as the value it replaces when it spells it (``"7"`` for 7, ``"true"`` for true); as text else."""
    if isinstance(before, bool):
        return before if text == ("true" if before else "false") else text
    if isinstance(before, (int, float)) and text == str(before):
        return before
    if text == "" and (before is None or isinstance(before, (dict, list))):
        return before  # an empty element: the null, the {} or the [] it was read as
    return text
