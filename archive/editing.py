"""Human edits: metadata, corrected segment text, speakers. Each is written under the
archive's write lock and re-indexed at once, so corrected words become searchable.

Corrections keep Whisper's text in ``original_text``. Word timings are carried over
to the corrected words by aligning the two word sequences; inserted words get times
interpolated between their neighbours.
"""

from __future__ import annotations

import difflib
import re
from typing import Iterable, Optional

from archive.catalog import KINDS
from archive.indexing import index_recording

_WORD = re.compile(r"\S+")


def _key(word: str) -> str:
    return re.sub(r"[^\w']", "", word.lower())


def align_words(old_words: list[dict], new_text: str, seg_start: float, seg_end: float) -> list[dict]:
    """Timed words for ``new_text``, reusing the times of the words that did not change."""
    new_tokens = _WORD.findall(new_text)
    if not new_tokens:
        return []
    old_keys = [_key(w["text"]) for w in old_words]
    new_keys = [_key(t) for t in new_tokens]
    times: list[Optional[tuple[float, float, float]]] = [None] * len(new_tokens)
    matcher = difflib.SequenceMatcher(a=old_keys, b=new_keys, autojunk=False)
    for tag, i1, i2, j1, j2 in matcher.get_opcodes():
        if tag == "equal":
            for k in range(i2 - i1):
                w = old_words[i1 + k]
                times[j1 + k] = (w["start"], w["end"], w.get("probability", 1.0))
        elif tag == "replace" and old_words:
            # spread the replaced words' time span over the new words
            span_start, span_end = old_words[i1]["start"], old_words[i2 - 1]["end"]
            n = j2 - j1
            for k in range(n):
                a = span_start + (span_end - span_start) * k / n
                b = span_start + (span_end - span_start) * (k + 1) / n
                times[j1 + k] = (a, b, 1.0)
    # fill inserted words between known neighbours
    out = []
    for i, token in enumerate(new_tokens):
        if times[i] is None:
            prev_end = next((times[j][1] for j in range(i - 1, -1, -1) if times[j]), seg_start)
            next_start = next((times[j][0] for j in range(i + 1, len(times)) if times[j]), seg_end)
            times[i] = (prev_end, max(prev_end, next_start), 1.0)
        start, end, prob = times[i]
        out.append({"start": round(start, 3), "end": round(end, 3), "text": " " + token, "probability": prob})
    return out


def correct_segment(archive, segment_id: int, text: str) -> dict:
    """Replace a segment's text; Whisper's original is kept. Returns the updated row."""
    text = " ".join(text.split())
    if not text:
        raise ValueError("a corrected segment cannot be empty")
    catalog = archive.catalog
    with archive.writing():
        seg = catalog.segment(segment_id)
        if seg is None:
            raise ValueError(f"no segment {segment_id}")
        words = align_words(catalog.words(segment_id), text, seg["start"], seg["end"])
        with archive.db.atomic():
            catalog.update_segment(segment_id, text=text, original_text=seg["original_text"] or seg["text"])
            catalog.replace_words(segment_id, words)
        rid = _recording_of(catalog, seg)
        index_recording(archive, rid)
    return catalog.segment(segment_id)


def set_speaker(archive, segment_ids: Iterable[int], speaker: Optional[str]) -> int:
    """Assign (or clear, with None/"") the speaker of one or more segments."""
    ids = list(segment_ids)
    speaker = (speaker or "").strip() or None
    catalog = archive.catalog
    with archive.writing():
        recordings = set()
        with archive.db.atomic():
            for sid in ids:
                seg = catalog.segment(sid)
                if seg is None:
                    raise ValueError(f"no segment {sid}")
                catalog.update_segment(sid, speaker=speaker)
                recordings.add(_recording_of(catalog, seg))
        for rid in recordings:
            index_recording(archive, rid)
    return len(ids)


def rename_speaker(archive, recording_id: int, old: str, new: str) -> int:
    transcript = archive.catalog.current_transcript(recording_id)
    if transcript is None:
        return 0
    ids = [s["id"] for s in archive.catalog.segments(transcript["id"]) if s["speaker"] == old]
    return set_speaker(archive, ids, new) if ids else 0


def edit_recording(archive, recording_id: int, **fields) -> None:
    """Change title/body/date/kind; the index carries them, so it is refreshed too."""
    allowed = {k: v for k, v in fields.items() if k in ("title", "body", "date", "kind") and v is not None}
    if "kind" in allowed and allowed["kind"] not in KINDS:
        raise ValueError(f"kind must be one of {', '.join(KINDS)}")
    if "date" in allowed:
        from archive.importer import date_from_name

        if date_from_name(allowed["date"]) != allowed["date"]:
            raise ValueError(f"date must be YYYY-MM-DD, not {allowed['date']!r}")
    if "title" in allowed and not allowed["title"].strip():
        raise ValueError("title cannot be empty")
    with archive.writing():
        if archive.catalog.recording(recording_id) is None:
            raise ValueError(f"no recording {recording_id}")
        if allowed:
            archive.catalog.update_recording(recording_id, **allowed)
            index_recording(archive, recording_id)


def _recording_of(catalog, seg: dict) -> int:
    return catalog.db["transcripts"].get(seg["transcript_id"])["recording_id"]
