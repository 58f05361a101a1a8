"""Importing: choosing or dropping files, the import dialog, the queue panel, and the saved
queue of imports a quit left unstarted.

Wired by the main window (``ImportActions(window)``) to the File menu, to drops on the
window and to the import controller's signals. The controller runs the jobs; this shows
their progress in the queue panel and the library, and keeps the files not yet started
in the settings (``import/pending``) for the next start.
"""

from __future__ import annotations

import json
import logging
import time
from pathlib import Path
from typing import Optional

from PySide6.QtWidgets import QFileDialog

from archive import views
from archive.status import Outcome, Status
from desktop.import_queue import short_name
from desktop.import_worker import Job, JobKind

log = logging.getLogger(__name__)

PENDING_KEY = "import/pending"
MEDIA_FILTER = (
    "Audio and video (*.wav *.mp3 *.flac *.ogg *.oga *.opus *.m4a *.aac *.wma *.aiff *.aif "
    "*.mp4 *.mkv *.webm *.mov *.avi *.m4v *.mpg *.mpeg *.ts *.wmv *.cabundle);;All files (*)"
)
TRANSCRIPT_RELOAD_S = 2.0  # while a recording that is open is transcribed, show its new segments this often


class ImportActions:
    def __init__(self, window):
        self.window = window
        self.dialog = None  # the import dialog last opened
        self._last_transcript_reload = 0.0

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

    # --- progress ---------------------------------------------------------------------
    def job_added(self, job: Job) -> None:
        if job.kind == JobKind.IMPORT:
            self.window.queue.update_row(job.id, job.id, job.label, Status.QUEUED)
        self.window.update_empty_state()

    def job_event(self, job: Job, event) -> None:
        w = self.window
        key = job.id if job.kind == JobKind.IMPORT else (job.id, event.path)
        label = job.label if job.kind == JobKind.IMPORT else short_name(event.path)
        w.queue.update_row(key, job.id, label, event.stage, event.progress, event.message)
        rid = event.recording_id
        if rid is None:
            return
        if event.stage == Status.TRANSCRIBING:
            if not w.library.model.set_progress(rid, Status.TRANSCRIBING, event.progress):
                self._refresh_recording(rid)
            if w.recording_view.recording_id == rid and time.monotonic() - self._last_transcript_reload > TRANSCRIPT_RELOAD_S:
                self._last_transcript_reload = time.monotonic()
                w.reload_open_transcript()
        else:
            self._refresh_recording(rid)
        if event.stage == Outcome.INDEXED:
            w.archive_changed(rid)

    def _refresh_recording(self, rid: int) -> None:
        w = self.window
        rec = views.recording(w.archive, rid)
        if rec is None:
            w.library.model.remove_recording(rid)
            if w.recording_view.recording_id == rid:
                w.recording_view.clear()
        else:
            w.library.model.update_recording(rec)

    def job_finished(self, job: Job, outcome: Outcome) -> None:
        if not job.is_import:
            return
        w = self.window
        w.queue.finish_job(job.id, outcome, job.error)
        if not w.closing:
            w.reload_library()
            w.update_empty_state()
