"""The README's screenshot flow, and the listening tasks around it, with the keyboard and the
mouse at 1600×1000 and at 1024×640 (issue 14's closing condition, the player and transcript
part): search "sidewalks", play the hit, see its word marked; seek on the timeline, pause,
click a word, scroll away and follow again, open Help → Keyboard Shortcuts. Every key
widget is visible, not clipped and usable at both sizes. The demo meeting is imported
through the GUI with the fake transcriber (known text) and played by the real QMediaPlayer."""

from __future__ import annotations

import pytest
from PySide6.QtCore import QPoint, Qt
from PySide6.QtGui import QGuiApplication

from desktop.help_dialog import ShortcutsDialog
from test_desktop import demo_copy, imported, open_window, settings  # noqa: F401  (fixtures)
from test_desktop_keys import wheel

pytestmark = pytest.mark.no_qt_log


def key_widgets(window) -> dict:
    rv, player = window.recording_view, window.player
    return {
        "search field": window.search_panel.query, "results": window.search_panel.view,
        "title": rv.title, "transcript": window.transcript.viewport(), "legend": rv.legend,
        "timeline": player.slider, "play": player.play_button, "back": player.back, "forward": player.forward,
        "time": player.time, "speed": player.speed, "follow": player.follow_button,
    }


def assert_usable(window, size):
    problems = []
    for name, w in key_widgets(window).items():
        if not (w.isVisible() and w.isEnabled()):
            problems.append(f"{name}: hidden or disabled")
            continue
        shown = w.visibleRegion().boundingRect()
        top_left = w.mapTo(window, QPoint(0, 0))
        if shown != w.rect() or not window.rect().contains(top_left + QPoint(w.width() - 1, w.height() - 1)):
            problems.append(f"{name}: clipped ({shown} of {w.rect()})")
        if w.width() < w.minimumSizeHint().width() or w.height() < min(w.minimumSizeHint().height(), 16):
            problems.append(f"{name}: squeezed to {w.size()}")
    for name in ("time", "follow", "speed"):  # text that must be read whole
        w = key_widgets(window)[name]
        if w.width() < w.sizeHint().width():
            problems.append(f"{name}: text cut ({w.width()} < {w.sizeHint().width()})")
    if window.player.slider.width() < 150:
        problems.append(f"timeline only {window.player.slider.width()} px wide")
    if window.transcript.viewport().height() < 120:
        problems.append(f"transcript only {window.transcript.viewport().height()} px high")
    assert not problems, (size, problems)


@pytest.mark.parametrize("size", [(1600, 1000), (1024, 640)], ids=lambda s: f"{s[0]}x{s[1]}")
def test_the_screenshot_flow_and_listening_by_keyboard_and_mouse(qtbot, imported, size):
    window = imported
    window.queue_dock.hide()
    window.resize(*size)
    window.activateWindow()
    qtbot.waitUntil(lambda: QGuiApplication.focusWindow() is not None and (window.width(), window.height()) == size)
    player, view = window.player, window.transcript

    # the screenshot: Ctrl+F, type "sidewalks", Down into the hits, Enter plays the first one
    qtbot.keyClick(window, Qt.Key.Key_F, Qt.KeyboardModifier.ControlModifier)
    panel = window.search_panel
    qtbot.waitUntil(panel.query.hasFocus)
    qtbot.keyClicks(panel.query, "sidewalks")
    qtbot.waitUntil(lambda: panel.model.rowCount() > 0, timeout=10000)
    qtbot.keyClick(panel.query, Qt.Key.Key_Down)
    qtbot.waitUntil(panel.view.hasFocus)
    assert panel.view.currentIndex().row() == 0
    hit = panel.model.hit(0)
    qtbot.keyClick(panel.view, Qt.Key.Key_Return)
    qtbot.waitUntil(lambda: player.is_playing() and player.seconds() >= hit.start - window.prefs.pre_roll - 0.3,
                    timeout=10000)
    marked = view.model().marked_words
    assert marked, "the hit's word is marked"
    row = min(marked)[0]
    assert view.viewport().rect().intersects(view.visualRect(view.model().index(row, 0)))
    assert_usable(window, size)

    # the timeline: a click seeks where it lands
    slider = player.slider
    x = round(slider.width() * 0.3)
    qtbot.mouseClick(slider, Qt.MouseButton.LeftButton, pos=QPoint(x, slider.height() // 2))
    wanted = slider.value_at(x) / 1000.0
    qtbot.waitUntil(lambda: abs(player.seconds() - wanted) < 1.0, timeout=5000)

    # the play button pauses; Ctrl+Space plays and pauses from anywhere
    qtbot.mouseClick(player.play_button, Qt.MouseButton.LeftButton)
    qtbot.waitUntil(lambda: not player.is_playing(), timeout=5000)
    qtbot.keyClick(panel.query, Qt.Key.Key_Space, Qt.KeyboardModifier.ControlModifier)
    qtbot.waitUntil(player.is_playing, timeout=5000)

    # a click on a word plays from it
    target_row = row + 2
    seg = view.model().segment(target_row)
    index = view.model().index(target_row, 0)
    view.scrollTo(index)
    _, rects, _ = view.delegate.layout(seg, view.delegate.width())
    qtbot.mouseClick(view.viewport(), Qt.MouseButton.LeftButton, pos=rects[1].center().toPoint() + view.visualRect(index).topLeft())
    qtbot.waitUntil(lambda: abs(player.seconds() - seg.words[1].start) < 1.0, timeout=5000)

    # scrolling away stops following; one click on Follow brings the passage playing back
    wheel(view, -10)
    assert not player.follow_button.isChecked()
    qtbot.mouseClick(player.follow_button, Qt.MouseButton.LeftButton)
    qtbot.waitUntil(lambda: view.model().playing is not None)
    assert view.follow and view.viewport().rect().intersects(view.visualRect(view.model().index(view.model().playing[0], 0)))
    qtbot.keyClick(view, Qt.Key.Key_Space)
    qtbot.waitUntil(lambda: not player.is_playing(), timeout=5000)

    # F1: the keyboard shortcuts, readable at this size
    qtbot.keyClick(view, Qt.Key.Key_F1)
    dialog = window.findChild(ShortcutsDialog, "shortcutsHelp")
    qtbot.waitUntil(lambda: dialog is not None and dialog.isVisible())
    assert dialog.table.rowCount() >= 15
    assert dialog.width() <= size[0] and dialog.height() <= size[1]
    qtbot.keyClick(dialog.table, Qt.Key.Key_Escape)
    qtbot.waitUntil(lambda: not dialog.isVisible())
    assert_usable(window, size)
