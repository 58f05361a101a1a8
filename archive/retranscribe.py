"""Re-transcription: a new transcript version of a recording already in the archive.

``council-archive retranscribe ID...`` and the app's Recording > Re-transcribe... run
:meth:`archive.importer.Importer.retranscribe`, the import pipeline (the archive's one
writer). Each recording gets a job whose options name the version it replaces
(``"replaces"``) and the engine and model it uses; the new transcript row is written
segment by segment with ``complete = 0, current = 0`` and becomes current only once it
is whole (:meth:`archive.catalog.Catalog.finish_transcript`, one transaction). Then the
speakers stage diarizes it like an import's (the names people gave the voices carry
over by voiceprint) and the index is rebuilt from it.

Until then the old version stays current: searched, shown, exported. Killed, the job
stays open and ``resume`` continues the new version where it stops, with the engine and
model it began with. Failed or cancelled, the unfinished version is discarded and the
old one stays current. Every version is kept with its corrections (:func:`versions`);
:func:`use_version` makes an earlier one current again, with the voices it had
(:mod:`archive.versions`).
"""

from __future__ import annotations

import json
import logging
from dataclasses import asdict, dataclass
from typing import Optional

from archive import versions as kept
from archive.catalog import Catalog
from archive.recordings import index_recording
from archive.status import JobState, Status
from archive.transcripts import transcript_note

log = logging.getLogger(__name__)

CORRECTED = "(s.text IS NOT s.original_text OR s.speaker_set = 1)"  # a person changed this segment


class RetranscribeError(ValueError):
    """A re-transcription or version change that cannot start (one line)."""


@dataclass
class Version:
    """One transcript of a recording, numbered from 1 in the order they were made."""

    number: int
    id: int
    engine: Optional[str]
    model: Optional[str]
    source: Optional[str]
    created: Optional[str]
    segments: int
    corrections: int  # segments whose text or speaker a person changed
    current: bool
    complete: bool

    def to_dict(self) -> dict:
        """``transcripts --json``: ``{"version", "id", "engine", "model", "source", "created",
        "segments", "corrections", "current", "complete"}``."""
        data = asdict(self)
        return {"version": data.pop("number"), **data}


def versions(catalog: Catalog, recording_id: int) -> list[Version]:
    """Every transcript of the recording, oldest first (an unfinished one last)."""
    rows = catalog.db.execute(
        f"SELECT t.id, t.engine, t.model, t.source, t.created, t.current, t.complete, COUNT(s.id), "
        f"COALESCE(SUM({CORRECTED}), 0) FROM transcripts t LEFT JOIN segments s ON s.transcript_id = t.id "
        "WHERE t.recording_id = ? GROUP BY t.id ORDER BY t.id", [recording_id]).fetchall()
    return [Version(n, tid, engine, model, source, created, segments, corrections, bool(current), bool(complete))
            for n, (tid, engine, model, source, created, current, complete, segments, corrections)
            in enumerate(rows, start=1)]


def version(catalog: Catalog, recording_id: int, number: int) -> Version:
    """Version ``number`` of the recording (raises :class:`RetranscribeError`)."""
    found = versions(catalog, recording_id)
    if catalog.recording(recording_id) is None:
        raise RetranscribeError(f"no recording {recording_id}")
    if not 1 <= number <= len(found):
        raise RetranscribeError(f"recording {recording_id} has no version {number} (its versions: 1 to {len(found)})")
    return found[number - 1]


def corrections(catalog: Catalog, recording_id: int) -> int:
    """Segments of the current version whose text or speaker a person changed: a new
    version does not have them (they stay in this one)."""
    current = next((v for v in versions(catalog, recording_id) if v.current), None)
    return current.corrections if current else 0


# --- the import pipeline's side (archive.importer) ------------------------------------------


def start(archive, recording_id: int, options: dict) -> dict:
    """The job that makes a new version of the recording (the caller holds the write lock):
    ``options`` are the engine, model, prompt and speakers it runs with."""
    catalog = archive.catalog
    rec = catalog.recording(recording_id)
    if rec is None:
        raise RetranscribeError(f"no recording {recording_id}")
    open_job = catalog.job_for(recording_id)
    if rec.status != Status.INDEXED or (open_job and open_job["state"] in (JobState.QUEUED, JobState.RUNNING)):
        raise RetranscribeError(f"recording {recording_id} is not finished ({rec.status}); "
                                "`council-archive resume` finishes it first")
    current = catalog.current_transcript(recording_id)
    if current is None:
        raise RetranscribeError(f"recording {recording_id} has no transcript to replace")
    path = archive.media_path(rec)
    if path is None or not path.exists():
        raise RetranscribeError(f"recording {recording_id}: its media file is missing ({path}); "
                                "`council-archive repair` may restore it")
    job_id = catalog.add_job(recording_id, json.dumps({**options, "replaces": current["id"]}))
    return catalog.db["jobs"].get(job_id)


def replaces(job: Optional[dict]) -> Optional[int]:
    """The transcript a re-transcription job replaces (None: an import's job)."""
    options = json.loads(job["options"]) if job and job.get("options") else {}
    return options.get("replaces")


def transcribed(catalog: Catalog, recording_id: int, job: dict) -> bool:
    """The job's new version is whole (the run died diarizing or indexing it)."""
    current = catalog.current_transcript(recording_id)
    return (current is not None and current["id"] != replaces(job)
            and catalog.incomplete_transcript(recording_id) is None)


def settle_voices(catalog: Catalog, recording_id: int) -> None:
    """After the speakers stage: a new version it did not diarize (speakers off, none found,
    no diarizer) does not keep the old version's voices, which that version keeps itself."""
    current = catalog.current_transcript(recording_id)
    if current is not None and not current["diarized"]:
        with catalog.db.atomic():
            kept.clear_voices(catalog.db, recording_id)


def abandon(archive, recording_id: int, job: Optional[dict], error: Optional[BaseException]) -> str:
    """End a re-transcription that failed (``error``) or was cancelled: the version it was
    making is discarded, the one before stays current. Returns the line to report."""
    catalog = archive.catalog
    partial = catalog.incomplete_transcript(recording_id)
    if partial is not None:
        catalog.discard_transcript(partial["id"])
    with catalog.db.atomic():
        catalog.update_recording(recording_id, status=Status.INDEXED, progress=1.0)
        catalog.mark_index_pending([recording_id])  # the next writer checks the index against the catalog
        if job:
            catalog.set_job(job["id"], JobState.FAILED)
    kept_which = "the version before it stays current" if partial is not None else "the new version is current"
    if error is None:
        return f"recording {recording_id}: re-transcription cancelled; {kept_which}"
    detail = str(error).splitlines()[0] if str(error) else type(error).__name__
    return f"recording {recording_id}: re-transcription failed ({detail}); {kept_which}"


# --- choosing the current version -----------------------------------------------------------


def use_version(archive, recording_id: int, number: int) -> Version:
    """Make version ``number`` current again, with its voices and corrections, and
    re-index the recording. Returns that version."""
    with archive.writing():
        catalog = archive.catalog
        chosen = version(catalog, recording_id, number)
        job = catalog.job_for(recording_id)
        if job and job["state"] in (JobState.QUEUED, JobState.RUNNING):
            raise RetranscribeError(f"recording {recording_id} is being transcribed; "
                                    "`council-archive resume` finishes it first")
        if not chosen.complete:
            raise RetranscribeError(f"version {number} of recording {recording_id} is unfinished")
        if not chosen.current:
            before = catalog.current_transcript(recording_id)
            with catalog.db.atomic():
                if before is not None:
                    kept.keep_voices(catalog.db, recording_id, before["id"])
                kept.restore_voices(catalog.db, recording_id, chosen.id)
                catalog.db.execute("UPDATE transcripts SET current = (id = ?) WHERE recording_id = ?",
                                   [chosen.id, recording_id])
                catalog.update_recording(recording_id, note=transcript_note(catalog.segments(chosen.id)))
                catalog.mark_index_pending([recording_id])  # until the index has it
            index_recording(archive, recording_id)
    return version(catalog, recording_id, number)
