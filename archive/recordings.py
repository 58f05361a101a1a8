"""One recording in the search index: its document, (re-)indexing it, removing it whole.

The callers (importer, editor, bundles, the CLI) hold the archive's write lock.
"""

from __future__ import annotations

from index import IndexSegment, IndexWord, RecordingDoc

from archive import chapter_rows
from archive.catalog import Catalog, Recording
from archive.chapters import chapter_at
from archive.transcripts import read_transcript


def recording_doc(catalog: Catalog, rec: Recording) -> RecordingDoc:
    """The index document for a recording's current transcript (flagged text left out)."""
    data = read_transcript(catalog, rec.id)
    chapters = chapter_rows.as_chapters(chapter_rows.chapter_rows(catalog.db, rec.id))
    segments = [
        IndexSegment(
            segment_id=seg["id"],
            start=seg["start"],
            end=seg["end"],
            text=seg["text"],
            words=[IndexWord(w["text"], w["start"], w["end"]) for w in seg["words"]],
            speaker=seg["speaker"],
            language=seg["language"],
            **chapter_fields(chapters, seg["start"]),
        )
        for seg in (data.speech if data is not None else [])
    ]
    return RecordingDoc(
        recording_id=rec.id, title=rec.title, body=rec.body, kind=rec.kind, date=rec.date, segments=segments,
        language=rec.language,
    )


def chapter_fields(chapters, seconds: float) -> dict:
    """``item`` and ``chapter`` of a segment starting at ``seconds`` (empty outside chapters)."""
    chapter = chapter_at(chapters, seconds + 0.01)
    if chapter is None:
        return {}
    return {"item": None if chapter.automatic else chapter.item, "chapter": chapter.label}


def index_recording(archive, recording_id: int) -> None:
    """Upsert one recording's documents (caller holds the archive's write lock), then
    clear its "index pending" mark (an edit sets it with its change)."""
    rec = archive.catalog.recording(recording_id)
    with archive.index.writer() as writer:
        if rec is None:
            writer.delete_recording(recording_id)
        else:
            writer.add_recording(recording_doc(archive.catalog, rec))
    if rec is not None:
        archive.catalog.mark_index_pending([recording_id], False)


def index_pending_recordings(archive) -> list[int]:
    """Re-index the recordings an interrupted edit left marked (caller holds the write
    lock). Returns their ids."""
    pending = archive.catalog.index_pending()
    for rid in pending:
        index_recording(archive, rid)
    return pending


def remove_recording(archive, recording_id: int) -> None:
    """Delete a recording from index, catalog and media store (caller holds the lock)."""
    rec = archive.catalog.recording(recording_id)
    if rec is None:
        return
    with archive.index.writer() as writer:
        writer.delete_recording(recording_id)
    path = archive.media_path(rec)
    archive.catalog.delete_recording(recording_id)
    if path is not None and not rec.linked and path.exists():
        path.unlink()
