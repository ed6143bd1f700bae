"""An XML document as the JSON-like shape the replay gate compares: element -> object, repeated element -> array,
text -> string (or boolean), an empty element -> null (it carries no value, whatever its type), ``<link>``
elements -> a ``links`` array of their attributes. Types in XML are only what its structure shows, so a captured
placeholder ("173" for a name) is not taken for a number. An element that is once in one document and repeated
in the other is an array in both (``align``)."""

from __future__ import annotations

from xml.etree.ElementTree import Element

from defusedxml.ElementTree import fromstring


def xml_shape(raw: bytes) -> tuple[str, object]:
    root = fromstring(raw)
    return root.tag, _shape(root)


def _shape(element: Element) -> object:
    children = list(element)
    if not children:
        text = (element.text or "").strip()
        if not text:
            return None
        return text == "true" if text in ("true", "false") else text
    shape: dict = {}
    for child in children:
        if child.tag == "link":
            shape.setdefault("links", []).append(dict(child.attrib))
            continue
        value = _shape(child)
        if child.tag in shape:
            previous = shape[child.tag]
            shape[child.tag] = [*previous, value] if isinstance(previous, list) else [previous, value]
        else:
            shape[child.tag] = value
    return shape


def align(captured: object, answered: object) -> tuple[object, object]:
    """Both shapes with an element repeated in one and single in the other made an array in both."""
    if isinstance(captured, list) != isinstance(answered, list) and None not in (captured, answered):
        captured = captured if isinstance(captured, list) else [captured]
        answered = answered if isinstance(answered, list) else [answered]
    if isinstance(captured, dict) and isinstance(answered, dict):
        for key in captured.keys() & answered.keys():
            captured[key], answered[key] = align(captured[key], answered[key])
    elif isinstance(captured, list) and isinstance(answered, list) and answered:
        for index, item in enumerate(captured):
            captured[index], _ = align(item, answered[0])
    return captured, answered
