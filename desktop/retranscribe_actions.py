"""Re-transcribing a recording, and choosing which of its transcript versions is current.

Wired by the main window (``RetranscribeActions(window)``) to Recording > Re-transcribe...,
to the Library's ``retranscribeRequested`` and to the recording view's version selector.

Re-transcribe asks first, in a dialog that names the model and engine in Settings and,
when people corrected the transcript, says that the new version will not have those
corrections (they stay in the version before it). The work then runs on the import worker
like an import (desktop.import_worker, ``JobKind.RETRANSCRIBE``): its progress shows in the
Imports panel and the Library, and when the new version is whole it becomes current and the
archive's one change signal refreshes every view.

Choosing an earlier version in the recording view makes it current again
(:func:`archive.retranscribe.use_version`, on the worker as an edit); every view follows.
"""

from __future__ import annotations

from typing import Optional

from PySide6.QtWidgets import QMessageBox

from archive import retranscribe, views
from desktop.archive_events import Change


class RetranscribeActions:
    def __init__(self, window):
        self.window = window
        self.confirm_box: Optional[QMessageBox] = None  # the question last asked

    # --- re-transcribe ---------------------------------------------------------------
    def retranscribe(self, recording_id: Optional[int] = None) -> Optional[QMessageBox]:
        """Ask, then queue a new transcript version of the recording (the one shown when
        ``recording_id`` is None)."""
        w = self.window
        rid = recording_id if recording_id is not None else w.recording_view.recording_id
        rec = views.recording(w.archive, rid) if rid is not None else None
        if rec is None:
            w.statusBar().showMessage("Open a recording (or pick one in the Library) to re-transcribe it.", 6000)
            return None
        found = retranscribe.versions(w.archive.catalog, rid)
        current = next((v for v in found if v.current), None)
        if current is None or any(not v.complete for v in found):
            w.statusBar().showMessage(f"“{rec.title}” is still being transcribed.", 6000)
            return None
        options = w.settings.transcribe_options(w.prefs)
        box = QMessageBox(QMessageBox.Icon.Question, "Re-transcribe?", f"Re-transcribe “{rec.title}”?", parent=w)
        box.setObjectName("retranscribeConfirm")
        text = (f"A new transcript version is made with {options.model or 'the bundled tiny.en'} "
                f"({w.prefs.engine}, as in Settings). It replaces version {current.number} "
                f"({current.model or current.engine}) once it is finished; version {current.number} is kept "
                "and can be chosen again above the transcript.")
        if current.corrections:
            box.setIcon(QMessageBox.Icon.Warning)
            n = current.corrections
            text += (f"\n\nPeople corrected {n} passage{'s' * (n != 1)} of this transcript. The new version "
                     f"will not have {'those corrections' if n != 1 else 'that correction'}: "
                     f"{'they stay' if n != 1 else 'it stays'} in version {current.number}.")
        box.setInformativeText(text)
        go = box.addButton("Re-transcribe", QMessageBox.ButtonRole.AcceptRole)
        box.setDefaultButton(box.addButton(QMessageBox.StandardButton.Cancel))
        box.finished.connect(lambda _r: box.deleteLater())
        box.buttonClicked.connect(lambda button: button is go and self.start(rid, rec.title))
        self.confirm_box = box
        box.open()
        return box

    def start(self, recording_id: int, title: str):
        """Queue the re-transcription on the import worker (no question asked)."""
        w = self.window
        job = w.imports.retranscribe(w.prefs.engine, w.settings.transcribe_options(w.prefs), [recording_id],
                                     label=f"Re-transcribe {title}")
        w.queue_dock.show()
        w.statusBar().showMessage(f"Re-transcribing “{title}”: the current transcript stays until the new one "
                                  "is finished.", 8000)
        return job

    # --- versions --------------------------------------------------------------------
    def show_versions(self, recording_id: int) -> None:
        """The recording view's version selector, for the recording shown."""
        rows = [(v.number, version_label(v), v.current) for v in retranscribe.versions(self.window.archive.catalog,
                                                                                      recording_id) if v.complete]
        self.window.recording_view.set_versions(rows)

    def use_version(self, number: int) -> None:
        """Make version ``number`` of the recording shown current (on the worker, as an edit)."""
        w = self.window
        rid = w.recording_view.recording_id
        if rid is None:
            return
        w.imports.run_edit(f"Version {number} made current", lambda archive: retranscribe.use_version(archive, rid, number),
                           Change("transcript", rid))  # every view follows once it has landed (EditActions)


def version_label(v: retranscribe.Version) -> str:
    """How the selector names a version: "Version 2 · base.en · 2026-12-04 (current)"."""
    parts = [f"Version {v.number}", v.model or v.engine or v.source, (v.created or "")[:10]]
    if v.corrections:
        parts.append(f"{v.corrections} corrected")
    return " · ".join(p for p in parts if p) + (" (current)" if v.current else "")
