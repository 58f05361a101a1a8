"""A recording's chapters and votes: attaching an agenda, (re-)aligning, hand corrections.

- :func:`attach_agenda` (``council-archive agenda ID FILE``) reads the file, aligns its
  items to the transcript and stores agenda, chapters and votes, or changes nothing
  (:class:`archive.agenda.AgendaError`, :class:`archive.chapters.AgendaMismatch`);
- :func:`update` is the import's chapters step: the agenda given (or stored) aligned,
  else automatic chapters from the transcript's cues;
- :func:`set_start` (``chapters set ID ITEM START``) corrects a chapter by hand. Like a
  corrected segment keeps Whisper's text, the chapter keeps the start alignment found
  (``aligned_start``), and re-aligning keeps the hand-set start;
- :func:`chapters` and :func:`votes` read them for the CLI, exports and the app.

Writers take the archive's write lock (the import already holds it and calls the
``*_locked`` forms); every change re-indexes the recording (chapters label search hits).
"""

from __future__ import annotations

import logging
from pathlib import Path
from typing import Optional

from archive import chapter_rows
from archive.agenda import Agenda, read_agenda
from archive.catalog import now
from archive.chapters import AgendaMismatch, Chapter, align, automatic, with_ends
from archive.recordings import index_recording
from archive.transcripts import read_transcript
from archive.votes import Vote, read_votes

log = logging.getLogger(__name__)


class ChapterError(ValueError):
    """A chapter request that cannot work: no such recording, item or time."""


def _speech(archive, recording_id: int) -> tuple[list[dict], float]:
    data = read_transcript(archive.catalog, recording_id)
    if data is None:
        raise ChapterError(f"no recording {recording_id}")
    speech = data.speech
    duration = data.recording.duration or max((s["end"] for s in speech), default=0.0)
    return speech, duration


def _store(archive, recording_id: int, found: list[Chapter], speech: list[dict], duration: float,
           agenda: Optional[Agenda] = None) -> list[tuple[str, str]]:
    """Write the agenda (if given), chapters and votes in one transaction; a start a person
    set for the same item stays (the one found is kept beside it). Returns the (item, title)
    of hand-set starts whose item is no longer listed (they are gone: the caller says so)."""
    db = archive.db
    corrected = {(c.item, c.title): c.start for c in chapter_rows.as_chapters(chapter_rows.chapter_rows(db, recording_id))
                 if c.corrected}
    for chapter in found:
        chapter.aligned = chapter.start
        if (chapter.item, chapter.title) in corrected:
            chapter.start, chapter.corrected = corrected.pop((chapter.item, chapter.title)), True
    if corrected:
        log.warning("recording %s: hand-set chapter starts of items no longer listed: %s", recording_id, sorted(corrected))
    with_ends(found, duration)
    with db.atomic():
        if agenda is not None:
            chapter_rows.save_agenda(db, recording_id, agenda, now())
        chapter_rows.save_chapters(db, recording_id, found)
        chapter_rows.save_votes(db, recording_id, read_votes(speech, [c for c in found if c.start is not None]))
        archive.catalog.mark_index_pending([recording_id])
    return sorted(corrected)


def attach_agenda(archive, recording_id: int, path: str | Path) -> tuple[list[Chapter], list[tuple[str, str]]]:
    """Attach the agenda in ``path`` and align it; returns the chapters (found or not) and
    the (item, title) of hand-set starts the new agenda no longer lists."""
    agenda = read_agenda(path)
    with archive.writing():
        speech, duration = _speech(archive, recording_id)
        if not speech:
            raise ChapterError(f"recording {recording_id} has no transcript to align the agenda to")
        found = align(agenda.items, speech, duration)  # AgendaMismatch: nothing changed
        dropped = _store(archive, recording_id, found, speech, duration, agenda)
        index_recording(archive, recording_id)
    return chapters(archive, recording_id), dropped


def update_locked(archive, recording_id: int, agenda: Optional[Agenda] = None) -> Optional[str]:
    """The import's chapters step (the caller holds the write lock and indexes next): the
    agenda given or stored, aligned, else automatic chapters. Returns a note for people
    when the agenda does not match the recording (it is kept, without chapters)."""
    speech, duration = _speech(archive, recording_id)
    agenda = agenda or chapter_rows.agenda(archive.db, recording_id)
    if agenda is None:
        _store(archive, recording_id, automatic(speech, duration), speech, duration)
        return None
    try:
        found = align(agenda.items, speech, duration) if speech else []
    except AgendaMismatch as exc:
        _store(archive, recording_id, [], speech, duration, agenda)
        return str(exc)
    _store(archive, recording_id, found, speech, duration, agenda)
    return None


def set_start(archive, recording_id: int, item: str, start: float) -> Chapter:
    """Set the start of the chapter of ``item`` by hand (kept through re-alignment)."""
    with archive.writing():
        if archive.catalog.recording(recording_id) is None:
            raise ChapterError(f"no recording {recording_id}")
        rows = chapter_rows.chapter_rows(archive.db, recording_id)
        wanted = item.strip().lower().rstrip(".")
        row = next((r for r in rows if r["item"].lower().rstrip(".") == wanted), None)
        if row is None:
            known = ", ".join(r["item"] for r in rows) or "none yet: attach an agenda with `council-archive agenda`"
            raise ChapterError(f"recording {recording_id} has no item {item!r} (items: {known})")
        speech, duration = _speech(archive, recording_id)
        if start < 0 or (duration and start > duration):
            raise ChapterError(f"{start:g} s is outside the recording (0 to {duration:g} s)")
        with archive.db.atomic():
            chapter_rows.set_start(archive.db, row["id"], start)
            placed = chapter_rows.as_chapters(chapter_rows.chapter_rows(archive.db, recording_id))
            with_ends(placed, duration)
            chapter_rows.set_ends(archive.db, {c.row_id: c.end for c in placed})
            chapter_rows.save_votes(archive.db, recording_id,
                                    read_votes(speech, [c for c in placed if c.start is not None]))
            archive.catalog.mark_index_pending([recording_id])
        index_recording(archive, recording_id)
    return next(c for c in chapters(archive, recording_id) if c.row_id == row["id"])


def chapters(archive, recording_id: int, *, found_only: bool = False) -> list[Chapter]:
    """The recording's chapters in meeting order (by start; items not found last)."""
    rows = chapter_rows.as_chapters(chapter_rows.chapter_rows(archive.db, recording_id))
    if found_only:
        rows = [c for c in rows if c.start is not None]
    return sorted(rows, key=lambda c: (c.start is None, c.start or 0.0, c.order))


def votes(archive, recording_id: int) -> list[Vote]:
    return chapter_rows.votes(archive.db, recording_id)
