"""Editing: corrections, speakers and a recording's details, written by the import worker.

Wired by the main window (``EditActions(window)``) to the transcript's and the library's
intent signals and to the Edit menu. Every write runs on the worker thread (the archive's
one writer), ahead of imports still waiting; the window refreshes what shows it when the
job ends.
"""

from __future__ import annotations

from typing import Optional

from PySide6.QtWidgets import QInputDialog

from archive import views
from archive.status import Outcome
from desktop.import_worker import Job, JobKind


class EditActions:
    def __init__(self, window):
        self.window = window

    def correct_segment(self, segment_id: int, text: str) -> Job:
        from archive.editing import correct_segment

        w = self.window
        w.statusBar().showMessage("Saving the correction…" + (" (after the current import step)" if w.imports.busy else ""))
        return w.imports.run_edit("Correction", lambda archive: correct_segment(archive, segment_id, text))

    def set_speaker(self, segment_ids, speaker: str) -> Job:
        from archive.editing import set_speaker

        ids = list(segment_ids)
        return self.window.imports.run_edit("Speaker", lambda archive: set_speaker(archive, ids, speaker))

    def ask_speaker(self, segment_ids, current: str = "") -> None:
        """Who speaks in these segments (``current``: the first one's speaker)."""
        if not segment_ids:
            return
        known = views.speakers(self.window.archive)
        items = ([current] if current and current not in known else []) + known
        n = len(segment_ids)
        name, ok = QInputDialog.getItem(
            self.window, "Speaker", f"Who is speaking in {n} segment{'s' if n != 1 else ''}? "
            "(leave empty to clear)", items or [""], items.index(current) if current in items else 0, True,
        )
        if ok:
            self.set_speaker(segment_ids, name.strip())

    def rename_speaker(self, old: str) -> None:
        w = self.window
        rid = w.recording_view.recording_id
        if rid is None:
            return
        new, ok = QInputDialog.getText(w, "Rename speaker", f"Rename “{old}” in this recording to:", text=old)
        if ok and new.strip() and new.strip() != old:
            from archive.editing import rename_speaker

            w.imports.run_edit("Rename speaker", lambda archive: rename_speaker(archive, rid, old, new.strip()))

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
                archive, recording_id, title=m.title, body=m.body, date=m.date, kind=m.kind))

        dialog.accepted.connect(save)
        dialog.finished.connect(lambda _r: dialog.deleteLater())
        dialog.open()

    def job_finished(self, job: Job, outcome: Outcome) -> None:
        """An edit ended: say so, and show the archive as it now is."""
        if job.kind != JobKind.EDIT:
            return
        w = self.window
        if outcome == Outcome.FAILED:
            w.statusBar().showMessage(f"{job.label} failed: {job.error}", 10000)
            w.reload_open_transcript()
        else:
            w.statusBar().showMessage(f"{job.label}: saved and searchable.", 5000)
            w.archive_changed(w.recording_view.recording_id)
