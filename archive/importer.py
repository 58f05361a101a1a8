"""The import pipeline: probe → store → transcribe → index → done.

It is the archive's one writer. Each step commits before the next begins, and each
segment is committed as it arrives, so killing the process loses nothing that was
committed: the next run resumes the recording where its transcript stops (its job
row says it is unfinished). Bad input fails before anything is written; a recording
that fails or is cancelled half-way is removed whole.
"""

from __future__ import annotations

import dataclasses
import datetime as dt
import errno
import json
import os
import re
import sqlite3
import threading
from dataclasses import dataclass, field
from pathlib import Path
from typing import Callable, Iterable, Iterator, Optional

from archive import media
from archive.bundle import BundleError, import_bundle
from archive.captions import CAPTION_EXTENSIONS, CaptionError, parse_captions, sidecar_for
from archive.catalog import INDEXED, INDEXING, NO_SPEECH, QUEUED, TRANSCRIBING
from archive.dates import date_from_name, without_dates
from archive.recordings import index_recording, remove_recording
from archive.store import Archive, disk_full
from transcription.audio import check_complete, is_media_path, probe
from transcription.errors import AudioError
from transcription.types import TranscribeOptions

BUNDLE_EXTENSION = ".cabundle"

# Privacy: onnxruntime (faster-whisper's VAD) ships Microsoft 1DS telemetry that resolves
# and contacts mobile.events.data.microsoft.com when a session starts. Nothing may leave
# the machine, so it is switched off before any engine loads (Whisper worker processes
# inherit the environment). Kept here until transcription/ does it for every caller.


@dataclass
class ImportMeta:
    title: Optional[str] = None
    body: Optional[str] = None
    date: Optional[str] = None  # YYYY-MM-DD
    kind: str = "meeting"


@dataclass
class ImportResult:
    path: str
    status: str  # indexed | duplicate | failed | cancelled
    id: Optional[int] = None
    title: Optional[str] = None
    error: Optional[str] = None

    def to_dict(self) -> dict:
        return {"id": self.id, "title": self.title, "status": self.status, "error": self.error, "path": self.path}


@dataclass
class ImportEvent:
    """Progress of one file, for a progress bar or the GUI's queue panel."""

    path: str
    stage: str  # queued | probing | storing | transcribing | indexing | indexed | duplicate | failed | cancelled
    progress: float = 0.0  # 0..1 within the transcribing stage
    recording_id: Optional[int] = None
    duration: Optional[float] = None
    message: Optional[str] = None


class ImportCancelled(Exception):
    pass


def default_meta(path: Path, meta: ImportMeta) -> ImportMeta:
    """Title from the file name, date from a date in the name, else the file's mtime."""
    date = meta.date or date_from_name(path.stem)
    if not date:
        date = dt.date.fromtimestamp(path.stat().st_mtime).isoformat()
    title = meta.title
    if not title:
        stem = without_dates(path.stem)
        title = " ".join(re.sub(r"[_\-.]+", " ", stem).split()) or path.stem
        title = title[:1].upper() + title[1:]
    return dataclasses.replace(meta, title=title, date=date)


def expand_inputs(paths: Iterable[str | os.PathLike]) -> Iterator[tuple[Path, Optional[str]]]:
    """Files as given; folders searched recursively for audio/video. Yields (path, error)."""
    for raw in paths:
        path = Path(raw).expanduser()
        if path.is_dir():
            found = sorted(
                p for p in path.rglob("*") if p.is_file() and (is_media_path(p) or p.suffix.lower() == BUNDLE_EXTENSION)
            )
            if not found:
                yield path, f"{path}: no audio or video files in this folder"
            for p in found:
                yield p, None
        elif not path.exists():
            yield path, f"{path}: file not found"
        elif path.suffix.lower() in CAPTION_EXTENSIONS:
            continue  # a caption file is read as the sidecar of its media file
        else:
            yield path, None


def _expected_failures() -> tuple:
    """What can go wrong with one file without it being a bug: bad media or captions,
    the engine, the disk (OSError, SQLite), the index refusing a write."""
    from index import IndexBusyError, IndexVersionError

    return (AudioError, CaptionError, RuntimeError, ValueError, OSError, sqlite3.Error, IndexBusyError, IndexVersionError)


def write_error_message(source, exc: BaseException, root=None) -> str:
    """One line for a failed write into the archive (disk full, read-only, I/O error)."""
    detail = (exc.strerror if isinstance(exc, OSError) and exc.strerror else str(exc)) or type(exc).__name__
    full = (isinstance(exc, OSError) and exc.errno in (errno.ENOSPC, getattr(errno, "EDQUOT", errno.ENOSPC))) or (
        "full" in detail.lower()
    ) or (root is not None and disk_full(root))
    if full:
        return f"{source}: cannot write to the archive: the disk is full ({detail})".splitlines()[0]
    return f"{source}: cannot write to the archive ({detail})".splitlines()[0]


class Importer:
    """Imports files into an archive. One instance per batch; reuses the loaded model."""

    def __init__(
        self,
        archive: Archive,
        engine: str = "faster-whisper",
        options: Optional[TranscribeOptions] = None,
        cache_dir: Optional[str] = None,
        on_event: Optional[Callable[[ImportEvent], None]] = None,
        cancel_event: Optional[threading.Event] = None,
        transcriber=None,
    ):
        self.archive = archive
        self.engine = engine
        self.options = options or TranscribeOptions()
        self.cache_dir = cache_dir
        self.on_event = on_event or (lambda e: None)
        self.cancel_event = cancel_event or threading.Event()
        self._transcriber = transcriber

    # --- plumbing ------------------------------------------------------------------
    @property
    def transcriber(self):
        if self._transcriber is None:
            from transcription.transcriber import Transcriber

            self._transcriber = Transcriber(self.engine, self.options, self.cache_dir)
        return self._transcriber

    def close(self) -> None:
        if self._transcriber is not None:
            self._transcriber.close()

    def cancel(self) -> None:
        """Ask the running import to stop (safe from another thread)."""
        self.cancel_event.set()
        if self._transcriber is not None and hasattr(self._transcriber, "cancel"):
            self._transcriber.cancel()

    def _emit(self, path, stage, **kw) -> None:
        self.on_event(ImportEvent(str(path), stage, **kw))

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
            self._emit(path, "queued")
        with self.archive.writing():
            self._clear_stale_partials()
            for path, error in inputs:
                if self.cancel_event.is_set():
                    results.append(ImportResult(str(path), "cancelled", error="cancelled before it started"))
                    self._emit(path, "cancelled")
                    continue
                if error:
                    results.append(ImportResult(str(path), "failed", error=error))
                    self._emit(path, "failed", message=error)
                    continue
                if path.suffix.lower() == BUNDLE_EXTENSION:
                    results.append(self._import_bundle(path))
                    continue
                results.append(self._import_one(path, meta, captions, link, prompt))
        return results

    def resume(self) -> list[ImportResult]:
        """Finish the jobs an earlier run left unfinished (killed, crashed, quit)."""
        results = []
        with self.archive.writing():
            self._clear_stale_partials()
            for job in self.archive.catalog.open_jobs():
                rec = self.archive.catalog.recording(job["recording_id"])
                if rec is None:
                    self.archive.catalog.set_job(job["id"], "failed")
                    continue
                if self.cancel_event.is_set():
                    break
                results.append(self._process(rec.id, job))
        return results

    def _clear_stale_partials(self) -> None:
        """Under the write lock no copy is running: a ``.partial`` is a killed copy's half."""
        for leftover in media.partial_files(self.archive.media_dir):
            try:
                leftover.unlink()
            except OSError:
                pass

    # --- one file ------------------------------------------------------------------
    def _import_one(self, path: Path, meta: ImportMeta, captions, link: bool, prompt) -> ImportResult:
        catalog = self.archive.catalog
        self._emit(path, "probing")
        sidecar = Path(captions) if captions else sidecar_for(path)
        try:
            info = probe(path)
            check_complete(path, info)
            caption_segments = parse_captions(sidecar) if sidecar else None
        except (AudioError, CaptionError) as exc:
            message = exc.message if isinstance(exc, AudioError) else str(exc)
            self._emit(path, "failed", message=message)
            return ImportResult(str(path), "failed", error=message)
        try:
            return self._import_checked(path, meta, link, prompt, info, sidecar, caption_segments)
        except sqlite3.Error as exc:  # the catalog could not be written (disk full, I/O error)
            message = write_error_message(path, exc, self.archive.root)
            self._emit(path, "failed", message=message)
            return ImportResult(str(path), "failed", error=message)

    def _import_checked(self, path: Path, meta: ImportMeta, link: bool, prompt, info, sidecar, caption_segments) -> ImportResult:
        catalog = self.archive.catalog
        sha = media.sha256_of(path)
        existing = catalog.recording_by_sha(sha)
        if existing is not None:
            if existing.status == INDEXED:
                message = f"already in the archive as recording {existing.id} ({existing.title!r})"
                self._emit(path, "duplicate", recording_id=existing.id, message=message)
                return ImportResult(str(path), "duplicate", id=existing.id, title=existing.title, error=message)
            job = catalog.job_for(existing.id)  # an earlier import of this file was interrupted
            return self._process(existing.id, job)
        filled = default_meta(path, meta)
        self._emit(path, "storing", duration=info.duration)
        try:
            stored = path.resolve() if link else media.store(self.archive.media_dir, path, sha)
        except OSError as exc:
            message = f"{path}: cannot copy into the archive ({exc.strerror or exc})"
            if exc.errno == errno.ENOSPC or disk_full(self.archive.root):
                message = f"{path}: cannot copy into the archive: the disk is full ({exc.strerror or exc})"
            self._emit(path, "failed", message=message)
            return ImportResult(str(path), "failed", error=message)
        media_path = str(stored) if link else str(stored.relative_to(self.archive.root))
        options = {
            "engine": self.engine if caption_segments is None else "captions",
            "prompt": self._prompt(prompt, filled.body),
            "captions": str(sidecar) if caption_segments is not None else None,
        }
        try:
            rid, job_id = self._add_recording(catalog, filled, path, media_path, link, sha, info, options)
        except sqlite3.Error:
            if not link and not self._stored_elsewhere(stored):
                stored.unlink(missing_ok=True)  # no row points at it: take the copy back out
            raise
        return self._process(rid, catalog.job_for(rid) or {"id": job_id, "options": json.dumps(options)})

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
                source_path=str(path.resolve()),
                media_path=media_path,
                linked=1 if link else 0,
                sha256=sha,
                duration=info.duration,
                status=QUEUED,
            )
            job_id = catalog.add_job(rid, json.dumps(options))
        return rid, job_id

    def _process(self, rid: int, job: Optional[dict]) -> ImportResult:
        catalog = self.archive.catalog
        rec = catalog.recording(rid)
        options = json.loads(job["options"]) if job and job.get("options") else {}
        path = self.archive.media_path(rec)
        try:
            if job:
                catalog.set_job(job["id"], "running", bump=True)
            if self._transcribed_already(rid, job):
                pass  # killed while indexing: the transcript is whole, only the index is missing
            elif options.get("engine") == "captions":
                self._store_captions(rid, Path(options["captions"]))
            else:
                self._transcribe(rid, path, rec.duration or 0.0, options.get("prompt"))
            catalog.update_recording(rid, status=INDEXING)
            self._emit(rec.source_path or path, "indexing", recording_id=rid, progress=1.0)
            index_recording(self.archive, rid)
            catalog.update_recording(rid, status=INDEXED, progress=1.0, error=None)
            if job:
                catalog.set_job(job["id"], "done")
        except Exception as exc:
            if not (isinstance(exc, ImportCancelled) or self.cancel_event.is_set()):
                return self._failed(rid, rec, path, exc)
            # cancelled (killing the worker processes on cancel also breaks their pool)
            self._remove(rid)
            self._emit(rec.source_path or path, "cancelled", recording_id=rid)
            return ImportResult(rec.source_path or str(path), "cancelled", title=rec.title, error="cancelled")
        self._emit(rec.source_path or path, "indexed", recording_id=rid, progress=1.0)
        return ImportResult(rec.source_path or str(path), "indexed", id=rid, title=rec.title)

    def _failed(self, rid: int, rec, path, exc: Exception) -> ImportResult:
        """Report one file's failure and take its half-made recording out."""
        if not isinstance(exc, _expected_failures()):
            raise exc  # a bug, not bad input or a full disk: let it show
        source = rec.source_path or path
        if isinstance(exc, AudioError):
            message = exc.message
        elif isinstance(exc, sqlite3.Error) or (isinstance(exc, OSError) and exc.errno in (errno.ENOSPC, errno.EROFS, errno.EIO)):
            message = write_error_message(source, exc, self.archive.root)
        else:
            message = f"{source}: {exc}".splitlines()[0]
        try:
            self._remove(rid)
        except Exception:
            # nothing more can be written (disk full): the unfinished recording keeps its
            # open job, so `resume` finishes it (or the next import of it retries it) later
            message += "; it stays unfinished until `council-archive resume`"
        self._emit(source, "failed", recording_id=rid, message=message)
        return ImportResult(str(source), "failed", title=rec.title, error=message)

    def _prompt(self, prompt: Optional[str], body: Optional[str]) -> Optional[str]:
        """Custom vocabulary for Whisper: the flag's, else the archive vocabulary for this body."""
        if prompt is not None:
            return prompt or None
        if self.options.initial_prompt:
            return self.options.initial_prompt
        from archive.vocab import prompt_for

        return prompt_for(self.archive.db, body) if self.archive.catalog.db["vocabulary"].count else None

    def _transcribed_already(self, rid: int, job: Optional[dict]) -> bool:
        """A whole transcript made for this job exists (the run died while indexing)."""
        catalog = self.archive.catalog
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
        catalog.update_recording(rid, status=TRANSCRIBING, progress=start / duration if duration else 0.0)
        options = dataclasses.replace(self.options, initial_prompt=prompt or None, progress=None)
        segments, info = self.transcriber.transcribe(path, options, start=start)
        source = catalog.recording(rid).source_path or str(path)
        self._emit(source, "transcribing", recording_id=rid, progress=start / duration if duration else 0.0, duration=duration)
        try:
            for seg in segments:
                if self.cancel_event.is_set():
                    raise ImportCancelled()
                catalog.add_segment(transcript_id, next_idx, seg)
                next_idx += 1
                fraction = min(1.0, seg.end / duration) if duration else 0.0
                catalog.update_recording(rid, progress=fraction)
                self._emit(source, "transcribing", recording_id=rid, progress=fraction, duration=duration)
        finally:
            if hasattr(segments, "close"):
                segments.close()
        if self.cancel_event.is_set():
            raise ImportCancelled()
        speech = any(not s["flag"] for s in catalog.segments(transcript_id))
        catalog.update_recording(rid, language=info.language or None, note=None if speech else NO_SPEECH)
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
        try:
            rid, title, status = import_bundle(self.archive, path)
        except BundleError as exc:
            self._emit(path, "failed", message=str(exc))
            return ImportResult(str(path), "failed", error=str(exc))
        self._emit(path, status, recording_id=rid)
        return ImportResult(str(path), status, id=rid, title=title)

