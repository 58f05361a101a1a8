"""What every standard record says about one recording, gathered once from the archive."""

from __future__ import annotations

import logging
import mimetypes
import os
import re
import xml.etree.ElementTree as ET
from dataclasses import dataclass, field
from pathlib import Path
from typing import Optional, Sequence

from archive import chaptering, views
from archive.catalog import Recording
from archive.chapters import Chapter
from archive.exports import paragraphs, xml_text
from archive.outputs import output_path
from archive.transcripts import read_transcript
from transcription.audio import MediaInfo, probe
from transcription.errors import AudioError

log = logging.getLogger(__name__)

RECORD_FORMATS = ("pbcore", "dc", "ohms")  # export ID --format
CATALOG_RECORD_FORMATS = ("pbcore", "dc")  # export-catalog --format
ID_SOURCE = "council-archive"  # the identifier's source: the recording's number in this archive
HASH_SOURCE = "SHA-256"

# ISO 639-1 (what Whisper and the catalog store) -> ISO 639-2/B (what PBCore asks for)
ISO_639_2 = {
    "af": "afr", "ar": "ara", "bg": "bul", "bn": "ben", "ca": "cat", "cs": "cze", "cy": "wel", "da": "dan",
    "de": "ger", "el": "gre", "en": "eng", "es": "spa", "et": "est", "eu": "baq", "fa": "per", "fi": "fin",
    "fr": "fre", "ga": "gle", "gl": "glg", "he": "heb", "hi": "hin", "hr": "hrv", "ht": "hat", "hu": "hun",
    "hy": "arm", "id": "ind", "is": "ice", "it": "ita", "ja": "jpn", "ko": "kor", "la": "lat", "lt": "lit",
    "lv": "lav", "mi": "mao", "ms": "may", "mt": "mlt", "nl": "dut", "no": "nor", "pa": "pan", "pl": "pol",
    "pt": "por", "ro": "rum", "ru": "rus", "sk": "slo", "sl": "slv", "so": "som", "sq": "alb", "sr": "srp",
    "sv": "swe", "sw": "swa", "ta": "tam", "th": "tha", "tl": "tgl", "tr": "tur", "uk": "ukr", "ur": "urd",
    "vi": "vie", "yi": "yid", "zh": "chi",
}
ISO_639_1 = {three: two for two, three in ISO_639_2.items()}


class RecordError(ValueError):
    """A record that cannot be made or read: no such recording, an unknown format or field."""


@dataclass
class RecordSource:
    recording: Recording
    speakers: list[str] = field(default_factory=list)  # names (or voice labels) in order of first speech
    chapters: list[Chapter] = field(default_factory=list)  # found ones, in meeting order
    points: list[dict] = field(default_factory=list)  # paragraphs {start, end, speaker, text}
    media: Optional[Path] = None  # the stored file, when it is there
    file_size: Optional[int] = None
    info: Optional[MediaInfo] = None  # ffprobe's technical data

    @property
    def file_name(self) -> Optional[str]:
        path = self.recording.source_path or self.recording.media_path
        return Path(path).name if path else None

    @property
    def description(self) -> str:
        rec = self.recording
        what = (rec.kind or "recording").capitalize()
        text = f"{what} of {rec.body}" if rec.body else what
        if rec.date:
            text += f", {rec.date}"
        if self.chapters:
            text += ". Items: " + "; ".join(c.label for c in self.chapters)
        return text + "."


def gather(archive, recording_id: int) -> RecordSource:
    rec = archive.catalog.recording(recording_id)
    if rec is None:
        raise RecordError(f"no recording {recording_id}")
    src = RecordSource(rec, chapters=chaptering.chapters(archive, recording_id, found_only=True))
    data = read_transcript(archive.catalog, recording_id)
    if data is not None and data.transcript is not None:
        src.speakers = list(dict.fromkeys(s["speaker"] for s in data.speech if s.get("speaker")))
        src.points = paragraphs(data.speech)
    src.media = views.media_file(archive, recording_id)
    if src.media is not None:
        src.file_size = src.media.stat().st_size
        try:
            src.info = probe(src.media)
        except AudioError:  # the record still says what the catalog knows
            log.warning("cannot probe %s for its record", src.media, exc_info=True)
    return src


def iso_639_2(language: Optional[str]) -> Optional[str]:
    """A catalog language ("en", "en-US") as PBCore's three letters; None when not known here."""
    if not language:
        return None
    code = language.split("-")[0].lower()
    return code if re.fullmatch(r"[a-z]{3}", code) else ISO_639_2.get(code)


def hms_full(seconds: float) -> str:
    """HH:MM:SS.mmm, the form PBCore's durations take."""
    ms = int(round(seconds * 1000))
    return f"{ms // 3_600_000:02d}:{ms // 60_000 % 60:02d}:{ms // 1000 % 60:02d}.{ms % 1000:03d}"


XSI = "http://www.w3.org/2001/XMLSchema-instance"


def serialize(root: ET.Element, prefixes: Optional[dict] = None, default_namespace: Optional[str] = None) -> str:
    """The document as text, with these namespace prefixes (registered now, never at import)
    and ``default_namespace`` unprefixed (its attributes stay unqualified)."""
    for prefix, uri in {"xsi": XSI, **(prefixes or {}), **({"": default_namespace} if default_namespace else {})}.items():
        ET.register_namespace(prefix, uri)
    ET.indent(root)
    return '<?xml version="1.0" encoding="UTF-8"?>\n' + ET.tostring(root, encoding="unicode") + "\n"


def qualified(namespace: str, tag: str) -> str:
    """``{namespace}tag``, as ElementTree names an element in a namespace."""
    return f"{{{namespace}}}{tag}"


def element(tag: str, parent: Optional[ET.Element] = None, **attrib: str) -> ET.Element:
    """A document's root, or (with ``parent``) one of a collection's records."""
    return ET.Element(tag, attrib) if parent is None else ET.SubElement(parent, tag, attrib)


def sub(parent: ET.Element, tag: str, text: Optional[object] = None, **attrib: str) -> ET.Element:
    """A child element; text is cleaned of what XML 1.0 cannot hold."""
    el = ET.SubElement(parent, tag, {k.rstrip("_"): v for k, v in attrib.items()})
    if text is not None:
        el.text = xml_text(str(text))
    return el


def write(archive, text: str, out: Optional[Path]) -> Optional[str]:
    """Write to ``out`` (outside the archive) or return the text for stdout."""
    if out is None:
        return text
    out = output_path(archive, out)
    out.write_text(text, encoding="utf-8")
    return None


def sources(archive, ids: Optional[Sequence[int]] = None) -> list[RecordSource]:
    ids = ids if ids is not None else sorted(r.id for r in archive.catalog.recordings())
    return [gather(archive, rid) for rid in ids]


def mime_type(src: RecordSource) -> Optional[str]:
    name = src.file_name
    if not name:
        return None
    return mimetypes.guess_type(os.fsdecode(name))[0]
