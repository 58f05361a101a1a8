"""The desktop app end to end, offscreen: a real archive in tmp_path, the real demo audio
played by QMediaPlayer, imports through the GUI's worker thread with a fake transcriber
(one test uses the real Whisper engine on a 20-second clip)."""

from __future__ import annotations

import json
import os
import shutil
import subprocess
import sys
from pathlib import Path

import pytest
from PySide6.QtCore import QMimeData, QPointF, QSettings, Qt, QUrl
from PySide6.QtGui import QDropEvent, QGuiApplication
from PySide6.QtMultimedia import QMediaPlayer
from PySide6.QtWidgets import QDialogButtonBox, QPlainTextEdit

from archive.citation import citation, reference
from archive.status import Outcome
from desktop.app import create_window, main
from desktop.settings import AppSettings, SettingsDialog
from fakes import FakeTranscriber, demo_lines, demo_segments, factory
from heard import agreeing_runs, heard_words, occurrences, script_words
from transcription.formats import hms

# pytest-qt's per-test Qt log capture swaps a Python message handler in and out; the
# media player's decoder threads log at any moment and can hit the swap (a crash in the
# test harness, not in the app). The app itself installs no handler.
pytestmark = pytest.mark.no_qt_log

ROOT = Path(__file__).resolve().parents[1]
DEMO = ROOT / "archive" / "demo" / "council_meeting.opus"
DEMO_META = json.loads((ROOT / "archive" / "demo" / "council_meeting.json").read_text())


def lines_with(word: str) -> list[dict]:
    return [line for line in demo_lines() if word.lower() in line["text"].lower()]


def first_word_time(word: str) -> float:
    for line in demo_lines():
        for w in line["words"]:
            if w["word"].lower().startswith(word.lower()):
                return w["start"]
    raise AssertionError(word)


@pytest.fixture
def settings(tmp_path):
    return QSettings(str(tmp_path / "settings.ini"), QSettings.Format.IniFormat)


@pytest.fixture
def open_window(qtbot, tmp_path, settings):
    """open_window(transcriber=None, name="archive", demo=None) -> a shown MainWindow;
    ``cluster_work``: how its imports reach a Ray cluster (tests/test_desktop_cluster.py)."""
    windows = []

    def make(transcriber=None, name="archive", demo=None, qsettings=None, real_engine=False, cluster_work=None):
        fac = None if real_engine else factory(transcriber or FakeTranscriber())
        window = create_window(tmp_path / name, settings=qsettings or settings, transcriber_factory=fac, demo=demo,
                               cluster_work=cluster_work)
        qtbot.addWidget(window)
        window.show()
        qtbot.waitExposed(window)
        windows.append(window)
        return window

    yield make
    for window in windows:
        window.shutdown()


@pytest.fixture
def demo_copy(tmp_path) -> Path:
    path = tmp_path / "src" / "riverton_2024-03-12.opus"
    path.parent.mkdir(exist_ok=True)
    shutil.copy(DEMO, path)
    return path


def import_via_dialog(qtbot, window, path, title=None, body=None, vocabulary=None):
    window.importing.request_import([str(path)])
    dialog = window.importing.dialog
    qtbot.waitUntil(dialog.isVisible)
    if title is not None:
        dialog.title.setText(title)
    if body is not None:
        dialog.body.setText(body)
    if vocabulary is not None:
        dialog.vocabulary.setPlainText(vocabulary)
    qtbot.mouseClick(dialog.buttons.button(QDialogButtonBox.StandardButton.Ok), Qt.MouseButton.LeftButton)
    return dialog


def statuses(window) -> list[str]:
    return [r.status for r in window.archive.catalog.recordings()]


def wait_indexed(qtbot, window, n=1, timeout=20000):
    qtbot.waitUntil(lambda: statuses(window).count("indexed") >= n and not window.imports.busy, timeout=timeout)


@pytest.fixture
def imported(qtbot, open_window, demo_copy):
    """A window whose archive holds the demo meeting, imported through the GUI."""
    window = open_window()
    import_via_dialog(qtbot, window, demo_copy, title=DEMO_META["title"], body=DEMO_META["body"])
    wait_indexed(qtbot, window)
    return window


def search(qtbot, window, text: str, expect_rows=None):
    panel = window.search_panel
    panel.query.clear()
    qtbot.keyClicks(panel.query, text)
    if expect_rows is None:  # (the search runs on a worker thread: wait for its results)
        qtbot.waitUntil(lambda: not panel._timer.isActive() and not panel.waiting, timeout=5000)
    else:
        qtbot.waitUntil(lambda: panel.model.rowCount() == expect_rows and not panel._timer.isActive()
                        and not panel.waiting, timeout=5000)
    return panel


def click_row(qtbot, view, row: int):
    index = view.model().index(row, 0)
    view.scrollTo(index)
    qtbot.mouseClick(view.viewport(), Qt.MouseButton.LeftButton, pos=view.visualRect(index).center())


# --- opening ------------------------------------------------------------------------------


def test_window_opens_and_says_how_to_start(open_window):
    window = open_window()
    assert window.windowTitle() == "Council Archive"
    hint = window.search_panel.empty_hint
    assert hint.isVisible()
    assert "Drop audio or video files" in hint.text() and "File → Import" in hint.text()
    assert window.library.model.rowCount() == 0


def test_main_assembles_and_runs_the_app(tmp_path, settings, qapp):
    seen = {}

    def ready(window):
        seen["title"] = window.windowTitle()
        seen["visible"] = window.isVisible()
        window.close()

    rc = main(str(tmp_path / "a"), settings=settings, transcriber_factory=factory(FakeTranscriber()), on_ready=ready)
    assert rc == 0
    assert seen == {"title": "Council Archive", "visible": True}


def test_app_start_up_loads_neither_whisper_nor_torch_and_cli_help_loads_no_qt():
    code = (
        "import sys, desktop.app\n"
        "bad = [m for m in ('faster_whisper', 'ctranslate2', 'whisper', 'torch') if m in sys.modules]\n"
        "print(bad)\n"
    )
    out = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True, cwd=ROOT, check=True)
    assert out.stdout.strip() == "[]"
    code = (
        "import sys\nfrom desktop.launcher import main\n"
        "try:\n    main(['--help'])\nexcept SystemExit:\n    pass\n"
        "print([m for m in sys.modules if m.startswith(('PySide6', 'faster_whisper', 'torch'))])\n"
    )
    out = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True, cwd=ROOT, check=True)
    assert out.stdout.strip().splitlines()[-1] == "[]"


def test_a_missing_xcb_cursor_library_is_one_line_before_qt_loads(tmp_path):
    # Qt >= 6.5 cannot open an X11 window without libxcb-cursor0; the launcher says so first
    code = (
        "import sys\nimport desktop.launcher as launcher\n"
        "launcher.has_library = lambda soname: False  # as on a machine without libxcb-cursor0\n"
        "rc = launcher.main(['--archive', sys.argv[1]])\n"
        "print(rc, [m for m in sys.modules if m.startswith(('PySide6', 'shiboken6'))])\n"
    )
    env = {k: v for k, v in os.environ.items() if k not in ("WAYLAND_DISPLAY", "XDG_SESSION_TYPE")}
    env["QT_QPA_PLATFORM"] = "xcb"
    out = subprocess.run([sys.executable, "-c", code, str(tmp_path / "a")], capture_output=True, text=True,
                         cwd=ROOT, env=env, timeout=60)
    assert out.stdout.strip() == "1 []"  # exit code 1, and Qt was never imported
    lines = out.stderr.strip().splitlines()
    assert len(lines) == 1, out.stderr
    assert "libxcb-cursor0" in lines[0] and lines[0].endswith("sudo apt-get install libxcb-cursor0")
    assert lines[0] in (ROOT / "README.md").read_text()  # the README shows the same line
    assert not (tmp_path / "a").exists()  # nothing was created


def test_the_library_check_applies_only_to_an_x11_window_on_linux(monkeypatch):
    from desktop import launcher

    checked = []
    monkeypatch.setattr(launcher, "has_library", lambda soname: checked.append(soname) or False)
    assert launcher.missing_system_library({"QT_QPA_PLATFORM": "offscreen"}, "linux") is None
    assert launcher.missing_system_library({"QT_QPA_PLATFORM": "wayland"}, "linux") is None
    assert launcher.missing_system_library({"WAYLAND_DISPLAY": "wayland-0"}, "linux") is None
    assert launcher.missing_system_library({}, "darwin") is None
    assert launcher.missing_system_library({}, "win32") is None
    assert checked == []  # no library looked up for any of those
    assert "libxcb-cursor0" in launcher.missing_system_library({}, "linux")
    assert "libxcb-cursor0" in launcher.missing_system_library({"QT_QPA_PLATFORM": "xcb"}, "linux")
    assert checked == [launcher.XCB_CURSOR] * 2
    monkeypatch.setattr(launcher, "has_library", lambda soname: True)
    assert launcher.missing_system_library({"QT_QPA_PLATFORM": "xcb"}, "linux") is None


@pytest.mark.skipif(not sys.platform.startswith("linux"), reason="Linux shared libraries")
def test_the_library_finder_asks_the_dynamic_loader():
    from desktop.launcher import has_library

    assert has_library("libc.so.6")
    assert not has_library("libno-such-council-archive-library.so.0")


def test_the_queue_knows_the_importer_s_stages_without_loading_it_at_start_up():
    from archive import importer
    from desktop import import_queue

    assert (import_queue.PROBING, import_queue.STORING) == (importer.PROBING, importer.STORING)
    code = "import sys, desktop.main_window\nprint('archive.importer' in sys.modules)\n"
    out = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True, cwd=ROOT, check=True,
                         env={**os.environ, "QT_QPA_PLATFORM": "offscreen"})
    assert out.stdout.strip() == "False"  # it loads on the first import


def test_a_long_session_does_not_run_out_of_references_to_none(open_window):
    # PySide6 6.12 on Python 3.11 drops a reference to None on every void call and to
    # True on every emit; desktop.qtcompat.guard_singletons (run by create_window) covers it
    import shiboken6

    window = open_window()
    label = window.search_panel.message
    for _ in range(60000):  # more than the references None starts with
        label.setText("x")
    for _ in range(20000):
        window.player.position_changed.emit(0.0)
    assert sys.getrefcount(None) > 1000 and sys.getrefcount(True) > 1000
    # and the media player is made by C++, so its decoder threads never need the GIL
    assert not shiboken6.createdByPython(window.player.player)
    assert not shiboken6.createdByPython(window.player.player.audioOutput())


def test_demo_archive_imports_the_demo_on_first_run(qtbot, open_window):
    window = open_window(name=".demo-archive")
    assert window.imports.busy
    assert window.queue_dock.isVisible()
    qtbot.waitUntil(lambda: "Importing the demo meeting" in window.search_panel.empty_hint.text())
    wait_indexed(qtbot, window)
    rec = window.archive.catalog.recordings()[0]
    assert (rec.title, rec.body, rec.date) == (DEMO_META["title"], DEMO_META["body"], DEMO_META["date"])
    assert not window.search_panel.empty_hint.isVisible()
    search(qtbot, window, "sidewalks", expect_rows=len(lines_with("sidewalk")))


# --- importing ----------------------------------------------------------------------------


def test_import_through_the_gui_reaches_indexed(qtbot, open_window, demo_copy):
    fake = FakeTranscriber(delay=0.01)
    window = open_window(fake)
    stages = []
    window.imports.job_event.connect(lambda job, ev: stages.append(ev.stage))
    dialog = import_via_dialog(qtbot, window, demo_copy, body="Riverton City Council", vocabulary="Riverton, Patel")
    # defaults came from the file name
    assert dialog.title.text() == "Riverton" and dialog.date.text() == "2024-03-12"
    wait_indexed(qtbot, window)
    assert stages[0] == "queued" and "transcribing" in stages and stages[-1] == "indexed"
    rec = window.archive.catalog.recordings()[0]
    assert (rec.title, rec.body, rec.date, rec.kind) == ("Riverton", "Riverton City Council", "2024-03-12", "meeting")
    assert fake.calls[0][1].initial_prompt == "Riverton, Patel"
    # the library table and the queue panel show it
    model = window.library.model
    assert model.rowCount() == 1 and model.index(0, 5).data() == "Indexed"
    row = next(iter(window.queue.rows.values()))
    assert row.stage == "indexed" and row.bar.value() == row.bar.maximum()


def test_dropping_files_opens_the_import_dialog(qtbot, open_window, demo_copy):
    window = open_window()
    mime = QMimeData()
    mime.setUrls([QUrl.fromLocalFile(str(demo_copy))])
    event = QDropEvent(QPointF(50, 50), Qt.DropAction.CopyAction, mime, Qt.MouseButton.LeftButton, Qt.KeyboardModifier.NoModifier)
    window.dropEvent(event)
    dialog = window.importing.dialog
    qtbot.waitUntil(dialog.isVisible)
    assert dialog.paths == [str(demo_copy)]
    dialog.reject()


def test_cancel_stops_an_import_and_leaves_nothing(qtbot, open_window, demo_copy):
    fake = FakeTranscriber(delay=0.15)
    window = open_window(fake)
    jobs, ended = [], []
    window.imports.job_added.connect(jobs.append)
    window.imports.job_finished.connect(lambda job, outcome: ended.append((job.id, outcome)))
    import_via_dialog(qtbot, window, demo_copy)
    qtbot.waitUntil(lambda: fake.yielded >= 3, timeout=10000)
    assert window.archive.catalog.recordings()[0].status == "transcribing"
    # a second import waiting its turn is cancelled at once, without starting
    [waiting] = window.importing.start_import([str(demo_copy)], _meta(title="Again"))
    qtbot.mouseClick(window.queue.rows[waiting.id].cancel, Qt.MouseButton.LeftButton)
    assert ended == [(waiting.id, Outcome.CANCELLED)] and not waiting.started
    assert window.queue.rows[waiting.id].stage == "cancelled"
    row = window.queue.rows[jobs[0].id]
    qtbot.mouseClick(row.cancel, Qt.MouseButton.LeftButton)
    qtbot.waitUntil(lambda: len(ended) == 2, timeout=10000)
    assert ended[1] == (jobs[0].id, Outcome.CANCELLED) and isinstance(ended[1][1], Outcome)  # once, typed
    assert len(fake.calls) == 1
    assert jobs[0].outcome is Outcome.CANCELLED
    assert [r.status for r in jobs[0].result] == [Outcome.CANCELLED]
    assert fake.yielded < len(fake.segments)
    assert window.archive.catalog.recordings() == []
    assert window.archive.index.recording_ids() == set()
    assert window.archive.index.doc_count() == 0
    media = window.archive.media_dir
    assert not media.exists() or not any(media.iterdir())
    assert window.library.model.rowCount() == 0
    assert row.stage == "cancelled"


def test_searching_works_while_importing(qtbot, open_window, demo_copy, tmp_path):
    slow = FakeTranscriber(delay=0.0)
    window = open_window(slow)
    import_via_dialog(qtbot, window, demo_copy)
    wait_indexed(qtbot, window)
    slow.delay, slow.yielded = 0.2, 0
    other = tmp_path / "src" / "other_2020-01-01.wav"
    subprocess.run([_ffmpeg(), "-v", "error", "-y", "-f", "lavfi", "-i", "sine=frequency=440:duration=30", str(other)], check=True)
    import_via_dialog(qtbot, window, other)
    qtbot.waitUntil(lambda: slow.yielded >= 1, timeout=10000)
    assert window.imports.busy
    search(qtbot, window, "sidewalks", expect_rows=len(lines_with("sidewalk")))
    assert window.imports.busy  # the GUI read while the worker wrote
    window.imports.cancel_all()
    qtbot.waitUntil(lambda: not window.imports.busy, timeout=10000)


def test_quitting_during_an_import_asks_and_the_import_resumes(qtbot, tmp_path, settings, demo_copy):
    slow = FakeTranscriber(delay=0.15)
    window = create_window(tmp_path / "archive", settings=settings, transcriber_factory=factory(slow))
    qtbot.addWidget(window)
    window.show()
    asked = []
    window.confirm_quit = lambda: asked.append(1) or False
    jobs = []
    window.imports.job_added.connect(jobs.append)
    import_via_dialog(qtbot, window, demo_copy)
    other = tmp_path / "src" / "other_2020-01-01.wav"  # queued behind it: not started at the quit
    subprocess.run([_ffmpeg(), "-v", "error", "-y", "-f", "lavfi", "-i", "sine=frequency=440:duration=5", str(other)], check=True)
    window.importing.start_import([str(other)], _meta(title="Other", body="Planning Board"))
    qtbot.waitUntil(lambda: slow.yielded >= 4, timeout=10000)
    window.close()
    assert asked and window.isVisible()  # said no: still running
    window.confirm_quit = lambda: True
    window.close()
    assert not window.isVisible()
    assert not window.imports.thread.isRunning()
    assert jobs[0].outcome is Outcome.STOPPED and [r.status for r in jobs[0].result] == [Outcome.STOPPED]
    pending = json.loads(AppSettings(settings).value("import/pending"))
    assert [(p["path"], p["title"], p["body"]) for p in pending] == [(str(other), "Other", "Planning Board")]

    con = window.archive  # closed; look with a fresh connection
    from archive.store import Archive

    with Archive(tmp_path / "archive") as archive:
        [rec] = archive.catalog.recordings()  # the file not started is not in the archive yet
        assert rec.status == "transcribing"
        assert [j["state"] for j in archive.catalog.open_jobs()] == ["running"]
        committed = len(archive.catalog.segments(archive.catalog.incomplete_transcript(rec.id)["id"]))
        assert 0 < committed < len(slow.segments)
    del con

    fast = FakeTranscriber()
    again = create_window(tmp_path / "archive", settings=settings, transcriber_factory=factory(fast))
    qtbot.addWidget(again)
    try:
        wait_indexed(qtbot, again, n=2)
        assert fast.calls[0][2] > 0  # resumed where the transcript stopped
        t = again.archive.catalog.current_transcript(rec.id)
        idx = [s["idx"] for s in again.archive.catalog.segments(t["id"])]
        assert idx == list(range(len(slow.segments)))
        # then the file that had not started, with the details given before the quit
        later = next(r for r in again.archive.catalog.recordings() if r.id != rec.id)
        assert (later.title, later.body, later.date) == ("Other", "Planning Board", "2020-01-01")
        assert AppSettings(settings).value("import/pending", "") == ""
    finally:
        again.shutdown()


def test_an_unreadable_saved_queue_is_dropped_and_logged_in_the_archive(qtbot, open_window, settings, tmp_path):
    settings.setValue("import/pending", "[{not json")
    window = open_window()
    assert not window.imports.busy and window.library.model.rowCount() == 0
    assert AppSettings(settings).value("import/pending", "") == ""  # not tried again next time
    log = (tmp_path / "archive" / "council-archive.log").read_text(encoding="utf-8")
    assert "WARNING desktop.import_actions" in log and "saved queue of imports is unreadable" in log


# --- searching and playing ----------------------------------------------------------------


def test_search_shows_the_expected_hits(qtbot, imported):
    panel = imported.search_panel
    qtbot.keyClicks(panel.query, "sidewalks")
    assert panel.model.rowCount() == 0  # debounced: nothing yet
    expected = lines_with("sidewalk")
    qtbot.waitUntil(lambda: panel.model.rowCount() == len(expected), timeout=3000)
    hits = panel.model.hits()
    assert sorted(round(h.segment_start, 2) for h in hits) == sorted(round(line["start"], 2) for line in expected)
    top = panel.model.index(0, 0)
    assert "<b>sidewalks</b>" in top.data(Qt.ItemDataRole.UserRole + 2)
    text = top.data()
    assert "Regular Meeting" in text and "Riverton City Council" in text and "2024-03-12" in text
    assert hms(hits[0].start) in text
    assert f"{len(expected)} hits" in panel.message.text()
    assert panel.body.itemText(panel.body.findData("Riverton City Council")) == f"Riverton City Council ({len(expected)})"


def test_filters_and_sort(qtbot, imported):
    panel = search(qtbot, imported, "council", expect_rows=None)
    qtbot.waitUntil(lambda: panel.model.rowCount() > 0)
    n = panel.model.rowCount()
    panel.kind.set_value("radio")
    qtbot.waitUntil(lambda: panel.model.rowCount() == 0)
    panel.kind.set_value("")
    qtbot.waitUntil(lambda: panel.model.rowCount() == n)
    panel.date_from.set_value("2025-01-01")
    qtbot.waitUntil(lambda: panel.model.rowCount() == 0, timeout=3000)
    panel.year.set_value("2024")
    qtbot.waitUntil(lambda: panel.model.rowCount() == n, timeout=3000)
    assert (panel.date_from.value(), panel.date_to.value()) == ("2024-01-01", "2024-12-31")
    panel.sort.setCurrentIndex(panel.sort.findData("date"))
    qtbot.waitUntil(lambda: panel.model.rowCount() == n)


def test_a_bad_query_gets_a_friendly_line(qtbot, imported):
    panel = search(qtbot, imported, "*")
    qtbot.waitUntil(lambda: bool(panel.message.property("error")))
    assert "Traceback" not in panel.message.text() and "\n" not in panel.message.text()
    assert "search" in panel.message.text().lower()
    assert panel.model.rowCount() == 0


def _wait_playing_near(qtbot, player, seconds, tolerance=1.5):
    qtbot.waitUntil(
        lambda: player.playbackState() == QMediaPlayer.PlaybackState.PlayingState
        and abs(player.position() / 1000.0 - seconds) <= tolerance,
        timeout=10000,
    )


def test_clicking_a_hit_plays_from_the_matched_word(qtbot, imported):
    panel = search(qtbot, imported, "sidewalks", expect_rows=len(lines_with("sidewalk")))
    hit = panel.model.hit(0)
    assert abs(hit.start - first_word_time("sidewalks")) < 0.05
    click_row(qtbot, panel.view, 0)
    player = imported.player.player
    _wait_playing_near(qtbot, player, hit.start)
    assert imported.recording_view.recording_id == hit.recording_id
    word = imported.transcript.marked_word()
    assert word is not None and word.text.strip().lower().startswith("sidewalks") and word.start == pytest.approx(hit.start)
    # the marked row is on screen
    row = imported.transcript.model().marked[0]
    assert imported.transcript.viewport().rect().intersects(imported.transcript.visualRect(imported.transcript.model().index(row, 0)))


def test_enter_on_a_hit_plays_it_with_the_pre_roll_from_settings(qtbot, imported, settings):
    imported.prefs.pre_roll = 0.0
    panel = search(qtbot, imported, '"regional camera program"', expect_rows=None)
    qtbot.waitUntil(lambda: panel.model.rowCount() >= 1)
    panel.view.setFocus()
    panel.view.setCurrentIndex(panel.model.index(panel.model.rowCount() - 1, 0))
    hit = panel.model.hit(panel.model.rowCount() - 1)
    qtbot.keyClick(panel.view, Qt.Key.Key_Return)
    _wait_playing_near(qtbot, imported.player.player, hit.start, tolerance=1.0)
    assert imported.player.player.position() / 1000.0 >= hit.start - 0.3


def test_transcript_follows_playback_and_clicking_a_word_seeks(qtbot, imported):
    rid = imported.archive.catalog.recordings()[0].id
    assert imported.open_recording(rid)
    view = imported.transcript
    row = 10
    seg = view.model().segment(row)
    word_i = 2
    index = view.model().index(row, 0)
    view.scrollTo(index)
    _, rects, _ = view.delegate.layout(seg, view.delegate.width())
    point = rects[word_i].center().toPoint() + view.visualRect(index).topLeft()
    qtbot.mouseClick(view.viewport(), Qt.MouseButton.LeftButton, pos=point)
    target = seg.words[word_i].start
    _wait_playing_near(qtbot, imported.player.player, target, tolerance=1.0)
    # the transcript follows: the word being played is highlighted
    qtbot.waitUntil(lambda: view.model().playing is not None and view.model().playing[0] >= row, timeout=5000)
    # the player's own controls
    player = imported.player
    player.speed.setCurrentIndex(player.speed.findData(2.0))
    assert player.player.playbackRate() == 2.0
    before = player.seconds()
    player.skip(-5.0)
    assert player.seconds() == pytest.approx(max(0.0, before - 5.0), abs=0.6)
    player.toggle()
    qtbot.waitUntil(lambda: not player.is_playing())


def test_keyboard_shortcuts(qtbot, imported):
    window = imported
    window.activateWindow()
    qtbot.waitUntil(lambda: QGuiApplication.focusWindow() is not None)
    rid = window.archive.catalog.recordings()[0].id
    window.open_recording(rid)
    window.transcript.setFocus()
    qtbot.keyClick(window.transcript, Qt.Key.Key_Space)
    qtbot.waitUntil(window.player.is_playing, timeout=5000)
    qtbot.keyClick(window.transcript, Qt.Key.Key_Right)
    qtbot.waitUntil(lambda: window.player.seconds() >= 4.0, timeout=5000)
    qtbot.keyClick(window.transcript, Qt.Key.Key_Space)
    qtbot.waitUntil(lambda: not window.player.is_playing(), timeout=5000)
    qtbot.keyClick(window.transcript, Qt.Key.Key_F, Qt.KeyboardModifier.ControlModifier)
    qtbot.waitUntil(lambda: window.search_panel.query.hasFocus())
    # in the search field Space and the arrows edit the text; they do not drive the player
    at = window.player.seconds()
    qtbot.keyClicks(window.search_panel.query, "a b")
    qtbot.keyClick(window.search_panel.query, Qt.Key.Key_Left)
    qtbot.keyClick(window.search_panel.query, Qt.Key.Key_Space)
    assert window.search_panel.query.text() == "a  b"
    assert not window.player.is_playing() and window.player.seconds() == pytest.approx(at, abs=0.05)


def test_uncertain_words_are_marked(qtbot, open_window, demo_copy):
    window = open_window(FakeTranscriber(demo_segments(uncertain=["Riverton"])))
    import_via_dialog(qtbot, window, demo_copy)
    wait_indexed(qtbot, window)
    window.open_recording(window.archive.catalog.recordings()[0].id)
    words = [w for s in window.transcript.model().segments for w in s.words]
    bare = lambda w: w.text.strip().strip(".,?!")  # noqa: E731
    unsure = [bare(w) for w in words if w.uncertain]
    assert unsure and set(unsure) == {"Riverton"}
    assert not any(w.uncertain for w in words if bare(w) != "Riverton")


# --- editing and copying ------------------------------------------------------------------


def test_a_corrected_segment_is_searchable(qtbot, imported):
    rid = imported.archive.catalog.recordings()[0].id
    imported.open_recording(rid)
    view = imported.transcript
    row = 5
    index = view.model().index(row, 0)
    view.scrollTo(index)
    view.setCurrentIndex(index)
    view.edit(index)
    editor = view.findChild(QPlainTextEdit, "segmentEditor")
    qtbot.waitUntil(lambda: editor is not None and editor.isVisible())
    old = editor.toPlainText()
    editor.setPlainText(old + " Zebra crossings too.")
    qtbot.keyClick(editor, Qt.Key.Key_Return)
    qtbot.waitUntil(lambda: imported.transcript.model().segment(row).edited, timeout=10000)
    panel = search(qtbot, imported, "zebra", expect_rows=1)
    hit = panel.model.hit(0)
    assert hit.segment_id == view.model().segment(row).id
    assert "Zebra crossings too." in hit.text


def test_an_edit_during_an_import_waits_for_the_writer_and_then_applies(qtbot, open_window, demo_copy, tmp_path):
    fake = FakeTranscriber()
    window = open_window(fake)
    import_via_dialog(qtbot, window, demo_copy)
    wait_indexed(qtbot, window)
    fake.delay, fake.yielded = 0.1, 0
    other = tmp_path / "src" / "other_2020-01-01.wav"
    subprocess.run([_ffmpeg(), "-v", "error", "-y", "-f", "lavfi", "-i", "sine=frequency=440:duration=20", str(other)], check=True)
    window.importing.start_import([str(other)], _meta())
    qtbot.waitUntil(lambda: fake.yielded >= 1, timeout=10000)
    rid = window.archive.catalog.recordings(status="indexed")[0].id
    window.open_recording(rid)
    seg = window.transcript.model().segment(0)
    job = window.editing.correct_segment(seg.id, seg.text + " Flamingo.")
    assert job.waiting  # the importer holds the write lock; the GUI did not block
    wait_indexed(qtbot, window, n=2)
    qtbot.waitUntil(lambda: job.outcome == Outcome.INDEXED, timeout=10000)
    search(qtbot, window, "flamingo", expect_rows=1)


def test_speakers_for_a_range_of_segments(qtbot, imported):
    rid = imported.archive.catalog.recordings()[0].id
    imported.open_recording(rid)
    ids = [imported.transcript.model().segment(r).id for r in (0, 1)]
    imported.speaking.assign(ids, "Mayor Helen Morgan")  # undoable: desktop.speaker_actions
    qtbot.waitUntil(lambda: imported.transcript.model().segment(0).speaker == "Mayor Helen Morgan", timeout=10000)
    assert imported.transcript.model().segment(1).speaker == "Mayor Helen Morgan"
    assert imported.transcript.model().segment(2).speaker is None
    panel = search(qtbot, imported, "speaker:Morgan order", expect_rows=1)
    assert panel.model.hit(0).speaker == "Mayor Helen Morgan"
    assert panel.speaker.findData("Mayor Helen Morgan") >= 0


def test_copy_quote_from_a_hit_and_from_the_transcript(qtbot, imported):
    panel = search(qtbot, imported, "sidewalks", expect_rows=len(lines_with("sidewalk")))
    panel.view.setFocus()
    panel.view.setCurrentIndex(panel.model.index(0, 0))
    hit = panel.model.hit(0)
    line = next(line for line in demo_lines() if abs(line["start"] - hit.segment_start) < 0.01)
    qtbot.keyClick(panel.view, Qt.Key.Key_C, Qt.KeyboardModifier.ControlModifier)
    expected = citation(line["text"], body=DEMO_META["body"], title=DEMO_META["title"], date=DEMO_META["date"], seconds=line["start"])
    assert QGuiApplication.clipboard().text() == expected
    assert expected.startswith("\u201cSo I propose a budget amendment.") and expected.endswith(
        f"\u2014 Riverton City Council, \u201cRegular Meeting\u201d, 2024-03-12, at {hms(line['start'])}.")
    imported.copying.copy_hit_reference(hit)
    assert QGuiApplication.clipboard().text() == reference(hit.recording_id, hit.segment_start)  # the quote's time

    # a selection of two segments in the transcript
    imported.open_recording(hit.recording_id)
    view = imported.transcript
    view.clearSelection()
    for r in (3, 4):
        view.selectionModel().select(view.model().index(r, 0), view.selectionModel().SelectionFlag.Select)
    view.setFocus()
    imported.copying.copy_quote()
    a, b = demo_lines()[3], demo_lines()[4]
    assert QGuiApplication.clipboard().text() == citation(
        a["text"] + " " + b["text"], body=DEMO_META["body"], title=DEMO_META["title"], date=DEMO_META["date"], seconds=a["start"])


# --- library and settings -----------------------------------------------------------------


def test_library_sorts_and_filters(qtbot, imported, tmp_path):
    other = tmp_path / "src" / "budget_hearing_2019-06-01.wav"
    subprocess.run([_ffmpeg(), "-v", "error", "-y", "-f", "lavfi", "-i", "sine=frequency=440:duration=5", str(other)], check=True)
    imported.importing.start_import([str(other)], _meta(body="Springfield City Council"))
    wait_indexed(qtbot, imported, n=2)
    lib = imported.library
    qtbot.waitUntil(lambda: lib.proxy.rowCount() == 2)
    lib.table.sortByColumn(4, Qt.SortOrder.AscendingOrder)  # duration
    assert lib.proxy.index(0, 0).data() == "Budget hearing"
    lib.table.sortByColumn(2, Qt.SortOrder.DescendingOrder)  # date
    assert lib.proxy.index(0, 2).data() == "2024-03-12"
    lib.filter.setText("springfield")
    assert lib.proxy.rowCount() == 1 and lib.proxy.index(0, 1).data() == "Springfield City Council"
    lib.filter.clear()
    # activating a row opens the recording
    lib.table.setFocus()
    lib.table.setCurrentIndex(lib.proxy.index(0, 0))
    qtbot.keyClick(lib.table, Qt.Key.Key_Return)
    qtbot.waitUntil(lambda: imported.recording_view.recording_id is not None)


def test_settings_are_kept_in_an_isolated_qsettings(qtbot, settings, tmp_path):
    dialog = SettingsDialog(AppSettings(settings).load())
    qtbot.addWidget(dialog)
    dialog.pre_roll.setValue(2.5)
    dialog.default_body.setText("Riverton City Council")
    dialog.engine.setCurrentText("openai-whisper")
    AppSettings(settings).save(dialog.preferences())
    again = AppSettings(QSettings(str(tmp_path / "settings.ini"), QSettings.Format.IniFormat)).load()
    assert (again.pre_roll, again.default_body, again.engine) == (2.5, "Riverton City Council", "openai-whisper")
    options = AppSettings(settings).transcribe_options(again)
    # "auto" is settled by the engine as it loads: int8 on this GPU-less machine's CPU
    from transcription.models import choose_device, compute_type_for
    device = choose_device(options.device, "openai-whisper")
    assert (options.device, compute_type_for(device, options.compute_type)) == ("auto", "float16" if device == "cuda" else "int8")


# --- the real engine ----------------------------------------------------------------------


@pytest.mark.slow
def test_real_engine_import_on_a_short_clip(qtbot, open_window, tmp_path):
    clip = tmp_path / "src" / "riverton_clip_2024-03-12.wav"
    clip.parent.mkdir(exist_ok=True)
    subprocess.run([_ffmpeg(), "-v", "error", "-y", "-i", str(DEMO), "-t", "20", "-ac", "1", "-ar", "16000", str(clip)], check=True)
    window = open_window(real_engine=True)
    import_via_dialog(qtbot, window, clip, body="Riverton City Council")
    wait_indexed(qtbot, window, timeout=300000)
    # a word heard once in the clip where the transcript agrees with the script (whatever
    # else Whisper heard on this CPU)
    archive_dir = tmp_path / "archive"
    [heard] = heard_words(archive_dir).values()
    runs = [r for r in agreeing_runs(script_words(DEMO_META), heard, n=2)
            if len(r.phrase.split()[0]) >= 5 and occurrences(archive_dir, r.phrase.split()[0]) == 1]
    assert runs, [w.word for w in heard]
    word, spoken = runs[0].phrase.split()[0], runs[0].script_start
    panel = search(qtbot, window, word, expect_rows=None)
    qtbot.waitUntil(lambda: panel.model.rowCount() >= 1, timeout=5000)
    hit = panel.model.hit(0)
    assert abs(hit.start - spoken) < 1.5
    click_row(qtbot, panel.view, 0)
    _wait_playing_near(qtbot, window.player.player, hit.start)
    assert window.transcript.marked_word().text.strip().lower().startswith(word)


def _ffmpeg() -> str:
    from transcription.audio import ffmpeg_exe

    return ffmpeg_exe()


def _meta(**kw):
    from archive.importer import ImportMeta

    return ImportMeta(**kw)
