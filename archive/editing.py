"""Human edits: metadata, corrected segment text, speakers. Each is written under the
archive's write lock and re-indexed at once, so corrected words become searchable.
The change marks its recording "index pending" in the same transaction; the mark goes
once the index has committed, so an edit killed in between is re-indexed later
(:func:`archive.recordings.index_pending_recordings`) and ``check`` reports it meanwhile.

Corrections keep Whisper's text in ``original_text``. Word timings are carried over
to the corrected words by aligning the two word sequences; inserted words get times
interpolated between their neighbours.
"""

from __future__ import annotations

from typing import Iterable, Optional

from archive import schema, speakers
from archive.alignment import align_words
from archive.recordings import index_recording, remove_recording


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
        rid = catalog.recording_of(seg)
        with archive.db.atomic():
            catalog.update_segment(segment_id, text=text, original_text=seg["original_text"] or seg["text"])
            catalog.replace_words(segment_id, words)
            catalog.mark_index_pending([rid])  # until the index has it (see index_recording)
        index_recording(archive, rid)
    return catalog.segment(segment_id)


def set_speaker(archive, segment_ids: Iterable[int], speaker: Optional[str]) -> int:
    """Assign (or clear, with None/"") the speaker of one or more segments; a person set
    it, so diarization never changes it (:func:`archive.speakers.assign_segments`)."""
    return speakers.assign_segments(archive, segment_ids, speaker)


def rename_speaker(archive, recording_id: int, old: str, new: str) -> int:
    """Rename a speaker in one recording: a voice the diarizer found is named here only
    (:func:`archive.speakers.name_voice`); a name captions or a person gave is replaced on
    its segments. Returns how many segments now show the new name."""
    transcript = archive.catalog.current_transcript(recording_id)
    if transcript is None:
        return 0
    segments = archive.catalog.segments(transcript["id"])
    labels = {v.label for v in speakers.speaker_table(archive, recording_id) if v.voice and old in (v.label, v.name)}
    if labels:
        label = labels.pop()
        speakers.name_voice(archive, recording_id, label, new, roster=False)
        return sum(1 for s in segments if s["speaker"] == label)
    ids = [s["id"] for s in segments if s["speaker"] == old]
    return speakers.assign_segments(archive, ids, new) if ids else 0


def edit_recording(archive, recording_id: int, **fields) -> None:
    """Change title/body/date/kind; the index carries them, so it is refreshed too."""
    # the rules import and bundles follow too (archive.schema); a SchemaError is a ValueError
    allowed = schema.metadata({k: v for k, v in fields.items() if v is not None})
    with archive.writing():
        if archive.catalog.recording(recording_id) is None:
            raise ValueError(f"no recording {recording_id}")
        if allowed:
            with archive.db.atomic():
                archive.catalog.update_recording(recording_id, **allowed)
                archive.catalog.mark_index_pending([recording_id])  # until the index has it
            index_recording(archive, recording_id)


def remove(archive, recording_id: int):
    """Take a recording out of the archive (index, catalog, stored media); returns it.
    An import still making it must be cancelled first (its job would recreate it)."""
    with archive.writing():
        rec = archive.catalog.recording(recording_id)
        if rec is None:
            raise ValueError(f"no recording {recording_id}")
        remove_recording(archive, recording_id)
    return rec
