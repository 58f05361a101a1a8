"""PBCore or Dublin Core records made elsewhere, mapped back onto recordings already in
the archive (``council-archive import-records FILE``): title, date, body (creator or
publisher), kind (PBCore's asset type) and language (only where the archive has none).

A record is matched to its recording by SHA-256, then by this archive's identifier, then by
file name. Everything is read and checked before anything changes: a record that matches no
recording, a field these standards do not define, or a value the archive refuses stops the
whole file in one line, and nothing is changed.
"""

from __future__ import annotations

import os
import re
import xml.etree.ElementTree as ET
from dataclasses import dataclass, field
from pathlib import Path, PurePath
from typing import Optional

from archive import schema
from archive.catalog import KINDS
from archive.editing import edit_recording
from archive.records import dc, pbcore
from archive.records.source import HASH_SOURCE, ID_SOURCE, ISO_639_1, RecordError

# the children a pbcoreDescriptionDocument may hold (PBCore 2.1), and the 15 Dublin Core elements
PBCORE_FIELDS = frozenset(
    "pbcoreAssetType pbcoreAssetDate pbcoreIdentifier pbcoreTitle pbcoreSubject pbcoreDescription pbcoreGenre "
    "pbcoreRelation pbcoreCoverage pbcoreAudienceLevel pbcoreAudienceRating pbcoreCreator pbcoreContributor "
    "pbcorePublisher pbcoreRightsSummary pbcoreInstantiation pbcoreAnnotation pbcorePart pbcoreExtension".split())
DC_FIELDS = frozenset("title creator subject description publisher contributor date type format identifier source "
                      "language relation coverage rights".split())
_SHA256 = re.compile(r"[0-9a-f]{64}")
LANGUAGE = re.compile(r"[a-z]{2,3}(-[A-Za-z0-9]{2,8})*")


@dataclass
class Record:
    """What one PBCore or DC record says, before it is matched."""

    origin: str  # the file it is in
    number: int  # its place in the file, from 1
    fields: dict = field(default_factory=dict)  # title, date, body, kind, language, description
    sha256: Optional[str] = None
    recording_id: Optional[int] = None
    file_names: list[str] = field(default_factory=list)

    def __str__(self) -> str:
        return f"{self.origin}: record {self.number}" + (f" ({self.fields['title']!r})" if self.fields.get("title") else "")


@dataclass
class Applied:
    recording_id: int
    changed: dict  # field -> new value
    kept: dict = field(default_factory=dict)  # field -> the archive's value, kept over the record's


def _text(el: Optional[ET.Element]) -> Optional[str]:
    return " ".join(el.text.split()) if el is not None and el.text and el.text.strip() else None


def _local(tag: str) -> tuple[str, str]:
    ns, _, name = tag[1:].partition("}") if tag.startswith("{") else ("", "", tag)
    return ns, name


def _check_fields(el: ET.Element, ns: str, known: frozenset, rec: Record) -> None:
    for child in el:
        if not isinstance(child.tag, str):
            continue  # a comment
        child_ns, name = _local(child.tag)
        if child_ns != ns or name not in known:
            raise RecordError(f"{rec}: unknown field {name!r}" + (f" (namespace {child_ns})" if child_ns != ns else "")
                              + "; nothing was changed")


def _from_pbcore(el: ET.Element, rec: Record) -> Record:
    p = pbcore.q
    rec.fields["title"] = _text(el.find(p("pbcoreTitle")))
    _check_fields(el, pbcore.NS, PBCORE_FIELDS, rec)
    for ident in el.iterfind(p("pbcoreIdentifier")):
        _identifier(rec, ident.get("source", ""), _text(ident))
    for ident in el.iterfind(f"{p('pbcoreInstantiation')}/{p('instantiationIdentifier')}"):
        _identifier(rec, ident.get("source", ""), _text(ident))
    for loc in el.iterfind(f"{p('pbcoreInstantiation')}/{p('instantiationLocation')}"):
        if _text(loc):
            rec.file_names.append(PurePath(_text(loc)).name)
    rec.fields["date"] = _text(el.find(p("pbcoreAssetDate")))
    rec.fields["body"] = _text(el.find(f"{p('pbcoreCreator')}/{p('creator')}")) or _text(
        el.find(f"{p('pbcorePublisher')}/{p('publisher')}"))
    kind = (_text(el.find(p("pbcoreAssetType"))) or "").lower()
    rec.fields["kind"] = kind if kind in KINDS else None
    language = _text(el.find(f"{p('pbcoreInstantiation')}/{p('instantiationLanguage')}"))
    rec.fields["language"] = (language or "").split(";")[0] or None
    return rec


def _from_dc(el: ET.Element, rec: Record) -> Record:
    rec.fields["title"] = _text(el.find(dc.q("title")))
    _check_fields(el, dc.DC, DC_FIELDS, rec)
    for ident in el.iterfind(dc.q("identifier")):
        value = _text(ident) or ""
        if value.lower().startswith(dc.HASH_PREFIX):
            _identifier(rec, HASH_SOURCE, value[len(dc.HASH_PREFIX):])
        elif value.startswith(dc.ID_PREFIX):
            _identifier(rec, ID_SOURCE, value[len(dc.ID_PREFIX):])
    rec.file_names += [PurePath(t).name for t in map(_text, el.iterfind(dc.q("source"))) if t]
    rec.fields["date"] = _text(el.find(dc.q("date")))
    rec.fields["body"] = _text(el.find(dc.q("creator"))) or _text(el.find(dc.q("publisher")))
    rec.fields["language"] = _text(el.find(dc.q("language")))
    return rec


def _identifier(rec: Record, source: str, value: Optional[str]) -> None:
    if not value:
        return
    if source.upper().replace("_", "-") in (HASH_SOURCE, "SHA256") and _SHA256.fullmatch(value.lower()):
        rec.sha256 = value.lower()
    elif source == ID_SOURCE and value.isdigit():
        rec.recording_id = int(value)
    elif source.lower() == "file name":
        rec.file_names.append(PurePath(value).name)


def read_records(path: str | os.PathLike) -> list[Record]:
    """Every PBCore description document and oai_dc record in the file, checked."""
    try:
        root = ET.parse(path).getroot()
    except ET.ParseError as exc:
        raise RecordError(f"{path}: not XML ({exc})") from exc
    found = [el for el in root.iter() if el.tag in (pbcore.q("pbcoreDescriptionDocument"), f"{{{dc.OAI_DC}}}dc")]
    if not found:
        raise RecordError(f"{path}: holds no PBCore description documents or oai_dc records")
    return [(_from_pbcore if el.tag == pbcore.q("pbcoreDescriptionDocument") else _from_dc)(el, Record(os.fspath(path), n))
            for n, el in enumerate(found, 1)]


def match(archive, rec: Record) -> int:
    """The recording a record describes; RecordError when there is none."""
    recordings = list(archive.catalog.recordings())
    if rec.sha256:
        hit = next((r.id for r in recordings if r.sha256 == rec.sha256), None)
        if hit is not None:
            return hit
    if rec.recording_id is not None and not rec.sha256 and archive.catalog.recording(rec.recording_id) is not None:
        return rec.recording_id
    if not rec.sha256:
        named = {r.id for r in recordings for p in (r.source_path, r.media_path) if p and Path(p).name in rec.file_names}
        if len(named) == 1:
            return named.pop()
    said = ", ".join(filter(None, (rec.sha256 and f"SHA-256 {rec.sha256[:12]}…",
                                   rec.recording_id is not None and f"id {rec.recording_id}",
                                   rec.file_names and f"file {rec.file_names[0]}"))) or "no identifier"
    raise RecordError(f"{rec}: no recording in this archive matches it ({said}); nothing was changed")


def plan(archive, path: str | os.PathLike) -> list[Applied]:
    """What importing the file would change, all checked; raises before anything changes."""
    out = []
    for rec in read_records(path):
        rid = match(archive, rec)
        current = archive.catalog.recording(rid)
        try:
            wanted = schema.metadata({k: v for k, v in rec.fields.items() if v is not None})
        except schema.SchemaError as exc:
            raise RecordError(f"{rec}: {exc}; nothing was changed") from exc
        language = rec.fields.get("language")
        if language and not LANGUAGE.fullmatch(language):
            raise RecordError(f"{rec}: language must be a code like 'en' or 'eng', not {language!r}; nothing was changed")
        language = ISO_639_1.get(language, language)
        kept = {"language": current.language} if language and current.language not in (None, language) else {}
        if language and not current.language:
            wanted["language"] = language
        changed = {k: v for k, v in wanted.items() if getattr(current, k) != v}
        out.append(Applied(rid, changed, kept))
    return out


def import_records(archive, path: str | os.PathLike) -> list[Applied]:
    """Map the file's records onto their recordings; nothing changes unless all of them can."""
    applied = plan(archive, path)
    for item in applied:
        meta = {k: v for k, v in item.changed.items() if k != "language"}
        if meta:
            edit_recording(archive, item.recording_id, **meta)
        if "language" in item.changed:
            with archive.writing():
                archive.catalog.update_recording(item.recording_id, language=item.changed["language"])
    return applied
