"""Quotes, clips and marks in the app (issue 14 items 4-6, 15-17), driven by mouse and keyboard.

The demo meeting imported through the GUI with the fake engine (known text and word times):
a quote is the words it copies and its time is their start (archive.citation), so the
clipboard, the results dataset, ``search --json``, a clip's span and its tags all agree.
"""

from __future__ import annotations

import csv
import dataclasses
import json

import pytest
from PySide6.QtCore import QPoint, Qt
from PySide6.QtGui import QGuiApplication
from PySide6.QtWidgets import QPlainTextEdit

from archive.citation import citation
from archive.cli import main as cli_main
from archive.exports import export_transcript
from desktop.palette import current
from fakes import FakeTranscriber, demo_lines, demo_segments
from test_desktop import (  # noqa: F401  (fixtures)
    DEMO_META, click_row, demo_copy, import_via_dialog, imported, open_window, search, settings, wait_indexed)
from test_desktop_exports import clip_options, save_to
from transcription.audio import ffmpeg_exe, probe
from transcription.guards import guard
from transcription.types import Segment, Word

import subprocess

pytestmark = pytest.mark.no_qt_log
CITED = dict(body=DEMO_META["body"], title=DEMO_META["title"], date=DEMO_META["date"])
AMENDMENT = 15  # "So I propose a budget amendment. That money would pay for new sidewalks and street lights."


def word_point(view, row: int, i: int) -> QPoint:
    """The middle of word ``i`` of passage ``row``, in viewport coordinates (scrolled into view)."""
    index = view.model().index(row, 0)
    view.scrollTo(index)
    _, rects, _ = view.delegate.layout(view.model().segment(row), view.delegate.width())
    return (rects[i].center() + view.visualRect(index).topLeft().toPointF()).toPoint()


def word_pixel(view, row: int, i: int):
    """The colour just inside the left edge of a word's highlight."""
    index = view.model().index(row, 0)
    _, rects, _ = view.delegate.layout(view.model().segment(row), view.delegate.width())
    r = rects[i].translated(view.visualRect(index).topLeft().toPointF())
    image = view.viewport().grab().toImage()
    return image.pixelColor(int(r.left() - 1), int(r.center().y())).name()


def drag(qtbot, view, a: QPoint, b: QPoint) -> None:
    vp = view.viewport()
    qtbot.mousePress(vp, Qt.MouseButton.LeftButton, pos=a)
    qtbot.mouseMove(vp, QPoint((a.x() + b.x()) // 2, (a.y() + b.y()) // 2))
    qtbot.mouseMove(vp, b)
    qtbot.mouseRelease(vp, Qt.MouseButton.LeftButton, pos=b)


def tags(path) -> dict:
    out = subprocess.run([ffmpeg_exe(), "-v", "error", "-i", str(path), "-f", "ffmetadata", "-"],
                         capture_output=True, text=True, check=True).stdout
    return dict(line.split("=", 1) for line in out.splitlines() if "=" in line and not line.startswith(";"))


def activate(qtbot, window) -> None:
    """Make the window the active one, so its menu shortcuts (Ctrl+Shift+E) work."""
    window.activateWindow()
    qtbot.waitUntil(lambda: QGuiApplication.focusWindow() is not None)


def sidewalk_hit(qtbot, window):
    """The "sidewalks" hit in the amendment passage, current in the results (keyboard focus there)."""
    activate(qtbot, window)
    panel = search(qtbot, window, "sidewalks")
    qtbot.waitUntil(lambda: panel.model.rowCount() > 0)
    line = demo_lines()[AMENDMENT]
    row = next(r for r in range(panel.model.rowCount()) if abs(panel.model.hit(r).segment_start - line["start"]) < 0.01)
    panel.view.setFocus()
    panel.view.setCurrentIndex(panel.model.index(row, 0))
    hit = panel.model.hit(row)
    assert hit.start > hit.segment_start + 2  # the matched word is well inside its passage
    return panel, hit, line


# --- items 4 and 5: one quote, one time -----------------------------------------------------


def test_a_hit_s_quote_citation_link_dataset_json_and_clip_agree(qtbot, imported, tmp_path, monkeypatch, capsys):
    window = imported
    panel, hit, line = sidewalk_hit(qtbot, window)
    expected = citation(line["text"], seconds=line["start"], **CITED)

    qtbot.keyClick(panel.view, Qt.Key.Key_C, Qt.KeyboardModifier.ControlModifier)  # Copy quote
    assert QGuiApplication.clipboard().text() == expected
    window.copying.copy_reference()  # Edit → Copy Reference Link, the hit list focused
    assert QGuiApplication.clipboard().text() == f"council-archive://recording/{hit.recording_id}?t={line['start']:.2f}"

    # File → Export Clip (Ctrl+Shift+E) on the hit: the passage, padded
    seen = clip_options(monkeypatch, window, fmt="mp3")
    out = tmp_path / "hit.mp3"
    save_to(monkeypatch, window, out)
    qtbot.keyClick(panel.view, Qt.Key.Key_E, Qt.KeyboardModifier.ControlModifier | Qt.KeyboardModifier.ShiftModifier)
    assert seen and (seen[0].start, seen[0].end) == (pytest.approx(line["start"], abs=0.01), pytest.approx(line["end"], abs=0.01))
    assert probe(out).duration == pytest.approx(line["end"] - line["start"] + 2 * seen[0].pad, abs=0.15)
    tagged = tags(out)
    assert tagged["comment"] == expected == window.exporting.last_clip_citation
    assert tagged["title"] == f"{DEMO_META['title']} at 00:01:06"  # HH:MM:SS, as the citation

    # the results dataset: start and end cover the text they carry; the word's own time beside
    out = tmp_path / "results.csv"
    save_to(monkeypatch, window, out)
    panel.export_button.click()
    rows = list(csv.DictReader(out.open(encoding="utf-8", newline="")))
    row = next(r for r in rows if r["text"] == hit.text)
    assert (float(row["start"]), float(row["end"])) == (pytest.approx(line["start"], abs=0.01), pytest.approx(line["end"], abs=0.01))
    assert row["citation"] == expected and float(row["hit_time"]) == pytest.approx(hit.start, abs=0.001)

    # search --json keeps "start" (the first matched word) and adds the quote
    capsys.readouterr()
    assert cli_main(["--archive", str(window.archive.root), "search", "sidewalks", "--json"]) == 0
    found = next(h for h in json.loads(capsys.readouterr().out)["hits"] if h["text"] == hit.text)
    assert found["start"] == pytest.approx(hit.start) and found["hit_time"] == pytest.approx(hit.start)
    assert (found["segment_start"], found["segment_end"]) == (pytest.approx(line["start"], abs=0.01), pytest.approx(line["end"], abs=0.01))
    assert found["citation"] == expected


# --- items 6 and 7: part of a passage, and its link ----------------------------------------


def test_words_chosen_inside_a_passage_are_copied_clipped_and_linked_alone(qtbot, imported, tmp_path, monkeypatch):
    window = imported
    activate(qtbot, window)
    window.open_recording(window.archive.catalog.recordings()[0].id)
    view = window.transcript
    words = demo_lines()[AMENDMENT]["words"]  # So I propose a budget amendment. That money would ...
    rid = window.recording_view.recording_id

    # drag from "propose" to "amendment."
    drag(qtbot, view, word_point(view, AMENDMENT, 2), word_point(view, AMENDMENT, 5))
    chosen = current().color("chosen").name()
    assert word_pixel(view, AMENDMENT, 3) == chosen and word_pixel(view, AMENDMENT, 6) != chosen
    qtbot.keyClick(view, Qt.Key.Key_C, Qt.KeyboardModifier.ControlModifier)
    assert QGuiApplication.clipboard().text() == citation("propose a budget amendment.", seconds=words[2]["start"], **CITED)
    seen = clip_options(monkeypatch, window, fmt="wav", pad=0.0)
    out = tmp_path / "words.wav"
    save_to(monkeypatch, window, out)
    qtbot.keyClick(view, Qt.Key.Key_E, Qt.KeyboardModifier.ControlModifier | Qt.KeyboardModifier.ShiftModifier)
    assert (seen[0].start, seen[0].end) == (pytest.approx(words[2]["start"], abs=0.01), pytest.approx(words[5]["end"], abs=0.01))
    assert probe(out).duration == pytest.approx(words[5]["end"] - words[2]["start"], abs=0.1)
    assert "propose a budget amendment." in window.exporting.last_clip_citation

    # a click on "money", a shift-click on "pay"
    qtbot.mouseClick(view.viewport(), Qt.MouseButton.LeftButton, pos=word_point(view, AMENDMENT, 7))
    qtbot.mouseClick(view.viewport(), Qt.MouseButton.LeftButton, Qt.KeyboardModifier.ShiftModifier,
                     pos=word_point(view, AMENDMENT, 9))
    view.setFocus()
    qtbot.keyClick(view, Qt.Key.Key_C, Qt.KeyboardModifier.ControlModifier)
    assert QGuiApplication.clipboard().text() == citation("money would pay", seconds=words[7]["start"], **CITED)

    # Copy Reference Link: the menu and the shortcut both give the selection's time, not the player's
    window.player.pause()
    window.player.seek(100.0)
    link = f"council-archive://recording/{rid}?t={words[7]['start']:.2f}"
    menu_action = next(a for m in window.menuBar().actions() for a in m.menu().actions() if a.text() == "Copy &Reference Link")
    QGuiApplication.clipboard().clear()
    menu_action.trigger()
    assert QGuiApplication.clipboard().text() == link
    QGuiApplication.clipboard().clear()
    qtbot.keyClick(view, Qt.Key.Key_C, Qt.KeyboardModifier.ControlModifier | Qt.KeyboardModifier.ShiftModifier)
    assert QGuiApplication.clipboard().text() == link

    # the link opens the recording at that time
    window.open_recording(rid)
    window.player.seek(0.0)
    assert window.open_link(link)
    assert window.player.seconds() == pytest.approx(words[7]["start"], abs=0.01)
    assert window.transcript.marked_word().text.strip() == "money"


# --- item 15: a phrase hit marks all its words ----------------------------------------------


def test_a_phrase_hit_marks_every_word_of_the_phrase(qtbot, imported):
    panel = search(qtbot, imported, '"regional camera program"')
    qtbot.waitUntil(lambda: panel.model.rowCount() > 0)
    hit = panel.model.hit(0)
    click_row(qtbot, panel.view, 0)
    view = imported.transcript
    qtbot.waitUntil(lambda: view.marked_word() is not None)
    model = view.model()
    marked = sorted(model.marked_words)
    assert [model.word(p).text.strip(" .,") for p in marked] == ["regional", "camera", "program"]
    assert model.word(marked[0]).start == pytest.approx(hit.start) and model.word(marked[-1]).end == pytest.approx(hit.end)
    view.viewport().repaint()
    assert all(word_pixel(view, row, i) == current().color("marked").name() for row, i in marked)


# --- item 16: "$18,000", not "$18 ,000" ----------------------------------------------------


def test_a_number_whisper_wrote_in_two_pieces_shows_and_exports_as_written(qtbot, open_window, demo_copy):
    pieces = [" The", " program", " costs", " us", " $18", ",000", " a", " year,", " paid", " from", " the", " police",
              " technology", " budget", " that", " the", " council", " passed", " last", " spring."]
    t = 60.6
    words = [Word(t + 0.45 * i, t + 0.45 * i + 0.4, p, 0.9) for i, p in enumerate(pieces)]
    seg = Segment(start=t, end=words[-1].end, text="".join(pieces), words=words)
    window = open_window(FakeTranscriber([seg], duration=155.0))
    import_via_dialog(qtbot, window, demo_copy)
    wait_indexed(qtbot, window)
    rid = window.archive.catalog.recordings()[0].id
    window.open_recording(rid)
    view = window.transcript
    _, rects, _ = view.delegate.layout(view.model().segment(0), view.delegate.width())
    assert rects[5].left() - rects[4].right() < 0.5  # ",000" right after "$18"
    assert rects[4].left() - rects[3].right() > 2  # words keep their gaps
    drag(qtbot, view, word_point(view, 0, 3), word_point(view, 0, 6))
    view.copy_selection()
    assert QGuiApplication.clipboard().text().startswith("\u201cus $18,000 a\u201d")
    assert "$18,000" in export_transcript(window.archive, rid, "srt", None)  # the cues are cut by words


# --- item 17: a correction keeps Whisper's doubt on the words it did not change ----------------


def test_a_corrected_passage_keeps_the_unsure_marks_of_unchanged_words(qtbot, open_window, demo_copy):
    doubt = dict(no_speech_prob=0.72, avg_logprob=-1.3)
    segments = [dataclasses.replace(s, **doubt) if i == AMENDMENT else s
                for i, s in enumerate(demo_segments(uncertain=["program"]))]
    window = open_window(FakeTranscriber(list(guard(segments))))
    import_via_dialog(qtbot, window, demo_copy)
    wait_indexed(qtbot, window)
    window.open_recording(window.archive.catalog.recordings()[0].id)
    view = window.transcript

    def correct(row: int, old: str, new: str) -> None:
        index = view.model().index(row, 0)
        view.scrollTo(index)
        qtbot.mouseClick(view.viewport(), Qt.MouseButton.LeftButton, pos=word_point(view, row, 0))
        qtbot.keyClick(view, Qt.Key.Key_F2)  # Correct text
        qtbot.waitUntil(lambda: (e := view.findChild(QPlainTextEdit, "segmentEditor")) is not None and e.isVisible())
        editor = view.findChild(QPlainTextEdit, "segmentEditor")
        editor.setPlainText(editor.toPlainText().replace(old, new))
        qtbot.keyClick(editor, Qt.Key.Key_Return)
        qtbot.waitUntil(lambda: new in view.model().segment(row).text, timeout=10000)

    assert all(w.uncertain for w in view.model().segment(AMENDMENT).words)
    correct(AMENDMENT, "sidewalks", "pavements")
    shown = {w.text.strip(): w.uncertain for w in view.model().segment(AMENDMENT).words}
    assert shown.pop("pavements") is False  # a person's word is not in doubt
    assert shown and all(shown.values())  # Whisper's own words still are

    row = next(r for r, line in enumerate(demo_lines()) if "regional camera program." in line["text"] and r != AMENDMENT)
    correct(row, "Mister Walker", "Councillor Walker")
    shown = {w.text.strip(" .,"): w.uncertain for w in view.model().segment(row).words}
    assert shown["program"] and not shown["Councillor"] and not shown["Walker"]
