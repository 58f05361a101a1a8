"""Exporting: a transcript, an audio clip, or every hit of a search, to a file the user picks.

Wired by the main window (``ExportActions(window)``) to the File menu and to the library's,
the transcript's and the search panel's export signals. Tests replace
:meth:`ExportActions.ask_save_path` and :meth:`ExportActions.ask_clip_options`.
"""

from __future__ import annotations

import logging
from contextlib import contextmanager
from pathlib import Path
from typing import Optional

from PySide6.QtCore import Qt
from PySide6.QtGui import QGuiApplication
from PySide6.QtWidgets import QFileDialog, QMessageBox

from archive import views
from archive.citation import hit_quote
from desktop.export_dialogs import (
    CLIP_FILTERS,
    RESULT_FILTERS,
    TRANSCRIPT_FILTERS,
    ClipDialog,
    ext_of_filter,
    filter_string,
    transcript_format,
    with_extension,
)

log = logging.getLogger(__name__)


@contextmanager
def _busy_cursor():
    QGuiApplication.setOverrideCursor(Qt.CursorShape.WaitCursor)
    try:
        yield
    finally:
        QGuiApplication.restoreOverrideCursor()


class ExportActions:
    def __init__(self, window):
        self.window = window
        self.export_dir: Optional[str] = None  # where the last export went
        self.last_clip_citation: Optional[str] = None
        self.error_box: Optional[QMessageBox] = None

    def _say(self, message: str, ms: int = 0) -> None:
        self.window.statusBar().showMessage(message, ms)

    # --- asking ---------------------------------------------------------------------------
    def ask_save_path(self, title: str, default_name: str, filters) -> Optional[str]:
        """A save dialog; ``filters``: (label, ext) pairs. None when cancelled."""
        start = str(Path(self.export_dir or Path.home()) / default_name)
        dialog = QFileDialog(self.window, title, start, filter_string(filters))
        dialog.setAcceptMode(QFileDialog.AcceptMode.AcceptSave)
        dialog.setFileMode(QFileDialog.FileMode.AnyFile)
        suffix = Path(default_name).suffix.lstrip(".")
        for label, ext in filters:
            if ext == suffix:
                dialog.selectNameFilter(filter_string([(label, ext)]))

        def filter_chosen(selected: str) -> None:  # the file name follows the chosen format
            ext = ext_of_filter(selected, filters)
            names = dialog.selectedFiles()
            if ext and names:
                dialog.selectFile(Path(names[0]).with_suffix(f".{ext}").name)

        dialog.filterSelected.connect(filter_chosen)
        try:
            if dialog.exec() != QFileDialog.DialogCode.Accepted or not dialog.selectedFiles():
                return None
            path, selected = dialog.selectedFiles()[0], dialog.selectedNameFilter()
        finally:
            dialog.deleteLater()
        self.export_dir = str(Path(path).parent)
        return with_extension(path, selected, filters)

    def ask_clip_options(self, start: float, end: float, rec=None):
        """The clip dialog, prefilled; returns ClipOptions or None."""
        dialog = ClipDialog(start, end, duration=getattr(rec, "duration", None),
                            title=getattr(rec, "title", "") or "", parent=self.window)
        try:
            return dialog.options() if dialog.exec() == ClipDialog.DialogCode.Accepted else None
        finally:
            dialog.deleteLater()

    def report_error(self, what: str, exc: BaseException) -> None:
        """An export failed: one line in the status bar and a (non-blocking) message box."""
        message = str(exc) or type(exc).__name__
        self._say(f"{what} failed: {message}", 10000)
        box = QMessageBox(QMessageBox.Icon.Warning, what, f"{what} failed:\n{message}",
                          QMessageBox.StandardButton.Ok, self.window)
        box.setAttribute(Qt.WidgetAttribute.WA_DeleteOnClose)
        self.error_box = box
        box.open()

    def _run(self, label: str, work):
        """Run one export with a wait cursor; on failure report it and return None."""
        try:
            with _busy_cursor():
                return work()
        except Exception as exc:
            log.info("%s failed", label, exc_info=True)
            self.report_error(label, exc)
            return None

    # --- transcripts ----------------------------------------------------------------------
    def _target(self) -> Optional[int]:
        """The recording to export: the Library's selection when it shows, else the open one."""
        w = self.window
        if w.tabs.currentWidget() is w.library and w.library.selected_recording() is not None:
            return w.library.selected_recording()
        return w.recording_view.recording_id or w.library.selected_recording()

    def export_transcript(self, recording_id: Optional[int] = None) -> Optional[Path]:
        from archive.exports import default_export_name, export_transcript

        archive = self.window.archive
        rid = recording_id if recording_id is not None else self._target()
        if rid is None:
            self._say("Open or select a recording to export its transcript.", 6000)
            return None
        rec = views.recording(archive, rid)
        if rec is None:
            self._say(f"Recording {rid} is no longer in the archive.", 6000)
            return None
        path = self.ask_save_path("Export transcript", default_export_name(rec, "txt"), TRANSCRIPT_FILTERS)
        if not path:
            return None
        out = Path(path)
        fmt = transcript_format(out)
        if self._run("Exporting the transcript", lambda: export_transcript(archive, rid, fmt, out) or out) is None:
            return None
        self._say(f"Exported “{rec.title}” to {out}", 8000)
        return out

    # --- clips ----------------------------------------------------------------------------
    def export_clip_from_selection(self) -> None:
        """File menu: the transcript's selected segments, else the current hit."""
        w = self.window
        span = w.transcript.selected_range() if w.recording_view.recording_id is not None else None
        if span is not None and not w.search_panel.view.hasFocus():
            self.export_clip(*span)
        elif w.search_panel.current_hit() is not None:
            self.export_hit_clip(w.search_panel.current_hit())
        else:
            self._say("Select part of a transcript or a search hit to export a clip.", 6000)

    def export_hit_clip(self, hit) -> Optional[Path]:
        """A clip of the hit's quote (its passage, archive.citation), padded as the dialog says."""
        quote = hit_quote(hit)
        return self.export_clip(quote.start, quote.end, quote.recording_id)

    def export_clip(self, start: float, end: float, recording_id: Optional[int] = None) -> Optional[Path]:
        from archive.clips import default_clip_name, make_clip

        archive = self.window.archive
        rid = recording_id if recording_id is not None else self.window.recording_view.recording_id
        rec = views.recording(archive, rid) if rid is not None else None
        if rec is None:
            self._say("Open a recording to export a clip of it.", 6000)
            return None
        options = self.ask_clip_options(start, end, rec)
        if options is None:
            return None
        default = default_clip_name(rec, options.start, options.fmt)
        filters = sorted(CLIP_FILTERS, key=lambda f: f[1] != options.fmt)  # the chosen format first
        path = self.ask_save_path("Export clip", default, filters)
        if not path:
            return None
        out = Path(path)
        fmt = out.suffix.lower().lstrip(".")
        made = self._run(
            "Exporting the clip", lambda: make_clip(archive, rid, options.start, options.end, out, fmt=fmt, pad=options.pad)
        )
        if made is None:
            return None
        out, cite = made
        self.last_clip_citation = cite
        self._say(f"Saved {out.name}: {cite}")
        return out

    # --- search results -------------------------------------------------------------------
    def export_results(self) -> Optional[Path]:
        from archive.exports import safe_filename, write_results

        searching = self.window.searching
        request = searching.last_request
        if request is None or request.empty:
            self._say("Search for something first, then export its results.", 6000)
            return None
        path = self.ask_save_path("Export results", safe_filename(f"search {request.query}", "results") + ".csv",
                                  RESULT_FILTERS)
        if not path:
            return None
        out = Path(path)
        n = self._run("Exporting the results", lambda: write_results(self.window.archive, searching.all_hits(request), out))
        if n is None:
            return None
        self._say(f"Saved {n} hit{'s' if n != 1 else ''} for “{request.query.strip()}” to {out}", 8000)
        return out
