"""The import pipeline: probe → store → transcribe → speakers → index → done.

It is the archive's one writer. Each step commits before the next begins, and each
segment is committed as it arrives, so killing the process loses nothing that was
committed: the next run resumes the recording where its transcript stops (its job
row says it is unfinished). Bad input fails before anything is written; a recording
that fails half-way is removed whole.

One :class:`archive.cancel.CancelToken` ends an import early, checked between
segments: ``cancel()`` keeps what was made with its job closed (``Outcome.CANCELLED``:
``resume([id])`` or importing the file again continues it; ``cancel(discard=True)``
removes it), ``stop()`` keeps it and its open job for :meth:`Importer.resume`
(``Outcome.STOPPED``).
Each file's import ends with one :class:`archive.status.Outcome`.
"""

from __future__ import annotations

import dataclasses
import errno
import json
import logging
import os
import sqlite3
from pathlib import Path
from typing import Callable, Iterable, Optional

from archive import chapter_rows, chaptering, media, retranscribe
from archive.bundle import BundleError
from archive.bundle_restore import restore as restore_bundle
from archive.cancel import CancelToken
from archive.catalog import now as catalog_now
from archive.agenda import AgendaError, agenda_for, read_agenda
from archive.captions import CaptionError, parse_captions, sidecar_for
from archive.diarizing import SpeakerOptions, SpeakerStage
from archive.import_io import (  # noqa: F401  (ImportMeta, default_meta, expand_inputs: also read from here)
    BUNDLE_EXTENSION, ImportEvent, ImportMeta, ImportResult, default_meta, expand_inputs, write_error_message,
)
from archive.recordings import index_recording, remove_recording
from archive.status import PROBING, STORING, JobState, Outcome, Status
from archive.store import Archive, disk_full
from archive.transcripts import transcript_note
from archive.vocab import prompt_for
from transcription.audio import check_complete, probe
from transcription.errors import AudioError, printable
from transcription.types import TranscribeOptions

log = logging.getLogger(__name__)

class Importer:
    """Imports files into an archive. One instance per batch; reuses the loaded model.

    ``cancel``: the token that ends the batch early (one is made if none is given);
    :meth:`cancel` and :meth:`stop` set it from any thread.
    """

    def __init__(
        self,
        archive: Archive,
        engine: str = "faster-whisper",
        options: Optional[TranscribeOptions] = None,
        cache_dir: Optional[str] = None,
        on_event: Optional[Callable[[ImportEvent], None]] = None,
        cancel: Optional[CancelToken] = None,
        transcriber=None,
        diarizer=None,
        speakers: Optional[SpeakerOptions] = None,
    ):
        self.archive = archive
        self.engine = engine
        self.options = options or TranscribeOptions()
        self.cache_dir = cache_dir
        self.on_event = on_event or (lambda e: None)
        self._transcriber = transcriber
        self._own_transcriber = transcriber is None  # a given one is the caller's to keep and close
        # speakers: None = as the job says (new imports: on); the diarizer loads on first use
        self.speakers = speakers
        self.speaker_stage = SpeakerStage(diarizer)
        self.cancel_token = cancel or CancelToken()
        self._made: set[int] = set()  # recordings this importer added (a discarding cancel removes only those)
        self._next: list[tuple] = []  # (path, meta, prompt) of the batch's next files to transcribe
        self.cancel_token.on_set(self._stop_engine)

    # --- plumbing ------------------------------------------------------------------
    @property
    def transcriber(self):
        if self._transcriber is None:
            # Whisper and its engines load only when a file is transcribed (not for captions or bundles)
            from transcription.transcriber import Transcriber

            self._transcriber = Transcriber(self.engine, self.options, self.cache_dir)
        return self._transcriber

    def close(self) -> None:
        if self._transcriber is not None:
            self._transcriber.close()

    def cancel(self, discard: bool = False) -> None:
        """Stop the running import, keeping what it made to resume (or removing it: ``discard``);
        safe from another thread."""
        self.cancel_token.cancel(discard)

    def stop(self) -> None:
        """Stop the running import, keeping what was committed for :meth:`resume`."""
        self.cancel_token.stop()

    def _stop_engine(self) -> None:
        """Once the token is set, stop the engine's worker processes at once (their
        segment stream then fails: the token, not that error, says how the file ends)."""
        transcriber = self._transcriber
        if transcriber is not None and hasattr(transcriber, "cancel"):
            transcriber.cancel()

    def _release_workers(self) -> None:
        """Whisper's worker processes sit idle while speakers are found: free their memory
        (a 4-hour meeting's workers hold ~0.7 GB each) before the diarizer takes its own."""
        transcriber = self._transcriber
        if transcriber is not None and hasattr(transcriber, "release_workers"):
            transcriber.release_workers()

    def _emit(self, path, stage, **kw) -> None:
        self.on_event(ImportEvent(str(path), stage, **kw))

    def _end(self, path, outcome: Outcome, *, error: Optional[str] = None, rid: Optional[int] = None,
             title: Optional[str] = None) -> ImportResult:
        """Report how one file ended: the last event and its result."""
        self._emit(path, outcome, recording_id=rid, message=error,
                   **({"progress": 1.0} if outcome == Outcome.INDEXED else {}))
        kept = outcome in (Outcome.INDEXED, Outcome.DUPLICATE, Outcome.STOPPED) or (
            outcome == Outcome.CANCELLED and rid is not None and self.archive.catalog.recording(rid) is not None)
        return ImportResult(str(path), outcome, id=rid if kept else None, title=title, error=error)

    # --- entry points --------------------------------------------------------------
    def import_paths(
        self,
        paths: Iterable[str | os.PathLike],
        meta: Optional[ImportMeta] = None,
        captions: Optional[str | os.PathLike] = None,
        link: bool = False,
        prompt: Optional[str] = None,
    ) -> list[ImportResult]:
        meta = meta or ImportMeta()
        results = []
        inputs = list(expand_inputs(paths))
        for path, error in inputs:
            self._emit(path, Status.QUEUED)
        with self.archive.writing():
            self._clear_stale_partials()
            for k, (path, error) in enumerate(inputs):
                # the files transcribed after this one (a cluster starts on them early: see _transcribe)
                self._next = [(p, meta, prompt) for p, e in inputs[k + 1:k + 9] if not e and not captions
                              and p.suffix.lower() != BUNDLE_EXTENSION and not sidecar_for(p)]
                if self.cancel_token.is_set:
                    outcome = self.cancel_token.outcome
                    results.append(self._end(path, outcome, error=f"{outcome} before it started"))
                elif error:
                    results.append(self._end(path, Outcome.FAILED, error=error))
                elif path.suffix.lower() == BUNDLE_EXTENSION:
                    results.append(self._import_bundle(path))
                else:
                    results.append(self._import_one(path, meta, captions, link, prompt))
        return results

    def resume(self, recording_ids: Optional[Iterable[int]] = None) -> list[ImportResult]:
        """Finish the jobs an earlier run left unfinished (killed, crashed, quit); with
        ``recording_ids``, those recordings' unfinished imports, cancelled ones too."""
        results = []
        with self.archive.writing():
            self._clear_stale_partials()
            catalog = self.archive.catalog
            jobs = catalog.open_jobs() if recording_ids is None else [
                job for job in map(catalog.job_for, recording_ids) if job and job["state"] != JobState.DONE]
            for job in jobs:
                rec = self.archive.catalog.recording(job["recording_id"])
                if rec is None:
                    self.archive.catalog.set_job(job["id"], JobState.FAILED)
                    continue
                if self.cancel_token.is_set:
                    break
                results.append(self._process(rec.id, job))
        return results

    def retranscribe(self, recording_ids: Iterable[int], prompt: Optional[str] = None) -> list[ImportResult]:
        """A new transcript version of each recording (:mod:`archive.retranscribe`), made like
        an import's and current once whole; until then, and if it fails, the old one stays."""
        results = []
        with self.archive.writing():
            for rid in recording_ids:
                if self.cancel_token.is_set:
                    break
                rec = self.archive.catalog.recording(rid)
                options = {"engine": self.engine, "model": self.options.model, "model_name": self.options.model_name,
                           "prompt": self._prompt(prompt, rec.body if rec else None),
                           "speakers": (self.speakers or SpeakerOptions()).to_dict()}
                try:
                    job = retranscribe.start(self.archive, rid, options)
                except retranscribe.RetranscribeError as exc:
                    results.append(self._end(f"recording {rid}", Outcome.FAILED, error=str(exc), title=rec and rec.title))
                    continue
                results.append(self._process(rid, job))
        return results

    def _clear_stale_partials(self) -> None:
        """Under the write lock no copy is running: a ``.partial`` is a killed copy's half."""
        for leftover in media.partial_files(self.archive.media_dir):
            try:
                leftover.unlink()
            except OSError:
                log.warning("cannot delete the half-copied media %s", leftover, exc_info=True)

    # --- one file ------------------------------------------------------------------
    def _import_one(self, path: Path, meta: ImportMeta, captions, link: bool, prompt) -> ImportResult:
        self._emit(path, PROBING)
        sidecar = Path(captions) if captions else sidecar_for(path)
        try:
            info = probe(path)
            check_complete(path, info)
            caption_segments = parse_captions(sidecar) if sidecar else None
            agenda = Path(meta.agenda) if meta.agenda is not None else agenda_for(path)
            meta = dataclasses.replace(meta, agenda=read_agenda(agenda) if agenda else None)
        except (AudioError, CaptionError, AgendaError) as exc:
            return self._end(path, Outcome.FAILED, error=exc.message if isinstance(exc, AudioError) else str(exc))
        try:
            return self._import_checked(path, meta, link, prompt, info, sidecar, caption_segments)
        except AudioError as exc:  # swapped for a FIFO since the probe: refused before anything is written
            return self._end(path, Outcome.FAILED, error=exc.message)
        except sqlite3.Error as exc:  # the catalog could not be written (disk full, I/O error)
            log.warning("importing %s: the catalog could not be written", path, exc_info=True)
            return self._end(path, Outcome.FAILED, error=write_error_message(path, exc, self.archive.root))

    def _import_checked(self, path: Path, meta: ImportMeta, link: bool, prompt, info, sidecar, caption_segments) -> ImportResult:
        catalog = self.archive.catalog
        sha = media.sha256_of(path)
        existing = catalog.recording_by_sha(sha)
        if existing is not None:
            if existing.status == Status.INDEXED:
                return self._duplicate(path, existing.id, existing.title)
            job = catalog.job_for(existing.id)  # an earlier import of this file was interrupted
            return self._process(existing.id, job)
        filled = default_meta(path, meta)
        if link and printable(path.resolve()) != str(path.resolve()):  # the catalog keeps text, not bytes
            return self._end(path, Outcome.FAILED, error=f"{printable(path)}: a name that is not valid UTF-8 cannot be "
                             "linked; import it without --link (the archive keeps a copy)")
        self._emit(path, STORING, duration=info.duration)
        try:
            stored = path.resolve() if link else media.store(self.archive.media_dir, path, sha)
        except OSError as exc:
            message = f"{path}: cannot copy into the archive ({exc.strerror or exc})"
            if exc.errno == errno.ENOSPC or disk_full(self.archive.root):
                message = f"{path}: cannot copy into the archive: the disk is full ({exc.strerror or exc})"
            log.warning("importing %s: %s", path, message, exc_info=True)
            return self._end(path, Outcome.FAILED, error=message)
        media_path = str(stored) if link else str(stored.relative_to(self.archive.root))
        options = {
            "engine": self.engine if caption_segments is None else "captions",
            "prompt": self._prompt(prompt, filled.body),
            "captions": str(sidecar) if caption_segments is not None else None,
            "speakers": (self.speakers or SpeakerOptions()).to_dict(),
        }
        try:
            rid, job_id = self._add_recording(catalog, filled, path, media_path, link, sha, info, options)
            self._made.add(rid)
        except sqlite3.Error:
            if not link and not self._stored_elsewhere(stored):
                stored.unlink(missing_ok=True)  # no row points at it: take the copy back out
            raise
        return self._process(rid, catalog.job_for(rid) or {"id": job_id, "options": json.dumps(options)})

    def _duplicate(self, path: Path, rid: int, title: str) -> ImportResult:
        message = f"already in the archive as recording {rid} ({title!r})"
        return self._end(path, Outcome.DUPLICATE, error=message, rid=rid, title=title)

    def _stored_elsewhere(self, stored: Path) -> bool:
        rel = str(stored.relative_to(self.archive.root))
        return bool(self.archive.db.execute("SELECT 1 FROM recordings WHERE media_path = ?", [rel]).fetchall())

    def _add_recording(self, catalog, filled, path, media_path, link, sha, info, options):
        with self.archive.db.atomic():
            rid = catalog.add_recording(
                title=filled.title,
                body=filled.body,
                kind=filled.kind,
                date=filled.date,
                source_path=printable(path.resolve()),
                media_path=media_path,
                linked=1 if link else 0,
                sha256=sha,
                duration=info.duration,
                status=Status.QUEUED,
            )
            job_id = catalog.add_job(rid, json.dumps(options))
            if filled.agenda is not None:
                chapter_rows.save_agenda(self.archive.db, rid, filled.agenda, catalog_now())
        return rid, job_id

    def _process(self, rid: int, job: Optional[dict]) -> ImportResult:
        catalog = self.archive.catalog
        rec = catalog.recording(rid)
        options = json.loads(job["options"]) if job and job.get("options") else {}
        path = self.archive.media_path(rec)
        source = rec.source_path or str(path)
        replacing = retranscribe.replaces(job)
        try:
            if replacing is not None:
                self._use_model(options)
            if job:
                catalog.set_job(job["id"], JobState.RUNNING, bump=True)
            if self._transcribed_already(rid, job):
                pass  # killed while indexing: the transcript is whole, only the index is missing
            elif options.get("engine") == "captions":
                self._store_captions(rid, Path(options["captions"]))
            else:
                self._transcribe(rid, path, rec.duration or 0.0, options.get("prompt"))
            self.speaker_stage.run(  # who spoke: resumable, after Whisper's workers are done
                self.archive, rid, self.speakers or SpeakerOptions.from_dict(options.get("speakers")),
                check=self.cancel_token.check,
                emit=lambda **kw: self._emit(source, Status.DIARIZING, recording_id=rid, duration=rec.duration,
                                             where=self.speaker_stage.where, **kw),
                release=self._release_workers)
            if replacing is not None:
                retranscribe.settle_voices(catalog, rid)
            note = chaptering.update_locked(self.archive, rid)  # the agenda aligned, else automatic chapters
            if note:
                log.warning("%s: %s", source, note)
            catalog.update_recording(rid, status=Status.INDEXING)
            self._emit(source, Status.INDEXING, recording_id=rid, progress=1.0)
            index_recording(self.archive, rid)
            catalog.update_recording(rid, status=Status.INDEXED, progress=1.0, error=None)
            if job:
                catalog.set_job(job["id"], JobState.DONE)
        except Exception as exc:
            if getattr(exc, "keeps_job", False) and self.cancel_token.outcome is None:
                # the cluster went away: what was committed stays, its job open for `resume`
                log.warning("importing %s stopped", source, exc_info=exc)
                return self._end(source, Outcome.STOPPED, error=str(exc), rid=rid, title=rec.title)
            if replacing is not None:
                return self._retranscription_ended(rid, rec, source, job, exc)
            outcome = self.cancel_token.outcome
            if outcome is None:
                return self._failed(rid, rec, source, exc)
            # cancelled or stopped, however the stream ended (stopping the engine's worker
            # processes makes it fail): the token says how
            if outcome == Outcome.STOPPED:  # the job stays open: `resume` finishes it
                return self._end(source, outcome, error="stopped; it resumes where it stopped", rid=rid, title=rec.title)
            if self.cancel_token.discard and rid in self._made:  # (an earlier run's work is kept)
                self._remove(rid)
                return self._end(source, outcome, error="cancelled", rid=rid, title=rec.title)
            catalog.update_recording(rid, status=Status.CANCELLED)  # kept, its job closed: resume(rid) continues it
            if job:
                catalog.set_job(job["id"], JobState.CANCELLED)
            return self._end(source, outcome, error="cancelled; what was transcribed is kept to resume",
                             rid=rid, title=rec.title)
        return self._end(source, Outcome.INDEXED, rid=rid, title=rec.title)

    def _retranscription_ended(self, rid: int, rec, source: str, job: dict, exc: Exception) -> ImportResult:
        """A re-transcription that did not finish: stopped, its job stays open for `resume`;
        cancelled or failed, its unfinished version is discarded and the old one stays current."""
        outcome = self.cancel_token.outcome
        if outcome == Outcome.STOPPED:
            return self._end(source, outcome, error="stopped; it resumes where it stopped", rid=rid, title=rec.title)
        if outcome is None:
            log.error("re-transcribing %s failed", source, exc_info=exc)
        message = retranscribe.abandon(self.archive, rid, job, exc if outcome is None else None)
        return self._end(source, outcome or Outcome.FAILED, error=message, rid=rid, title=rec.title)

    def _use_model(self, options: dict) -> None:
        """A re-transcription resumes with the engine and model it began with (unless the
        caller gave the transcriber: the app's worker keeps its own)."""
        engine, model = options.get("engine") or self.engine, options.get("model")
        if self._own_transcriber and (engine, model) != (self.engine, self.options.model):
            self.close()
            self._transcriber = None
            # the name it was recorded by (a registered model's; None: from the path)
            self.engine, self.options = engine, dataclasses.replace(self.options, model=model,
                                                                    model_name=options.get("model_name"))

    def _failed(self, rid: int, rec, source: str, exc: Exception) -> ImportResult:
        """Report one file's failure (in one line; the traceback goes to the log) and take
        its half-made recording out."""
        log.error("importing %s failed", source, exc_info=exc)
        if isinstance(exc, AudioError):
            message = exc.message
        elif isinstance(exc, sqlite3.Error) or (isinstance(exc, OSError) and exc.errno in (errno.ENOSPC, errno.EROFS, errno.EIO)):
            message = write_error_message(source, exc, self.archive.root)
        else:
            message = f"{source}: {str(exc) or type(exc).__name__}".splitlines()[0]
        try:
            self._remove(rid)
        except Exception:
            # nothing more can be written (disk full): the unfinished recording keeps its
            # open job, so `resume` finishes it (or the next import of it retries it) later
            log.warning("cannot remove the unfinished recording %s", rid, exc_info=True)
            message += "; it stays unfinished until `council-archive resume`"
        return self._end(source, Outcome.FAILED, error=message, rid=rid, title=rec.title)

    def _prompt(self, prompt: Optional[str], body: Optional[str]) -> Optional[str]:
        """Custom vocabulary for Whisper: the flag's, else the archive vocabulary for this body."""
        if prompt is not None:
            return prompt or None
        if self.options.initial_prompt:
            return self.options.initial_prompt
        return prompt_for(self.archive.db, body) if self.archive.catalog.db["vocabulary"].count else None

    def _transcribed_already(self, rid: int, job: Optional[dict]) -> bool:
        """A whole transcript made for this job exists (the run died while indexing)."""
        catalog = self.archive.catalog
        if retranscribe.replaces(job) is not None:
            return retranscribe.transcribed(catalog, rid, job)
        current = catalog.current_transcript(rid)
        if current is None or not current["complete"] or catalog.incomplete_transcript(rid) is not None:
            return False
        return job is None or not job.get("created") or (current["created"] or "") >= job["created"]

    def _transcribe(self, rid: int, path: Path, duration: float, prompt: Optional[str]) -> None:
        catalog = self.archive.catalog
        partial = catalog.incomplete_transcript(rid)
        if partial is not None:
            last = catalog.last_segment(partial["id"])
            transcript_id, next_idx, start = partial["id"], (last["idx"] + 1 if last else 0), (last["end"] if last else 0.0)
        else:
            opts_model = self.transcriber.model_label
            transcript_id = catalog.start_transcript(rid, self.engine, opts_model, prompt, "whisper")
            next_idx, start = 0, 0.0
        catalog.update_recording(rid, status=Status.TRANSCRIBING, progress=start / duration if duration else 0.0)
        options = dataclasses.replace(self.options, initial_prompt=prompt or None, progress=None)
        segments, info = self.transcriber.transcribe(path, options, start=start)
        if hasattr(self.transcriber, "expect"):
            self.transcriber.expect([(p, dataclasses.replace(options, initial_prompt=self._prompt(
                prompt, default_meta(p, meta).body) or None)) for p, meta, prompt in self._next])
        source = catalog.recording(rid).source_path or str(path)
        self._emit(source, Status.TRANSCRIBING, recording_id=rid, progress=start / duration if duration else 0.0, duration=duration)
        try:
            for seg in segments:
                self.cancel_token.check()
                if getattr(seg, "language", None) is None and info.language:  # each new segment says its language
                    seg = dataclasses.replace(seg, language=info.language)
                catalog.add_segment(transcript_id, next_idx, seg)
                next_idx += 1
                fraction = min(1.0, seg.end / duration) if duration else 0.0
                catalog.update_recording(rid, progress=fraction)
                self._emit(source, Status.TRANSCRIBING, recording_id=rid, progress=fraction, duration=duration,
                           where=getattr(info, "where", None) or None)
        finally:
            if hasattr(segments, "close"):
                segments.close()
        self.cancel_token.check()
        note = transcript_note(catalog.segments(transcript_id))  # no speech, or hard audio
        note = "; ".join(n for n in (note, info.note) if n) or None  # and a model passed over for the language
        if info.note:
            catalog.set_transcript_model(transcript_id, info.engine, info.model)
        spoken = catalog.transcript_languages(transcript_id)  # the main language: the longest spoken
        catalog.update_recording(rid, language=(spoken[0] if spoken else info.language) or None, note=note)
        catalog.finish_transcript(transcript_id)

    def _store_captions(self, rid: int, captions: Path) -> None:
        catalog = self.archive.catalog
        partial = catalog.incomplete_transcript(rid)
        if partial is not None:
            catalog.discard_transcript(partial["id"])
        segments = parse_captions(captions)
        with self.archive.db.atomic():
            tid = catalog.start_transcript(rid, "captions", captions.suffix.lstrip("."), None, "captions")
            for i, seg in enumerate(segments):
                catalog.add_segment(tid, i, seg)
        catalog.finish_transcript(tid)

    def _remove(self, rid: int) -> None:
        """Take a failed or cancelled recording out whole: index, rows, stored media."""
        try:
            remove_recording(self.archive, rid)
        except Exception:
            # On a full disk Whoosh cannot commit even a delete. A recording that never
            # reached the index needs none: take it out of the catalog and media store.
            if rid in self.archive.index.recording_ids():
                raise
            log.warning("recording %s: the index could not be written; removing it from the catalog only", rid,
                        exc_info=True)
            rec = self.archive.catalog.recording(rid)
            if rec is None:
                return
            path = self.archive.media_path(rec)
            ours = path is not None and not rec.linked and path.exists()
            try:
                self.archive.catalog.delete_recording(rid)
            except sqlite3.Error:
                if not ours:
                    raise
                path.unlink()  # the copy this import made: freeing its space lets SQLite delete
                ours = False
                self.archive.catalog.delete_recording(rid)
            if ours:
                path.unlink()

    def _import_bundle(self, path: Path) -> ImportResult:
        """Like a file: checked whole, committed with a job that indexes it (so `resume` or
        importing it again finishes a killed import), never doubled."""
        self._emit(path, PROBING)
        try:
            restored = restore_bundle(self.archive, path, on_store=lambda: self._emit(path, STORING))
        except BundleError as exc:
            return self._end(path, Outcome.FAILED, error=str(exc))
        except (OSError, sqlite3.Error) as exc:  # the archive could not be written (a full disk)
            log.warning("importing %s: the archive could not be written", path, exc_info=True)
            return self._end(path, Outcome.FAILED, error=write_error_message(path, exc, self.archive.root))
        if restored.duplicate:
            return self._duplicate(path, restored.id, restored.title)
        return self._process(restored.id, restored.job)

