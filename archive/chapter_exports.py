"""Chapters in what leaves the archive: a WebVTT chapters file (players show it as a
chapter menu), chapter headings in TXT and DOCX exports, and the chapter and vote lists
of JSON exports and bundles. Times in seconds; automatic chapters say so."""

from __future__ import annotations

from typing import Optional, Sequence

from archive.chapters import Chapter, chapter_at
from transcription import formats


def heading(chapter: Chapter) -> str:
    """The line a chapter starts with in a TXT or DOCX export."""
    if chapter.automatic:
        return f"{chapter.title} [{formats.hms(chapter.start)}, automatic chapter]"
    return f"Item {chapter.item}: {chapter.title} [{formats.hms(chapter.start)}]"


def sections(segments: Sequence[dict], chapters: Sequence[Chapter]) -> list[tuple[Optional[Chapter], list[dict]]]:
    """The segments grouped by the chapter they are said in (None before the first one),
    in order; without chapters, one group of all of them."""
    out: list[tuple[Optional[Chapter], list[dict]]] = []
    for seg in segments:
        chapter = chapter_at(chapters, seg["start"] + 0.01)
        if not out or out[-1][0] is not chapter:
            out.append((chapter, []))
        out[-1][1].append(seg)
    return out or [(None, [])]


def to_vtt(chapters: Sequence[Chapter]) -> str:
    """A WebVTT chapters track: one cue per chapter, its title as the cue text."""
    cues = ["WEBVTT", ""]
    for n, chapter in enumerate(c for c in chapters if c.start is not None):
        end = chapter.end if chapter.end is not None and chapter.end > chapter.start else chapter.start + 1.0
        cues += [f"chapter-{n + 1}", f"{formats.clock(chapter.start)} --> {formats.clock(end)}",
                 " ".join(chapter.label.replace("-->", "->").split()), ""]
    return "\n".join(cues)


def to_dicts(chapters: Sequence[Chapter], votes: Sequence) -> dict:
    """``{"chapters": [...], "votes": [...]}`` as the JSON export (and the CLI) write them."""
    return {"chapters": [c.to_dict() for c in chapters if c.start is not None],
            "votes": [v.to_dict() | {"text": v.text, "roll": v.roll} for v in votes]}
