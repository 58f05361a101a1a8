"""The chapter list beside the transcript: a real window over a real archive (the demo
meeting imported through the GUI with the fake transcriber, so its text is the script)."""

from __future__ import annotations

from PySide6.QtCore import Qt

from archive import chaptering
from test_desktop import DEMO_META, demo_copy, import_via_dialog, open_window, settings, wait_indexed  # noqa: F401


def click_chapter(qtbot, window, row: int) -> None:
    panel = window.recording_view.chapters
    rect = panel.list.visualItemRect(panel.list.item(row))
    qtbot.mouseClick(panel.list.viewport(), Qt.MouseButton.LeftButton, pos=rect.center())


def test_chapters_beside_the_transcript_jump_highlight_and_follow_an_agenda(qtbot, open_window, demo_copy, tmp_path):
    window = open_window()
    import_via_dialog(qtbot, window, demo_copy, title=DEMO_META["title"], body=DEMO_META["body"])
    wait_indexed(qtbot, window)
    rid = window.archive.catalog.recordings()[0].id
    window.open_recording(rid)
    panel = window.recording_view.chapters
    qtbot.waitUntil(lambda: panel.list.count() > 0)
    assert panel.isVisible() and "automatic" in panel.heading.text()
    starts = [c.start for c in panel.chapters]
    assert starts == sorted(starts) and len(starts) >= 3

    click_chapter(qtbot, window, 1)  # a click jumps there, the chapter is highlighted and titled above
    qtbot.waitUntil(lambda: abs(window.player.seconds() - starts[1]) < 0.5)
    qtbot.waitUntil(lambda: panel.current == 1)
    assert panel.title.isVisible() and panel.title.text() == panel.chapters[1].label
    assert panel.list.item(1).font().bold() and not panel.list.item(0).font().bold()

    window.player.seek(starts[-1] + 1.0)  # as it plays on, the highlight follows
    qtbot.waitUntil(lambda: panel.current == len(starts) - 1)
    assert panel.title.text() == panel.chapters[-1].label and not panel.list.item(1).font().bold()

    agenda = tmp_path / "agenda.txt"
    agenda.write_text("1. Call to order\n2. Regional camera program\n3. Public comment\n4. Adjournment\n")
    chaptering.attach_agenda(window.archive, rid, agenda)
    window.archive_changed(rid, "chapters")  # one change signal: the panel shows the agenda's chapters at once
    qtbot.waitUntil(lambda: panel.heading.text() == "Chapters")
    assert [c.item for c in panel.chapters] == ["1", "2", "3", "4"]
    assert panel.list.item(1).text().endswith("2. Regional camera program")
    qtbot.keyClick(panel.list, Qt.Key.Key_Home)
    qtbot.keyClick(panel.list, Qt.Key.Key_Return)  # the keyboard too
    qtbot.waitUntil(lambda: abs(window.player.seconds() - panel.chapters[0].start) < 0.5)
