"""Speakers in the desktop app (issue 11, desktop part), driven with mouse and keyboard on a
real window over a real archive (SQLite + Whoosh): the demo meeting imported through the
GUI's import pipeline with the fake transcriber and a FakeDiarizer whose turns are the
script's speakers ("Speaker 1" = the mayor, 2 = the clerk, 3 = Walker, 4 = Patel, 5 = Nora
Fields). tests/test_diarization.py and tests/test_speakers.py run the real diarizer."""

from __future__ import annotations

import threading

import pytest
from PySide6.QtCore import QPoint, Qt
from PySide6.QtGui import QColor, QContextMenuEvent, QGuiApplication
from PySide6.QtWidgets import QApplication, QDialogButtonBox, QPlainTextEdit

from archive import speakers
from desktop.speaker_panel import CONFIRM, NAME, TALK
from desktop.palette import LIGHT
from desktop.speaker_style import voice_color
from fakes import FakeTranscriber, demo_lines, factory
from test_desktop import DEMO, DEMO_META, demo_copy, import_via_dialog, open_window, search, settings, wait_indexed  # noqa: F401
from transcription.diarize import FakeDiarizer

pytestmark = pytest.mark.no_qt_log

TURNS = [(line["start"], line["end"], line["speaker"]) for line in demo_lines()]
WHO = {"Mayor Helen Morgan": "Speaker 1", "City Clerk Martin Hale": "Speaker 2", "Councillor Ray Walker": "Speaker 3",
       "Councillor Sam Patel": "Speaker 4", "Nora Fields": "Speaker 5"}


class ThreadNotingDiarizer(FakeDiarizer):
    """The script's turns; notes the thread each call ran in."""

    def __init__(self):
        super().__init__(TURNS)
        self.threads: list[threading.Thread] = []

    def warm(self) -> None:
        self.threads.append(threading.current_thread())

    def diarize(self, audio, **kw):
        self.threads.append(threading.current_thread())
        return super().diarize(audio, **kw)


@pytest.fixture
def diarizer(monkeypatch):
    """What the import pipeline (and "Find speakers") diarize with in these tests."""
    import archive.diarizing

    fake = ThreadNotingDiarizer()
    monkeypatch.setattr(archive.diarizing, "shared_diarizer", lambda: fake)
    return fake


@pytest.fixture
def voiced(qtbot, open_window, demo_copy, diarizer):
    """A window showing the demo meeting, diarized on import."""
    window = open_window()
    import_via_dialog(qtbot, window, demo_copy, title=DEMO_META["title"], body=DEMO_META["body"])
    wait_indexed(qtbot, window)
    window.open_recording(window.archive.catalog.recordings()[0].id)
    qtbot.waitUntil(lambda: len(window.recording_view.speakers.model.rows) == 5)
    return window


# --- helpers: what a person sees and does -------------------------------------------


def segs(window) -> list:
    return window.transcript.transcript.segments


def labels(window) -> list:
    return [s.label for s in segs(window)]


def panel_names(window) -> dict:
    return {v.label: v for v in window.recording_view.speakers.model.rows}


def row_of(window, speaker_label: str, nth: int = 0) -> int:
    return [i for i, s in enumerate(segs(window)) if s.label == speaker_label][nth]


def click_name(qtbot, window, row: int):
    """Click the speaker's name at the start of a passage; returns the menu it opens."""
    tr = window.transcript
    tr.scrollTo(tr.model().index(row, 0))
    qtbot.mouseClick(tr.viewport(), Qt.MouseButton.LeftButton, pos=tr.name_position(row))
    qtbot.waitUntil(lambda: window.speaking.menu is not None and window.speaking.menu.isVisible())
    return window.speaking.menu


def action(menu, starts: str):
    found = [a for a in menu.actions() if a.text().startswith(starts)]
    assert found, f"no {starts!r} in {[a.text() for a in menu.actions()]}"
    return found[0]


def click_menu(qtbot, menu, starts: str) -> None:
    """Click a menu item with the mouse."""
    qtbot.mouseClick(menu, Qt.MouseButton.LeftButton, pos=menu.actionGeometry(action(menu, starts)).center())


def choose_in_submenu(menu, sub: str, starts: str) -> None:
    """Open a submenu and choose an item (keyboard-equivalent: its action is triggered)."""
    submenu = action(menu, sub).menu()
    submenu.aboutToShow.emit()
    action(submenu, starts).trigger()
    menu.close()


def answer_name_dialog(qtbot, window, name: str, roster: bool) -> None:
    qtbot.waitUntil(lambda: window.speaking.dialog is not None and window.speaking.dialog.isVisible())
    dialog = window.speaking.dialog
    line = dialog.name.lineEdit()
    line.selectAll()
    qtbot.keyClicks(line, name)
    radio = dialog.roster if roster else dialog.here
    qtbot.mouseClick(radio, Qt.MouseButton.LeftButton, pos=QPoint(8, radio.height() // 2))  # on its circle
    assert dialog.for_roster() == roster
    qtbot.mouseClick(dialog.buttons.button(QDialogButtonBox.StandardButton.Ok), Qt.MouseButton.LeftButton)


def click_panel_cell(qtbot, window, label: str, column: int) -> None:
    panel = window.recording_view.speakers
    qtbot.mouseClick(panel.view.viewport(), Qt.MouseButton.LeftButton, pos=panel.cell_rect(label, column).center())


def name_pixels(window, row: int, color: QColor) -> int:
    """How many pixels of the painted name of a passage have (nearly) ``color``."""
    tr = window.transcript
    tr.scrollTo(tr.model().index(row, 0))
    QApplication.processEvents()
    image = tr.viewport().grab().toImage()
    rect = tr.delegate.name_rect(tr.segment(row), tr.visualRect(tr.model().index(row, 0)).toRectF())
    n = 0
    for x in range(int(rect.left()), int(rect.right())):
        for y in range(int(rect.top()), int(rect.bottom())):
            c = image.pixelColor(int(x * image.devicePixelRatio()), int(y * image.devicePixelRatio()))
            if abs(c.red() - color.red()) + abs(c.green() - color.green()) + abs(c.blue() - color.blue()) < 30:
                n += 1
    return n


def press(qtbot, window, widget, key, modifiers=Qt.KeyboardModifier.NoModifier) -> None:
    """A key pressed while ``widget`` has the focus in the active window."""
    window.activateWindow()
    qtbot.waitUntil(lambda: QGuiApplication.focusWindow() is not None)
    widget.setFocus()
    qtbot.keyClick(widget, key, modifiers)


def undo(qtbot, window) -> None:
    press(qtbot, window, window.transcript, Qt.Key.Key_Z, Qt.KeyboardModifier.ControlModifier)


def redo(qtbot, window) -> None:
    press(qtbot, window, window.transcript, Qt.Key.Key_Z,
          Qt.KeyboardModifier.ControlModifier | Qt.KeyboardModifier.ShiftModifier)


# --- colours and names ------------------------------------------------------------------


def _luminance(c: QColor) -> float:
    def channel(v: float) -> float:
        return v / 12.92 if v <= 0.03928 else ((v + 0.055) / 1.055) ** 2.4

    return 0.2126 * channel(c.redF()) + 0.7152 * channel(c.greenF()) + 0.0722 * channel(c.blueF())


def test_voice_colours_are_distinct_readable_and_keyed_on_the_label():
    colours = [voice_color(f"Speaker {n}").name() for n in range(1, len(LIGHT.voices) + 1)]
    assert len(set(colours)) == len(LIGHT.voices)  # the first ten voices of a meeting never share a colour
    assert voice_color("Speaker 3") == voice_color("Speaker 3") != voice_color("Speaker 4")
    for colour in map(QColor, LIGHT.voices):
        for background in (QColor(LIGHT.base), QColor(LIGHT.selected)):
            ratio = (_luminance(background) + 0.05) / (_luminance(colour) + 0.05)
            assert ratio >= 4.5, (colour.name(), background.name(), ratio)  # WCAG AA


def test_each_turn_starts_with_its_voice_name_in_a_colour_that_survives_a_rename(qtbot, voiced):
    window = voiced
    # every passage is one voice's, in the script's order of first appearance
    assert [s.label for s in segs(window)][:4] == ["Speaker 1", "Speaker 1", "Speaker 2", "Speaker 3"]
    assert {WHO[line["speaker"]] for line in demo_lines()} == set(panel_names(window))
    mayor, clerk = row_of(window, "Speaker 1"), row_of(window, "Speaker 2")
    assert name_pixels(window, mayor, voice_color("Speaker 1")) > 5
    assert name_pixels(window, mayor, voice_color("Speaker 2")) == 0
    assert name_pixels(window, clerk, voice_color("Speaker 2")) > 5

    # click the name, "Rename…", in this recording only
    menu = click_name(qtbot, window, mayor)
    click_menu(qtbot, menu, "Rename")
    answer_name_dialog(qtbot, window, "Helen Morgan", roster=False)
    qtbot.waitUntil(lambda: segs(window)[mayor].speaker == "Helen Morgan", timeout=10000)
    assert segs(window)[mayor].label == "Speaker 1" and not segs(window)[mayor].suggested
    assert name_pixels(window, mayor, voice_color("Speaker 1")) > 5  # the same voice keeps its colour
    assert window.transcript.model().index(mayor, 0).data().startswith("00:00:00 Helen Morgan: ")
    qtbot.waitUntil(lambda: panel_names(window)["Speaker 1"].name == "Helen Morgan")
    assert speakers.roster_list(window.archive) == []  # here only: no voiceprint went to the roster

    # a name another voice already has: one line in the status bar, nothing changed, nothing to undo
    assert window.speaking.stack.count() == 1
    click_panel_cell(qtbot, window, "Speaker 2", NAME)
    qtbot.mouseClick(window.recording_view.speakers.rename_button, Qt.MouseButton.LeftButton)
    answer_name_dialog(qtbot, window, "Helen Morgan", roster=False)
    qtbot.waitUntil(lambda: "merge the two voices" in window.statusBar().currentMessage(), timeout=10000)
    assert "\n" not in window.statusBar().currentMessage()
    assert window.speaking.stack.count() == 1 and window.speaking.stack.undoText().startswith("Name Speaker 1")
    assert panel_names(window)["Speaker 2"].name is None


def test_a_roster_name_is_suggested_in_the_next_meeting_and_one_click_confirms_or_rejects_it(
        qtbot, voiced, make_media):
    window = voiced
    panel = window.recording_view.speakers
    # name the mayor's voice for the roster from the speaker panel: select it, "Rename…"
    click_panel_cell(qtbot, window, "Speaker 1", TALK)
    qtbot.mouseClick(panel.rename_button, Qt.MouseButton.LeftButton)
    answer_name_dialog(qtbot, window, "Helen Morgan", roster=True)
    qtbot.waitUntil(lambda: [e.name for e in speakers.roster_list(window.archive)] == ["Helen Morgan"], timeout=10000)

    # the next meeting with the same voices: the mayor's voice is suggested, marked as such
    again = make_media("riverton_again.wav", "-i", str(DEMO), "-ac", "1", "-ar", "16000")
    import_via_dialog(qtbot, window, again, title="Riverton again")
    wait_indexed(qtbot, window, n=2)
    second = max(r.id for r in window.archive.catalog.recordings())
    window.open_recording(second)
    qtbot.waitUntil(lambda: "Speaker 1" in panel_names(window))
    mayor = row_of(window, "Speaker 1")
    assert segs(window)[mayor].speaker == "Helen Morgan" and segs(window)[mayor].suggested
    assert window.transcript.model().index(mayor, 0).data().startswith("00:00:00 Helen Morgan?: ")
    assert window.transcript.delegate.name_font(segs(window)[mayor]).italic()
    voice = panel_names(window)["Speaker 1"]
    assert voice.suggested and voice.score is not None
    assert panel.model.index(panel.model.row_of("Speaker 1"), CONFIRM).data() == "✓"
    assert "Suggested" in panel.model.index(panel.model.row_of("Speaker 1"), NAME).data(Qt.ItemDataRole.ToolTipRole)
    assert not any(v.suggested for label, v in panel_names(window).items() if label != "Speaker 1")

    # ✓ in the panel: one click confirms
    click_panel_cell(qtbot, window, "Speaker 1", CONFIRM)
    qtbot.waitUntil(lambda: not segs(window)[mayor].suggested, timeout=10000)
    assert not panel_names(window)["Speaker 1"].suggested
    assert segs(window)[mayor].speaker == "Helen Morgan"
    assert not window.transcript.delegate.name_font(segs(window)[mayor]).italic()

    # undo: suggested again; then ✗ from the name's menu rejects it
    undo(qtbot, window)
    qtbot.waitUntil(lambda: segs(window)[mayor].suggested, timeout=10000)
    menu = click_name(qtbot, window, mayor)
    click_menu(qtbot, menu, "✗")
    qtbot.waitUntil(lambda: segs(window)[mayor].speaker == "Speaker 1", timeout=10000)
    assert panel_names(window)["Speaker 1"].name is None
    assert [e.name for e in speakers.roster_list(window.archive)] == ["Helen Morgan"]  # the roster keeps it


def test_merge_two_voices_from_the_panel_and_from_the_name_menu(qtbot, voiced):
    window = voiced
    panel = window.recording_view.speakers
    before = panel_names(window)
    nora_rows = [i for i, s in enumerate(segs(window)) if s.label == "Speaker 5"]
    # the panel: select Nora's voice, "Merge into" ▸ Walker's
    click_panel_cell(qtbot, window, "Speaker 5", NAME)
    panel.merge_menu.aboutToShow.emit()
    action(panel.merge_menu, "Speaker 3").trigger()
    qtbot.waitUntil(lambda: "Speaker 5" not in panel_names(window), timeout=10000)
    merged = panel_names(window)["Speaker 3"]
    assert merged.talk_time == pytest.approx(before["Speaker 3"].talk_time + before["Speaker 5"].talk_time, abs=0.01)
    assert all(segs(window)[i].label == "Speaker 3" for i in nora_rows)

    # the name's menu: "Merge … into" ▸ the clerk's voice
    menu = click_name(qtbot, window, row_of(window, "Speaker 4"))
    choose_in_submenu(menu, "Merge", "Speaker 2")
    qtbot.waitUntil(lambda: "Speaker 4" not in panel_names(window), timeout=10000)
    assert "Speaker 4" not in labels(window)
    assert sorted(panel_names(window)) == ["Speaker 1", "Speaker 2", "Speaker 3"]


def test_move_a_passage_split_at_a_word_then_given_to_another_voice(qtbot, voiced):
    window = voiced
    tr = window.transcript
    n = len(segs(window))
    row = row_of(window, "Speaker 1")  # "Good evening, and welcome to the Riverton City Council. This ..."
    words = [w.text.strip() for w in segs(window)[row].words]
    # right-click the fourth word: "Give “welcome…” to the end to" ▸ the clerk
    tr.scrollTo(tr.model().index(row, 0))
    rect = tr.delegate.layout(segs(window)[row], tr.delegate.width())[1][3]
    pos = (rect.center() + tr.visualRect(tr.model().index(row, 0)).topLeft().toPointF()).toPoint()
    # a right-click (QTest's clicks bypass the window that turns them into this event)
    QApplication.sendEvent(tr.viewport(), QContextMenuEvent(QContextMenuEvent.Reason.Mouse, pos, tr.viewport().mapToGlobal(pos),
                                                            Qt.KeyboardModifier.NoModifier))
    qtbot.waitUntil(lambda: tr.context_menu is not None and tr.context_menu.isVisible())
    assert action(tr.context_menu, "Split before").text() == f"Split before “{words[3]}”"
    choose_in_submenu(tr.context_menu, "Give", "Speaker 2")
    qtbot.waitUntil(lambda: len(segs(window)) == n + 1, timeout=10000)
    first, second = segs(window)[row], segs(window)[row + 1]
    assert [w.text.strip() for w in first.words] == words[:3] and first.label == "Speaker 1"
    assert [w.text.strip() for w in second.words] == words[3:] and second.label == "Speaker 2"
    assert second.start == pytest.approx(second.words[0].start) and first.end == pytest.approx(first.words[-1].end)
    # search finds the moved words said by the clerk's voice
    panel = search(qtbot, window, '"welcome to the Riverton"', expect_rows=1)
    assert panel.model.hit(0).speaker == "Speaker 2"

    # "Split before" alone, then the piece's name menu gives it to Walker
    m = len(segs(window))
    window.speaking.split(segs(window)[row + 1].id, 2)
    qtbot.waitUntil(lambda: len(segs(window)) == m + 1, timeout=10000)
    menu = click_name(qtbot, window, row + 2)
    choose_in_submenu(menu, "Give this passage", "Speaker 3")
    qtbot.waitUntil(lambda: segs(window)[row + 2].label == "Speaker 3", timeout=10000)
    assert segs(window)[row + 1].label == "Speaker 2"


def test_undo_and_redo_every_speaker_change_and_the_correction_stays(qtbot, voiced):
    window = voiced
    tr = window.transcript
    original = [(s.id, s.label, s.text) for s in segs(window)]
    # a correction, through the transcript's in-place editor (not a speaker change: not undone here)
    row = row_of(window, "Speaker 1", 1)  # "The clerk will now call the roll."
    tr.scrollTo(tr.model().index(row, 0))
    tr.setCurrentIndex(tr.model().index(row, 0))
    qtbot.keyClick(tr, Qt.Key.Key_F2)
    editor = tr.findChild(QPlainTextEdit, "segmentEditor")
    editor.setPlainText("The clerk will now call the role of members.")
    qtbot.keyClick(editor, Qt.Key.Key_Return)
    qtbot.waitUntil(lambda: segs(window)[row].edited, timeout=10000)
    corrected = segs(window)[row].text

    window.speaking.name("Speaker 1", "Helen Morgan", roster=True)
    window.speaking.merge("Speaker 3", "Speaker 5")
    window.speaking.move_words(segs(window)[row].id, 3, "Speaker 2")  # the corrected passage, cut and moved
    qtbot.waitUntil(lambda: len(segs(window)) == len(original) + 1 and "Speaker 5" not in labels(window), timeout=15000)
    assert segs(window)[row].speaker == "Helen Morgan" and segs(window)[row + 1].label == "Speaker 2"
    assert " ".join([segs(window)[row].text, segs(window)[row + 1].text]) == corrected
    assert window.speaking.stack.count() == 3 and window.speaking.stack.undoText().startswith("Give")

    for _ in range(3):  # Ctrl+Z three times: back to the meeting as diarized
        undo(qtbot, window)
    qtbot.waitUntil(lambda: [(s.id, s.label, s.speaker) for s in segs(window)]  # ... and no name any more
                    == [(i, label, label) for i, label, _ in original] and window.speaking.stack.index() == 0,
                    timeout=20000)
    assert segs(window)[row].text == corrected and segs(window)[row].edited  # the correction stays
    assert sorted(panel_names(window)) == [f"Speaker {n}" for n in range(1, 6)]
    assert speakers.roster_list(window.archive) == []  # the roster's new entry went with the undo
    assert [s.text for i, s in enumerate(segs(window)) if i != row] == [t for i, (_, _, t) in enumerate(original) if i != row]

    redo(qtbot, window)  # Ctrl+Shift+Z: the name again
    qtbot.waitUntil(lambda: segs(window)[row].speaker == "Helen Morgan", timeout=10000)
    assert window.speaking.stack.index() == 1


def test_one_change_signal_refreshes_results_filters_panel_and_transcript(qtbot, voiced):
    window = voiced
    rid = window.recording_view.recording_id
    results = search(qtbot, window, '"fix the sidewalks"', expect_rows=1)
    assert results.model.hit(0).speaker == "Speaker 5"
    changes = []
    window.events.changed.connect(changes.append)

    click_panel_cell(qtbot, window, "Speaker 5", NAME)
    press(qtbot, window, window.recording_view.speakers.view, Qt.Key.Key_F2)
    answer_name_dialog(qtbot, window, "Nora Fields", roster=True)
    qtbot.waitUntil(lambda: results.model.rowCount() == 1 and results.model.hit(0).speaker == "Nora Fields",
                    timeout=10000)
    assert [(c.what, c.recording_id) for c in changes] == [("speakers", rid)]  # one signal, every view
    assert results.speaker.findData("Nora Fields") >= 0 and results.speaker.findData("Speaker 5") < 0
    assert panel_names(window)["Speaker 5"].name == "Nora Fields"
    assert {s.speaker for s in segs(window) if s.label == "Speaker 5"} == {"Nora Fields"}
    # the filter offers the new name with no query typed too, and it filters
    results.query.clear()
    qtbot.waitUntil(lambda: results.speaker.findData("Nora Fields") >= 0)
    assert results.speaker.findData("Speaker 5") < 0
    results = search(qtbot, window, "speaker:Fields sidewalks", expect_rows=1)  # (Walker says it too)


def test_find_speakers_in_a_recording_that_has_none_runs_on_the_worker(qtbot, open_window, demo_copy, monkeypatch):
    window = open_window(FakeTranscriber())
    import_via_dialog(qtbot, window, demo_copy, title=DEMO_META["title"])
    wait_indexed(qtbot, window)  # (the test default: a diarizer that finds nobody)
    window.open_recording(window.archive.catalog.recordings()[0].id)
    panel = window.recording_view.speakers
    assert panel.model.rowCount() == 0 and panel.find_button.isVisibleTo(window)
    assert all(s.speaker is None for s in segs(window))

    import archive.diarizing

    fake = ThreadNotingDiarizer()
    monkeypatch.setattr(archive.diarizing, "shared_diarizer", lambda: fake)
    qtbot.mouseClick(panel.find_button, Qt.MouseButton.LeftButton)
    qtbot.waitUntil(lambda: panel.model.rowCount() == 5, timeout=15000)
    assert fake.threads and all(t is not threading.main_thread() for t in fake.threads)  # warmed and run off the UI
    assert not panel.find_button.isVisibleTo(window) and panel.view.isVisibleTo(window)
    assert labels(window)[:3] == ["Speaker 1", "Speaker 1", "Speaker 2"]
    # the panel's voice click jumps to that voice's next turn
    click_panel_cell(qtbot, window, "Speaker 5", TALK)
    assert segs(window)[window.transcript.currentIndex().row()].label == "Speaker 5"
    panel.only.setChecked(True)
    shown = [r for r in range(len(segs(window))) if not window.transcript.isRowHidden(r)]
    assert shown and all(segs(window)[r].label == "Speaker 5" for r in shown)
    panel.only.setChecked(False)
    assert not any(window.transcript.isRowHidden(r) for r in range(len(segs(window))))


def test_speaker_panel_stays_usable_in_a_small_window(qtbot, voiced):
    window = voiced
    window.resize(1024, 640)
    QApplication.processEvents()
    panel = window.recording_view.speakers
    assert panel.view.height() >= panel.view.verticalHeader().defaultSectionSize() * 2
    assert window.transcript.height() > panel.height()
    assert panel.rename_button.isVisibleTo(window) and panel.merge_button.isVisibleTo(window)


def test_changes_asked_for_during_an_import_run_after_it_in_the_order_asked(qtbot, open_window, demo_copy):
    window = open_window(FakeTranscriber(delay=0.05))
    import_via_dialog(qtbot, window, demo_copy)
    qtbot.waitUntil(lambda: window.imports.running is not None and window.imports.running.is_import)
    ran = []
    jobs = [window.imports.run_edit(f"edit {n}", lambda _archive, n=n: ran.append(n)) for n in range(4)]
    assert window.imports.busy
    qtbot.waitUntil(lambda: all(job.finished for job in jobs), timeout=30000)
    assert ran == [0, 1, 2, 3]  # an undo never runs before the change it undoes
