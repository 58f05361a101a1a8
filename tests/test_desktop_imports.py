"""Imports in the desktop app (issue 14 items 2, 3 and 19): cancelling asks once work is a few
seconds old and keeps it to resume; failures stay in view, in red, with a batch summary and
messages that say each thing once; the Imports panel collapses when idle. Driven with the
mouse on a real window over a real archive, with the fake engine (tests/fakes.py)."""

from __future__ import annotations

import subprocess

import pytest
from PySide6.QtCore import Qt
from PySide6.QtWidgets import QDialogButtonBox

import desktop.import_actions
from archive.status import JobState, Outcome, Status
from desktop.library import STATUS, TITLE
from fakes import FakeTranscriber, demo_lines
from test_desktop import _ffmpeg, _meta, demo_copy, open_window, settings  # noqa: F401
from transcription.errors import NotMediaError

pytestmark = pytest.mark.no_qt_log


@pytest.fixture
def window_with(open_window):
    """open_window, quitting without asking (a failed test must not leave a modal question open)."""

    def make(transcriber):
        window = open_window(transcriber)
        window.confirm_quit = lambda: True
        return window

    return make


def click(qtbot, button) -> None:
    assert button.isVisible() and button.isEnabled(), button.text()
    qtbot.mouseClick(button, Qt.MouseButton.LeftButton)


def answer(qtbot, box, text: str) -> None:
    qtbot.waitUntil(box.isVisible)
    click(qtbot, next(b for b in box.buttons() if b.text().replace("&", "") == text))
    qtbot.waitUntil(lambda: not box.isVisible())


def tone(folder, name: str, frequency: int):
    path = folder / name
    subprocess.run([_ffmpeg(), "-v", "error", "-y", "-f", "lavfi", "-i", f"sine=frequency={frequency}:duration=2",
                    str(path)], check=True)
    return path


def library_status(window, rid: int):
    proxy = window.library.proxy
    row = next(r for r in range(proxy.rowCount()) if proxy.index(r, TITLE).data(Qt.ItemDataRole.UserRole + 3) == rid)
    return proxy.index(row, STATUS)


def test_cancel_asks_keeps_the_work_and_resume_continues_it(qtbot, window_with, demo_copy, monkeypatch):
    monkeypatch.setattr(desktop.import_actions, "CONFIRM_AFTER_S", 0.0)  # every running import counts as "old"
    fake = FakeTranscriber(delay=0.1)
    window = window_with(fake)
    [job] = window.importing.start_import([str(demo_copy)], _meta(title="Long meeting"))
    qtbot.waitUntil(lambda: fake.yielded >= 3, timeout=10000)
    row = window.queue.rows[job.id]

    click(qtbot, row.cancel)  # asked first; "Keep Importing" carries on
    answer(qtbot, window.importing.cancel_box, "Keep Importing")
    assert not job.finished and not job.token.is_set
    click(qtbot, row.cancel)
    answer(qtbot, window.importing.cancel_box, "Cancel Import")
    qtbot.waitUntil(lambda: job.finished, timeout=10000)

    # kept: the recording, its segments and its media stay, marked cancelled, its job closed
    assert job.outcome is Outcome.CANCELLED
    [rec] = window.archive.catalog.recordings()
    assert rec.status == Status.CANCELLED and 0 < rec.progress < 1
    assert [j["state"] for j in window.archive.db["jobs"].rows] == [JobState.CANCELLED]
    kept = window.archive.db["segments"].count
    assert 3 <= kept < len(demo_lines())
    # the row has its own look: no part-filled bar, a Resume button; the library says so too
    assert row.stage == Outcome.CANCELLED and not row.bar.isVisible() and not row.cancel.isVisible()
    assert "Cancelled" in row.status.text() and "#595959" in row.status.styleSheet()
    qtbot.waitUntil(lambda: window.library.model.rowCount() == 1)
    cell = library_status(window, rec.id)
    assert cell.data().startswith("Cancelled at ") and cell.data(Qt.ItemDataRole.ForegroundRole) is not None
    assert not window.queue.collapsed  # a cancelled row stays in view

    click(qtbot, row.resume)
    qtbot.waitUntil(lambda: not window.imports.busy and window.archive.catalog.recordings()[0].status == "indexed",
                    timeout=20000)
    assert job.id not in window.queue.rows  # the resumed row replaced the cancelled one
    assert fake.calls[-1][2] > 0  # it went on from where it was cancelled, not from the start
    assert window.archive.db["segments"].count == len(demo_lines())
    assert window.archive.index.recording_ids() == {rec.id}
    qtbot.waitUntil(lambda: library_status(window, rec.id).data() == "Indexed")


def test_a_cancel_in_the_first_seconds_asks_nothing_and_keeps_nothing(qtbot, window_with, demo_copy, monkeypatch):
    monkeypatch.setattr(desktop.import_actions, "CONFIRM_AFTER_S", 3600.0)
    fake = FakeTranscriber(delay=0.1)
    window = window_with(fake)
    [job] = window.importing.start_import([str(demo_copy)], _meta(title="Wrong file"))
    qtbot.waitUntil(lambda: fake.yielded >= 2, timeout=10000)
    click(qtbot, window.queue.rows[job.id].cancel)
    assert window.importing.cancel_box is None
    qtbot.waitUntil(lambda: job.finished, timeout=10000)
    assert job.outcome is Outcome.CANCELLED
    assert window.archive.catalog.recordings() == [] and not any(window.archive.media_dir.iterdir())
    qtbot.waitUntil(lambda: window.library.model.rowCount() == 0)


def test_a_batch_with_failures_ends_with_a_summary_and_keeps_them_in_red(qtbot, window_with, tmp_path):
    window = window_with(FakeTranscriber())
    src = tmp_path / "batch"
    src.mkdir()
    good = [tone(src, "budget_2020-01-01.wav", 440), tone(src, "parks_2020-02-02.wav", 550)]
    fake_mp3 = src / "x.mp3"
    fake_mp3.write_text("not audio at all\n")
    empty = src / "empty.mp3"
    empty.touch()
    summaries = []
    window.queue.batch_finished.connect(summaries.append)
    window.importing.request_import([str(p) for p in (*good, fake_mp3, empty)])
    dialog = window.importing.dialog
    qtbot.waitUntil(dialog.isVisible)
    click(qtbot, dialog.buttons.button(QDialogButtonBox.StandardButton.Ok))
    qtbot.waitUntil(lambda: bool(summaries), timeout=20000)

    queue = window.queue
    assert summaries == ["2 of 4 imported, 2 failed."] and queue.summary.text() == summaries[0]
    assert "#b00020" in queue.summary.styleSheet()  # the summary itself says it in red
    assert window.statusBar().currentMessage() == "Imports: 2 of 4 imported, 2 failed."
    failed = {row.name.text(): row for row in queue.rows.values() if row.stage == Outcome.FAILED}
    assert set(failed) == {"x.mp3", "empty.mp3"}
    for name, row in failed.items():
        text = row.status.text()
        assert row.isVisible() and "#b00020" in row.status.styleSheet()
        assert not row.bar.isVisible() and row.resume.isVisible() and row.dismiss.isVisible()
        assert str(src) not in text and text.count(name) <= 1  # the row shows its file: the message does not repeat it
    assert failed["empty.mp3"].status.text() == "Failed: empty file (0 bytes)"
    assert failed["x.mp3"].status.text().startswith("Failed: not an audio or video file")
    assert not queue.collapsed  # failures stay in view until dismissed

    # a file already in the archive says so once
    [again] = window.importing.start_import([str(good[0])], _meta())
    qtbot.waitUntil(lambda: again.finished, timeout=10000)
    text = queue.rows[again.id].status.text()
    assert text.startswith("Already in the archive as recording ") and text.lower().count("already in the archive") == 1

    for row in list(failed.values()):
        click(qtbot, row.dismiss)
    assert not queue.needs_look() and queue.collapsed and not queue.scroll.isVisible()


def test_an_ffmpeg_detail_does_not_repeat_the_path():
    assert NotMediaError("/x.mp3", "/x.mp3: Invalid argument").message == "/x.mp3: not an audio or video file (Invalid argument)"


def test_the_imports_panel_collapses_when_idle_and_opens_on_activity(qtbot, window_with, tmp_path):
    window = window_with(FakeTranscriber())
    window.resize(1024, 640)
    src = tmp_path / "in"
    src.mkdir()
    [job] = window.importing.start_import([str(tone(src, "one_2021-03-03.wav", 440))], _meta())
    dock, queue = window.queue_dock, window.queue
    assert dock.isVisible() and not queue.collapsed and queue.scroll.isVisible()
    qtbot.waitUntil(lambda: job.finished and not window.imports.busy, timeout=20000)
    qtbot.waitUntil(lambda: queue.collapsed)
    assert queue.summary.text() == "1 of 1 imported." and not queue.scroll.isVisible()
    qtbot.waitUntil(lambda: dock.height() < 80)  # one line, not a quarter of the window
    click(qtbot, queue.toggle)  # opened by hand, it shows the finished rows
    assert not queue.collapsed and queue.scroll.isVisible()
    click(qtbot, queue.toggle)
    assert queue.collapsed

    [second] = window.importing.start_import([str(tone(src, "two_2021-04-04.wav", 660))], _meta())
    assert not queue.collapsed and queue.scroll.isVisible()  # activity opens it again
    assert queue.summary.text().startswith("Importing: 1 file")
    qtbot.waitUntil(lambda: second.finished and queue.collapsed, timeout=20000)
    assert queue.summary.text() == "1 of 1 imported."
