"""Watches in the app (issue 16), driven with mouse and keyboard on a real window over a real
archive (SQLite + Whoosh): "Watch this search" beside the search box, an import through the
app (the fake engine, known text) that feeds the watch, the status-bar note, the Watches tab
with its unread count, the new hits first, a hit that plays, and Mark seen."""

from __future__ import annotations

import subprocess

import pytest
from PySide6.QtCore import Qt
from PySide6.QtWidgets import QLineEdit

from archive.importer import Importer, ImportMeta
from archive.store import Archive
from fakes import FakeTranscriber
from test_desktop import _ffmpeg, import_via_dialog, open_window, search, settings  # noqa: F401
from test_watches import segments

pytestmark = pytest.mark.no_qt_log


def tone(path, frequency: int):
    subprocess.run([_ffmpeg(), "-v", "error", "-f", "lavfi", "-i", f"sine=frequency={frequency}:duration=2", str(path)],
                   check=True)
    return path


@pytest.fixture
def window(qtbot, open_window, tmp_path):
    """A window over an archive holding one meeting that speaks of a casino (captions, id 1);
    the app's engine says 'the casino license is granted'."""
    src = tmp_path / "src"
    src.mkdir()
    media = tone(src / "first.wav", 330)
    (src / "first.srt").write_text("1\n00:00:00,500 --> 00:00:01,800\nThe casino was first proposed.\n")
    with Archive(tmp_path / "archive") as archive:
        [result] = Importer(archive).import_paths([media], ImportMeta("First meeting", "City Council", "2025-01-05"),
                                                  captions=src / "first.srt")
        assert result.status == "indexed"
    return open_window(FakeTranscriber(segments("the casino license is granted"), duration=2.0))


def click_row(qtbot, view, row: int):
    rect = view.visualRect(view.model().index(row, 1))
    qtbot.mouseClick(view.viewport(), Qt.MouseButton.LeftButton, pos=rect.center())


def test_save_a_search_as_a_watch_and_see_what_an_import_brings(qtbot, window, tmp_path):
    panel, tabs = window.watch_panel, window.tabs
    assert panel.model.rowCount() == 0 and tabs.tabText(tabs.indexOf(panel)) == "Watches"
    search(qtbot, window, "casino")
    qtbot.mouseClick(window.search_panel.save_watch_button, Qt.MouseButton.LeftButton)
    dialog = window.watching.name_dialog
    qtbot.waitUntil(dialog.isVisible)
    dialog.setTextValue("")
    qtbot.keyClicks(dialog.findChild(QLineEdit), "Casino")
    qtbot.keyClick(dialog, Qt.Key.Key_Return)
    qtbot.waitUntil(lambda: panel.model.rowCount() == 1, timeout=10000)
    [state] = panel.model.states
    assert (state.watch.name, state.watch.query, state.new) == ("Casino", "casino", 0)  # from now on

    notes = []
    window.statusBar().messageChanged.connect(notes.append)
    import_via_dialog(qtbot, window, tone(tmp_path / "src" / "second.wav", 440), title="Second meeting")
    qtbot.waitUntil(lambda: tabs.tabText(tabs.indexOf(panel)) == "Watches (1)", timeout=20000)
    assert any("New hits for your watches: Casino (1)" in n for n in notes), notes

    tabs.setCurrentWidget(panel)
    click_row(qtbot, panel.table, 0)
    rows = panel.hits.rows
    assert [(hit.title, new) for hit, new in rows] == [("Second meeting", True), ("First meeting", False)]
    assert panel.hits.data(panel.hits.index(0, 0)) == "new"

    click_row(qtbot, panel.hit_table, 0)  # the new hit plays in its recording
    qtbot.keyClick(panel.hit_table, Qt.Key.Key_Return)
    qtbot.waitUntil(lambda: window.recording_view.recording_id == rows[0][0].recording_id)
    assert tabs.currentWidget() is window.recording_view

    tabs.setCurrentWidget(panel)
    qtbot.mouseClick(panel.seen_button, Qt.MouseButton.LeftButton)
    qtbot.waitUntil(lambda: tabs.tabText(tabs.indexOf(panel)) == "Watches", timeout=10000)
    assert panel.model.states[0].new == 0 and [new for _h, new in panel.hits.rows] == [False, False]


def test_a_watch_that_no_longer_parses_is_shown_broken(qtbot, window):
    with Archive(window.archive.root) as archive:
        from archive import watches

        watches.add(archive, "casino", "casino")
        archive.db.execute("UPDATE watches SET query = 'casino body:' WHERE name = 'casino'")
    window.archive_changed(None, "watches")
    panel = window.watch_panel
    qtbot.waitUntil(lambda: panel.model.rowCount() == 1)
    assert panel.model.data(panel.model.index(0, 1)) == "broken"
    click_row(qtbot, panel.table, 0)
    assert "no longer works" in panel.message.text() and "body:" in panel.message.text()
