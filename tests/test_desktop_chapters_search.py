"""Chapters in the app's search and exports (issue 15, "Everywhere"): every hit labelled with
its chapter, a chapter filter with facet counts, and the WebVTT chapters track in the export
dialog. A real window over a real archive: the demo meeting imported through the GUI with
the fake transcriber (its text is the script), an agenda attached as the CLI does."""

from __future__ import annotations

import pytest
from PySide6.QtCore import Qt

from archive import chaptering
from archive.chapters import chapter_at
from desktop.export_dialogs import CHAPTERS_EXT
from desktop.results_model import ChapterRole, HitDelegate
from test_desktop import DEMO_META, demo_copy, imported, open_window, search, settings  # noqa: F401  (fixtures)
from test_desktop_exports import save_to

pytestmark = pytest.mark.no_qt_log

AGENDA = "1. Call to order\n2. Regional camera program\n3. Public comment\n4. Adjournment\n"


@pytest.fixture
def chaptered(imported, tmp_path):
    """The demo meeting with its agenda's chapters, in a 1024×640 window."""
    window = imported
    window.resize(1024, 640)
    rid = window.archive.catalog.recordings()[0].id
    agenda = tmp_path / "agenda.txt"
    agenda.write_text(AGENDA)
    chaptering.attach_agenda(window.archive, rid, agenda)
    window.archive_changed(rid, "chapters")
    chapters = chaptering.chapters(window.archive, rid, found_only=True)
    assert len(chapters) >= 2
    return window, rid, chapters


def test_hits_show_their_chapter_and_the_chapter_filter_narrows_them(qtbot, chaptered):
    window, rid, chapters = chaptered
    panel = search(qtbot, window, "the")
    qtbot.waitUntil(lambda: panel.model.rowCount() > 0)
    hits, total = panel.model.hits(), panel.model.total
    labels = {c.label for c in chapters}
    labelled = [h for h in hits if h.chapter]
    assert labelled and {h.chapter for h in labelled} <= labels
    for row, hit in enumerate(hits):  # each hit's label is the chapter its time falls in
        index = panel.model.index(row, 0)
        assert index.data(ChapterRole) == (hit.chapter or "")
        if hit.chapter:
            assert chapter_at(chapters, hit.start + 0.01).label == hit.chapter
            assert f"Chapter: {hit.chapter}" in index.data(Qt.ItemDataRole.ToolTipRole)
    # readable at 1024×640: the label as drawn in the results list keeps its start
    row = next(r for r, h in enumerate(hits) if h.chapter)
    index = panel.model.index(row, 0)
    shown = HitDelegate.chapter_label(index, panel.view.font(), panel.view.visualRect(index).width() - 80)
    assert len(shown) >= 8 and hits[row].chapter.startswith(shown.rstrip("…").rstrip())
    panel.view.grab()  # it paints

    # the chapter filter lists the hits' chapters with their counts
    counts = {}
    for h in hits:
        if h.chapter:
            counts[h.chapter] = counts.get(h.chapter, 0) + 1
    combo = panel.chapter
    assert combo.isVisible()
    listed = {combo.itemData(i): combo.itemText(i) for i in range(1, combo.count())}
    assert set(counts) <= set(listed)
    if panel.model.total == len(hits):  # one page: the facet counts are the hits'
        for chapter, n in counts.items():
            assert listed[chapter].endswith(f"({n})")

    # choose one with the keyboard: only its hits remain
    chosen = max(counts, key=counts.get)
    combo.setFocus()
    while combo.currentData() != chosen:
        before = combo.currentIndex()
        qtbot.keyClick(combo, Qt.Key.Key_Down)
        assert combo.currentIndex() != before
    qtbot.waitUntil(lambda: not panel.waiting and panel.model.rowCount() > 0)
    narrowed = panel.model.hits()
    assert narrowed and all(h.chapter == chosen for h in narrowed)
    assert len(narrowed) == counts[chosen] or panel.model.total > len(hits)
    assert panel.request().chapter == chosen

    # Home goes back to "All chapters": every hit again
    qtbot.keyClick(combo, Qt.Key.Key_Home)
    qtbot.waitUntil(lambda: not panel.waiting and panel.model.total == total)
    assert panel.chapter.value() == "" and not panel.request().chapter


def test_export_dialog_offers_the_webvtt_chapters_track(qtbot, chaptered, tmp_path, monkeypatch):
    window, rid, chapters = chaptered
    window.open_recording(rid)
    out = tmp_path / f"meeting.{CHAPTERS_EXT}"
    asked = save_to(monkeypatch, window, out)
    window.export_transcript_action.trigger()
    assert asked and CHAPTERS_EXT in asked[0][2] and "vtt" in asked[0][2]
    text = out.read_text()
    assert text.startswith("WEBVTT")
    cues = [line for line in text.splitlines() if "-->" in line]
    assert len(cues) == len([c for c in chapters if c.start is not None])
    for chapter in chapters:
        assert chapter.label in text
    assert "Exported" in window.statusBar().currentMessage()

    subtitles = tmp_path / "meeting.vtt"  # plain .vtt is still the subtitles
    save_to(monkeypatch, window, subtitles)
    window.export_transcript_action.trigger()
    assert subtitles.read_text().startswith("WEBVTT")
    assert subtitles.read_text().count("-->") > len(cues)
