"""Editing: corrections, a recording's details and removing a recording, written by the
import worker.

Wired by the main window (``EditActions(window)``) to the transcript's and the library's
intent signals and to the Edit menu. Every write runs on the worker thread (the archive's
one writer), ahead of imports still waiting. When any edit job ends (speaker changes of
desktop.speaker_actions too) this says so and emits the window's one change signal.
"""

from __future__ import annotations

from typing import Optional

from PySide6.QtWidgets import QMessageBox

from archive import views
from archive.status import Outcome, Status
from desktop.archive_events import Change
from desktop.import_worker import Job, JobKind


class EditActions:
    def __init__(self, window):
        self.window = window
        self.remove_box: Optional[QMessageBox] = None  # the confirmation last opened

    def correct_segment(self, segment_id: int, text: str) -> Job:
        from archive.editing import correct_segment

        w = self.window
        w.statusBar().showMessage("Saving the correction…" + (" (after the current import step)" if w.imports.busy else ""))
        return w.imports.run_edit("Correction", lambda archive: correct_segment(archive, segment_id, text),
                                  Change("transcript", w.recording_view.recording_id))

    def edit_details(self, recording_id: Optional[int]) -> None:
        w = self.window
        rec = views.recording(w.archive, recording_id) if recording_id is not None else None
        if rec is None:
            return
        from archive.editing import edit_recording
        from archive.importer import ImportMeta
        from desktop.import_dialog import ImportDialog

        dialog = ImportDialog([rec.source_path or rec.title], views.bodies(w.archive), parent=w,
                              meta=ImportMeta(rec.title, rec.body, rec.date, rec.kind or "meeting"), edit_only=True)

        def save():
            m = dialog.meta()
            w.imports.run_edit("Recording details", lambda archive: edit_recording(
                archive, recording_id, title=m.title, body=m.body, date=m.date, kind=m.kind), Change("details", recording_id))

        dialog.accepted.connect(save)
        dialog.finished.connect(lambda _r: dialog.deleteLater())
        dialog.open()

    def remove_recording(self, recording_id: int) -> None:
        """Ask, then take the recording out of the archive (catalog, index, stored media)."""
        w = self.window
        rec = views.recording(w.archive, recording_id)
        if rec is None:
            return
        if rec.status not in (Status.INDEXED, Status.FAILED, Status.CANCELLED) and w.imports.busy:
            w.statusBar().showMessage(f"“{rec.title}” is still being imported: cancel its import first.", 8000)
            return
        box = QMessageBox(QMessageBox.Icon.Warning, "Remove recording?",
                          f"Remove “{rec.title}” from the archive?", parent=w)
        box.setInformativeText("Its transcript, corrections and speaker names are deleted, and so is the "
                               "archive's copy of its media. The original file is not touched.")
        remove_button = box.addButton("Remove", QMessageBox.ButtonRole.DestructiveRole)
        box.setDefaultButton(box.addButton(QMessageBox.StandardButton.Cancel))
        box.setObjectName("removeRecording")
        box.finished.connect(lambda _r: box.deleteLater())

        def clicked(button) -> None:
            if button is remove_button:
                from archive.editing import remove

                w.imports.run_edit(f"Removed “{rec.title}”", lambda archive: remove(archive, recording_id),
                                   Change("removed", recording_id))

        box.buttonClicked.connect(clicked)
        self.remove_box = box
        box.open()

    def job_finished(self, job: Job, outcome: Outcome) -> None:
        """An edit ended: say so, and show the archive as it now is."""
        if job.kind != JobKind.EDIT:
            return
        w = self.window
        if outcome == Outcome.FAILED:
            w.statusBar().showMessage(f"{job.label} failed: {job.error}", 10000)
            w.reload_open_transcript()
        else:
            removed = job.change is not None and job.change.what == "removed"
            w.statusBar().showMessage(f"{job.label}." if removed else f"{job.label}: saved and searchable.", 5000)
            change = job.change or Change("edit", w.recording_view.recording_id)
            w.archive_changed(change.recording_id, change.what)
