"""Exports from the desktop app (issue 5, GUI part): transcripts from the File menu and the
Library, audio clips from a transcript selection or a search hit, and search results as a
dataset. A real archive in tmp_path (the demo meeting imported through the GUI with the
fake transcriber); the save dialog is replaced through ``ExportActions.ask_save_path``."""

from __future__ import annotations

import csv
import json

import pytest
from docx import Document

from desktop.export_dialogs import ClipDialog, ClipOptions, TRANSCRIPT_FILTERS, with_extension, filter_string
from fakes import demo_lines
from test_desktop import DEMO_META, demo_copy, imported, open_window, search, settings  # noqa: F401  (fixtures)
from transcription.audio import probe

pytestmark = pytest.mark.no_qt_log


def save_to(monkeypatch, window, path):
    """Make the window's save dialog answer ``path``; returns the list of (title, default, filters) asked."""
    asked = []

    def ask(title, default_name, filters):
        asked.append((title, default_name, [ext for _, ext in filters]))
        return None if path is None else str(path)

    monkeypatch.setattr(window.exporting, "ask_save_path", ask)
    return asked


def clip_options(monkeypatch, window, fmt="mp3", pad=None):
    """The clip dialog, built and prefilled as in the app, accepted with ``fmt`` (and ``pad``)."""
    seen = []

    def ask(start, end, rec=None):
        dialog = ClipDialog(start, end, duration=rec.duration, title=rec.title)
        seen.append(dialog.options())
        dialog.format.setCurrentIndex(dialog.format.findData(fmt))
        if pad is not None:
            dialog.pad.setValue(pad)
        options = dialog.options()
        dialog.deleteLater()
        return options

    monkeypatch.setattr(window.exporting, "ask_clip_options", ask)
    return seen


# --- transcripts --------------------------------------------------------------------------


def test_export_transcript_in_every_format_from_the_file_menu(qtbot, imported, tmp_path, monkeypatch):
    window = imported
    rid = window.archive.catalog.recordings()[0].id
    window.open_recording(rid)
    lines = demo_lines()
    for fmt in ("txt", "srt", "vtt", "json", "docx", "csv"):
        out = tmp_path / "out" / f"meeting.{fmt}"
        out.parent.mkdir(exist_ok=True)
        asked = save_to(monkeypatch, window, out)
        window.export_transcript_action.trigger()
        assert out.exists(), fmt
        title, default, exts = asked[0]
        assert default == f"{DEMO_META['date']} {DEMO_META['title']}.txt"
        assert exts == ["txt", "srt", "vtt", "json", "docx", "csv", "chapters.vtt"]
        assert str(out) in window.statusBar().currentMessage()
        if fmt == "docx":
            text = "\n".join(p.text for p in Document(str(out)).paragraphs)
            assert DEMO_META["title"] in text and lines[0]["text"].split()[0] in text
        elif fmt == "json":
            data = json.loads(out.read_text(encoding="utf-8"))
            assert data["recording"]["title"] == DEMO_META["title"]
            assert len(data["segments"]) == len(lines)
            assert data["segments"][0]["words"]
        elif fmt == "csv":
            rows = list(csv.DictReader(out.open(encoding="utf-8", newline="")))
            assert len(rows) == len(lines)
            assert rows[0]["text"].strip() == lines[0]["text"].strip()
        else:
            text = out.read_text(encoding="utf-8")
            if fmt in ("srt", "vtt"):
                assert "-->" in text
                assert text.startswith("WEBVTT") == (fmt == "vtt")
            else:
                assert text.startswith(DEMO_META["title"])
            assert lines[1]["text"].split()[0] in text


def test_export_transcript_from_the_library_context_menu(qtbot, imported, tmp_path, monkeypatch):
    window = imported
    window.recording_view.clear()
    window.show_library()
    rid = window.archive.catalog.recordings()[0].id
    window.library.select_recording(rid)
    assert window.library.selected_recording() == rid
    out = tmp_path / "library.srt"
    save_to(monkeypatch, window, out)
    window.library.export_transcript_requested.emit(rid)
    assert "-->" in out.read_text(encoding="utf-8")
    # the File menu exports the Library's selection too when nothing is open
    out2 = tmp_path / "menu.vtt"
    save_to(monkeypatch, window, out2)
    window.export_transcript_action.trigger()
    assert out2.read_text(encoding="utf-8").startswith("WEBVTT")


def test_export_errors_are_a_message_not_a_traceback(qtbot, imported, tmp_path, monkeypatch):
    window = imported
    rid = window.archive.catalog.recordings()[0].id
    window.open_recording(rid)
    save_to(monkeypatch, window, tmp_path / "no such folder" / "x.txt")
    assert window.exporting.export_transcript() is None
    assert "failed" in window.statusBar().currentMessage()
    qtbot.waitUntil(lambda: window.exporting.error_box.isVisible())
    window.exporting.error_box.close()
    save_to(monkeypatch, window, tmp_path / "x.pdf")  # not a transcript format
    assert window.exporting.export_transcript() is None
    assert "unknown format" in window.statusBar().currentMessage()
    # cancelled: nothing happens
    save_to(monkeypatch, window, None)
    assert window.exporting.export_transcript() is None
    # no query yet: export results says what to do
    assert window.exporting.export_results() is None
    assert "Search for something first" in window.statusBar().currentMessage()


def test_save_filters_add_the_chosen_extension():
    filters = TRANSCRIPT_FILTERS
    docx = filter_string([f for f in filters if f[1] == "docx"])
    assert with_extension("/tmp/a", docx, filters) == "/tmp/a.docx"
    assert with_extension("/tmp/a.srt", docx, filters) == "/tmp/a.srt"
    assert with_extension("/tmp/a.b", "", filters) == "/tmp/a.b.txt"


# --- clips --------------------------------------------------------------------------------


def _expected_length(window, rid, start, end, pad):
    duration = window.archive.catalog.recording(rid).duration
    return min(duration, end + pad) - max(0.0, start - pad)


def test_export_a_clip_from_a_search_hit(qtbot, imported, tmp_path, monkeypatch):
    window = imported
    panel = search(qtbot, window, "sidewalks")
    qtbot.waitUntil(lambda: panel.model.rowCount() > 0)
    hit = panel.model.hit(0)
    seen = clip_options(monkeypatch, window, fmt="wav")
    out = tmp_path / "clip.wav"
    asked = save_to(monkeypatch, window, out)
    panel.export_clip_requested.emit(hit)  # the hit's context menu
    # the hit's quote: its passage (archive.citation), padded
    assert seen == [ClipOptions(pytest.approx(hit.segment_start, abs=0.01), pytest.approx(hit.segment_end, abs=0.01), 0.5, "mp3")]
    assert asked[0][1].endswith(".wav") and asked[0][2][0] == "wav"
    info = probe(out)
    expected = _expected_length(window, hit.recording_id, hit.segment_start, hit.segment_end, 0.5)
    assert info.duration == pytest.approx(expected, abs=0.1)
    assert window.exporting.last_clip_citation and window.exporting.last_clip_citation in window.statusBar().currentMessage()
    assert DEMO_META["title"] in window.exporting.last_clip_citation


def test_export_a_clip_from_a_transcript_selection_clamped_to_the_recording(qtbot, imported, tmp_path, monkeypatch):
    window = imported
    rid = window.archive.catalog.recordings()[0].id
    window.open_recording(rid)
    view = window.transcript
    last = view.model().rowCount() - 1
    view.clearSelection()
    for r in (last - 1, last):
        view.selectionModel().select(view.model().index(r, 0), view.selectionModel().SelectionFlag.Select)
    start, end = view.selected_range()
    lines = demo_lines()
    assert start == pytest.approx(lines[last - 1]["start"], abs=0.01)
    assert end == pytest.approx(lines[last]["end"], abs=0.01)
    clip_options(monkeypatch, window, fmt="mp3", pad=5.0)  # padding past the end of the recording
    out = tmp_path / "ending.mp3"
    save_to(monkeypatch, window, out)
    view.setFocus()
    window.export_clip_action.trigger()
    info = probe(out)
    assert info.duration == pytest.approx(_expected_length(window, rid, start, end, 5.0), abs=0.1)
    assert window.exporting.last_clip_citation in window.statusBar().currentMessage()


def test_clip_dialog_refuses_an_empty_range(qtbot):
    dialog = ClipDialog(10.0, 12.5, duration=60.0)
    qtbot.addWidget(dialog)
    ok = dialog.buttons.button(dialog.buttons.StandardButton.Ok)
    assert dialog.options() == ClipOptions(10.0, 12.5, 0.5, "mp3") and ok.isEnabled()
    dialog.end.setValue(9.0)
    assert not ok.isEnabled()


# --- results ------------------------------------------------------------------------------


@pytest.mark.parametrize("fmt", ["csv", "jsonl"])
def test_export_every_result_of_the_query(qtbot, imported, tmp_path, monkeypatch, fmt):
    window = imported
    panel = search(qtbot, window, "the")
    qtbot.waitUntil(lambda: panel.model.total > 0 and panel.export_button.isEnabled())
    total = panel.model.total
    assert total > 3
    assert len(window.searching.all_hits(page=3)) == total  # every page, not only the visible one
    out = tmp_path / f"results.{fmt}"
    asked = save_to(monkeypatch, window, out)
    panel.export_button.click()
    assert asked and asked[0][2] == ["csv", "jsonl"]
    if fmt == "csv":
        rows = list(csv.DictReader(out.open(encoding="utf-8", newline="")))
    else:
        rows = [json.loads(line) for line in out.read_text(encoding="utf-8").splitlines()]
    assert len(rows) == total
    assert all(row["citation"] for row in rows) and "citation" in rows[0]
    assert f"Saved {total} hit" in window.statusBar().currentMessage()
