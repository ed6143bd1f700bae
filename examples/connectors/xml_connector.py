"""Correct backup connector for Abiquo 3.8.5 that speaks XML, as integrations built on Abiquo's JAXB model do.

The same pass as good_connector.py (walk datacenters -> racks -> machines -> virtualmachines, read each deployed
VM's metadata, append one backup result per schedule entry, PUT the envelope back with every other key as read),
but every request asks for ``application/vnd.abiquo.<name>+xml; version=3.8`` and the metadata goes back as
``<virtualmachinemetadata>`` XML. What it reads:

  * a collection: ``<link rel="next" .../>`` elements, ``<totalSize>``, then one element per item;
  * an entity: its ``<link>`` elements and one element per field;
  * a VM's metadata: one element per key, nested, a key repeated for each item of a list.

XML does not say which values are lists: the connector knows that ``results``, ``disks``, ``paths`` and
``policies`` are, and reads a repeated element as a list anywhere else. Errors arrive as Abiquo's XML error
document, ``<errors><error><code/><message/></error></errors>``.

Environment: ABIQUO_API_URL, ABIQUO_USER, ABIQUO_PASSWORD (as good_connector.py). Exit status as good_connector.py.
"""

import sys
import xml.etree.ElementTree as ET

from abiquo_http import ApiError, link_accept
from good_connector import Connector, main, missing_results

VERSION = "3.8"
LISTS = ("results", "disks", "paths", "policies")  # metadata keys whose value is a list, even of one item
METADATA_ROOT = "virtualmachinemetadata"


def xml_media_type(name):
    return "application/vnd.abiquo.%s+xml; version=%s" % (name, VERSION)


def decode_xml_errors(raw):
    """[(code, message), ...] of Abiquo's XML error document, or [] when it is not one."""
    try:
        root = ET.fromstring(raw)
    except ET.ParseError:
        return []
    if root.tag != "errors":
        return []
    return [(e.findtext("code", "?"), e.findtext("message", "")) for e in root.findall("error")]


def links_of(element):
    return [dict(link.attrib) for link in element.findall("link")]


def value_of(element):
    """An element as text (no children) or as a dict of its children (repeated ones, and LISTS, as lists)."""
    children = [child for child in element if child.tag != "link"]
    if not children:
        return element.text or ""
    found = {}
    if element.findall("link"):
        found["links"] = links_of(element)
    for child in children:
        name = child.attrib.get("key", child.tag) if child.tag == "entry" else child.tag
        value = value_of(child)
        if name in found:
            previous = found[name]
            found[name] = [*previous, value] if isinstance(previous, list) else [previous, value]
        else:
            found[name] = [value] if name in LISTS else value
    return found


def read_document(text):
    """A collection as {"links", "collection", "totalSize"}; an entity as {"links", field: value...}."""
    root = ET.fromstring(text)
    fields = [child for child in root if child.tag != "link"]
    if any(child.tag == "totalSize" for child in fields):
        items = [child for child in fields if child.tag != "totalSize"]
        return {"links": links_of(root), "collection": [read_entity(item) for item in items]}
    return read_entity(root)


def read_entity(element):
    entity = value_of(element)
    entity = entity if isinstance(entity, dict) else {}
    entity.setdefault("links", links_of(element))
    if "id" in entity:
        entity["id"] = int(entity["id"]) if str(entity["id"]).isdigit() else entity["id"]
    return entity


def write_value(parent, name, value):
    """``value`` as child element(s) ``name`` of ``parent``: a list as one element per item."""
    if isinstance(value, list):
        for item in value:
            write_value(parent, name, item)
        return
    element = ET.SubElement(parent, name)
    if isinstance(value, dict):
        for key, item in value.items():
            write_value(element, key, item)
    elif value is not None:
        element.text = ("true" if value else "false") if isinstance(value, bool) else str(value)


def metadata_xml(envelope):
    root = ET.Element(METADATA_ROOT)
    for link in envelope.get("links") or []:
        ET.SubElement(root, "link", {k: str(v) for k, v in link.items()})
    metadata = ET.SubElement(root, "metadata")
    for key, value in (envelope.get("metadata") or {}).items():
        write_value(metadata, key, value)
    return ET.tostring(root, encoding="unicode")


class XmlConnector(Connector):
    """good_connector's pass over XML: the same steps, another rendering on the wire."""

    name = "xml_connector"

    def get_json(self, url, accept):
        attempt = 0
        while True:
            attempt += 1
            try:
                return self.get_xml(url, accept)
            except ApiError as error:
                if not self.retrying(attempt, error):
                    raise

    def get_xml(self, url, accept):
        try:
            text = self.client.request("GET", url, as_xml(accept))[2]
        except ApiError as error:
            raise with_xml_errors(error) from None
        return read_document(text) if text.strip() else None

    def save(self, link, envelope, results):
        attempt = 0
        media = xml_media_type("metadata")
        while True:
            attempt += 1
            missing = missing_results(envelope, results)
            if not missing:
                return
            try:
                body = metadata_xml(self.build_put_body(envelope, missing))
                self.client.request("PUT", link["href"], media, body=body, content_type=media)
                return
            except ApiError as error:
                if not self.retrying(attempt, with_xml_errors(error)):
                    raise with_xml_errors(error) from None
            envelope = self.get_json(link["href"], link_accept(link, media)) or {}


def as_xml(accept):
    """The XML twin of a media type a link names (``…+json`` or ``…+xml``), versioned."""
    base = accept.split(";")[0].strip()
    if base.startswith("application/vnd.abiquo.") and base.endswith(("+json", "+xml")):
        return xml_media_type(base[len("application/vnd.abiquo.") :].rsplit("+", 1)[0])
    return accept


def with_xml_errors(error):
    if error.status is not None and not error.errors and error.raw.lstrip().startswith("<"):
        error.errors = decode_xml_errors(error.raw)
    return error


if __name__ == "__main__":
    sys.exit(main(XmlConnector))
