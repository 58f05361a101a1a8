"""Re-transcribing in the app: Recording > Re-transcribe... (and the Library's context menu)
asks first, warning about corrections, runs on the import worker with the fake engine, and
when the new version is whole every view shows it at once; the version selector above the
transcript makes an earlier version current again."""

from __future__ import annotations

import pytest
from PySide6.QtWidgets import QMessageBox

from fakes import FakeTranscriber, demo_lines, demo_segments
from test_desktop import open_window, search, settings  # noqa: F401
from test_retranscribe import CORRECTION, FIRST, imported

from archive.retranscribe import versions

pytestmark = pytest.mark.no_qt_log


def current_number(window, rid) -> int:
    return next(v.number for v in versions(window.archive.catalog, rid) if v.current)


def button(box: QMessageBox, text: str):
    return next(b for b in box.buttons() if b.text() == text)


def last_word(line: dict) -> str:
    return line["text"].split()[-1].strip(".,?!")


def test_retranscribe_from_the_menu_then_choose_the_old_version_again(qtbot, open_window, tmp_path):
    rid = imported(tmp_path / "archive")
    window = open_window(FakeTranscriber(demo_segments(), delay=0.01, model_label="fake-big"))
    window.open_recording(rid)
    view = window.recording_view
    assert len(window.transcript.transcript.segments) == FIRST
    assert view.versions.isHidden()  # one version: no selector
    late = last_word(demo_lines()[-1])
    search(qtbot, window, late)
    assert window.search_panel.model.rowCount() == 0  # not in version 1

    window.retranscribe_action.trigger()  # Recording > Re-transcribe...
    box = window.retranscribing.confirm_box
    assert box is not None and box.isVisible()
    assert box.icon() == QMessageBox.Icon.Warning and "corrected 1 passage" in box.informativeText()
    button(box, "Re-transcribe").click()
    assert window.queue_dock.isVisible()
    qtbot.waitUntil(lambda: current_number(window, rid) == 2 and not window.imports.busy, timeout=30000)

    # every view shows version 2 at once: transcript, version selector, library, search
    qtbot.waitUntil(lambda: len(window.transcript.transcript.segments) == len(demo_lines()), timeout=5000)
    assert CORRECTION not in [s.text for s in window.transcript.transcript.segments]
    assert not view.versions.isHidden() and view.versions.count() == 2
    assert view.versions.currentIndex() == 1 and "(current)" in view.versions.currentText()
    assert window.library.model.rowCount() == 1
    panel = search(qtbot, window, late)
    assert panel.model.rowCount() >= 1 and all(panel.model.hit(r).recording_id == rid
                                               for r in range(panel.model.rowCount()))

    # choose version 1 in the selector: it is current again, with its correction
    view.versions.setCurrentIndex(0)
    view.versions.activated.emit(0)
    qtbot.waitUntil(lambda: len(window.transcript.transcript.segments) == FIRST, timeout=10000)
    assert window.transcript.transcript.segments[0].text == CORRECTION
    assert current_number(window, rid) == 1 and view.versions.currentIndex() == 0
    search(qtbot, window, late, expect_rows=0)


def test_the_library_context_menu_asks_and_cancel_changes_nothing(qtbot, open_window, tmp_path):
    rid = imported(tmp_path / "archive")
    window = open_window(FakeTranscriber(demo_segments(), model_label="fake-big"))
    window.show_library()
    menu = window.library.context_menu(rid)
    action = next(a for a in menu.actions() if a.text() == "Re-transcribe…")
    action.trigger()
    box = window.retranscribing.confirm_box
    assert box is not None and box.isVisible() and "Re-transcribe" in box.text()
    box.button(QMessageBox.StandardButton.Cancel).click()
    qtbot.wait(200)
    assert not window.imports.busy and len(versions(window.archive.catalog, rid)) == 1


def test_cancelling_a_running_retranscription_says_the_current_version_stays(qtbot, open_window, tmp_path,
                                                                             monkeypatch):
    import desktop.import_actions

    monkeypatch.setattr(desktop.import_actions, "CONFIRM_AFTER_S", 0.0)  # every running job counts as "old"
    rid = imported(tmp_path / "archive")
    engine = FakeTranscriber(demo_segments(), delay=0.1, model_label="fake-big")
    window = open_window(engine)
    window.confirm_quit = lambda: True
    window.open_recording(rid)
    window.retranscribe_action.trigger()
    button(window.retranscribing.confirm_box, "Re-transcribe").click()
    qtbot.waitUntil(lambda: engine.yielded >= 2, timeout=20000)
    [key] = [k for k, row in window.queue.rows.items() if row.cancel.isVisible()]
    window.queue.rows[key].cancel.click()
    box = window.importing.cancel_box
    qtbot.waitUntil(box.isVisible)
    # not the import's "kept for Resume": a cancelled re-transcription drops its unfinished version
    assert "re-transcri" in box.text().lower() and "current transcript stays" in box.informativeText()
    button(box, "Cancel Import").click()
    qtbot.waitUntil(lambda: not window.imports.busy, timeout=20000)
    assert [v.current for v in versions(window.archive.catalog, rid)] == [True]
    assert window.transcript.transcript.segments[0].text == CORRECTION
