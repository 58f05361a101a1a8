"""Imports (and edits) run on one worker QObject in its own QThread: the archive's one writer.

``ImportWorker`` lives in the thread. It opens its *own* :class:`archive.store.Archive`
there (SQLite connections are not shared across threads), drives
:class:`archive.importer.Importer`, and reports each ``ImportEvent`` by signal.

``ImportController`` lives in the GUI thread. It keeps the queue, hands the worker one
job at a time, and cancels through ``Importer.cancel()`` (never ``QThread.terminate()``).
Quitting stops the running import without removing it: what was transcribed stays
committed and ``Importer.resume()`` finishes it on the next start.
"""

from __future__ import annotations

import dataclasses
import itertools
import threading
from collections import deque
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any, Callable, Optional

from PySide6.QtCore import QCoreApplication, QObject, QThread, Signal, Slot

# job kinds
IMPORT, RESUME, EDIT = "import", "resume", "edit"
# job states
QUEUED, RUNNING, DONE, CANCELLED, FAILED, STOPPED = "queued", "running", "done", "cancelled", "failed", "stopped"

TranscriberFactory = Callable[[str, Any, Optional[str]], Any]  # (engine, TranscribeOptions, cache_dir)


class ImportPaused(Exception):
    """Raised inside a transcription to stop it for a quit, keeping what was committed.

    Deliberately not one of the errors the Importer turns into "failed": it leaves the
    job open, exactly like a killed process, so ``Importer.resume()`` picks it up."""


@dataclass
class Job:
    id: int
    kind: str
    label: str
    path: Optional[str] = None
    meta: Any = None  # archive.importer.ImportMeta
    prompt: Optional[str] = None
    engine: str = "faster-whisper"
    options: Any = None  # transcription.types.TranscribeOptions
    call: Optional[Callable[[Any], Any]] = None  # EDIT: fn(archive) -> result, in the worker thread
    state: str = QUEUED
    result: Any = None
    error: Optional[str] = None
    cancel_event: threading.Event = field(default_factory=threading.Event, repr=False)
    stop_event: threading.Event = field(default_factory=threading.Event, repr=False)
    importer: Any = field(default=None, repr=False)  # set by the worker while it runs
    transcriber: Any = field(default=None, repr=False)  # ditto (a _Stoppable)

    @property
    def is_import(self) -> bool:
        return self.kind in (IMPORT, RESUME)

    def pending(self) -> dict:
        """What is needed to queue this import again next time (kept in QSettings)."""
        meta = dataclasses.asdict(self.meta) if self.meta is not None else {}
        return {"path": self.path, "prompt": self.prompt, **meta}


class _Stoppable:
    """Wraps a transcriber so a quit (stop) or a cancel ends the segment stream cleanly."""

    def __init__(self, inner, job: Job):
        self.inner = inner
        self.job = job

    @property
    def model_label(self):
        return self.inner.model_label

    def transcribe(self, path, options=None, start: float = 0.0):
        segments, info = self.inner.transcribe(path, options, start=start)
        return self._stream(segments), info

    def _stream(self, segments):
        job = self.job
        try:
            for seg in segments:
                if job.stop_event.is_set():
                    raise ImportPaused()
                if job.cancel_event.is_set():
                    return  # the Importer sees its cancel event and removes the recording
                yield seg
        except ImportPaused:
            raise
        except Exception:
            # killing the worker processes makes the stream fail: that is the stop/cancel itself
            if job.stop_event.is_set():
                raise ImportPaused() from None
            if job.cancel_event.is_set():
                return
            raise
        finally:
            close = getattr(segments, "close", None)
            if close is not None:
                close()
        if job.stop_event.is_set():
            raise ImportPaused()

    def cancel(self) -> None:
        if hasattr(self.inner, "cancel"):
            self.inner.cancel()

    def close(self) -> None:
        pass  # the worker owns the inner transcriber and closes it at the end


def default_transcriber_factory(engine: str, options, cache_dir: Optional[str]):
    from transcription.transcriber import Transcriber  # Whisper itself loads lazily, on first use

    return Transcriber(engine, options, cache_dir)


class ImportWorker(QObject):
    event = Signal(int, object)  # job id, archive.importer.ImportEvent
    finished = Signal(int, object)  # job id, result (list[ImportResult], an edit's return value)
    failed = Signal(int, str)  # job id, one-line message
    stopped = Signal(int)  # job id (stopped for a quit; resumes next time)

    def __init__(self, archive_root: str, transcriber_factory: Optional[TranscriberFactory] = None,
                 cache_dir: Optional[str] = None):
        super().__init__()
        self.archive_root = archive_root
        self.factory = transcriber_factory or default_transcriber_factory
        self.cache_dir = cache_dir
        self._archive = None
        self._transcriber = None
        self._transcriber_key = None

    def archive(self):
        if self._archive is None:
            from archive.store import Archive

            self._archive = Archive(self.archive_root)  # this thread's own connection
        return self._archive

    def _transcriber_for(self, job: Job):
        key = (job.engine, repr(job.options))
        if self._transcriber is None or self._transcriber_key != key:
            self._close_transcriber()
            self._transcriber = self.factory(job.engine, job.options, self.cache_dir)
            self._transcriber_key = key
        return _Stoppable(self._transcriber, job)

    def _close_transcriber(self) -> None:
        if self._transcriber is not None:
            try:
                self._transcriber.close()
            except Exception:
                pass
            self._transcriber = None

    @Slot(object)
    def run(self, job: Job) -> None:
        if job.cancel_event.is_set():
            self.finished.emit(job.id, CANCELLED)
            return
        if job.stop_event.is_set():
            self.stopped.emit(job.id)
            return
        try:
            archive = self.archive()
            if job.kind == EDIT:
                self.finished.emit(job.id, job.call(archive))
                return
            from archive.importer import Importer

            job.transcriber = self._transcriber_for(job)
            importer = Importer(
                archive,
                job.engine,
                job.options,
                cache_dir=self.cache_dir,
                on_event=lambda e: self.event.emit(job.id, e),
                cancel_event=job.cancel_event,
                transcriber=job.transcriber,
            )
            job.importer = importer
            if job.kind == RESUME:
                results = importer.resume()
            else:
                results = importer.import_paths([job.path], job.meta, prompt=job.prompt)
            self.finished.emit(job.id, results)
        except ImportPaused:
            self.stopped.emit(job.id)
        except Exception as exc:  # a busy archive, a bad edit, a broken engine: one line for the GUI
            message = str(exc).splitlines()[0] if str(exc) else type(exc).__name__
            self.failed.emit(job.id, message)
        finally:
            job.importer = job.transcriber = None

    @Slot()
    def close(self) -> None:
        self._close_transcriber()
        if self._archive is not None:
            self._archive.close()
            self._archive = None
        QThread.currentThread().quit()


class ImportController(QObject):
    """The GUI side: a queue of jobs, run one at a time on the worker thread."""

    job_added = Signal(object)  # Job
    job_event = Signal(object, object)  # Job, ImportEvent
    job_finished = Signal(object)  # Job (state: done | cancelled | failed | stopped)
    busy_changed = Signal(bool)
    _submit = Signal(object)
    _close = Signal()

    def __init__(self, archive_root: str, transcriber_factory: Optional[TranscriberFactory] = None,
                 cache_dir: Optional[str] = None, parent=None):
        super().__init__(parent)
        self._ids = itertools.count(1)
        self._queue: deque[Job] = deque()
        self.jobs: dict[int, Job] = {}
        self.running: Optional[Job] = None
        self.thread = QThread()
        self.thread.setObjectName("import-worker")
        self.worker = ImportWorker(archive_root, transcriber_factory, cache_dir)
        self.worker.moveToThread(self.thread)
        self._submit.connect(self.worker.run)
        self._close.connect(self.worker.close)
        self.worker.event.connect(self._on_event)
        self.worker.finished.connect(self._on_finished)
        self.worker.failed.connect(self._on_failed)
        self.worker.stopped.connect(self._on_stopped)
        self._shut = False
        self.thread.start()

    # --- queueing ---------------------------------------------------------------------
    def _add(self, job: Job, front: bool = False) -> Job:
        self.jobs[job.id] = job
        was_busy = self.busy
        (self._queue.appendleft if front else self._queue.append)(job)
        if job.is_import:
            self.job_added.emit(job)
        if not was_busy and self.busy:
            self.busy_changed.emit(True)
        self._next()
        return job

    def import_file(self, path: str, meta, prompt: Optional[str], engine: str, options) -> Job:
        return self._add(Job(next(self._ids), IMPORT, Path(path).name, path=str(path), meta=meta,
                             prompt=prompt, engine=engine, options=options))

    def resume(self, engine: str, options) -> Job:
        return self._add(Job(next(self._ids), RESUME, "Unfinished imports", engine=engine, options=options))

    def run_edit(self, label: str, call: Callable[[Any], Any]) -> Job:
        """Run a write (an edit) on the worker, ahead of any import still waiting."""
        return self._add(Job(next(self._ids), EDIT, label, call=call), front=True)

    def _next(self) -> None:
        if self.running is not None or self._shut:
            return
        while self._queue:
            job = self._queue.popleft()
            if job.cancel_event.is_set():
                continue
            job.state = RUNNING
            self.running = job
            self._submit.emit(job)
            return

    @property
    def busy(self) -> bool:
        """True while an import is queued or running (edits do not count)."""
        jobs = list(self._queue) + ([self.running] if self.running else [])
        return any(j.is_import and j.state in (QUEUED, RUNNING) for j in jobs)

    def waiting_imports(self) -> list[Job]:
        return [j for j in self._queue if j.kind == IMPORT and j.state == QUEUED]

    # --- cancel and stop --------------------------------------------------------------
    def cancel(self, job_id: int) -> None:
        job = self.jobs.get(job_id)
        if job is None or job.state not in (QUEUED, RUNNING):
            return
        job.cancel_event.set()
        if job.state == QUEUED:
            try:
                self._queue.remove(job)
            except ValueError:
                pass
            self._finish(job, CANCELLED)
        else:
            importer, transcriber = job.importer, job.transcriber
            if importer is not None:
                importer.cancel()  # thread-safe: sets the event and stops the engine's workers
            elif transcriber is not None:
                transcriber.cancel()

    def cancel_all(self) -> None:
        for job in list(self._queue) + ([self.running] if self.running else []):
            if job.is_import:
                self.cancel(job.id)

    def stop(self, timeout_ms: int = 30000) -> list[Job]:
        """For quitting: stop the running import (it resumes next time) and return the imports
        that had not started. Edits still queued are run first."""
        waiting = self.waiting_imports()
        for job in waiting:
            self._queue.remove(job)
            job.state = STOPPED
        running = self.running
        if running is not None and running.is_import:
            running.stop_event.set()
            transcriber = running.transcriber
            if transcriber is not None:
                transcriber.cancel()  # unblocks a wait on the engine's worker processes
        self.shutdown(timeout_ms)
        return waiting

    def shutdown(self, timeout_ms: int = 30000) -> None:
        if self._shut:
            return
        # let edits already asked for finish; imports have been stopped by stop()
        while self.running is not None or any(j.kind == EDIT for j in self._queue):
            if self.running is None:
                self._next()
            self.thread.wait(50)
            QCoreApplication.processEvents()
            timeout_ms -= 50
            if timeout_ms <= 0:
                break
        self._shut = True
        self._close.emit()
        if not self.thread.wait(max(1000, timeout_ms)):
            # never terminate(): leave it to the OS at exit rather than corrupt the archive
            pass

    # --- worker feedback --------------------------------------------------------------
    def _on_event(self, job_id: int, event) -> None:
        job = self.jobs.get(job_id)
        if job is not None:
            self.job_event.emit(job, event)

    def _on_finished(self, job_id: int, result) -> None:
        job = self.jobs.get(job_id)
        if job is None:
            return
        job.result = result
        state = DONE
        if isinstance(result, str) and result == CANCELLED:
            state = CANCELLED
        elif job.is_import and isinstance(result, list) and result:
            statuses = {r.status for r in result}
            if "cancelled" in statuses:
                state = CANCELLED
            elif statuses == {"failed"}:
                state = FAILED
                job.error = result[0].error
        self._finish(job, state)

    def _on_failed(self, job_id: int, message: str) -> None:
        job = self.jobs.get(job_id)
        if job is not None:
            job.error = message
            self._finish(job, CANCELLED if job.cancel_event.is_set() else FAILED)

    def _on_stopped(self, job_id: int) -> None:
        job = self.jobs.get(job_id)
        if job is not None:
            self._finish(job, STOPPED)

    def _finish(self, job: Job, state: str) -> None:
        was_busy = self.busy
        job.state = state
        if self.running is job:
            self.running = None
        self.job_finished.emit(job)
        if was_busy and not self.busy:
            self.busy_changed.emit(False)
        self._next()
