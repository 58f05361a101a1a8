"""PBCore 2.1 XML: a ``pbcoreDescriptionDocument`` per recording, a ``pbcoreCollection``
for the catalog. Elements follow the order the PBCore 2.1 XSD's sequences require."""

from __future__ import annotations

import functools
import xml.etree.ElementTree as ET
from typing import Iterable

from archive.records.source import (HASH_SOURCE, ID_SOURCE, XSI, RecordSource, element, hms_full, iso_639_2, mime_type,
                                    qualified, serialize, sub)

NS = "http://www.pbcore.org/PBCore/PBCoreNamespace.html"
SCHEMA_LOCATION = f"{NS} https://raw.githubusercontent.com/PBCore-AV-Metadata/PBCore_2.1/master/pbcore-2.1.xsd"

q = functools.partial(qualified, NS)


def document(src: RecordSource, parent: ET.Element | None = None) -> ET.Element:
    """One recording's pbcoreDescriptionDocument (under ``parent`` when given)."""
    rec = src.recording
    doc = element(q("pbcoreDescriptionDocument"), parent)
    if rec.kind:
        sub(doc, q("pbcoreAssetType"), rec.kind.capitalize())
    if rec.date:
        sub(doc, q("pbcoreAssetDate"), rec.date, dateType="broadcast" if rec.kind == "meeting" else "created")
    sub(doc, q("pbcoreIdentifier"), rec.id, source=ID_SOURCE)
    sub(doc, q("pbcoreIdentifier"), rec.sha256, source=HASH_SOURCE)
    sub(doc, q("pbcoreTitle"), rec.title, titleType="Main")
    for chapter in src.chapters:
        sub(doc, q("pbcoreSubject"), chapter.label, subjectType="Topic", startTime=hms_full(chapter.start),
            **({"endTime": hms_full(chapter.end)} if chapter.end is not None else {}))
    sub(doc, q("pbcoreDescription"), src.description, descriptionType="Abstract")
    if rec.body:
        creator = sub(doc, q("pbcoreCreator"))
        sub(creator, q("creator"), rec.body)
        sub(creator, q("creatorRole"), "Producer")
    for name in src.speakers:
        contributor = sub(doc, q("pbcoreContributor"))
        sub(contributor, q("contributor"), name)
        sub(contributor, q("contributorRole"), "Speaker")
    if rec.body:
        publisher = sub(doc, q("pbcorePublisher"))
        sub(publisher, q("publisher"), rec.body)
        sub(publisher, q("publisherRole"), "Publisher")
    _instantiation(doc, src)
    if rec.note:
        sub(doc, q("pbcoreAnnotation"), rec.note, annotationType="Note")
    return doc


def _instantiation(doc: ET.Element, src: RecordSource) -> None:
    rec, info = src.recording, src.info
    inst = sub(doc, q("pbcoreInstantiation"))
    sub(inst, q("instantiationIdentifier"), rec.sha256, source=HASH_SOURCE)
    if src.file_name:
        sub(inst, q("instantiationIdentifier"), src.file_name, source="File name")
    if rec.date:
        sub(inst, q("instantiationDate"), rec.date, dateType="created")
    if mime_type(src):
        sub(inst, q("instantiationDigital"), mime_type(src))
    sub(inst, q("instantiationLocation"), rec.media_path or rec.source_path or "")
    sub(inst, q("instantiationMediaType"), "Moving Image" if info and info.has_video else "Sound")
    sub(inst, q("instantiationGenerations"), "Original")
    if src.file_size is not None:
        sub(inst, q("instantiationFileSize"), src.file_size, unitsOfMeasure="bytes")
    duration = rec.duration or (info.duration if info else None)
    if duration:
        sub(inst, q("instantiationDuration"), hms_full(duration))
    if info and info.channels:
        layout = {1: "mono", 2: "stereo"}.get(info.channels, f"{info.channels} channels")
        sub(inst, q("instantiationChannelConfiguration"), layout)
    language = iso_639_2(rec.language)
    if language:
        sub(inst, q("instantiationLanguage"), language)
    if info:
        track = sub(inst, q("instantiationEssenceTrack"))
        sub(track, q("essenceTrackType"), "Audio")
        if info.audio_codec:
            sub(track, q("essenceTrackEncoding"), info.audio_codec, source="ffprobe")
        if info.sample_rate:
            sub(track, q("essenceTrackSamplingRate"), info.sample_rate, unitsOfMeasure="Hz")
        if info.duration:
            sub(track, q("essenceTrackDuration"), hms_full(info.duration))
        if language:
            sub(track, q("essenceTrackLanguage"), language)
        if info.format_name:
            sub(track, q("essenceTrackAnnotation"), info.format_name, annotationType="container (ffprobe format_name)")


def record(src: RecordSource) -> str:
    root = document(src)
    root.set(f"{{{XSI}}}schemaLocation", SCHEMA_LOCATION)
    return serialize(root, default_namespace=NS)


def collection(srcs: Iterable[RecordSource], title: str = "Council Archive") -> str:
    root = ET.Element(q("pbcoreCollection"), {"collectionTitle": title, f"{{{XSI}}}schemaLocation": SCHEMA_LOCATION})
    for src in srcs:
        document(src, root)
    return serialize(root, default_namespace=NS)
