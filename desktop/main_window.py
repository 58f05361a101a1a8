"""The main window: lays out the panels, builds the menus and wires intent signals to actions.

Widgets stay passive (they emit what the user wants). Each kind of action lives in a small
helper that the window creates and wires, the way Vorta does it:

* :class:`~desktop.search_actions.SearchActions` runs searches through ``archive.views``;
* :class:`~desktop.import_actions.ImportActions` asks for files, queues imports, shows their
  progress and keeps the queue a quit left unstarted;
* :class:`~desktop.edit_actions.EditActions` corrects segments and edits details;
* :class:`~desktop.speaker_actions.SpeakerActions` names, merges and reassigns voices, undoably;
* :class:`~desktop.clipboard_actions.ClipboardActions` copies quotes and references;
* :class:`~desktop.export_actions.ExportActions` exports transcripts, clips and results.

The window itself opens recordings and plays hits. Every write ends with one change signal,
``self.events.changed`` (desktop.archive_events), that every view refreshes from. It reads
the archive through ``archive.views``.
"""

from __future__ import annotations

from typing import Optional

from PySide6.QtCore import QByteArray, Qt
from PySide6.QtGui import QAction, QKeySequence
from PySide6.QtWidgets import QDockWidget, QMainWindow, QMessageBox, QSplitter, QTabWidget

from archive import views
from desktop.archive_events import ArchiveEvents, Change
from desktop.clipboard_actions import ClipboardActions
from desktop.edit_actions import EditActions
from desktop.export_actions import ExportActions
from desktop.import_actions import ImportActions
from desktop.import_queue import ImportQueuePanel
from desktop.import_worker import ImportController
from desktop.library import LibraryPanel
from desktop.palette import Looks
from desktop.recording_view import RecordingView
from desktop.retranscribe_actions import RetranscribeActions
from desktop.search_actions import SearchActions
from desktop.search_panel import SearchPanel
from desktop.settings import AppSettings, Preferences
from desktop.shortcuts import PLAY_PAUSE_KEYS, collect, key_sequences, menu_key
from desktop.speaker_actions import SpeakerActions
from desktop.status_line import StatusLine
from desktop.watch_actions import WatchActions
from desktop.watch_panel import WatchPanel
from transcription.formats import hms


MINIMUM_SIZE = (760, 480)  # below this the timeline and the transcript would not fit


class MainWindow(QMainWindow):
    def __init__(self, archive, settings: AppSettings, imports: ImportController, parent=None):
        super().__init__(parent)
        self.archive = archive
        self.settings = settings
        self.prefs: Preferences = settings.load()
        self.imports = imports
        imports.set_cluster(self.prefs.cluster, self.prefs.shared_path)  # "": this computer, no Ray
        self.closing = False
        self.setWindowTitle("Council Archive")
        self.setAcceptDrops(True)
        self.looks = Looks(self)  # light or dark, as the system is (desktop.palette)

        self.search_panel = SearchPanel()
        self.library = LibraryPanel()
        self.recording_view = RecordingView()
        self.queue = ImportQueuePanel()
        self.watch_panel = WatchPanel()
        self.player = self.recording_view.player
        self.transcript = self.recording_view.transcript
        self.events = ArchiveEvents(self)
        self.searching = SearchActions(self)
        self.importing = ImportActions(self)
        self.editing = EditActions(self)
        self.copying = ClipboardActions(self)
        self.exporting = ExportActions(self)
        self.speaking = SpeakerActions(self)
        self.retranscribing = RetranscribeActions(self)
        self.watching = WatchActions(self)
        self._build_layout()
        self._build_menus()
        self._wire()
        self.looks.changed.connect(lambda _scheme: self.recording_view.restyle())
        self.reload_library()
        self.watching.refresh()
        self.update_empty_state()
        self.searching.refresh_filters()
        if self.library.model.rowCount():
            self.show_library()

    # ================================================================ layout, menus, wiring
    def _build_layout(self) -> None:
        # left: search; right: the open recording, or the library of all recordings
        self.tabs = QTabWidget()
        self.tabs.setDocumentMode(True)
        self.tabs.addTab(self.recording_view, "Recording")
        self.tabs.addTab(self.library, "Library")
        self.tabs.addTab(self.watch_panel, "Watches")
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
        self.setStatusBar(StatusLine(self))  # messages expire; long ones end in "…"
        self.statusBar().showMessage(f"Archive: {self.archive.root}")
        self.resize(1280, 800)
        self.setMinimumSize(*MINIMUM_SIZE)

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
        imp, ex, cp = self.importing, self.exporting, self.copying
        file = bar.addMenu("&File")
        self._action(file, "&Import Files…", imp.import_files_dialog, QKeySequence.StandardKey.Open)
        self._action(file, "Import &Folder…", imp.import_folder_dialog, "Ctrl+Shift+O")
        self._action(file, "Import the &Demo Meeting", imp.import_demo)
        file.addSeparator()
        self.export_transcript_action = self._action(file, "&Export Transcript…", lambda: ex.export_transcript(), "Ctrl+E")
        self.export_clip_action = self._action(file, "Export &Clip…", ex.export_clip_from_selection, "Ctrl+Shift+E")
        self.export_results_action = self._action(file, "Export &Results…", ex.export_results)
        file.addSeparator()
        self._action(file, "&Settings…", self.settings_dialog, "Ctrl+,")
        file.addSeparator()
        self._action(file, "&Quit", self.close, QKeySequence.StandardKey.Quit)

        edit = bar.addMenu("&Edit")
        for action in self.speaking.undo_actions(self):
            edit.addAction(action)
        edit.addSeparator()
        menu_key(self._action(edit, "Copy &Quote with Citation", cp.copy_quote), [QKeySequence.StandardKey.Copy])
        menu_key(self._action(edit, "Copy &Reference Link", cp.copy_reference), ["Ctrl+Shift+C"])
        edit.addSeparator()
        edit.addAction(self.transcript.edit_action)  # F2 while the transcript has the focus
        self._action(edit, "Set &Speaker…", self.transcript.request_speaker)
        self._action(edit, "Find Spea&kers in This Recording", self.speaking.find_speakers)
        self._action(edit, "Recording &Details…", lambda: self.editing.edit_details(self.recording_view.recording_id))

        recording = bar.addMenu("&Recording")
        self.retranscribe_action = self._action(recording, "Re-&transcribe…", lambda: self.retranscribing.retranscribe())

        view = bar.addMenu("&View")
        self.find_action = self._action(view, "&Search", self.search_panel.focus_search, QKeySequence.StandardKey.Find)
        self._action(view, "&Library", self.show_library, "Ctrl+L")
        view.addAction(self.queue_dock.toggleViewAction())

        play = bar.addMenu("&Playback")
        self.play_action = self._action(play, "Play / &Pause", self.player.toggle)
        self.play_action.setShortcuts(key_sequences(PLAY_PAUSE_KEYS))  # Space: in the transcript and on the timeline
        self._action(play, "&Back 5 s", lambda: self.player.skip(-5.0), Qt.Key.Key_Left)
        self._action(play, "&Forward 5 s", lambda: self.player.skip(5.0), Qt.Key.Key_Right)

        help_ = bar.addMenu("&Help")
        self._action(help_, "Search &Syntax", self.query_help)
        self._action(help_, "&Keyboard Shortcuts", self.shortcuts_help, QKeySequence.StandardKey.HelpContents)
        self._action(help_, "&About Council Archive", self._about)

    def _wire(self) -> None:
        sp, tr = self.search_panel, self.transcript
        sp.search_requested.connect(self.searching.run)
        sp.hit_activated.connect(self.play_hit)
        sp.copy_quote_requested.connect(self.copying.copy_hit_quote)
        sp.copy_reference_requested.connect(self.copying.copy_hit_reference)
        sp.export_clip_requested.connect(self.exporting.export_hit_clip)
        sp.export_results_requested.connect(self.exporting.export_results)
        sp.save_watch_requested.connect(self.watching.save_search)
        wp = self.watch_panel
        wp.watch_chosen.connect(self.watching.show)
        wp.seen_requested.connect(self.watching.mark_seen)
        wp.remove_requested.connect(self.watching.remove)
        wp.hit_activated.connect(self.play_hit)
        self.events.changed.connect(self.watching.refresh)
        sp.model.more = self.searching.more_hits
        sp.query.setAcceptDrops(False)  # dropped files go to the window (import), not into the query

        self.events.changed.connect(self.refresh)
        self.library.recording_activated.connect(self.open_recording)
        self.library.edit_details_requested.connect(self.editing.edit_details)
        self.library.export_transcript_requested.connect(self.exporting.export_transcript)
        self.library.retranscribeRequested.connect(self.retranscribing.retranscribe)
        self.recording_view.version_chosen.connect(self.retranscribing.use_version)

        self.player.position_changed.connect(tr.set_playback_position)
        self.player.position_changed.connect(self.recording_view.chapters.set_position)
        self.recording_view.chapters.chapter_activated.connect(self.player.play_from)
        self.player.error.connect(lambda msg: self.statusBar().showMessage(f"Can't play this file: {msg}", 8000))
        tr.word_clicked.connect(self.player.play_from)
        tr.edit_requested.connect(self.editing.correct_segment)
        sk, voices = self.speaking, self.recording_view.speakers
        tr.speaker_requested.connect(sk.ask_speaker)
        tr.rename_speaker_requested.connect(sk.rename)
        tr.speaker_clicked.connect(sk.speaker_menu)
        tr.confirm_requested.connect(sk.confirm)
        tr.reject_requested.connect(sk.reject)
        tr.split_requested.connect(sk.split)
        tr.move_words_requested.connect(sk.move_words)
        voices.voice_clicked.connect(tr.next_turn)
        voices.only_voice_changed.connect(tr.show_only)
        voices.rename_requested.connect(sk.rename)
        voices.merge_requested.connect(sk.merge)
        voices.confirm_requested.connect(sk.confirm)
        voices.reject_requested.connect(sk.reject)
        voices.find_requested.connect(sk.find_speakers)
        self.events.changed.connect(sk.refresh)
        tr.copy_quote_requested.connect(self.copying.copy_transcript_quote)
        tr.copy_reference_requested.connect(self.copying.copy_transcript_reference)
        tr.export_clip_requested.connect(self.exporting.export_clip)

        self.queue.cancel_requested.connect(self.importing.cancel)
        self.queue.resume_requested.connect(self.importing.resume_row)
        self.queue.batch_finished.connect(self.importing.batch_finished)
        self.library.remove_requested.connect(self.editing.remove_recording)
        self.imports.job_added.connect(self.importing.job_added)
        self.imports.job_event.connect(self.importing.job_event)
        self.imports.job_finished.connect(self.importing.job_finished)
        self.imports.job_finished.connect(self.editing.job_finished)
        self.imports.busy_changed.connect(lambda _busy: self.update_empty_state())

    # ================================================================ recordings
    def show_library(self) -> None:
        self.tabs.setCurrentWidget(self.library)

    def open_recording(self, recording_id: int, keep_view: bool = False) -> bool:
        """Show a recording and its transcript; ``keep_view``: the one shown, newer (keep the
        marked word and the scroll position)."""
        transcript = views.transcript(self.archive, recording_id)
        if transcript is None:
            self.statusBar().showMessage(f"Recording {recording_id} is no longer in the archive.", 6000)
            return False
        self.recording_view.show_recording(transcript, views.media_file(self.archive, recording_id), keep_view)
        self.retranscribing.show_versions(recording_id)
        self.recording_view.chapters.set_chapters(views.chapters(self.archive, recording_id))
        self.recording_view.chapters.set_position(self.player.seconds())
        if not keep_view:  # (a newer version of the one shown: the speaker panel follows the change signal;
            self.speaking.show_speakers(recording_id)  # the tab and the library's selection stay as they are)
            self.library.select_recording(recording_id)
            self.tabs.setCurrentWidget(self.recording_view)
        return True

    def play_hit(self, recording_id: int, seconds: float, until: Optional[float] = None) -> None:
        """A hit was activated: open its recording, mark its words (up to ``until``), play from just before it."""
        if self.recording_view.recording_id != recording_id and not self.open_recording(recording_id):
            return
        self.tabs.setCurrentWidget(self.recording_view)
        self.transcript.mark_word(seconds, until)
        start = max(0.0, seconds - self.prefs.pre_roll)
        self.player.play_from(start)
        self.statusBar().showMessage(
            f"Playing “{self.recording_view.title.text()}” from {hms(start)}, just before the match at {hms(seconds)}.")

    def open_link(self, link: str) -> bool:
        """A ``council-archive://`` link (Copy Reference Link, ``council-archive open LINK``):
        open its recording at its time, paused there, the word spoken then marked."""
        from archive.citation import parse_reference

        try:
            recording_id, seconds = parse_reference(link)
        except ValueError as exc:
            self.statusBar().showMessage(str(exc), 8000)
            return False
        if not self.open_recording(recording_id):
            return False
        self.transcript.mark_word(seconds + 0.005)  # a link's time is rounded to the hundredth
        self.player.seek(seconds)
        self.statusBar().showMessage(f"Opened “{self.recording_view.title.text()}” at {hms(seconds)}.")
        return True

    # ================================================================ one refresh for every view
    def archive_changed(self, rid: Optional[int] = None, what: str = "archive") -> None:
        """Something was indexed or edited: tell every view (one change signal)."""
        if not self.closing:
            self.events.emit_change(what, rid)

    def refresh(self, change: Change) -> None:
        """The window's views (library, search results and filters, transcript) follow a change;
        the speaker panel listens itself."""
        if self.closing:
            return
        self.reload_library()
        self.update_empty_state()
        self.searching.rerun()
        if change.what == "removed" and change.concerns(self.recording_view.recording_id):
            self.recording_view.clear()
            self.recording_view.chapters.set_chapters([])
        elif change.concerns(self.recording_view.recording_id):
            self.reload_open_transcript()

    def reload_open_transcript(self) -> None:
        rid = self.recording_view.recording_id
        if rid is not None and self.open_recording(rid, keep_view=True):
            self.transcript.set_playback_position(self.player.seconds())

    def reload_library(self) -> None:
        self.library.model.set_recordings(views.recordings(self.archive))

    def update_empty_state(self) -> None:
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
            self.importing.request_import(paths)

    # ================================================================ settings, help, quitting
    def settings_dialog(self) -> None:
        from desktop.settings import SettingsDialog

        dialog = SettingsDialog(self.prefs, self, archive_folder=str(self.archive.root))

        def save():
            self.prefs = dialog.preferences()
            self.settings.save(self.prefs)
            self.imports.set_cluster(self.prefs.cluster, self.prefs.shared_path)  # imports queued from now on
            self.statusBar().showMessage("Settings saved.", 4000)

        dialog.accepted.connect(save)
        dialog.finished.connect(lambda _r: dialog.deleteLater())
        dialog.open()

    def query_help(self):
        from desktop.help_dialog import QueryHelpDialog

        dialog = QueryHelpDialog(self)
        dialog.finished.connect(lambda _r: dialog.deleteLater())
        dialog.open()
        return dialog

    def shortcuts_help(self):
        from desktop.help_dialog import ShortcutsDialog

        dialog = ShortcutsDialog(collect(self), self)
        dialog.finished.connect(lambda _r: dialog.deleteLater())
        dialog.open()
        return dialog

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
        if self.closing:
            event.accept()
            return
        if self.imports.busy and not self.confirm_quit():
            event.ignore()
            return
        self.shutdown()
        event.accept()

    def shutdown(self) -> None:
        """Stop the worker (a running import resumes next time), remember unstarted files."""
        if self.closing:
            return
        self.closing = True
        self.search_panel.cancel_pending()
        self.searching.stop()
        self.player.stop()
        self.importing.save_pending(self.imports.stop())
        self.settings.set_value("window/geometry", self.saveGeometry())
        self.archive.close()

    def restore_geometry(self) -> None:
        geometry = self.settings.value("window/geometry")
        if isinstance(geometry, QByteArray) and not geometry.isEmpty():
            self.restoreGeometry(geometry)
