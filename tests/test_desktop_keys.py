"""Keys, the timeline and following playback (issue 14, items 11-14), driven with the keyboard
and the mouse on a real window: the demo meeting imported through the GUI with the fake
transcriber (known text), played by the real QMediaPlayer."""

from __future__ import annotations

import re

import pytest
from PySide6.QtCore import QPoint, QPointF, Qt
from PySide6.QtGui import QGuiApplication, QKeySequence, QWheelEvent
from PySide6.QtWidgets import QApplication

from archive.query_help import QUERY_LANGUAGE
from archive.search import SearchRequest, search
from desktop.help_dialog import QueryHelpDialog, ShortcutsDialog
from index.model import QueryError
from index.query.parsing import compile_query, make_parser
from index.schema import TEXT_FIELDS, USER_FIELDS, build_schema, parser_schema
from test_desktop import demo_copy, imported, open_window, settings  # noqa: F401  (fixtures)
from transcription.formats import hms

pytestmark = pytest.mark.no_qt_log


@pytest.fixture
def opened(qtbot, imported):
    """The demo meeting open in an active window, its media loaded."""
    window = imported
    window.activateWindow()
    qtbot.waitUntil(lambda: QGuiApplication.focusWindow() is not None)
    window.open_recording(window.archive.catalog.recordings()[0].id)
    qtbot.waitUntil(lambda: window.player.slider.maximum() > 0, timeout=10000)
    return window


def focus(qtbot, widget):
    widget.setFocus(Qt.FocusReason.TabFocusReason)
    qtbot.waitUntil(widget.hasFocus)


# --- 11: Space -------------------------------------------------------------------------


def test_space_ticks_a_checkbox_and_plays_only_where_nothing_uses_it(qtbot, opened):
    window, player = opened, opened.player
    box = window.search_panel.exact
    before = box.isChecked()
    focus(qtbot, box)
    qtbot.keyClick(box, Qt.Key.Key_Space)
    assert box.isChecked() != before  # Space ticked the checkbox...
    qtbot.wait(300)
    assert not player.is_playing()  # ...and did not start the player

    focus(qtbot, window.transcript)  # in the transcript Space plays and pauses
    qtbot.keyClick(window.transcript, Qt.Key.Key_Space)
    qtbot.waitUntil(player.is_playing, timeout=5000)
    qtbot.keyClick(window.transcript, Qt.Key.Key_Space)
    qtbot.waitUntil(lambda: not player.is_playing(), timeout=5000)

    focus(qtbot, player.slider)  # ... and on the timeline
    qtbot.keyClick(player.slider, Qt.Key.Key_Space)
    qtbot.waitUntil(player.is_playing, timeout=5000)

    focus(qtbot, box)  # Ctrl+Space and the media key work everywhere
    qtbot.keyClick(box, Qt.Key.Key_Space, Qt.KeyboardModifier.ControlModifier)
    qtbot.waitUntil(lambda: not player.is_playing(), timeout=5000)
    qtbot.keyClick(box, Qt.Key.Key_MediaTogglePlayPause)
    qtbot.waitUntil(player.is_playing, timeout=5000)
    focus(qtbot, window.search_panel.query)
    qtbot.keyClick(window.search_panel.query, Qt.Key.Key_Space, Qt.KeyboardModifier.ControlModifier)
    qtbot.waitUntil(lambda: not player.is_playing(), timeout=5000)
    assert box.isChecked() != before  # the keys that drive the player left the box alone


# --- 12: keyboard shortcuts, Enter, search syntax ----------------------------------------


def test_enter_on_a_transcript_passage_plays_it(qtbot, opened):
    window, view = opened, opened.transcript
    focus(qtbot, view)
    row = 6
    seg = view.model().segment(row)
    view.setCurrentIndex(view.model().index(row, 0))
    qtbot.keyClick(view, Qt.Key.Key_Return)
    qtbot.waitUntil(lambda: window.player.is_playing() and abs(window.player.seconds() - seg.start) < 1.5,
                    timeout=10000)
    assert window.player.seconds() >= seg.start - 0.3
    window.player.pause()

    # the passage's menu says so: "Play from here  Enter"
    other = view.model().segment(row + 3)
    index = view.model().index(row + 3, 0)
    view.scrollTo(index)
    view.customContextMenuRequested.emit(view.visualRect(index).center())
    menu = view.context_menu
    qtbot.waitUntil(menu.isVisible)
    play = next(a for a in menu.actions() if a.text().startswith("Play from here"))
    assert play.text().endswith("\t" + QKeySequence(Qt.Key.Key_Return).toString(QKeySequence.SequenceFormat.NativeText))
    play.trigger()
    menu.close()
    qtbot.waitUntil(lambda: window.player.is_playing() and abs(window.player.seconds() - other.start) < 1.5,
                    timeout=10000)


def _menu(window, title):
    return next(a.menu() for a in window.menuBar().actions() if a.text().replace("&", "") == title)


def test_help_keyboard_shortcuts_lists_every_key_from_the_actions(qtbot, opened):
    window = opened
    # the menus show the keys that do the same thing in the panels
    edit = {a.text().replace("&", ""): a for a in _menu(window, "Edit").actions()}
    assert edit["Copy Quote with Citation"].shortcut() == QKeySequence(QKeySequence.StandardKey.Copy)
    assert edit["Copy Reference Link"].shortcut() == QKeySequence("Ctrl+Shift+C")
    assert edit["Correct Segment Text"].shortcut() == QKeySequence("F2")
    assert window.play_action.shortcut() == QKeySequence("Ctrl+Space")
    assert QKeySequence(Qt.Key.Key_MediaTogglePlayPause) in window.play_action.shortcuts()

    # a new action is listed the next time: the list is read from the actions
    extra = window._action(_menu(window, "View"), "Zoom &In", lambda: None, "Ctrl+=")
    help_action = next(a for a in _menu(window, "Help").actions() if a.text() == "&Keyboard Shortcuts")
    assert help_action.shortcut() == QKeySequence(QKeySequence.StandardKey.HelpContents)
    help_action.trigger()
    dialog = window.findChild(ShortcutsDialog, "shortcutsHelp")
    qtbot.waitUntil(lambda: dialog is not None and dialog.isVisible())
    rows = dialog.rows()
    listed = {(keys, does) for keys, does, _ in rows}
    native = lambda k: QKeySequence(k).toString(QKeySequence.SequenceFormat.NativeText)  # noqa: E731
    assert (native("Ctrl+="), "Zoom In") in listed
    for menu_action in window.menuBar().actions():
        for action in menu_action.menu().actions():
            if not action.shortcut().isEmpty():
                text = action.text().replace("&", "").rstrip("…")
                assert any(does.lower() == text.lower() and native(action.shortcut()) in keys for keys, does, _ in rows), text
    where = {does: place for _, does, place in rows}
    assert "Transcript" in where["Play / pause"] and "Timeline" in where["Play / pause"]
    assert where["Play this passage"] == "Transcript"
    assert any(keys.startswith(native("Ctrl+Space")) for keys, _, _ in rows)
    assert ("F2", "Rename the voice") in listed
    qtbot.keyClick(dialog.table, Qt.Key.Key_Escape)
    qtbot.waitUntil(lambda: not dialog.isVisible())
    extra.deleteLater()


def test_search_syntax_covers_what_the_parser_understands(qtbot, opened):
    parser = make_parser(parser_schema(build_schema()))
    typed = re.findall(r"^\| (.+?) \| ", QUERY_LANGUAGE, flags=re.M)[1:]  # the "you type" column
    queries = [q for column in typed for q in re.findall(r"`([^`]+)`", column)]
    assert len(queries) >= 30
    for q in queries:
        try:
            compile_query(q, parser)
        except QueryError as e:  # every example in the help is a query that works
            pytest.fail(f"{q!r}: {e}")
    text = " ".join(queries)
    for name in set(USER_FIELDS + TEXT_FIELDS) - {"text"}:  # every field the parser knows
        assert f"{name}:" in text, name
    for syntax in (" OR ", " NOT ", " AND ", " -", "(", "*", "?", "~", "~2", '"~', "^", "..", "="):
        assert syntax in text, syntax  # every operator of the parser's plugins

    # the rows added for what the parser had and the help did not: they do what they say
    found = lambda q: search(opened.archive, SearchRequest(query=q)).total  # noqa: E731
    assert found('"propose amendment"~3') >= 1 and found('"propose amendment"~1') == 0  # "propose a budget amendment"
    assert found("c?uncil") >= 1 and found("counc*l") >= 1 and found("year:2024") >= 1 and found("year:2011") == 0
    assert found("(cameras OR sidewalks) AND budget") <= min(found("budget"), found("cameras OR sidewalks"))

    _menu(opened, "Help").actions()[0].trigger()  # Help → Search Syntax shows it all
    dialog = opened.findChild(QueryHelpDialog, "queryHelp")
    qtbot.waitUntil(lambda: dialog is not None and dialog.isVisible())
    shown = dialog.text.toPlainText()
    assert all(q in shown for q in queries), [q for q in queries if q not in shown]


# --- 13: following playback -------------------------------------------------------------


def wheel(view, notches: int):
    """Turn the mouse wheel over the view (negative: scroll down)."""
    pos = QPointF(view.viewport().rect().center())
    event = QWheelEvent(pos, QPointF(view.viewport().mapToGlobal(pos.toPoint())), QPoint(0, 0),
                        QPoint(0, 120 * notches), Qt.MouseButton.NoButton, Qt.KeyboardModifier.NoModifier,
                        Qt.ScrollPhase.NoScrollPhase, False)
    QApplication.sendEvent(view.viewport(), event)


def test_scrolling_away_stops_following_playback_and_one_click_resumes(qtbot, opened):
    window, view, player = opened, opened.transcript, opened.player
    button = player.follow_button
    assert button.isVisible() and button.isChecked()
    player.play_from(0.0)
    qtbot.waitUntil(lambda: view.model().playing is not None, timeout=10000)
    wheel(view, -15)  # the person scrolls down to read ahead
    assert not view.follow and not button.isChecked()
    bar = view.verticalScrollBar()
    read_at = bar.value()
    assert read_at > 0
    first = view.model().playing[0]
    player.seek(view.model().segment(first + 2).start + 0.1)  # playback moves on to another passage
    qtbot.waitUntil(lambda: view.model().playing is not None and view.model().playing[0] >= first + 2, timeout=10000)
    qtbot.wait(200)
    assert bar.value() == read_at  # the view stays where the person is reading

    qtbot.mouseClick(button, Qt.MouseButton.LeftButton)  # one click: follow again
    assert view.follow and button.isChecked()
    playing = view.model().index(view.model().playing[0], 0)
    assert view.viewport().rect().intersects(view.visualRect(playing))

    focus(qtbot, view)  # reading ahead with the keyboard stops following too; Enter plays there and follows
    qtbot.keyClick(view, Qt.Key.Key_PageDown)
    assert not view.follow and not button.isChecked()
    qtbot.keyClick(view, Qt.Key.Key_Return)
    assert view.follow and button.isChecked()
    player.pause()


# --- 14: the timeline -------------------------------------------------------------------


def test_a_click_on_the_timeline_seeks_to_the_click(qtbot, opened):
    window, player = opened, opened.player
    slider = player.slider
    duration = slider.maximum() / 1000.0
    for fraction in (0.75, 0.2, 0.5):
        x = round(fraction * slider.width())
        qtbot.mouseClick(slider, Qt.MouseButton.LeftButton, pos=QPoint(x, slider.height() // 2))
        wanted = fraction * duration  # (the groove's ends are a few pixels in: 4 % of slack)
        qtbot.waitUntil(lambda: abs(player.seconds() - wanted) < 0.04 * duration, timeout=5000)
        assert abs(slider.value() / 1000.0 - player.seconds()) < 0.5  # the handle is where it plays
    # pointing at the timeline tells the time there
    x = round(0.4 * slider.width())
    qtbot.mouseMove(slider, QPoint(x, slider.height() // 2))
    qtbot.waitUntil(lambda: hms(slider.value_at(x) / 1000.0) in slider.toolTip())
    assert abs(slider.value_at(x) / 1000.0 - 0.4 * duration) < 0.04 * duration
