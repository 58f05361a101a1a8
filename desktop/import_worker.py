"""Imports (and edits) run on one worker QObject in its own QThread: the archive's one writer.

``ImportWorker`` lives in the thread. It opens its *own* :class:`archive.store.Archive`
there (SQLite connections are not shared across threads), drives
:class:`archive.importer.Importer`, and reports each ``ImportEvent`` by signal.

``ImportController`` lives in the GUI thread. It keeps the queue and hands the worker one
job at a time. Each job carries one :class:`archive.cancel.CancelToken`, which the
importer checks between segments (never ``QThread.terminate()``):

* Cancel: ``token.cancel()``; what was made is kept, its job closed, for a resume of that
  recording (``Outcome.CANCELLED``); ``cancel(discard=True)`` removes what this import made;
* Quit: ``token.stop()``; what was transcribed stays committed and its job stays open, so
  ``Importer.resume()`` finishes it on the next start (``Outcome.STOPPED``).

With a Ray cluster named in Settings (``ImportController.set_cluster``), each import job
queued from then on carries its address: the worker connects in its own thread (Ray takes
seconds; :func:`archive.cluster.cluster_work` checks every worker first, and a
``ClusterError`` fails the job with its one line, nothing changed) and imports with the
cluster's transcriber and diarizer. Ray allows one connection per process: it is kept
from job to job while the address, shared path, engine and options stay the same, and
closed when they change, when a job runs locally again, after ``IDLE_RELEASE_S`` of an
idle queue, when the cluster is lost mid-import, and at quit. Without a cluster nothing
imports Ray.

However a job ends, it ends once, with a typed :class:`archive.status.Outcome` on the
worker's ``finished`` signal, on the controller's ``job_finished`` signal and on the Job.
"""

from __future__ import annotations

import contextlib
import dataclasses
import itertools
import logging
import time
from collections import deque
from dataclasses import dataclass, field
from enum import StrEnum
from pathlib import Path
from typing import Any, Callable, Optional, Sequence

from PySide6.QtCore import QCoreApplication, QObject, QThread, QTimer, Signal, Slot

from archive.cancel import CancelToken
from archive.status import Outcome

log = logging.getLogger(__name__)

TranscriberFactory = Callable[[str, Any, Optional[str]], Any]  # (engine, TranscribeOptions, cache_dir)
ClusterWork = Callable[..., Any]  # archive.cluster.cluster_work's signature: a context manager
IDLE_RELEASE_S = 300.0  # an idle queue lets go of the cluster (and a local Ray instance's processes)


class JobKind(StrEnum):
    IMPORT = "import"  # one file
    RESUME = "resume"  # the imports an earlier run left unfinished
    RETRANSCRIBE = "retranscribe"  # new transcript versions of recordings (archive.retranscribe)
    EDIT = "edit"  # a correction, a speaker, a recording's details


@dataclass
class Job:
    id: int
    kind: JobKind
    label: str
    path: Optional[str] = None
    meta: Any = None  # archive.importer.ImportMeta
    prompt: Optional[str] = None
    engine: str = "faster-whisper"
    options: Any = None  # transcription.types.TranscribeOptions
    call: Optional[Callable[[Any], Any]] = None  # EDIT: fn(archive) -> result, in the worker thread
    change: Any = None  # EDIT: the desktop.archive_events.Change it makes, for every view to refresh
    recording_ids: Optional[list] = None  # RESUME: only these recordings (cancelled ones too); None: every open job
    cluster: str = ""  # imports: the Ray cluster to transcribe on (Settings when queued); "": this computer
    shared_path: str = ""  # with a cluster: where its workers see the archive folder
    token: CancelToken = field(default_factory=CancelToken, repr=False)
    started: bool = False  # handed to the worker
    started_at: float = 0.0  # time.monotonic() when it was handed to the worker
    outcome: Optional[Outcome] = None  # how it ended; None while it waits or runs
    result: Any = None  # list[ImportResult] of an import, an edit's return value
    error: Optional[str] = None  # one line, when it failed (or the duplicate's note)

    @property
    def is_import(self) -> bool:
        return self.kind in (JobKind.IMPORT, JobKind.RESUME, JobKind.RETRANSCRIBE)

    @property
    def finished(self) -> bool:
        return self.outcome is not None

    @property
    def waiting(self) -> bool:
        return not self.started and self.outcome is None

    def pending(self) -> dict:
        """What is needed to queue this import again next time (kept in QSettings)."""
        meta = dataclasses.asdict(self.meta) if self.meta is not None else {}
        return {"path": self.path, "prompt": self.prompt, **meta}


def outcome_of(results: Sequence) -> tuple[Outcome, Optional[str]]:
    """One job's outcome from its files' ``ImportResult``s, with the line to show: a cancel
    or a stop wins; failed or duplicate only when every file was; else indexed."""
    statuses = [r.status for r in results]
    for outcome in (Outcome.CANCELLED, Outcome.STOPPED):
        if outcome in statuses:
            return outcome, None
    for outcome in (Outcome.FAILED, Outcome.DUPLICATE):
        if statuses and all(s == outcome for s in statuses):
            return outcome, results[0].error
    return Outcome.INDEXED, None


def _one_line(exc: BaseException) -> str:
    return str(exc).splitlines()[0] if str(exc) else type(exc).__name__


def default_transcriber_factory(engine: str, options, cache_dir: Optional[str]):
    from transcription.transcriber import Transcriber  # Whisper itself loads lazily, on first use

    return Transcriber(engine, options, cache_dir)


def default_cluster_work(address: str, engine: str, options, **kwargs):
    from archive.cluster import cluster_work  # only when a cluster is named: Ray loads then

    return cluster_work(address, engine, options, **kwargs)


class ImportWorker(QObject):
    event = Signal(int, object)  # job id, archive.import_io.ImportEvent
    finished = Signal(int, object, object, str)  # job id, Outcome, result, error line ("" if none)

    def __init__(self, archive_root: str, transcriber_factory: Optional[TranscriberFactory] = None,
                 cache_dir: Optional[str] = None, cluster_work: Optional[ClusterWork] = None):
        super().__init__()
        self.archive_root = archive_root
        self.factory = transcriber_factory or default_transcriber_factory
        self.cache_dir = cache_dir
        self.cluster_work = cluster_work or default_cluster_work
        self._archive = None
        self._transcriber = None
        self._transcriber_key = None
        self._cluster = None  # archive.cluster.ClusterWork, while connected
        self._cluster_key = None
        self._cluster_exit: Optional[contextlib.ExitStack] = None

    def archive(self):
        if self._archive is None:
            from archive.opening import open_archive  # the importer's modules: not at start-up

            self._archive = open_archive(self.archive_root)  # this thread's own connection, index current
        return self._archive

    def _transcriber_for(self, job: Job):
        """The loaded engine, kept from job to job while engine and options stay the same."""
        key = (job.engine, repr(job.options))
        if self._transcriber is None or self._transcriber_key != key:
            self._close_transcriber()
            self._transcriber = self.factory(job.engine, job.options, self.cache_dir)
            self._transcriber_key = key
        return self._transcriber

    def _workers_for(self, job: Job) -> tuple[Any, Any]:
        """``(transcriber, diarizer)``: the cluster's when the job names one (connected here,
        in the worker thread, and kept while the same), else this computer's engine and
        ``None`` (the importer's own diarizer)."""
        if not job.cluster:
            self.release_cluster()
            return self._transcriber_for(job), None
        key = (job.cluster, job.shared_path, job.engine, repr(job.options))
        if self._cluster is None or self._cluster_key != key:
            self.release_cluster()
            if job.kind == JobKind.IMPORT:  # seconds (a minute when the diarizer compiles): its row says why
                from archive.import_io import ImportEvent
                from archive.status import Status

                self.event.emit(job.id, ImportEvent(job.path, Status.QUEUED,
                                                    message=f"connecting to the Ray cluster at {job.cluster}"))
            self._close_transcriber()  # the local model's memory, while the cluster works
            stack = contextlib.ExitStack()
            self._cluster = stack.enter_context(self.cluster_work(  # a ClusterError: one line, nothing changed
                job.cluster, job.engine, job.options, cache_dir=self.cache_dir, archive_root=self.archive_root,
                shared_path=job.shared_path or None, speakers=True))
            self._cluster_exit, self._cluster_key = stack, key
            log.info("importing on the Ray cluster at %s: %s", job.cluster, self._cluster.describe())
        return self._cluster.transcriber, self._cluster.diarizer

    def _placed(self, job: Job, event):
        """A cluster job's transcribing or diarizing event says where, even before the first
        result names the nodes (the stages before and after run on this computer)."""
        from archive.status import Status

        if job.cluster and self._cluster is not None and event.where is None and \
                event.stage in (Status.TRANSCRIBING, Status.DIARIZING):
            return dataclasses.replace(event, where=self._cluster.nodes())
        return event

    @Slot()
    def release_cluster(self) -> None:
        """Let go of the cluster (Ray's one connection in this process), if connected."""
        stack, self._cluster_exit, self._cluster, self._cluster_key = self._cluster_exit, None, None, None
        if stack is not None:
            try:
                stack.close()
            except Exception:
                log.exception("closing the connection to the Ray cluster failed")

    def _close_transcriber(self) -> None:
        if self._transcriber is not None:
            try:
                self._transcriber.close()
            except Exception:
                log.exception("closing the transcription engine failed")
            self._transcriber = None

    @Slot(object)
    def run(self, job: Job) -> None:
        if job.token.is_set:  # cancelled or stopped before it started
            self.finished.emit(job.id, job.token.outcome, None, "")
            return
        try:
            archive = self.archive()
            if job.kind == JobKind.EDIT:
                self.finished.emit(job.id, Outcome.INDEXED, job.call(archive), "")
                return
            from archive.importer import Importer

            transcriber, diarizer = self._workers_for(job)
            importer = Importer(
                archive,
                job.engine,
                job.options,
                cache_dir=self.cache_dir,
                on_event=lambda e: self.event.emit(job.id, self._placed(job, e)),
                cancel=job.token,
                transcriber=transcriber,  # the worker keeps and closes it
                diarizer=diarizer,  # None: the importer's own, on this computer
            )
            if job.kind == JobKind.RETRANSCRIBE:
                results = importer.retranscribe(job.recording_ids)
            elif job.kind == JobKind.RESUME:
                results = importer.resume(job.recording_ids)
            else:
                results = importer.import_paths([job.path], job.meta, prompt=job.prompt)
            outcome, error = outcome_of(results)
            if job.cluster and outcome == Outcome.STOPPED and not job.token.is_set:
                self.release_cluster()  # the cluster was lost mid-file (its job stays open): connect afresh
            self.finished.emit(job.id, outcome, results, error or "")
        except Exception as exc:  # a busy archive, a bad edit, a broken engine, no cluster: one line for the GUI
            log.exception("%s job %r failed", job.kind, job.label)
            if job.cluster:
                self.release_cluster()
            self.finished.emit(job.id, Outcome.FAILED, None, _one_line(exc))

    @Slot()
    def close(self) -> None:
        self.release_cluster()
        self._close_transcriber()
        if self._archive is not None:
            self._archive.close()
            self._archive = None
        QThread.currentThread().quit()


class ImportController(QObject):
    """The GUI side: a queue of jobs, run one at a time on the worker thread."""

    job_added = Signal(object)  # Job (imports only)
    job_event = Signal(object, object)  # Job, ImportEvent
    job_finished = Signal(object, object)  # Job, Outcome
    busy_changed = Signal(bool)
    _submit = Signal(object)
    _close = Signal()
    _release = Signal()

    def __init__(self, archive_root: str, transcriber_factory: Optional[TranscriberFactory] = None,
                 cache_dir: Optional[str] = None, parent=None, cluster_work: Optional[ClusterWork] = None):
        super().__init__(parent)
        self.cluster, self.shared_path = "", ""  # Settings' cluster, given to the imports queued from now on
        self._ids = itertools.count(1)
        self._queue: deque[Job] = deque()
        self.jobs: dict[int, Job] = {}
        self.running: Optional[Job] = None
        self.thread = QThread()
        self.thread.setObjectName("import-worker")
        self.worker = ImportWorker(archive_root, transcriber_factory, cache_dir, cluster_work)
        self.worker.moveToThread(self.thread)
        self._submit.connect(self.worker.run)
        self._close.connect(self.worker.close)
        self._release.connect(self.worker.release_cluster)
        self._idle = QTimer(self)  # an idle queue lets go of the cluster
        self._idle.setSingleShot(True)
        self._idle.setInterval(int(IDLE_RELEASE_S * 1000))
        self._idle.timeout.connect(self._release)
        self.busy_changed.connect(lambda busy: self._idle.stop() if busy else self._idle.start())
        self.worker.event.connect(self._on_event)
        self.worker.finished.connect(self._on_finished)
        self._shut = False
        self.thread.start()

    # --- queueing ---------------------------------------------------------------------
    def set_cluster(self, address: str = "", shared_path: str = "") -> None:
        """The Ray cluster for the imports queued from now on ("" : this computer); the worker
        connects when the first of them runs."""
        self.cluster, self.shared_path = address.strip(), shared_path.strip() if address.strip() else ""

    def _add(self, job: Job, front: bool = False) -> Job:
        if job.is_import:
            job.cluster, job.shared_path = self.cluster, self.shared_path
        self.jobs[job.id] = job
        was_busy = self.busy
        if front:  # ahead of the imports, behind the edits asked for before it (they run in order)
            self._queue.insert(next((i for i, j in enumerate(self._queue) if j.kind != JobKind.EDIT), len(self._queue)), job)
        else:
            self._queue.append(job)
        if job.is_import:
            self.job_added.emit(job)
        if not was_busy and self.busy:
            self.busy_changed.emit(True)
        self._next()
        return job

    def import_file(self, path: str, meta, prompt: Optional[str], engine: str, options) -> Job:
        return self._add(Job(next(self._ids), JobKind.IMPORT, Path(path).name, path=str(path), meta=meta,
                             prompt=prompt, engine=engine, options=options))

    def resume(self, engine: str, options, recording_ids: Optional[list] = None, label: str = "Unfinished imports") -> Job:
        return self._add(Job(next(self._ids), JobKind.RESUME, label, engine=engine, options=options,
                             recording_ids=recording_ids))

    def retranscribe(self, engine: str, options, recording_ids: list, label: str) -> Job:
        """New transcript versions of these recordings (archive.retranscribe), run like an import."""
        return self._add(Job(next(self._ids), JobKind.RETRANSCRIBE, label, engine=engine, options=options,
                             recording_ids=list(recording_ids)))

    def run_edit(self, label: str, call: Callable[[Any], Any], change: Any = None) -> Job:
        """Run a write (an edit) on the worker, ahead of any import still waiting and after the
        edits asked for earlier; ``change``: what it changes (desktop.archive_events.Change)."""
        return self._add(Job(next(self._ids), JobKind.EDIT, label, call=call, change=change), front=True)

    def _next(self) -> None:
        if self.running is not None or self._shut or not self._queue:
            return
        job = self._queue.popleft()
        job.started, job.started_at = True, time.monotonic()
        self.running = job
        self._submit.emit(job)

    @property
    def busy(self) -> bool:
        """True while an import is queued or running (edits do not count)."""
        jobs = list(self._queue) + ([self.running] if self.running else [])
        return any(j.is_import and not j.finished for j in jobs)

    def waiting_imports(self) -> list[Job]:
        return [j for j in self._queue if j.kind == JobKind.IMPORT and j.waiting]

    # --- cancel and stop: the job's token, checked by the importer between segments ---
    def cancel(self, job_id: int, discard: bool = False) -> None:
        job = self.jobs.get(job_id)
        if job is None or job.finished:
            return
        job.token.cancel(discard)  # a running import ends CANCELLED, kept to resume (or removed: discard)
        if not job.started:
            self._queue.remove(job)
            self._finish(job, Outcome.CANCELLED)

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
            job.token.stop()
            job.outcome = Outcome.STOPPED
        if self.running is not None and self.running.is_import:
            self.running.token.stop()
        self.shutdown(timeout_ms)
        return waiting

    def shutdown(self, timeout_ms: int = 30000) -> None:
        if self._shut:
            return
        # let edits already asked for finish; imports have been stopped by stop()
        while self.running is not None or any(j.kind == JobKind.EDIT for j in self._queue):
            if self.running is None:
                self._next()
            self.thread.wait(50)
            QCoreApplication.processEvents()
            timeout_ms -= 50
            if timeout_ms <= 0:
                log.warning("the import worker is still busy with %r at shutdown", self.running and self.running.label)
                break
        self._shut = True
        self._idle.stop()
        self._close.emit()
        if not self.thread.wait(max(1000, timeout_ms)):
            # never terminate(): leave it to the OS at exit rather than corrupt the archive
            log.warning("the import worker thread did not end in time; leaving it to exit")

    # --- worker feedback --------------------------------------------------------------
    def _on_event(self, job_id: int, event) -> None:
        job = self.jobs.get(job_id)
        if job is not None:
            self.job_event.emit(job, event)

    def _on_finished(self, job_id: int, outcome: Outcome, result, error: str) -> None:
        job = self.jobs.get(job_id)
        if job is None:
            return
        job.result, job.error = result, error or None
        self._finish(job, outcome)

    def _finish(self, job: Job, outcome: Outcome) -> None:
        was_busy = self.busy
        job.outcome = outcome
        if self.running is job:
            self.running = None
        self.job_finished.emit(job, outcome)
        if was_busy and not self.busy:
            self.busy_changed.emit(False)
        self._next()
