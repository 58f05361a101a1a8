"""The Library in the desktop app (issue 14 items 1 and 21), driven with mouse and keyboard
on a real window over a real archive (SQLite + Whoosh): recordings imported from captions
(known text, no engine), edited, filtered and removed through the Library's context menu.
Every change reaches every view through the window's one change signal."""

from __future__ import annotations

import subprocess

import pytest
from PySide6.QtCore import Qt
from PySide6.QtWidgets import QApplication, QDialogButtonBox, QMessageBox

from archive.importer import Importer, ImportMeta
from archive.store import Archive

from desktop.import_dialog import ImportDialog
from desktop.library import TITLE
from test_desktop import _ffmpeg, open_window, search, settings  # noqa: F401

pytestmark = pytest.mark.no_qt_log

RECORDINGS = [  # title, body, date, what was said
    ("Budget hearing", "Springfield City Council", "2019-06-01", "The stormwater budget passed on a vote of five to two."),
    ("Parks committee", "Riverton Parks Board", "2021-04-20", "The playground on Elm Street reopens in May."),
    ("Regular meeting", "Springfield City Council", "2023-01-09", "The library hours are extended on Saturdays."),
]


def srt(text: str) -> str:
    return f"1\n00:00:00,500 --> 00:00:02,500\n{text}\n"


@pytest.fixture
def library_archive(tmp_path):
    """An archive holding RECORDINGS (2.5-second tones with captions), ids 1..3."""
    root = tmp_path / "archive"
    src = tmp_path / "src"
    src.mkdir()
    with Archive(root) as archive:
        importer = Importer(archive)
        for i, (title, body, date, text) in enumerate(RECORDINGS):
            media, captions = src / f"r{i}.wav", src / f"r{i}.srt"
            subprocess.run([_ffmpeg(), "-v", "error", "-f", "lavfi", "-i", f"sine=frequency={300 + 100 * i}:duration=2.5",
                            str(media)], check=True)
            captions.write_text(srt(text))
            [result] = importer.import_paths([media], ImportMeta(title, body, date), captions=captions)
            assert result.status == "indexed", result
    return root


@pytest.fixture
def window(qtbot, open_window, library_archive):
    w = open_window(name="archive")
    assert w.archive.root.resolve() == library_archive.resolve()
    qtbot.waitUntil(lambda: w.library.model.rowCount() == len(RECORDINGS))
    return w


def library_row(window, title: str) -> int:
    proxy = window.library.proxy
    return next(r for r in range(proxy.rowCount()) if proxy.index(r, TITLE).data() == title)


def library_titles(window) -> set:
    proxy = window.library.proxy
    return {proxy.index(r, TITLE).data() for r in range(proxy.rowCount())}


def click_library_row(qtbot, window, title: str) -> int:
    table = window.library.table
    index = window.library.proxy.index(library_row(window, title), TITLE)
    qtbot.mouseClick(table.viewport(), Qt.MouseButton.LeftButton, pos=table.visualRect(index).center())
    return int(window.library.selected_recording())


def menu_action(window, rid: int, text: str):
    """The Library row's context menu (what a right-click opens), and its action ``text``."""
    menu = window.library.context_menu(rid)
    return next(a for a in menu.actions() if a.text() == text)


def combo_items(combo) -> list:
    return [combo.itemText(i) for i in range(combo.count())]


def test_details_edited_from_the_library_reach_every_view_and_keep_the_place(qtbot, window):
    # the person reads "Regular meeting", then goes to the Library and edits "Budget hearing"
    regular = next(r.id for r in window.archive.catalog.recordings() if r.title == "Regular meeting")
    window.open_recording(regular)
    window.show_library()
    budget = click_library_row(qtbot, window, "Budget hearing")
    search(qtbot, window, "stormwater", expect_rows=1)
    menu_action(window, budget, "Edit details…").trigger()
    dialog = window.findChild(ImportDialog)
    qtbot.waitUntil(dialog.isVisible)
    dialog.title.selectAll()
    qtbot.keyClicks(dialog.title, "Zoning appeal")
    dialog.body.selectAll()
    qtbot.keyClicks(dialog.body, "Harbor Board")
    qtbot.mouseClick(dialog.buttons.button(QDialogButtonBox.StandardButton.Ok), Qt.MouseButton.LeftButton)

    # the Library shows the new row at once, in place: same tab, same selection, same open recording
    qtbot.waitUntil(lambda: "Zoning appeal" in library_titles(window), timeout=10000)
    assert "Budget hearing" not in library_titles(window)
    assert window.tabs.currentWidget() is window.library
    assert window.library.selected_recording() == budget
    assert window.recording_view.recording_id == regular
    assert "Regular meeting" in window.recording_view.title.text()
    # the search results and the body filter follow the same change signal
    panel = window.search_panel
    qtbot.waitUntil(lambda: panel.model.rowCount() == 1 and "Zoning appeal" in str(panel.model.index(0, 0).data()),
                    timeout=5000)
    search(qtbot, window, "")
    qtbot.waitUntil(lambda: any("Harbor Board" in t for t in combo_items(panel.body)))
    # filtering the Library by the new title finds it at once
    window.library.filter.clear()
    qtbot.keyClicks(window.library.filter, "zoning")
    assert library_titles(window) == {"Zoning appeal"}


def test_the_library_count_says_how_many_rows_the_filter_shows(qtbot, window):
    lib = window.library
    assert lib.count.text() == "3 recordings"
    qtbot.keyClicks(lib.filter, "springfield")
    assert lib.proxy.rowCount() == 2 and lib.count.text() == "2 of 3 recordings"
    qtbot.keyClicks(lib.filter, " nothing like this")
    assert lib.proxy.rowCount() == 0 and lib.count.text() == "0 of 3 recordings"
    lib.filter.selectAll()
    qtbot.keyClick(lib.filter, Qt.Key.Key_Delete)
    assert lib.count.text() == "3 recordings"


def _answer(qtbot, box, text: str) -> None:
    qtbot.waitUntil(box.isVisible)
    button = next(b for b in box.buttons() if b.text().replace("&", "") == text)
    qtbot.mouseClick(button, Qt.MouseButton.LeftButton)
    qtbot.waitUntil(lambda: not box.isVisible())


def test_remove_from_the_library_s_context_menu_asks_and_every_view_follows(qtbot, window):
    catalog = window.archive.catalog
    parks = next(r.id for r in catalog.recordings() if r.title == "Parks committee")
    window.open_recording(parks)
    window.show_library()
    search(qtbot, window, "playground", expect_rows=1)
    stored = window.archive.media_path(catalog.recording(parks))
    assert stored.exists()

    menu_action(window, parks, "Remove…").trigger()
    box = window.editing.remove_box
    assert isinstance(box, QMessageBox) and "Parks committee" in box.text()
    _answer(qtbot, box, "Cancel")  # asked, declined: nothing happens
    QApplication.processEvents()
    assert catalog.recording(parks) is not None and window.library.model.rowCount() == 3

    menu_action(window, parks, "Remove…").trigger()
    _answer(qtbot, window.editing.remove_box, "Remove")
    qtbot.waitUntil(lambda: window.library.model.rowCount() == 2, timeout=10000)
    assert catalog.recording(parks) is None and not stored.exists()
    assert parks not in window.archive.index.recording_ids()
    assert window.library.count.text() == "2 recordings"
    assert window.recording_view.recording_id is None  # the open recording went with it
    assert window.tabs.currentWidget() is window.library
    qtbot.waitUntil(lambda: window.search_panel.model.rowCount() == 0, timeout=5000)  # no hit left
    search(qtbot, window, "")
    qtbot.waitUntil(lambda: not any("Riverton Parks Board" in t for t in combo_items(window.search_panel.body)))


def test_re_transcribe_in_the_context_menu_says_which_recording(qtbot, window):
    rid = window.archive.catalog.recordings()[0].id
    with qtbot.waitSignal(window.library.retranscribeRequested) as signal:
        menu_action(window, rid, "Re-transcribe…").trigger()
    assert signal.args == [rid]
