"""What leaves the archive: transcripts (txt, srt, vtt, json, docx, csv), search results
as a dataset (csv, jsonl), and the catalog (csv, json). Exports reflect human
corrections; text Whisper's guards flagged is left out (json keeps it, marked).
"""

from __future__ import annotations

import csv
import io
import json
import re
import unicodedata
from pathlib import Path
from typing import Any, Iterable, Optional, Sequence

from archive import chapter_exports, chaptering, watches
from archive.citation import hit_quote
from archive.outputs import output_path
from archive.catalog import Recording
from archive.transcripts import TranscriptData, read_transcript
from transcription import formats

TRANSCRIPT_FORMATS = ("txt", "srt", "vtt", "json", "docx", "csv", "chapters")  # chapters: a WebVTT chapters track
RESULT_FORMATS = ("csv", "jsonl")


class ExportError(ValueError):
    pass


MAX_NAME_BYTES = 200  # file systems allow 255 bytes a name: room left for an extension


def safe_filename(name: str, default: str = "recording", max_len: int = 80) -> str:
    """A file name from a title: no path separators, no traversal, no control characters;
    at most ``max_len`` characters and MAX_NAME_BYTES bytes of UTF-8 (never half a character)."""
    name = unicodedata.normalize("NFKC", name or "")
    name = re.sub(r"[\x00-\x1f\x7f/\\:*?\"<>|]+", " ", name)
    name = " ".join(name.split()).strip(" .")
    name = name.replace("..", ".")
    name = name[:max_len].encode("utf-8")[:MAX_NAME_BYTES].decode("utf-8", "ignore")
    return name.rstrip(" .") or default


def load_transcript(archive, recording_id: int) -> TranscriptData:
    """The recording's current transcript with its words; ExportError if there is no such recording."""
    data = read_transcript(archive.catalog, recording_id)
    if data is None:
        raise ExportError(f"no recording {recording_id}")
    return data


def _header_lines(rec: Recording) -> list[str]:
    lines = [rec.title]
    for label, value in (("Body", rec.body), ("Date", rec.date), ("Kind", rec.kind), ("Source", rec.source_path),
                         ("Duration", formats.hms(rec.duration) if rec.duration else None)):
        if value:
            lines.append(f"{label}: {value}")
    return lines


def paragraphs(segments: list[dict]) -> list[dict]:
    """Consecutive segments of one speaker joined into paragraphs."""
    out: list[dict] = []
    for seg in segments:
        same = out and out[-1]["speaker"] == seg.get("speaker")
        if same and seg["start"] - out[-1]["end"] < 2.0 and len(out[-1]["text"]) < 400:
            out[-1]["text"] += " " + seg["text"]
            out[-1]["end"] = seg["end"]
        else:
            out.append({"start": seg["start"], "end": seg["end"], "speaker": seg.get("speaker"), "text": seg["text"]})
    return out


def to_txt(data: TranscriptData, chapters: Sequence = ()) -> str:
    parts = []
    for chapter, segments in chapter_exports.sections(data.speech, chapters):  # a heading where each chapter starts
        if chapter is not None:
            parts.append(chapter_exports.heading(chapter))
        parts.append(formats.to_txt(paragraphs(segments)).replace("\n", "\n\n").rstrip("\n"))
    return "\n".join(_header_lines(data.recording)) + "\n\n" + "\n\n".join(parts) + "\n"


def _subtitle_segments(data: TranscriptData) -> list[dict]:
    return [{**s, "words": [{**w, "word": w["text"]} for w in s["words"]]} for s in data.speech]


def to_json(data: TranscriptData, chapters: Sequence = (), votes: Sequence = ()) -> str:
    rec = data.recording
    out = {
        "recording": rec.summary() | {"source_path": rec.source_path, "sha256": rec.sha256, "language": rec.language},
        "transcript": {k: data.transcript[k] for k in ("engine", "model", "prompt", "source", "created")} if data.transcript else None,
        "segments": [
            {
                "start": s["start"],
                "end": s["end"],
                "speaker": s["speaker"],
                "speaker_label": s["label"],
                "speaker_suggested": s["suggested"],
                "text": s["text"],
                "original_text": s["original_text"],
                "corrected": s["text"] != s["original_text"],
                "flag": s["flag"],
                "doubtful": s["doubtful"],
                "avg_logprob": s["avg_logprob"],
                "words": [
                    {"start": w["start"], "end": w["end"], "word": w["text"], "probability": w["probability"]} for w in s["words"]
                ],
            }
            for s in data.segments
        ],
        **chapter_exports.to_dicts(chapters, votes),
    }
    return json.dumps(out, ensure_ascii=False, indent=2) + "\n"


def to_csv(data: TranscriptData) -> str:
    buf = io.StringIO()
    writer = csv.writer(buf)
    writer.writerow(["start", "end", "speaker", "text"])
    for s in data.speech:
        writer.writerow([f"{s['start']:.3f}", f"{s['end']:.3f}", s["speaker"] or "", s["text"]])
    return buf.getvalue()


# XML 1.0, and so a .docx, cannot hold C0 controls other than tab, newline and carriage
# return, lone surrogates, U+FFFE or U+FFFF: a title or a segment may (captions, bundles)
_NOT_XML = re.compile("[\x00-\x08\x0b\x0c\x0e-\x1f\ud800-\udfff\ufffe\uffff]")
DOCX_PROPERTY_MAX = 255  # characters a document property (title, subject) may hold


def xml_text(text: Optional[str]) -> str:
    return _NOT_XML.sub("", text or "")


def write_docx(data: TranscriptData, out: Path, chapters: Sequence = ()) -> None:
    # python-docx (with lxml) is slow to import and only .docx exports need it
    from docx import Document
    from docx.shared import Pt, RGBColor

    rec = data.recording
    doc = Document()
    title = xml_text(rec.title)
    doc.core_properties.title = title[:DOCX_PROPERTY_MAX]  # the heading below holds all of it
    doc.core_properties.subject = xml_text(rec.body)[:DOCX_PROPERTY_MAX]
    doc.add_heading(title, level=1)
    block = doc.add_paragraph()
    for line in _header_lines(rec)[1:]:
        label, value = line.split(": ", 1)
        block.add_run(f"{label}: ").bold = True
        block.add_run(xml_text(value) + "\n")
    for para in _with_headings(data.speech, chapters):
        if "heading" in para:
            doc.add_heading(xml_text(para["heading"]), level=2)
            continue
        p = doc.add_paragraph()
        stamp = p.add_run(f"[{formats.hms(para['start'])}] ")
        stamp.font.color.rgb = RGBColor(0x66, 0x66, 0x66)
        stamp.font.size = Pt(9)
        if para["speaker"]:
            p.add_run(f"{xml_text(para['speaker'])}: ").bold = True
        p.add_run(xml_text(para["text"]))
    doc.save(str(out))


def _with_headings(segments: list[dict], chapters: Sequence) -> Iterable[dict]:
    """The paragraphs, with ``{"heading"}`` where each chapter starts."""
    for chapter, part in chapter_exports.sections(segments, chapters):
        if chapter is not None:
            yield {"heading": chapter_exports.heading(chapter)}
        yield from paragraphs(part)


def export_transcript(archive, recording_id: int, fmt: str, out: Optional[Path]) -> Optional[str]:
    """Write to ``out`` (or return the text, for stdout). docx needs a file."""
    if fmt not in TRANSCRIPT_FORMATS:
        raise ExportError(f"unknown format {fmt!r} (choose from {', '.join(TRANSCRIPT_FORMATS)})")
    if out is not None:
        out = output_path(archive, out)
    data = load_transcript(archive, recording_id)
    if data.transcript is None:
        raise ExportError(f"recording {recording_id} has no transcript yet (status: {data.recording.status})")
    chapters = chaptering.chapters(archive, recording_id, found_only=True)
    if fmt == "chapters" and not chapters:
        raise ExportError(f"recording {recording_id} has no chapters (attach an agenda: council-archive agenda "
                          f"{recording_id} FILE)")
    if fmt == "docx":
        if out is None:
            raise ExportError("docx needs an output file: -o FILE.docx")
        write_docx(data, out, chapters)
        return None
    text = {
        "txt": lambda d: to_txt(d, chapters),
        "json": lambda d: to_json(d, chapters, chaptering.votes(archive, recording_id)),
        "chapters": lambda d: chapter_exports.to_vtt(chapters),
        "csv": to_csv,
        "srt": lambda d: formats.to_srt(_subtitle_segments(d)),
        "vtt": lambda d: formats.to_vtt(_subtitle_segments(d)),
    }[fmt](data)
    if out is None:
        return text
    out.write_text(text, encoding="utf-8")
    return None


def default_export_name(rec: Recording, fmt: str) -> str:
    return safe_filename(f"{rec.date or ''} {rec.title}".strip()) + (".chapters.vtt" if fmt == "chapters" else f".{fmt}")


# --- search results as a dataset ------------------------------------------------------

# start and end: the quote's (the passage ``text``), as its citation; hit_time: the matched word's
RESULT_FIELDS = ("recording_id", "title", "body", "date", "speaker", "start", "end", "text", "citation", "hit_time")


def result_rows(hits: Iterable[Any]) -> Iterable[dict]:
    for h in hits:
        q = hit_quote(h)
        yield {
            "recording_id": q.recording_id,
            "title": q.title,
            "body": q.body,
            "date": q.date,
            "speaker": q.speaker,
            "start": round(q.start, 3),
            "end": round(q.end, 3),
            "text": q.text,
            "citation": q.citation,
            "hit_time": round(q.hit_time, 3),
        }


def write_results(archive, hits: Iterable[Any], out: Path) -> int:
    """Write search hits as a dataset (csv or jsonl, from the name) outside ``archive``."""
    fmt = out.suffix.lower().lstrip(".")
    if fmt not in RESULT_FORMATS:
        raise ExportError(f"results export must end in .csv or .jsonl, not {out.name!r}")
    out = output_path(archive, out)
    n = 0
    with open(out, "w", encoding="utf-8", newline="") as fh:
        if fmt == "csv":
            writer = csv.DictWriter(fh, fieldnames=RESULT_FIELDS)
            writer.writeheader()
            for row in result_rows(hits):
                writer.writerow(row)
                n += 1
        else:
            for row in result_rows(hits):
                fh.write(json.dumps(row, ensure_ascii=False) + "\n")
                n += 1
    return n


# --- catalog --------------------------------------------------------------------------

CATALOG_FIELDS = ("id", "title", "body", "kind", "date", "duration", "language", "status", "sha256", "source_path",
                  "media_path", "created", "updated")


def catalog_rows(archive) -> list[dict]:
    rows = []
    for rec in sorted(archive.catalog.recordings(), key=lambda r: r.id):
        row = {f: getattr(rec, f) for f in CATALOG_FIELDS}
        t = archive.catalog.current_transcript(rec.id)
        row["transcript_engine"] = t["engine"] if t else None
        row["transcript_model"] = t["model"] if t else None
        row["chapters"] = "; ".join(c.title for c in chaptering.chapters(archive, rec.id, found_only=True))
        rows.append(row)
    return rows


def export_catalog(archive, fmt: str, out: Optional[Path] = None) -> Optional[str]:
    """Every recording's metadata as csv or json (``watches``: the watches as json, see
    :mod:`archive.watches`): written to ``out``, or returned (stdout)."""
    if fmt not in ("csv", "json", "watches"):
        raise ExportError(f"unknown catalog format {fmt!r} (choose csv, json or watches)")
    if out is not None:
        out = output_path(archive, out)
    rows = watches.export_rows(archive.db) if fmt == "watches" else catalog_rows(archive)
    if fmt in ("json", "watches"):
        text = json.dumps(rows, ensure_ascii=False, indent=2) + "\n"
    else:
        buf = io.StringIO()
        writer = csv.DictWriter(buf, fieldnames=[*CATALOG_FIELDS, "transcript_engine", "transcript_model", "chapters"])
        writer.writeheader()
        writer.writerows(rows)
        text = buf.getvalue()
    if out is None:
        return text
    out.write_text(text, encoding="utf-8")
    return None
