"""The main window: lays out the panels and wires their intent signals to archive services.

Widgets stay passive (they emit what the user wants); this class decides what happens:
it runs searches through ``archive.views``, opens recordings, seeks the player, queues
imports and edits on the import controller, and puts citations on the clipboard.
"""

from __future__ import annotations

import json
import time
from contextlib import contextmanager
from pathlib import Path
from typing import Optional

from PySide6.QtCore import QByteArray, Qt, QTimer
from PySide6.QtGui import QAction, QGuiApplication, QKeySequence
from PySide6.QtWidgets import (
    QDockWidget,
    QFileDialog,
    QInputDialog,
    QMainWindow,
    QMessageBox,
    QSplitter,
    QTabWidget,
)

from archive import views
from desktop.import_queue import ImportQueuePanel, short_name
from desktop.import_worker import CANCELLED, DONE, EDIT, FAILED, IMPORT, STOPPED, ImportController, Job
from desktop.library import LibraryPanel
from desktop.recording_view import RecordingView
from desktop.search_panel import SearchPanel
from desktop.settings import AppSettings, Preferences
from transcription.formats import hms

PENDING_KEY = "import/pending"
QUERY_HELP = """<table cellspacing=4>
<tr><td><b>budget sidewalks</b></td><td>both words (stemmed: sidewalk finds sidewalks)</td></tr>
<tr><td><b>"opt out of the program"</b></td><td>the exact phrase</td></tr>
<tr><td><b>cameras OR sidewalks</b>, <b>budget -police</b></td><td>boolean logic</td></tr>
<tr><td><b>side*</b></td><td>prefixes</td></tr>
<tr><td><b>Donavan~</b></td><td>fuzzy matches (Whisper misspells names)</td></tr>
<tr><td><b>speaker:Brooks</b>, <b>kind:radio</b>, <b>title:budget</b></td><td>field filters</td></tr>
<tr><td><b>date:2011</b>, <b>date:2011-01-01..2011-06-30</b></td><td>dates and ranges</td></tr>
</table>"""


@contextmanager
def _busy_cursor():
    QGuiApplication.setOverrideCursor(Qt.CursorShape.WaitCursor)
    try:
        yield
    finally:
        QGuiApplication.restoreOverrideCursor()


class MainWindow(QMainWindow):
    def __init__(self, archive, settings: AppSettings, imports: ImportController, parent=None):
        super().__init__(parent)
        self.archive = archive
        self.settings = settings
        self.prefs: Preferences = settings.load()
        self.imports = imports
        self.setWindowTitle("Council Archive")
        self.setAcceptDrops(True)
        self._import_dialog = None
        self._last_transcript_reload = 0.0
        self._closing = False
        self._known: Optional[dict] = None  # filter values in the archive (catalog counts)
        self._last_request: Optional[views.SearchRequest] = None
        self._export_dir: Optional[str] = None
        self.last_clip_citation: Optional[str] = None

        self.search_panel = SearchPanel()
        self.library = LibraryPanel()
        self.recording_view = RecordingView()
        self.queue = ImportQueuePanel()
        self.player = self.recording_view.player
        self.transcript = self.recording_view.transcript
        self._build_layout()
        self._build_menus()
        self._wire()
        self.reload_library()
        self._update_empty_state()
        self.refresh_filters()
        if self.library.model.rowCount():
            self.show_library()

    # ================================================================ layout and menus
    def _build_layout(self) -> None:
        # left: search; right: the open recording, or the library of all recordings
        self.tabs = QTabWidget()
        self.tabs.setDocumentMode(True)
        self.tabs.addTab(self.recording_view, "Recording")
        self.tabs.addTab(self.library, "Library")
        self.splitter = QSplitter(Qt.Orientation.Horizontal)
        self.splitter.addWidget(self.search_panel)
        self.splitter.addWidget(self.tabs)
        self.splitter.setStretchFactor(0, 5)
        self.splitter.setStretchFactor(1, 8)
        self.splitter.setSizes([500, 780])
        self.splitter.setChildrenCollapsible(False)
        self.setCentralWidget(self.splitter)
        self.queue_dock = QDockWidget("Imports", self)
        self.queue_dock.setObjectName("importQueue")
        self.queue_dock.setWidget(self.queue)
        self.queue_dock.setFeatures(QDockWidget.DockWidgetFeature.DockWidgetClosable | QDockWidget.DockWidgetFeature.DockWidgetMovable)
        self.addDockWidget(Qt.DockWidgetArea.BottomDockWidgetArea, self.queue_dock)
        self.queue_dock.hide()
        self.statusBar().showMessage(f"Archive: {self.archive.root}")
        self.resize(1280, 800)

    def _action(self, menu, text, slot, shortcut=None, context=Qt.ShortcutContext.WindowShortcut) -> QAction:
        action = QAction(text, self)
        if shortcut is not None:
            action.setShortcut(QKeySequence(shortcut))
            action.setShortcutContext(context)
        action.triggered.connect(slot)
        menu.addAction(action)
        return action

    def _build_menus(self) -> None:
        bar = self.menuBar()
        file = bar.addMenu("&File")
        self._action(file, "&Import Files…", self.import_files_dialog, QKeySequence.StandardKey.Open)
        self._action(file, "Import &Folder…", self.import_folder_dialog, "Ctrl+Shift+O")
        self._action(file, "Import the &Demo Meeting", self.import_demo)
        file.addSeparator()
        self.export_transcript_action = self._action(file, "&Export Transcript…", lambda: self.export_transcript(), "Ctrl+E")
        self.export_clip_action = self._action(file, "Export &Clip…", self.export_clip_from_selection, "Ctrl+Shift+E")
        self.export_results_action = self._action(file, "Export &Results…", self.export_results)
        file.addSeparator()
        self._action(file, "&Settings…", self.settings_dialog, "Ctrl+,")
        file.addSeparator()
        self._action(file, "&Quit", self.close, QKeySequence.StandardKey.Quit)

        edit = bar.addMenu("&Edit")
        self._action(edit, "Copy &Quote with Citation", self.copy_quote)
        self._action(edit, "Copy &Reference Link", self.copy_reference)
        edit.addSeparator()
        self._action(edit, "&Correct Segment Text", self._edit_current_segment)
        self._action(edit, "Set &Speaker…", self.transcript.request_speaker)
        self._action(edit, "Recording &Details…", lambda: self.edit_details(self.recording_view.recording_id))

        view = bar.addMenu("&View")
        self.find_action = self._action(view, "&Search", self.focus_search, QKeySequence.StandardKey.Find)
        self._action(view, "&Library", self.show_library, "Ctrl+L")
        view.addAction(self.queue_dock.toggleViewAction())

        play = bar.addMenu("&Playback")
        self.play_action = self._action(play, "Play / &Pause", self.player.toggle, Qt.Key.Key_Space)
        self._action(play, "&Back 5 s", lambda: self.player.skip(-5.0), Qt.Key.Key_Left)
        self._action(play, "&Forward 5 s", lambda: self.player.skip(5.0), Qt.Key.Key_Right)

        help_ = bar.addMenu("&Help")
        self._action(help_, "Search &Syntax", self._query_help)
        self._action(help_, "&About Council Archive", self._about)

    def _wire(self) -> None:
        sp = self.search_panel
        sp.search_requested.connect(self.run_search)
        sp.hit_activated.connect(self.play_hit)
        sp.copy_quote_requested.connect(self.copy_hit_quote)
        sp.copy_reference_requested.connect(self.copy_hit_reference)
        sp.export_clip_requested.connect(self.export_hit_clip)
        sp.export_results_requested.connect(self.export_results)
        sp.model.more = self._more_hits
        sp.query.setAcceptDrops(False)  # dropped files go to the window (import), not into the query

        self.library.recording_activated.connect(self.open_recording)
        self.library.edit_details_requested.connect(self.edit_details)
        self.library.export_transcript_requested.connect(self.export_transcript)

        self.player.position_changed.connect(self.transcript.set_playback_position)
        self.player.error.connect(lambda msg: self.statusBar().showMessage(f"Can't play this file: {msg}", 8000))
        self.transcript.word_clicked.connect(self.play_at)
        self.transcript.edit_requested.connect(self.correct_segment)
        self.transcript.speaker_requested.connect(self.ask_speaker)
        self.transcript.rename_speaker_requested.connect(self.rename_speaker)
        self.transcript.copy_quote_requested.connect(self.copy_transcript_quote)
        self.transcript.copy_reference_requested.connect(self.copy_transcript_reference)
        self.transcript.export_clip_requested.connect(self.export_clip)

        self.queue.cancel_requested.connect(self.imports.cancel)
        self.imports.job_added.connect(self._job_added)
        self.imports.job_event.connect(self._job_event)
        self.imports.job_finished.connect(self._job_finished)
        self.imports.busy_changed.connect(lambda _busy: self._update_empty_state())

    # ================================================================ search
    def focus_search(self) -> None:
        self.search_panel.focus_search()

    def show_library(self) -> None:
        self.tabs.setCurrentWidget(self.library)

    def run_search(self, request: views.SearchRequest) -> None:
        from index import QueryError

        if self._closing:
            return
        self._last_request = request
        if request.empty:
            self.search_panel.show_hint("Type a word or a phrase to search every recording.")
            self.refresh_filters()
            return
        if not views.has_indexed(self.archive):
            # (and the reader never creates the index while the importer may be creating it)
            self.search_panel.show_hint("Nothing is searchable yet: import a recording first.")
            return
        try:
            results = views.run_search(self.archive, request)
        except QueryError as exc:
            self.search_panel.show_error(str(exc))
            return
        except Exception as exc:  # an unreadable index: say what to do, in one line
            self.search_panel.show_error(
                f"The search index can't be read ({type(exc).__name__}); "
                "rebuild it with: council-archive reindex")
            return
        self.search_panel.show_results(results, request, known=self._known_values())

    def _more_hits(self, offset: int) -> list:
        request = self._last_request
        if request is None or request.empty:
            return []
        from dataclasses import replace

        try:
            return views.run_search(self.archive, replace(request, offset=offset), facets=False).hits
        except Exception:
            return []

    def _known_values(self) -> dict:
        if self._known is None:
            self._known = views.filter_counts(self.archive)
        return self._known

    def refresh_filters(self) -> None:
        """Counts for the filters when no query is typed (from the catalog)."""
        self._known = None
        if self.search_panel.query.text().strip():
            return
        self.search_panel.set_facets(self._known_values())

    def rerun_search(self) -> None:
        self._known = None
        request = self._last_request
        if request is not None and not request.empty:
            self.run_search(self.search_panel.request())
        else:
            self.refresh_filters()

    # ================================================================ playing
    def open_recording(self, recording_id: int) -> bool:
        transcript = views.transcript(self.archive, recording_id)
        if transcript is None:
            self.statusBar().showMessage(f"Recording {recording_id} is no longer in the archive.", 6000)
            return False
        self.recording_view.show_recording(transcript, views.media_file(self.archive, recording_id))
        self.library.select_recording(recording_id)
        self.tabs.setCurrentWidget(self.recording_view)
        return True

    def play_hit(self, recording_id: int, seconds: float) -> None:
        """A hit was activated: open its recording, mark the word, play from just before it."""
        if self.recording_view.recording_id != recording_id and not self.open_recording(recording_id):
            return
        self.tabs.setCurrentWidget(self.recording_view)
        self.transcript.mark_word(seconds)
        start = max(0.0, seconds - self.prefs.pre_roll)
        self.player.play_from(start)
        self.statusBar().showMessage(
            f"Playing “{self.recording_view.title.text()}” from {hms(start)}, just before the match at {hms(seconds)}.")

    def play_at(self, seconds: float) -> None:
        self.player.play_from(seconds)

    # ================================================================ importing
    def import_files_dialog(self) -> None:
        paths, _ = QFileDialog.getOpenFileNames(
            self, "Import recordings", "",
            "Audio and video (*.wav *.mp3 *.flac *.ogg *.oga *.opus *.m4a *.aac *.wma *.aiff *.aif "
            "*.mp4 *.mkv *.webm *.mov *.avi *.m4v *.mpg *.mpeg *.ts *.wmv *.cabundle);;All files (*)",
        )
        if paths:
            self.request_import(paths)

    def import_folder_dialog(self) -> None:
        folder = QFileDialog.getExistingDirectory(self, "Import a folder of recordings")
        if folder:
            self.request_import([folder])

    def request_import(self, paths) -> None:
        """Ask for the details of dropped or chosen files, then queue them."""
        from archive.importer import expand_inputs
        from desktop.import_dialog import ImportDialog

        files, problems = [], []
        for path, error in expand_inputs(paths):
            (problems if error else files).append(error or str(path))
        if problems:
            self.statusBar().showMessage(problems[0], 8000)
        if not files:
            return
        dialog = ImportDialog(files, views.bodies(self.archive), self.prefs.default_body, self)
        dialog.setObjectName("importDialog")
        dialog.accepted.connect(lambda: self.start_import(files, dialog.meta(), dialog.prompt()))
        dialog.finished.connect(lambda _r: dialog.deleteLater())
        self._import_dialog = dialog
        dialog.open()

    def start_import(self, files, meta, prompt: Optional[str] = None) -> list[Job]:
        options = self.settings.transcribe_options(self.prefs)
        jobs = [self.imports.import_file(f, meta, prompt, self.prefs.engine, options) for f in files]
        self.queue_dock.show()
        if self.recording_view.recording_id is None:
            self.show_library()  # the library shows each new recording's progress too
        return jobs

    def import_demo(self) -> list[Job]:
        from archive.importer import ImportMeta

        path, meta = views.demo_recording()
        return self.start_import([str(path)], ImportMeta(**meta))

    def resume_unfinished(self) -> None:
        """Imports a previous run left: open jobs in the catalog, then files never started."""
        options = self.settings.transcribe_options(self.prefs)
        if views.open_jobs(self.archive):
            self.imports.resume(self.prefs.engine, options)
            self.queue_dock.show()
        pending = self.settings.value(PENDING_KEY, "")
        self.settings.set_value(PENDING_KEY, "")
        if pending:
            from archive.importer import ImportMeta

            try:
                items = json.loads(pending)
            except ValueError:
                items = []
            for item in items:
                if item.get("path") and Path(item["path"]).exists():
                    meta = ImportMeta(**{k: item.get(k) for k in ("title", "body", "date")}, kind=item.get("kind") or "meeting")
                    self.imports.import_file(item["path"], meta, item.get("prompt"), self.prefs.engine, options)
                    self.queue_dock.show()

    def _job_added(self, job: Job) -> None:
        if job.kind == IMPORT:
            self.queue.update_row(job.id, job.id, job.label, "queued")
        self._update_empty_state()

    def _job_event(self, job: Job, event) -> None:
        key = job.id if job.kind == IMPORT else (job.id, event.path)
        label = job.label if job.kind == IMPORT else short_name(event.path)
        self.queue.update_row(key, job.id, label, event.stage, event.progress, event.message)
        rid = event.recording_id
        if rid is None:
            return
        if event.stage == "transcribing":
            if not self.library.model.set_progress(rid, "transcribing", event.progress):
                self._refresh_recording(rid)
            if self.recording_view.recording_id == rid and time.monotonic() - self._last_transcript_reload > 2.0:
                self._reload_open_transcript()
        else:
            self._refresh_recording(rid)
        if event.stage == "indexed":
            self._archive_changed(rid)

    def _refresh_recording(self, rid: int) -> None:
        rec = views.recording(self.archive, rid)
        if rec is None:
            self.library.model.remove_recording(rid)
            if self.recording_view.recording_id == rid:
                self.recording_view.clear()
        else:
            self.library.model.update_recording(rec)

    def _job_finished(self, job: Job) -> None:
        if job.kind == EDIT:
            if job.state == DONE:
                self.statusBar().showMessage(f"{job.label}: saved and searchable.", 5000)
                self._archive_changed(self.recording_view.recording_id)
            else:
                self.statusBar().showMessage(f"{job.label} failed: {job.error}", 10000)
                self._reload_open_transcript()
            return
        stage = {DONE: "indexed", CANCELLED: "cancelled", FAILED: "failed", STOPPED: "stopped"}.get(job.state, job.state)
        self.queue.finish_job(job.id, stage, job.error)
        if job.kind == IMPORT and job.state == DONE and isinstance(job.result, list):
            for r in job.result:
                if r.status == "duplicate":
                    self.queue.update_row(job.id, job.id, job.label, "duplicate", 1.0, r.error)
        if not self._closing:
            self.reload_library()
            self._update_empty_state()

    def _archive_changed(self, rid: Optional[int] = None) -> None:
        """Something was indexed or edited: refresh what shows it."""
        if self._closing:
            return
        self._update_empty_state()
        self.rerun_search()
        if rid is not None and self.recording_view.recording_id == rid:
            self._reload_open_transcript()

    def _reload_open_transcript(self) -> None:
        rid = self.recording_view.recording_id
        if rid is None:
            return
        self._last_transcript_reload = time.monotonic()
        bar = self.transcript.verticalScrollBar()
        pos = bar.value()
        marked = self.transcript.marked_word()
        if not self.open_recording(rid):
            return
        if marked is not None:
            self.transcript.model_.mark(marked.start)
        self.transcript.set_playback_position(self.player.seconds())
        QTimer.singleShot(0, lambda: bar.setValue(pos))

    def reload_library(self) -> None:
        self.library.model.set_recordings(views.recordings(self.archive))

    def _update_empty_state(self) -> None:
        empty = self.library.model.rowCount() == 0 and views.is_empty(self.archive)
        self.search_panel.set_empty_archive(empty, importing=self.imports.busy)
        self.recording_view.set_placeholder(empty)

    # drag and drop: files and folders dropped anywhere on the window are imported
    def dragEnterEvent(self, event) -> None:
        if event.mimeData().hasUrls() and any(u.isLocalFile() for u in event.mimeData().urls()):
            event.acceptProposedAction()

    def dragMoveEvent(self, event) -> None:
        if event.mimeData().hasUrls():
            event.acceptProposedAction()

    def dropEvent(self, event) -> None:
        paths = [u.toLocalFile() for u in event.mimeData().urls() if u.isLocalFile()]
        if paths:
            event.acceptProposedAction()
            self.request_import(paths)

    # ================================================================ editing
    def _edit_current_segment(self) -> None:
        index = self.transcript.currentIndex()
        if index.isValid():
            self.transcript.edit(index)

    def correct_segment(self, segment_id: int, text: str) -> Job:
        from archive.editing import correct_segment

        self.statusBar().showMessage("Saving the correction…" + (" (after the current import step)" if self.imports.busy else ""))
        return self.imports.run_edit("Correction", lambda archive: correct_segment(archive, segment_id, text))

    def set_speaker(self, segment_ids, speaker: str) -> Job:
        from archive.editing import set_speaker

        ids = list(segment_ids)
        return self.imports.run_edit("Speaker", lambda archive: set_speaker(archive, ids, speaker))

    def ask_speaker(self, segment_ids) -> None:
        if not segment_ids:
            return
        seg = self.transcript.model_.segment(self.transcript.selected_rows()[0]) if self.transcript.selected_rows() else None
        known = views.speakers(self.archive)
        current = seg.speaker if seg is not None and seg.speaker else ""
        items = ([current] if current and current not in known else []) + known
        name, ok = QInputDialog.getItem(
            self, "Speaker", f"Who is speaking in {len(segment_ids)} segment{'s' if len(segment_ids) != 1 else ''}? "
            "(leave empty to clear)", items or [""], items.index(current) if current in items else 0, True,
        )
        if ok:
            self.set_speaker(segment_ids, name.strip())

    def rename_speaker(self, old: str) -> None:
        rid = self.recording_view.recording_id
        if rid is None:
            return
        new, ok = QInputDialog.getText(self, "Rename speaker", f"Rename “{old}” in this recording to:", text=old)
        if ok and new.strip() and new.strip() != old:
            from archive.editing import rename_speaker

            self.imports.run_edit("Rename speaker", lambda archive: rename_speaker(archive, rid, old, new.strip()))

    def edit_details(self, recording_id: Optional[int]) -> None:
        if recording_id is None:
            return
        rec = views.recording(self.archive, recording_id)
        if rec is None:
            return
        from archive.editing import edit_recording
        from archive.importer import ImportMeta
        from desktop.import_dialog import ImportDialog

        dialog = ImportDialog([rec.source_path or rec.title], views.bodies(self.archive), parent=self,
                              meta=ImportMeta(rec.title, rec.body, rec.date, rec.kind or "meeting"), edit_only=True)

        def save():
            m = dialog.meta()
            self.imports.run_edit("Recording details", lambda archive: edit_recording(
                archive, recording_id, title=m.title, body=m.body, date=m.date, kind=m.kind))

        dialog.accepted.connect(save)
        dialog.finished.connect(lambda _r: dialog.deleteLater())
        dialog.open()

    # ================================================================ copying
    def _clip(self, text: str, what: str) -> None:
        QGuiApplication.clipboard().setText(text)
        self.statusBar().showMessage(f"Copied {what}: {text[:90]}{'…' if len(text) > 90 else ''}", 6000)

    def copy_hit_quote(self, hit) -> None:
        self._clip(views.hit_quote(hit), "quote")

    def copy_hit_reference(self, hit) -> None:
        self._clip(views.hit_reference(hit), "reference")

    def copy_transcript_quote(self, rows) -> None:
        t = self.transcript.transcript
        if t is not None and rows:
            self._clip(t.quote(rows), "quote")

    def copy_transcript_reference(self, seconds: float) -> None:
        t = self.transcript.transcript
        if t is not None:
            self._clip(t.reference(seconds), "reference")

    def copy_quote(self) -> None:
        """Edit menu: from the transcript selection if it has one, else the current hit."""
        if self.transcript.transcript is not None and self.transcript.selected_rows() and not self.search_panel.view.hasFocus():
            self.transcript.copy_selection()
        elif self.search_panel.current_hit() is not None:
            self.copy_hit_quote(self.search_panel.current_hit())

    def copy_reference(self) -> None:
        if self.transcript.transcript is not None and not self.search_panel.view.hasFocus():
            self.copy_transcript_reference(self.player.seconds())
        elif self.search_panel.current_hit() is not None:
            self.copy_hit_reference(self.search_panel.current_hit())

    # ================================================================ exporting
    def ask_save_path(self, title: str, default_name: str, filters) -> Optional[str]:
        """A save dialog; ``filters``: (label, ext) pairs. None when cancelled (tests replace it)."""
        from desktop.export_dialogs import filter_string, with_extension

        from desktop.export_dialogs import ext_of_filter

        start = str(Path(self.prefs_export_dir()) / default_name)
        dialog = QFileDialog(self, title, start, filter_string(filters))
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
        self._export_dir = str(Path(path).parent)
        return with_extension(path, selected, filters)

    def prefs_export_dir(self) -> str:
        return self._export_dir or str(Path.home())

    def ask_clip_options(self, start: float, end: float, rec=None):
        """The clip dialog, prefilled; returns ClipOptions or None (tests replace it)."""
        from desktop.export_dialogs import ClipDialog

        dialog = ClipDialog(start, end, duration=getattr(rec, "duration", None),
                            title=getattr(rec, "title", "") or "", parent=self)
        try:
            return dialog.options() if dialog.exec() == ClipDialog.DialogCode.Accepted else None
        finally:
            dialog.deleteLater()

    def report_error(self, what: str, exc: BaseException) -> None:
        """An export failed: one line in the status bar and a (non-blocking) message box."""
        message = str(exc) or type(exc).__name__
        self.statusBar().showMessage(f"{what} failed: {message}", 10000)
        box = QMessageBox(QMessageBox.Icon.Warning, what, f"{what} failed:\n{message}", QMessageBox.StandardButton.Ok, self)
        box.setAttribute(Qt.WidgetAttribute.WA_DeleteOnClose)
        self._error_box = box
        box.open()

    def _export_target(self) -> Optional[int]:
        """The recording to export: the Library's selection when it shows, else the open one."""
        if self.tabs.currentWidget() is self.library and self.library.selected_recording() is not None:
            return self.library.selected_recording()
        return self.recording_view.recording_id or self.library.selected_recording()

    def export_transcript(self, recording_id: Optional[int] = None) -> Optional[Path]:
        from archive.exports import default_export_name, export_transcript
        from desktop.export_dialogs import TRANSCRIPT_FILTERS

        rid = recording_id if recording_id is not None else self._export_target()
        if rid is None:
            self.statusBar().showMessage("Open or select a recording to export its transcript.", 6000)
            return None
        rec = views.recording(self.archive, rid)
        if rec is None:
            self.statusBar().showMessage(f"Recording {rid} is no longer in the archive.", 6000)
            return None
        path = self.ask_save_path("Export transcript", default_export_name(rec, "txt"), TRANSCRIPT_FILTERS)
        if not path:
            return None
        out = Path(path)
        fmt = out.suffix.lower().lstrip(".")
        if self._run_export("Exporting the transcript", lambda: export_transcript(self.archive, rid, fmt, out) or out) is None:
            return None
        self.statusBar().showMessage(f"Exported “{rec.title}” to {out}", 8000)
        return out

    def _run_export(self, label: str, work):
        """Run one export with a wait cursor; on failure report it and return None."""
        try:
            with _busy_cursor():
                return work()
        except Exception as exc:
            self.report_error(label, exc)
            return None

    def export_clip_from_selection(self) -> None:
        """File menu: the transcript's selected segments, else the current hit."""
        span = self.transcript.selected_range() if self.recording_view.recording_id is not None else None
        if span is not None and not self.search_panel.view.hasFocus():
            self.export_clip(*span)
        elif self.search_panel.current_hit() is not None:
            self.export_hit_clip(self.search_panel.current_hit())
        else:
            self.statusBar().showMessage("Select part of a transcript or a search hit to export a clip.", 6000)

    def export_hit_clip(self, hit) -> Optional[Path]:
        return self.export_clip(float(hit.start), float(hit.end), int(hit.recording_id))

    def export_clip(self, start: float, end: float, recording_id: Optional[int] = None) -> Optional[Path]:
        from archive.clips import make_clip
        from archive.exports import safe_filename
        from desktop.export_dialogs import CLIP_FILTERS

        rid = recording_id if recording_id is not None else self.recording_view.recording_id
        rec = views.recording(self.archive, rid) if rid is not None else None
        if rec is None:
            self.statusBar().showMessage("Open a recording to export a clip of it.", 6000)
            return None
        options = self.ask_clip_options(start, end, rec)
        if options is None:
            return None
        default = safe_filename(f"{rec.date or ''} {rec.title} {int(options.start)}s".strip()) + f".{options.fmt}"
        filters = sorted(CLIP_FILTERS, key=lambda f: f[1] != options.fmt)  # the chosen format first
        path = self.ask_save_path("Export clip", default, filters)
        if not path:
            return None
        out = Path(path)
        fmt = out.suffix.lower().lstrip(".")
        made = self._run_export(
            "Exporting the clip", lambda: make_clip(self.archive, rid, options.start, options.end, out, fmt=fmt, pad=options.pad)
        )
        if made is None:
            return None
        out, cite = made
        self.last_clip_citation = cite
        self.statusBar().showMessage(f"Saved {out.name}: {cite}")
        return out

    def all_hits(self, request: Optional[views.SearchRequest] = None, page: int = 10000) -> list:
        """Every hit of a query (not only the pages shown), through the panel's search call."""
        from dataclasses import replace

        request = request or self._last_request
        if request is None or request.empty:
            return []
        hits: list = []
        while True:
            results = views.run_search(self.archive, replace(request, limit=page, offset=len(hits)), facets=False)
            hits.extend(results.hits)
            if not results.hits or len(hits) >= results.total:
                return hits

    def export_results(self) -> Optional[Path]:
        from archive.exports import safe_filename, write_results
        from desktop.export_dialogs import RESULT_FILTERS

        request = self._last_request
        if request is None or request.empty:
            self.statusBar().showMessage("Search for something first, then export its results.", 6000)
            return None
        path = self.ask_save_path("Export results", safe_filename(f"search {request.query}", "results") + ".csv",
                                  RESULT_FILTERS)
        if not path:
            return None
        out = Path(path)
        n = self._run_export("Exporting the results", lambda: write_results(self.all_hits(request), out))
        if n is None:
            return None
        self.statusBar().showMessage(f"Saved {n} hit{'s' if n != 1 else ''} for “{request.query.strip()}” to {out}", 8000)
        return out

    # ================================================================ settings, help, quitting
    def settings_dialog(self) -> None:
        from desktop.settings import SettingsDialog

        dialog = SettingsDialog(self.prefs, self)

        def save():
            self.prefs = dialog.preferences()
            self.settings.save(self.prefs)
            self.statusBar().showMessage("Settings saved.", 4000)

        dialog.accepted.connect(save)
        dialog.finished.connect(lambda _r: dialog.deleteLater())
        dialog.open()

    def _query_help(self) -> None:
        QMessageBox.information(self, "Search syntax", QUERY_HELP)

    def _about(self) -> None:
        QMessageBox.about(self, "About Council Archive",
                          "Council Archive: an offline, searchable archive of council meetings.\n"
                          f"Archive folder: {self.archive.root}")

    def confirm_quit(self) -> bool:
        """Asked when quitting during an import (tests replace it)."""
        answer = QMessageBox.question(
            self, "Quit while importing?",
            "An import is still running. Quit anyway?\n\n"
            "What has been transcribed so far is kept, and the import continues the next time "
            "you open Council Archive.",
            QMessageBox.StandardButton.Yes | QMessageBox.StandardButton.No, QMessageBox.StandardButton.No,
        )
        return answer == QMessageBox.StandardButton.Yes

    def closeEvent(self, event) -> None:
        if self._closing:
            event.accept()
            return
        if self.imports.busy and not self.confirm_quit():
            event.ignore()
            return
        self.shutdown()
        event.accept()

    def shutdown(self) -> None:
        """Stop the worker (a running import resumes next time), remember unstarted files."""
        if self._closing:
            return
        self._closing = True
        self.search_panel.cancel_pending()
        self.player.stop()
        waiting = self.imports.stop()
        if waiting:
            self.settings.set_value(PENDING_KEY, json.dumps([j.pending() for j in waiting]))
        self.settings.set_value("window/geometry", self.saveGeometry())
        self.archive.close()

    def restore_geometry(self) -> None:
        geometry = self.settings.value("window/geometry")
        if isinstance(geometry, QByteArray) and not geometry.isEmpty():
            self.restoreGeometry(geometry)
