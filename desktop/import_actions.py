"""Importing: choosing or dropping files, the import dialog, the queue panel, and the saved
queue of imports a quit left unstarted.

Wired by the main window (``ImportActions(window)``) to the File menu, to drops on the
window, to the queue panel's Cancel and Resume and to the import controller's signals. The
controller runs the jobs; this shows their progress in the queue panel and the library's
Status cell, says through the window's one change signal when a recording comes or goes,
and keeps the files not yet started in the settings (``import/pending``) for the next start.

Cancel asks first once an import has run a few seconds (``CONFIRM_AFTER_S``); what it made
is then kept, and Resume continues it. A cancel in the first seconds asks nothing and keeps
nothing (``discard``).
"""

from __future__ import annotations

import json
import logging
import time
from pathlib import Path
from typing import Optional

from PySide6.QtWidgets import QFileDialog, QMessageBox

from archive import views
from archive.status import Outcome, Status
from desktop.import_queue import FINAL, short_name
from desktop.import_worker import Job, JobKind

log = logging.getLogger(__name__)

PENDING_KEY = "import/pending"
MEDIA_FILTER = (
    "Audio and video (*.wav *.mp3 *.flac *.ogg *.oga *.opus *.m4a *.aac *.wma *.aiff *.aif "
    "*.mp4 *.mkv *.webm *.mov *.avi *.m4v *.mpg *.mpeg *.ts *.wmv *.cabundle);;All files (*)"
)
TRANSCRIPT_RELOAD_S = 2.0  # while a recording that is open is transcribed, show its new segments this often
CONFIRM_AFTER_S = 5.0  # cancelling an import that has run longer asks first, and keeps its work


class ImportActions:
    def __init__(self, window):
        self.window = window
        self.dialog = None  # the import dialog last opened
        self.cancel_box: Optional[QMessageBox] = None  # the cancel confirmation last opened
        self._last_transcript_reload = 0.0
        self._changed_jobs: set[int] = set()  # jobs that already told every view of a recording

    # --- asking -----------------------------------------------------------------------
    def import_files_dialog(self) -> None:
        paths, _ = QFileDialog.getOpenFileNames(self.window, "Import recordings", "", MEDIA_FILTER)
        if paths:
            self.request_import(paths)

    def import_folder_dialog(self) -> None:
        folder = QFileDialog.getExistingDirectory(self.window, "Import a folder of recordings")
        if folder:
            self.request_import([folder])

    def request_import(self, paths) -> None:
        """Ask for the details of dropped or chosen files, then queue them."""
        from archive.importer import expand_inputs
        from desktop.import_dialog import ImportDialog

        w = self.window
        files, problems = [], []
        for path, error in expand_inputs(paths):
            (problems if error else files).append(error or str(path))
        if problems:
            w.statusBar().showMessage(problems[0], 8000)
        if not files:
            return
        dialog = ImportDialog(files, views.bodies(w.archive), w.prefs.default_body, w)
        dialog.setObjectName("importDialog")
        dialog.accepted.connect(lambda: self.start_import(files, dialog.meta(), dialog.prompt()))
        dialog.finished.connect(lambda _r: dialog.deleteLater())
        self.dialog = dialog
        dialog.open()

    # --- queueing ---------------------------------------------------------------------
    def start_import(self, files, meta, prompt: Optional[str] = None) -> list[Job]:
        w = self.window
        options = w.settings.transcribe_options(w.prefs)
        jobs = [w.imports.import_file(f, meta, prompt, w.prefs.engine, options) for f in files]
        w.queue_dock.show()
        if w.recording_view.recording_id is None:
            w.show_library()  # the library shows each new recording's progress too
        return jobs

    def import_demo(self) -> list[Job]:
        from archive.importer import ImportMeta

        path, meta = views.demo_recording()
        return self.start_import([str(path)], ImportMeta(**meta))

    def resume_unfinished(self) -> None:
        """Imports a previous run left: open jobs in the catalog, then files never started."""
        w = self.window
        options = w.settings.transcribe_options(w.prefs)
        if views.open_jobs(w.archive):
            w.imports.resume(w.prefs.engine, options)
            w.queue_dock.show()
        for item in self._take_pending():
            if item.get("path") and Path(item["path"]).exists():
                from archive.importer import ImportMeta

                meta = ImportMeta(**{k: item.get(k) for k in ("title", "body", "date")}, kind=item.get("kind") or "meeting")
                w.imports.import_file(item["path"], meta, item.get("prompt"), w.prefs.engine, options)
                w.queue_dock.show()

    def save_pending(self, waiting: list[Job]) -> None:
        """Remember imports that had not started when the app quit (queued again next time)."""
        if waiting:
            self.window.settings.set_value(PENDING_KEY, json.dumps([j.pending() for j in waiting]))

    def _take_pending(self) -> list[dict]:
        settings = self.window.settings
        pending = settings.value(PENDING_KEY, "")
        settings.set_value(PENDING_KEY, "")
        if not pending:
            return []
        try:
            items = json.loads(pending)
        except ValueError:
            log.warning("the saved queue of imports is unreadable and was dropped: %.200r", pending)
            return []
        return [item for item in items if isinstance(item, dict)] if isinstance(items, list) else []

    # --- cancel and resume -------------------------------------------------------------
    def cancel(self, job_id: int) -> None:
        """Cancel at once if it has not started or started seconds ago (nothing kept); else
        ask, and keep what it made for Resume."""
        w = self.window
        job = w.imports.jobs.get(job_id)
        if job is None or job.finished:
            return
        if not job.started:
            w.imports.cancel(job_id)
        elif job.kind == JobKind.IMPORT and time.monotonic() - job.started_at < CONFIRM_AFTER_S:
            w.imports.cancel(job_id, discard=True)
        else:
            self._confirm_cancel(job)

    def _confirm_cancel(self, job: Job) -> None:
        if job.kind == JobKind.RETRANSCRIBE:  # archive.retranscribe drops an unfinished version
            box = QMessageBox(QMessageBox.Icon.Question, "Cancel this re-transcription?",
                              f"Stop re-transcribing “{job.label}”?", parent=self.window)
            box.setInformativeText("The new version so far is dropped and the current transcript stays "
                                   "as it is; Re-transcribe starts again from the beginning.")
        else:
            box = QMessageBox(QMessageBox.Icon.Question, "Cancel this import?",
                              f"Stop importing “{job.label}”?", parent=self.window)
            box.setInformativeText("What has been transcribed so far is kept: Resume in the Imports panel "
                                   "continues it, and Remove in the Library deletes it.")
        stop = box.addButton("Cancel Import", QMessageBox.ButtonRole.AcceptRole)
        box.setDefaultButton(box.addButton("Keep Importing", QMessageBox.ButtonRole.RejectRole))
        box.setObjectName("cancelImport")
        box.finished.connect(lambda _r: box.deleteLater())

        def clicked(button) -> None:
            if button is stop:
                self.window.imports.cancel(job.id)  # kept: Resume continues it

        box.buttonClicked.connect(clicked)
        self.cancel_box = box
        box.open()

    def resume_row(self, key) -> Optional[Job]:
        """Resume on a cancelled row (the pipeline continues its recording) or a failed one
        (the file is imported again); the old row goes."""
        w = self.window
        row, job = w.queue.rows.get(key), w.imports.jobs.get(w.queue.job_of(key))
        if row is None or job is None:
            return None
        options = w.settings.transcribe_options(w.prefs)
        if row.recording_id is not None and views.recording(w.archive, row.recording_id) is not None:
            new = w.imports.resume(w.prefs.engine, options, [row.recording_id], label=row.name.text())
        elif row.path or job.path:
            new = w.imports.import_file(row.path or job.path, job.meta, job.prompt, w.prefs.engine, options)
        else:
            return None
        w.queue.dismiss(key)
        w.queue_dock.show()
        return new

    def batch_finished(self, summary: str) -> None:
        self.window.statusBar().showMessage(f"Imports: {summary}", 15000)

    # --- progress ---------------------------------------------------------------------
    def job_added(self, job: Job) -> None:
        if job.kind == JobKind.IMPORT:
            self.window.queue.update_row(job.id, job.id, job.label, Status.QUEUED, path=job.path)
        self.window.update_empty_state()

    def job_event(self, job: Job, event) -> None:
        w = self.window
        key = job.id if job.kind == JobKind.IMPORT else (job.id, event.path)
        label = job.label if job.kind == JobKind.IMPORT else short_name(event.path)
        rid = event.recording_id
        w.queue.update_row(key, job.id, label, event.stage, event.progress, event.message, event.path, rid,
                           event.where)
        if rid is None:
            return
        if event.stage in FINAL or not w.library.model.set_progress(rid, event.stage, event.progress):
            self._changed_jobs.add(job.id)  # it came, or it ended: every view follows
            w.archive_changed(rid, "import")
        elif w.recording_view.recording_id == rid and event.stage == Status.TRANSCRIBING and \
                time.monotonic() - self._last_transcript_reload > TRANSCRIPT_RELOAD_S:
            self._last_transcript_reload = time.monotonic()
            w.reload_open_transcript()

    def job_finished(self, job: Job, outcome: Outcome) -> None:
        if not job.is_import:
            return
        w = self.window
        w.queue.finish_job(job.id, outcome, job.error)
        if outcome == Outcome.FAILED and job.error and job.id not in map(w.queue.job_of, w.queue.rows):
            w.statusBar().showMessage(f"{job.label}: {job.error}", 15000)  # a resume with no row yet (no cluster, say)
        if job.id not in self._changed_jobs and job.started:  # (a worker error, say): show the archive as it is
            w.archive_changed(None, "import")
        self._changed_jobs.discard(job.id)
        w.update_empty_state()
