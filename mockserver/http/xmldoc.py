"""Abiquo's XML: the same documents the JSON answers carry, written and read as Abiquo's JAXB model spells them.

There is one model and two renderings: a view returns the dict the JSON answer is made of, and ``dump`` writes it
as XML (``load`` reads an XML body into the dict a JSON body would have given). What differs is only spelling, as
the captured 3.8 and 3.10 exchanges show it: the root element per media type (``virtualMachine``,
``virtualmachinemetadata``), links as ``<link rel href type title/>`` elements first, a collection's items named
after their media type beside ``totalSize``, a list either wrapped (``<attributes><attribute>``) or repeated
(``<days>``), a handful of fields named otherwise than in JSON (a limit's ``hdHard``), and a VM's free-form
metadata as nested elements. ``load`` gives every value the JSON type the contract declares for it (the media
schemas), so that the model checks an XML body exactly as it checks the same body sent as JSON.

Bodies are parsed by defusedxml with DTDs refused: no entity of any kind (billion laughs, external entities) is
ever expanded, and nesting deeper than JSON's limit is refused the same way (GEN-3).
"""

from __future__ import annotations

import re
from collections.abc import Callable
from typing import Any
from xml.etree.ElementTree import Element, SubElement, tostring

from ..errors import AbiquoError

# media name -> root element, where Abiquo's differs from the media name
ROOTS = {
    "virtualmachine": "virtualMachine",
    "virtualmachines": "virtualMachines",
    "virtualdatacenter": "virtualDatacenter",
    "virtualdatacenters": "virtualDatacenters",
    "virtualappliance": "virtualAppliance",
    "virtualappliances": "virtualAppliances",
    "backuppolicy": "backupPolicy",
    "backuppolicies": "backupPolicies",
    "backupdatacenterproperties": "backupDatacenterProperties",
    "metadata": "virtualmachinemetadata",
    "acceptedrequest": "acceptedRequest",
    "userwithrole": "userWithRole",
    "userswithroles": "usersWithRoles",
    "errors": "errors",
}
# collection media -> the media of its items (the element each item is written as is that media's root)
COLLECTION_ITEMS = {
    "datacenters": "datacenter",
    "racks": "rack",
    "machines": "machine",
    "enterprises": "enterprise",
    "virtualdatacenters": "virtualdatacenter",
    "virtualappliances": "virtualappliance",
    "virtualmachines": "virtualmachine",
    "users": "user",
    "userswithroles": "userwithrole",
    "limits": "limit",
    "backuppolicies": "backuppolicy",
    "backups": "backup",
    "events": "event",
    "tasks": "task",
    "sessions": "session",
}
# a list field -> the element of each item inside a wrapper of the field's name; a list not named here is written
# as one element of the field's name per item (``<days>TUESDAY</days><days>THURSDAY</days>``)
WRAPPED = {
    "attributes": "attribute",
    "backupConfigurations": "backupConfiguration",
    "privileges": "privilege",
    "expands": "privilege",
    "networkInterfaces": "networkinterface",
    "datastores": "datastore",
    "dhcpOptions": "dhcpOption",
}
# media -> {JSON field: XML element}, where the JAXB name differs from the JSON one
RENAMED = {
    "limit": {
        "cpuCountHardLimit": "cpuHard",
        "cpuCountSoftLimit": "cpuSoft",
        "ramHardLimitInMb": "ramHard",
        "ramSoftLimitInMb": "ramSoft",
        "diskHardLimitInMb": "hdHard",
        "diskSoftLimitInMb": "hdSoft",
        "storageHardInMb": "storageHard",
        "storageSoftInMb": "storageSoft",
        "repositoryHardInMb": "repositoryHard",
        "repositorySoftInMb": "repositorySoft",
    },
    "enterprise": {
        "cpuCountHardLimit": "cpuHard",
        "cpuCountSoftLimit": "cpuSoft",
        "ramHardLimitInMb": "ramHard",
        "ramSoftLimitInMb": "ramSoft",
    },
    "machine": {
        "virtualCpuCores": "cpu",
        "virtualCpusUsed": "cpuUsed",
        "virtualRamInMb": "ram",
        "virtualRamUsedInMb": "ramUsed",
    },
}
RENAMED["virtualdatacenter"] = {**RENAMED["enterprise"], "vlan": "network"}
# names JAXB also reads for a field of a body (a 2.x limit sent diskHardLimitInMb, answered hdHard)
ALSO_READ = {"limit": {"diskHardLimitInMb", "diskSoftLimitInMb", "storageHardInMb", "storageSoftInMb"}}
# fields whose value is a free-form map, written as one element per key
FREE_FORM = {"metadata"}
# fields whose value is a map JAXB writes as <entry><key/><value/></entry>
ENTRY_MAPS = {"variables"}
MAX_DEPTH = 128  # as for JSON bodies (http/media.py MAX_BODY_DEPTH)
NAME = re.compile(r"^[A-Za-z_][A-Za-z0-9_.-]*$")
# what XML 1.0 cannot carry, even escaped (control characters but tab and newlines, lone surrogates, U+FFFE/F):
# written as U+FFFD, so that an answer that echoes a hostile path or holds such a JSON string is still XML
NOT_XML = re.compile("[\x00-\x08\x0b\x0c\x0e-\x1f\ud800-\udfff\ufffe\uffff]")
JSON_TYPE = re.compile(r"(application/vnd\.abiquo\.[\w.-]+)\+json")


def root_of(media: str) -> str:
    return ROOTS.get(media, media)


# --- writing ---------------------------------------------------------------------------------------------------


def dump(document: dict[str, Any], media: str) -> bytes:
    """The XML of ``document`` (what the JSON answer of ``media`` carries)."""
    root = Element(root_of(media))
    item = COLLECTION_ITEMS.get(media)
    if item is not None and isinstance(document.get("collection"), list):
        _links(root, document.get("links"))
        if "totalSize" in document:
            SubElement(root, "totalSize").text = _text(document["totalSize"])
        for entry in document["collection"]:
            _entity(SubElement(root, root_of(item)), entry, item)
    else:
        _entity(root, document, media)
    return b'<?xml version="1.0" encoding="UTF-8" standalone="yes"?>' + tostring(root, encoding="unicode").encode()


def _links(parent: Element, links: object) -> None:
    for entry in links if isinstance(links, list) else ():
        attributes = {k: _text(_xml_type(str(v)) if k == "type" else v) for k, v in entry.items() if v is not None}
        SubElement(parent, "link", attributes)


def _xml_type(media_type: str) -> str:
    return JSON_TYPE.sub(r"\1+xml", media_type)


def _entity(element: Element, document: dict[str, Any], media: str | None) -> None:
    renamed = RENAMED.get(media or "", {})
    _links(element, document.get("links"))
    for key, value in document.items():
        if key != "links":
            _field(element, renamed.get(key, key), value, free_form=False)


def _field(parent: Element, name: str, value: object, *, free_form: bool) -> None:
    if value is None:
        SubElement(parent, name) if NAME.match(name) else _element(parent, name)  # an empty element: no value
        return
    if isinstance(value, dict) and not free_form and isinstance(value.get("collection"), list):
        items: list[Any] = value["collection"]  # a list an entity carries as a collection: as JAXB wraps a list
        name_of_items = WRAPPED.get(name, name[:-1] if name.endswith("s") else name)
        wrapper = SubElement(parent, name)
        for item in items:
            _field(wrapper, name_of_items, item, free_form=False)
        return
    if isinstance(value, list):
        if name in WRAPPED and not free_form:
            wrapper = SubElement(parent, name)
            for item in value:
                _field(wrapper, WRAPPED[name], item, free_form=False)
        else:
            for item in value:
                _field(parent, name, item, free_form=free_form)
        return
    element = _element(parent, name)
    if isinstance(value, dict) and name in ENTRY_MAPS and not free_form:
        for key, item in value.items():
            entry = SubElement(element, "entry")
            SubElement(entry, "key").text = str(key)
            _field(entry, "value", item, free_form=True)
    elif isinstance(value, dict):
        if name in FREE_FORM and not free_form:
            for key, item in value.items():
                _field(element, key, item, free_form=True)
        else:
            _entity(element, value, None) if not free_form else _map(element, value)
    else:
        element.text = _text(value)


def _map(element: Element, value: dict[str, Any]) -> None:
    for key, item in value.items():
        _field(element, key, item, free_form=True)


def _element(parent: Element, name: str) -> Element:
    # a free-form key that is no XML name (a space, a leading digit) is written as <entry key="...">
    if NAME.match(name) and not name.lower().startswith("xml"):
        return SubElement(parent, name)
    return SubElement(parent, "entry", {"key": _text(name)})


def _text(value: object) -> str:
    if isinstance(value, bool):
        return "true" if value else "false"
    return NOT_XML.sub("\ufffd", str(value))


def error_document(envelope: dict[str, Any]) -> bytes:
    """Abiquo's XML error document, ``<errors><error><code/><message/></error></errors>``."""
    root = Element("errors")
    for error in envelope.get("collection", []):
        item = SubElement(root, "error")
        SubElement(item, "code").text = _text(error["code"])
        SubElement(item, "message").text = _text(error["message"])
    return b'<?xml version="1.0" encoding="UTF-8" standalone="yes"?>' + tostring(root, encoding="unicode").encode()


# --- reading ---------------------------------------------------------------------------------------------------

Resolve = Callable[[dict[str, Any]], dict[str, Any]]


def load(raw: bytes, media: str, schema: dict[str, Any] | None, resolve: Resolve) -> dict[str, Any]:
    """The body as the dict the same body in JSON gives: GEN-3 for what is not well-formed XML or not the
    media's root element. ``schema`` is the media's JSON schema (the contract's), ``resolve`` follows its $refs."""
    from defusedxml import DefusedXmlException
    from defusedxml.ElementTree import ParseError, fromstring

    try:
        root = fromstring(raw, forbid_dtd=True, forbid_entities=True, forbid_external=True)
    except DefusedXmlException as exc:
        raise AbiquoError("GEN-3", f"Invalid XML document: {type(exc).__name__} (no DTD or entity is read)") from None
    except (ParseError, ValueError) as exc:
        raise AbiquoError("GEN-3", f"Invalid XML document: {exc}") from None
    if _deeper_than(root, MAX_DEPTH):
        raise AbiquoError("GEN-3", f"Invalid XML document: it is nested deeper than {MAX_DEPTH} levels")
    expected = root_of(media)
    if root.tag != expected:
        raise AbiquoError("GEN-3", f"Invalid XML document: the root element <{expected}> is expected, not <{root.tag}>")
    reader = _Reader(resolve, RENAMED.get(media, {}), ALSO_READ.get(media, set()))
    item = COLLECTION_ITEMS.get(media)
    if item is not None:
        return reader.collection(root, item, schema)
    return reader.entity(root, schema)


def _deeper_than(root: Element, limit: int) -> bool:
    pending = [(root, 0)]
    while pending:
        element, depth = pending.pop()
        if depth >= limit:
            return True
        pending.extend((child, depth + 1) for child in element)
    return False


class _Reader:
    def __init__(self, resolve: Resolve, renamed: dict[str, str], also_read: set[str]) -> None:
        self.resolve = resolve
        self.json_name = {xml: name for name, xml in renamed.items()} | {name: name for name in also_read}

    def collection(self, root: Element, item: str, schema: dict[str, Any] | None) -> dict[str, Any]:
        items_schema = self._property(schema, "collection")
        each = self.resolve(items_schema.get("items", {})) if items_schema else None
        document: dict[str, Any] = {"links": [dict(e.attrib) for e in root if e.tag == "link"]}
        document["collection"] = [self.entity(e, each) for e in root if e.tag == root_of(item)]
        total = [e for e in root if e.tag == "totalSize"]
        if total:
            document["totalSize"] = _typed(total[0].text or "", {"type": "integer"})
        return document

    def entity(self, element: Element, schema: dict[str, Any] | None) -> dict[str, Any]:
        document: dict[str, Any] = {}
        links = [dict(e.attrib) for e in element if e.tag == "link"]
        if links or self._property(schema, "links"):
            document["links"] = links
        for child in element:
            if child.tag == "link":
                continue
            name = self.json_name.get(child.tag, child.tag)
            self._add(document, name, child, self._property(schema, name), free_form=False)
        return document

    def _add(
        self, document: dict[str, Any], name: str, element: Element, schema: dict[str, Any] | None, *, free_form: bool
    ) -> None:
        if element.tag == "entry" and "key" in element.attrib:
            name = element.attrib["key"]
        if schema and schema.get("type") == "array":
            items = self.resolve(schema.get("items", {}))
            if name in WRAPPED and not free_form:
                document[name] = [self._value(e, items, free_form) for e in element]
            else:
                document.setdefault(name, []).append(self._value(element, items, free_form))
            return
        if name in ENTRY_MAPS and not free_form:
            entries = element.findall("entry")
            value: object = {e.findtext("key", ""): e.findtext("value", "") for e in entries}
        else:
            value = self._value(element, schema, free_form or name in FREE_FORM)
        if name in document:  # repeated with no schema saying it is a list: a list all the same
            previous = document[name]
            document[name] = [*previous, value] if isinstance(previous, list) else [previous, value]
        else:
            document[name] = value

    def _value(self, element: Element, schema: dict[str, Any] | None, free_form: bool) -> object:
        children = list(element)
        if not children:
            return _typed(element.text or "", schema)
        if free_form and not (schema and schema.get("properties")):
            found: dict[str, Any] = {}
            for child in children:
                self._add(found, child.tag, child, self._property(schema, child.tag), free_form=True)
            return found
        found = {}
        for child in children:
            if child.tag == "link" and not free_form:
                found.setdefault("links", []).append(dict(child.attrib))
            else:
                self._add(found, child.tag, child, self._property(schema, child.tag), free_form=free_form)
        return found

    def _property(self, schema: dict[str, Any] | None, name: str) -> dict[str, Any] | None:
        if not schema:
            return None
        schema = self.resolve(schema)
        found = schema.get("properties", {}).get(name)
        if found is None:
            extra = schema.get("additionalProperties")
            return self.resolve(extra) if isinstance(extra, dict) else None
        return self.resolve(found)


def _typed(text: str, schema: dict[str, Any] | None) -> object:
    """The text as the JSON type the schema declares; as it is (a string) where it is not one, so that the model
    refuses it with the same code as the same mistake in JSON."""
    kind = (schema or {}).get("type")
    if not text and kind in ("integer", "number", "boolean", "object"):
        return {} if kind == "object" else None  # an empty element: no value
    try:
        if kind == "integer":
            return int(text.strip())
        if kind == "number":
            number = float(text.strip())
            return int(number) if number.is_integer() and "." not in text else number
    except ValueError:
        return text
    if kind == "boolean" and text.strip() in ("true", "false"):
        return text.strip() == "true"
    return text


def resolver(components: dict[str, Any]) -> Resolve:
    """Follows a schema's ``$ref`` (and the ``allOf: [$ref]`` a nullable one is written as) into ``components``."""

    def resolve(schema: dict[str, Any]) -> dict[str, Any]:
        for _ in range(32):
            if "$ref" in schema:
                schema = components.get(schema["$ref"].rsplit("/", 1)[-1], {})
            elif len(schema.get("allOf", ())) == 1:
                schema = schema["allOf"][0]
            else:
                return schema
        return schema

    return resolve


def keep_types(sent: object, stored: object) -> object:
    """``sent`` (read from XML) with each text that spells the stored value it replaces (``"1073741824"`` for
    1073741824, ``"true"`` for true) given back that value: XML cannot say a free-form value is a number, so a
    client that sends back what it read changes nothing."""
    if isinstance(sent, dict) and isinstance(stored, dict):
        return {key: keep_types(value, stored.get(key)) for key, value in sent.items()}
    if isinstance(sent, list) and isinstance(stored, list):
        return [keep_types(value, stored[i] if i < len(stored) else None) for i, value in enumerate(sent)]
    if isinstance(sent, str) and isinstance(stored, (bool, int, float)) and _text(stored) == sent:
        return stored
    return sent
