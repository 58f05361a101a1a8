"""The app on a Ray cluster (issue 17): Settings take the cluster's address (checked on OK,
kept in the settings), imports then run on the cluster and the Imports panel shows where
each file runs beside its progress; an unreachable cluster fails the file with one line
and changes nothing, and clearing the address imports it on this computer, without Ray.

Driven with mouse and keyboard on a real window over a real archive, on a real Ray
cluster (tests/ray_cluster.py: a head and a worker node on this machine) whose actors run
the fake engine and diarizer of tests/cluster_fakes.py.
"""

from __future__ import annotations

import contextlib
import functools
import re
import subprocess
import sys

import pytest
from PySide6.QtCore import QSettings, Qt
from PySide6.QtWidgets import QDialogButtonBox

import desktop.import_worker
from archive.status import Outcome, Status
from desktop.import_queue import FINAL, THIS_COMPUTER
from desktop.settings import AppSettings, SettingsDialog
from fakes import demo_segments
from test_desktop import _ffmpeg, demo_copy, import_via_dialog, open_window, settings, statuses  # noqa: F401

pytestmark = pytest.mark.no_qt_log

NODE = re.compile(r"^\d+\.\d+\.\d+\.\d+/[0-9a-f]{6}( ×\d+)?(, \d+\.\d+\.\d+\.\d+/[0-9a-f]{6}( ×\d+)?)*$")


@pytest.fixture
def window_on(open_window):  # noqa: F811
    """window_on(cluster_work=None): test_desktop's window (the fake local engine), quitting
    without asking; ``cluster_work``: how it reaches a cluster (its actors' engines)."""

    def make(cluster_work=None):
        window = open_window(cluster_work=cluster_work)
        window.confirm_quit = lambda: True
        return window

    return make


def fake_cluster_work():
    pytest.importorskip("ray", reason="the 'cluster' extra is not installed")
    from archive.cluster import cluster_work
    from tests.cluster_fakes import FakeDiarizerFactory, FakeEngineFactory  # by this name on the workers too

    return functools.partial(cluster_work, factory=FakeEngineFactory(), diarizer_factory=FakeDiarizerFactory())


class Counted:
    """A cluster_work that counts the connections opened and closed."""

    def __init__(self, work):
        self.work, self.opened, self.closed = work, 0, 0

    @contextlib.contextmanager
    def __call__(self, *args, **kwargs):
        with self.work(*args, **kwargs) as work:
            self.opened += 1
            try:
                yield work
            finally:
                self.closed += 1


def click(qtbot, button) -> None:
    assert button.isVisible() and button.isEnabled(), button.text()
    qtbot.mouseClick(button, Qt.MouseButton.LeftButton)


def words(texts) -> list[str]:
    return " ".join(texts).split()


def shown(row) -> tuple[str, str]:
    return row.where.text(), row.status.text()


def settings_dialog(qtbot, window) -> SettingsDialog:
    window.settings_dialog()  # File → Settings… (Ctrl+,)
    def visible() -> list:
        return [d for d in window.findChildren(SettingsDialog) if d.isVisible()]

    qtbot.waitUntil(lambda: bool(visible()))
    return visible()[0]


def type_cluster(qtbot, dialog, address: str, shared_path: str = "") -> None:
    for field, text in ((dialog.cluster, address), (dialog.shared_path, shared_path)):
        qtbot.mouseClick(field, Qt.MouseButton.LeftButton)
        qtbot.keyClick(field, Qt.Key.Key_A, Qt.KeyboardModifier.ControlModifier)
        qtbot.keyClick(field, Qt.Key.Key_Delete)
        qtbot.keyClicks(field, text)
    click(qtbot, dialog.button_box.button(QDialogButtonBox.StandardButton.Ok))


def set_cluster(qtbot, window, address: str) -> None:
    dialog = settings_dialog(qtbot, window)
    type_cluster(qtbot, dialog, address)
    qtbot.waitUntil(lambda: not dialog.isVisible())


def saved(tmp_path) -> tuple[str, str]:
    prefs = AppSettings(QSettings(str(tmp_path / "settings.ini"), QSettings.Format.IniFormat)).load()
    return prefs.cluster, prefs.shared_path


def test_a_person_sets_the_cluster_in_settings_and_a_bad_address_is_refused(qtbot, window_on, tmp_path):
    window = window_on()
    dialog = settings_dialog(qtbot, window)
    assert "Ray cluster" in dialog.cluster.toolTip() and dialog.cluster.text() == ""
    for bad, says in (("http://head:6379", "not a cluster address"), ("head:port", "port must be a number")):
        type_cluster(qtbot, dialog, bad)
        assert dialog.isVisible() and says in dialog.problem.text() and bad in dialog.problem.text()
    type_cluster(qtbot, dialog, "", "/mnt/archive")  # a shared path alone means nothing
    assert dialog.isVisible() and "shared path goes with a cluster" in dialog.problem.text()
    assert saved(tmp_path) == ("", "")  # nothing refused was kept

    type_cluster(qtbot, dialog, "10.0.0.5:6379", "/mnt/archive")
    qtbot.waitUntil(lambda: not dialog.isVisible())
    assert saved(tmp_path) == ("10.0.0.5:6379", "/mnt/archive")
    assert (window.imports.cluster, window.imports.shared_path) == ("10.0.0.5:6379", "/mnt/archive")

    again = settings_dialog(qtbot, window)  # shown as kept; ray:// and local are taken too
    assert again.cluster.text() == "10.0.0.5:6379" and again.shared_path.text() == "/mnt/archive"
    type_cluster(qtbot, again, "ray://head.example:10001")
    qtbot.waitUntil(lambda: not again.isVisible())
    assert saved(tmp_path) == ("ray://head.example:10001", "")
    set_cluster(qtbot, window, "local")
    assert saved(tmp_path)[0] == window.imports.cluster == "local"


def test_imports_on_the_cluster_show_its_nodes_in_the_queue(qtbot, window_on, demo_copy, ray_cluster,  # noqa: F811
                                                            monkeypatch, tmp_path):
    monkeypatch.setattr(desktop.import_worker, "IDLE_RELEASE_S", 1.0)
    work = Counted(fake_cluster_work())
    window = window_on(work)
    set_cluster(qtbot, window, ray_cluster.address)
    seen = []  # (file, stage, the event's where, what its row showed then), live, as the queue got them
    window.imports.job_event.connect(  # after the window's own slot: the row is up to date
        lambda job, e: seen.append((job.label, e.stage, e.where, *shown(window.queue.rows[job.id]))))
    tone = tmp_path / "src" / "tone.wav"
    subprocess.run([_ffmpeg(), "-v", "error", "-y", "-f", "lavfi", "-i", "sine=frequency=440:duration=2", str(tone)],
                   check=True)
    window.importing.request_import([str(demo_copy), str(tone)])  # two files, one after the other
    dialog = window.importing.dialog
    qtbot.waitUntil(dialog.isVisible)
    click(qtbot, dialog.buttons.button(QDialogButtonBox.StandardButton.Ok))
    rows = list(window.queue.rows.values())
    qtbot.waitUntil(lambda: all(r.stage in FINAL for r in rows), timeout=60000)
    assert [r.stage for r in rows] == [Outcome.INDEXED] * 2, [r.status.text() for r in rows]

    demo = [event for event in seen if event[0] == demo_copy.name]
    connecting = f"Waiting: connecting to the Ray cluster at {ray_cluster.address}"
    assert (demo_copy.name, Status.QUEUED, None, "", connecting) in demo
    for stage in (Status.TRANSCRIBING, Status.DIARIZING):
        places = [(where, text) for _, s, where, text, _ in demo if s == stage]
        assert places and all(where and NODE.match(where) and text == where for where, text in places), (stage, places)
    assert all(NODE.match(r.where.text()) for r in rows)  # kept once done
    assert work.opened == 1  # one connection for both files; let go once the queue is idle
    qtbot.waitUntil(lambda: work.closed == 1, timeout=10000)

    # the archive got the actors' work: the script's segments, and the cluster diarizer's two voices
    catalog = window.archive.catalog
    segments = catalog.segments(catalog.current_transcript(rows[0].recording_id)["id"])
    assert words(s["text"] for s in segments) == words(s.text for s in demo_segments())
    assert len({s["speaker"] for s in segments if s["speaker"]}) == 2


def test_an_unreachable_cluster_fails_the_file_and_it_imports_locally_after(qtbot, window_on, demo_copy,  # noqa: F811
                                                                            monkeypatch):
    window = window_on(fake_cluster_work())
    set_cluster(qtbot, window, "127.0.0.1:1")  # nothing listens there
    import_via_dialog(qtbot, window, demo_copy)
    row = next(iter(window.queue.rows.values()))
    qtbot.waitUntil(lambda: row.stage == Outcome.FAILED, timeout=30000)
    assert "cannot reach the Ray cluster at 127.0.0.1:1" in row.status.text()
    assert "\n" not in row.status.text() and window.archive.catalog.recordings() == []  # nothing changed

    set_cluster(qtbot, window, "")  # this computer: no Ray at all from here on
    monkeypatch.setitem(sys.modules, "ray", None)  # any `import ray` now fails
    click(qtbot, row.resume)
    local = next(iter(window.queue.rows.values()))
    qtbot.waitUntil(lambda: local.stage in (Outcome.INDEXED, Outcome.FAILED), timeout=30000)
    assert local.stage == Outcome.INDEXED, local.status.text()
    assert local.where.text() == THIS_COMPUTER and statuses(window) == ["indexed"]
    transcript = window.archive.catalog.current_transcript(local.recording_id)["id"]

    # a re-transcription (a job without a row of its own) that cannot reach it says so too
    monkeypatch.undo()
    set_cluster(qtbot, window, "127.0.0.1:1")
    rid = local.recording_id
    window.imports.retranscribe(window.prefs.engine, window.settings.transcribe_options(window.prefs), [rid], "again")
    qtbot.waitUntil(lambda: "cannot reach the Ray cluster" in window.statusBar().currentMessage(), timeout=30000)
    assert statuses(window) == ["indexed"] and window.archive.catalog.current_transcript(rid)["id"] == transcript
