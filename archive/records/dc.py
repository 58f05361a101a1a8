"""Dublin Core (the 15 elements) in the OAI-PMH ``oai_dc`` container: one ``oai_dc:dc``
per recording; the catalog holds them in a ``records`` element."""

from __future__ import annotations

import functools
import xml.etree.ElementTree as ET
from typing import Iterable

from archive.records.source import ID_SOURCE, XSI, RecordSource, element, mime_type, qualified, serialize, sub

OAI_DC = "http://www.openarchives.org/OAI/2.0/oai_dc/"
DC = "http://purl.org/dc/elements/1.1/"
SCHEMA_LOCATION = f"{OAI_DC} http://www.openarchives.org/OAI/2.0/oai_dc.xsd"
PREFIXES = {"oai_dc": OAI_DC, "dc": DC}
HASH_PREFIX = "urn:sha256:"
ID_PREFIX = f"{ID_SOURCE}:"

q = functools.partial(qualified, DC)


def document(src: RecordSource, parent: ET.Element | None = None) -> ET.Element:
    """One recording's ``oai_dc:dc`` (under ``parent`` when given)."""
    rec = src.recording
    dc = element(qualified(OAI_DC, "dc"), parent, **{qualified(XSI, "schemaLocation"): SCHEMA_LOCATION})
    sub(dc, q("title"), rec.title)
    if rec.body:
        sub(dc, q("creator"), rec.body)
    for chapter in src.chapters:
        sub(dc, q("subject"), chapter.label)
    sub(dc, q("description"), src.description)
    if rec.body:
        sub(dc, q("publisher"), rec.body)
    for name in src.speakers:
        sub(dc, q("contributor"), name)
    if rec.date:
        sub(dc, q("date"), rec.date)
    sub(dc, q("type"), "MovingImage" if src.info and src.info.has_video else "Sound")
    if mime_type(src):
        sub(dc, q("format"), mime_type(src))
    sub(dc, q("identifier"), f"{ID_PREFIX}{rec.id}")
    sub(dc, q("identifier"), f"{HASH_PREFIX}{rec.sha256}")
    if src.file_name:
        sub(dc, q("source"), src.file_name)
    if rec.language:
        sub(dc, q("language"), rec.language)
    return dc


def record(src: RecordSource) -> str:
    return serialize(document(src), PREFIXES)


def collection(srcs: Iterable[RecordSource]) -> str:
    root = ET.Element("records")
    for src in srcs:
        document(src, root)
    return serialize(root, PREFIXES)
