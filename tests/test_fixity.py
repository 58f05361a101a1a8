"""Fixity audits (archive.fixity, `council-archive fixity`): real SQLite, real media files
imported with captions beside them (no Whisper), real bytes flipped and files deleted."""

from __future__ import annotations

import hashlib
import json
import os
import signal
import sqlite3
import subprocess
import sys
import time
from pathlib import Path

import pytest

from archive.cli import main
from archive.cli.common import EXIT_ERROR, EXIT_OK, EXIT_USAGE
from test_desktop import open_window, settings  # noqa: F401  (the real window, with private settings)
from test_reliability import SRT, ffmpeg, rows  # captions, real media, the catalog read as another process would

ROOT = Path(__file__).resolve().parents[1]
LINES = [("The budget passed.", "Zoning on Elm Street."), ("Parks open late.", "The library closes."),
         ("Water rates rise.", "Snow plows are ready.")]


@pytest.fixture(scope="module")
def sources(tmp_path_factory) -> Path:
    folder = tmp_path_factory.mktemp("fixity_src")
    for n, (a, b) in enumerate(LINES):
        stem = f"meeting{n}_2021-0{n + 1}-01"
        ffmpeg("-f", "lavfi", "-i", f"sine=frequency={300 + 200 * n}:duration=9", "-ar", "16000", str(folder / f"{stem}.wav"))
        (folder / f"{stem}.srt").write_text(SRT.format(a=a, b=b))
    return folder


def run(capsys, root, *args) -> tuple[int, str, list[str]]:
    code = main(["--archive", str(root), *map(str, args)])
    out, err = capsys.readouterr()
    return code, out, err.splitlines()


@pytest.fixture
def archive_dir(sources, tmp_path, capsys) -> Path:
    root = tmp_path / "archive"
    code, out, _ = run(capsys, root, "import", sources, "--no-speakers", "--json")
    assert code == EXIT_OK and [r["status"] for r in json.loads(out)] == ["indexed"] * 3, out
    return root


def media_of(root, rid: int) -> Path:
    [(path,)] = rows(root, "SELECT media_path FROM recordings WHERE id = ?", [rid])
    return root / path


def test_an_audit_verifies_every_file_and_records_when(archive_dir, capsys):
    code, out, err = run(capsys, archive_dir, "fixity", "--json")
    report = json.loads(out)
    assert code == EXIT_OK and err == []
    assert report | {"round": 0} == {"checked": 3, "ok": 3, "changed": [], "missing": [], "unverified": [],
                                     "round": 0, "resumed": False}
    events = rows(archive_dir, "SELECT recording_id, result, expected, found FROM fixity_events ORDER BY recording_id")
    assert [(rid, result) for rid, result, *_ in events] == [(1, "ok"), (2, "ok"), (3, "ok")]
    for rid, _, expected, found in events:
        assert expected == found == hashlib.sha256(media_of(archive_dir, rid).read_bytes()).hexdigest()
    assert rows(archive_dir, "SELECT count(*) FROM fixity_rounds WHERE finished IS NULL") == [(0,)]
    from archive import views
    from archive.store import Archive

    with Archive(archive_dir, create=False) as archive:
        assert all(r.fixity.startswith("Fixity: verified 20") for r in views.recordings(archive))


def test_a_flipped_byte_is_reported_and_nothing_is_rewritten(archive_dir, capsys):
    path = media_of(archive_dir, 2)
    data = bytearray(path.read_bytes())
    data[len(data) // 2] ^= 0xFF
    path.write_bytes(data)
    stamp = path.stat().st_mtime_ns
    before = rows(archive_dir, "SELECT * FROM recordings ORDER BY id")

    code, out, err = run(capsys, archive_dir, "fixity", "--json")
    report = json.loads(out)
    assert code == EXIT_ERROR and report["changed"] == [2] and report["missing"] == [] and report["ok"] == 2
    assert len(err) == 1 and err[0].startswith("council-archive: error: 1 media file(s) changed") and "recordings 2" in err[0]
    assert path.read_bytes() == data and path.stat().st_mtime_ns == stamp  # never repaired silently
    assert rows(archive_dir, "SELECT * FROM recordings ORDER BY id") == before
    [(result, found)] = rows(archive_dir, "SELECT result, found FROM fixity_events WHERE recording_id = 2")
    assert result == "changed" and found == hashlib.sha256(data).hexdigest()

    code, out, _ = run(capsys, archive_dir, "fixity")  # the words say which recording and what to do
    [problem] = [line for line in out.splitlines() if line.startswith("problem:")]
    assert "recording 2 " in problem and "nothing was rewritten" in problem and "check --repair" in problem
    assert ".cabundle" in problem and "fixity --ids 2" in problem
    code, out, _ = run(capsys, archive_dir, "check")  # check says so too (from the last audit's event)
    assert code == EXIT_ERROR and "problem: recording 2's media had changed at the last fixity audit" in out

    # the remedy the report gives: move it out, `check --repair` copies the source back in
    path.rename(archive_dir.parent / "changed.wav")
    assert run(capsys, archive_dir, "check", "--repair")[0] == EXIT_ERROR  # repaired; the last audit still says changed
    code, out, _ = run(capsys, archive_dir, "fixity", "--ids", "2", "--json")
    assert code == EXIT_OK and json.loads(out)["ok"] == 1
    assert run(capsys, archive_dir, "check")[0] == EXIT_OK


def test_a_deleted_file_is_missing(archive_dir, capsys):
    media_of(archive_dir, 3).unlink()
    code, out, err = run(capsys, archive_dir, "fixity", "--json")
    report = json.loads(out)
    assert code == EXIT_ERROR and report["missing"] == [3] and report["changed"] == [] and report["checked"] == 3
    assert rows(archive_dir, "SELECT result FROM fixity_events WHERE recording_id = 3") == [("missing",)]
    [problem] = [line for line in run(capsys, archive_dir, "fixity")[1].splitlines() if line.startswith("problem:")]
    assert problem.startswith("problem: recording 3 ") and "is missing" in problem and "move " not in problem
    assert "run `council-archive check --repair`" in problem
    from archive import views
    from archive.store import Archive

    with Archive(archive_dir, create=False) as archive:
        line = {r.id: r.fixity for r in views.recordings(archive)}[3]
    assert "MISSING" in line


def test_check_notes_media_not_verified_in_n_days(archive_dir, capsys):
    code, out, _ = run(capsys, archive_dir, "check", "--json")
    assert code == EXIT_OK and json.loads(out)["fixity_overdue"] == []  # the import hashed them just now
    assert run(capsys, archive_dir, "fixity")[0] == EXIT_OK
    con = sqlite3.connect(archive_dir / "catalog.db")
    with con:  # recording 1 imported and last verified long ago
        con.execute("UPDATE fixity_events SET at = '2020-01-01T00:00:00+00:00' WHERE recording_id = 1")
        con.execute("UPDATE recordings SET created = '2020-01-01T00:00:00+00:00' WHERE id = 1")
    con.close()
    code, out, _ = run(capsys, archive_dir, "check", "--json")
    assert json.loads(out)["fixity_overdue"] == [1]
    code, out, _ = run(capsys, archive_dir, "check")
    assert code == EXIT_OK and "note: the media of 1 recording(s) was not verified in 90 days (1)" in out
    assert json.loads(run(capsys, archive_dir, "check", "--json", "--fixity-days", "100000")[1])["fixity_overdue"] == []
    with pytest.raises(SystemExit) as stop:  # argparse refuses it: one line, exit 2
        run(capsys, archive_dir, "check", "--fixity-days", "soon")
    assert stop.value.code == EXIT_USAGE and "not a number of days" in capsys.readouterr().err.splitlines()[-1]


def test_bad_arguments_change_nothing(archive_dir, capsys):
    code, _, err = run(capsys, archive_dir, "fixity", "--ids", "9")
    assert code == EXIT_USAGE and err == ["council-archive: error: no recording 9"]
    with pytest.raises(SystemExit) as stop:
        run(capsys, archive_dir, "fixity", "--rate", "0")
    assert stop.value.code == EXIT_USAGE and "not a rate in MB/s" in capsys.readouterr().err.splitlines()[-1]
    assert rows(archive_dir, "SELECT count(*) FROM fixity_events") == [(0,)]


def test_rate_throttles_the_reading(archive_dir):
    from archive.fixity import audit
    from archive.store import Archive

    size = sum(media_of(archive_dir, rid).stat().st_size for rid in (1, 2, 3))
    seen = []
    with Archive(archive_dir, create=False) as archive:
        report = audit(archive, rate=size / 0.4 / 1e6, progress=lambda f, r, t: seen.append((f, r, t)))
    assert report.clean and seen[-1] == (3, size, size)
    assert all(b[1] >= a[1] for a, b in zip(seen, seen[1:]))  # bytes read only grow


DRIVER = """
import os, sys, time
sys.path.insert(0, {root!r})
import archive.fixity as fixity
calls = []
verify = fixity._verify
def pausing(*args, **kw):
    calls.append(1)
    if len(calls) == 2:  # the first file's event is committed: stop here until killed
        with open({marker!r} + ".tmp", "w") as fh:
            fh.write(str(os.getpid()))
        os.replace({marker!r} + ".tmp", {marker!r})
        time.sleep(600)
    return verify(*args, **kw)
fixity._verify = pausing
from archive.cli import main
sys.exit(main(["--archive", {archive!r}, "fixity"]))
"""


def test_a_killed_audit_continues_with_the_files_not_yet_verified(archive_dir, tmp_path, capsys):
    marker = tmp_path / "paused"
    proc = subprocess.Popen([sys.executable, "-c", DRIVER.format(root=str(ROOT), marker=str(marker),
                                                                  archive=str(archive_dir))], cwd=ROOT)
    try:
        deadline = time.monotonic() + 120
        while not marker.exists():
            assert proc.poll() is None and time.monotonic() < deadline, "the audit never reached its second file"
            time.sleep(0.1)
        code, _, err = run(capsys, archive_dir, "fixity")  # one audit at a time
        assert code == EXIT_ERROR and err == [f"council-archive: error: a fixity audit of {archive_dir.resolve()} "
                                              "is already running; let it finish"]
        os.kill(proc.pid, signal.SIGKILL)
        proc.wait(30)
    finally:
        if proc.poll() is None:
            proc.kill()
    assert rows(archive_dir, "SELECT recording_id, result FROM fixity_events") == [(1, "ok")]
    assert rows(archive_dir, "SELECT count(*) FROM fixity_rounds WHERE finished IS NULL") == [(1,)]

    code, out, _ = run(capsys, archive_dir, "fixity", "--json")
    report = json.loads(out)
    assert code == EXIT_OK and report["resumed"] is True and report["checked"] == 3 and report["ok"] == 3
    # recording 1 was not read again in this round: one event each
    assert rows(archive_dir, "SELECT recording_id, count(*) FROM fixity_events GROUP BY recording_id") == [(1, 1), (2, 1), (3, 1)]
    code, out, _ = run(capsys, archive_dir, "fixity", "--json")  # the round is over: a new one reads all three
    assert json.loads(out)["resumed"] is False and rows(archive_dir, "SELECT count(*) FROM fixity_events") == [(6,)]


def test_the_library_shows_fixity_in_the_status_tooltip(archive_dir, capsys, qtbot, open_window):
    """The real window over the audited archive: hovering a row's Status cell shows its fixity."""
    from PySide6.QtCore import QEvent
    from PySide6.QtGui import QHelpEvent
    from PySide6.QtWidgets import QApplication, QToolTip

    from desktop.library import STATUS, RecordingIdRole

    media_of(archive_dir, 1).write_bytes(b"not the meeting any more")
    assert run(capsys, archive_dir, "fixity")[0] == EXIT_ERROR
    window = open_window(name="archive")
    assert window.archive.root.resolve() == archive_dir.resolve()
    qtbot.waitUntil(lambda: window.library.model.rowCount() == 3)
    window.show_library()
    table, proxy = window.library.table, window.library.proxy

    def hover(rid: int) -> str:
        row = next(r for r in range(proxy.rowCount()) if proxy.index(r, 0).data(RecordingIdRole) == rid)
        rect = table.visualRect(proxy.index(row, STATUS))
        QToolTip.hideText()
        event = QHelpEvent(QEvent.Type.ToolTip, rect.center(), table.viewport().mapToGlobal(rect.center()))
        QApplication.sendEvent(table.viewport(), event)
        return QToolTip.text()

    assert "has CHANGED since import" in hover(1)
    assert hover(2).startswith("Fixity: verified") and hover(3).startswith("Fixity: verified")


def test_linked_media_is_audited_where_it_lives(sources, tmp_path, capsys):
    folder = tmp_path / "linked"
    folder.mkdir()
    original = folder / "linked_2022-02-02.wav"
    original.write_bytes((sources / "meeting0_2021-01-01.wav").read_bytes())
    (folder / "linked_2022-02-02.srt").write_text(SRT.format(a="Linked in place.", b="Not copied."))
    root = tmp_path / "archive"
    assert run(capsys, root, "import", original, "--link", "--no-speakers")[0] == EXIT_OK
    assert media_of(root, 1) == original  # linked: the catalog holds its absolute path, nothing is copied
    assert json.loads(run(capsys, root, "fixity", "--json")[1])["ok"] == 1
    with open(original, "r+b") as fh:  # one byte of the original changes where it lives
        fh.seek(4000)
        byte = fh.read(1)
        fh.seek(4000)
        fh.write(bytes([byte[0] ^ 1]))
    code, out, _ = run(capsys, root, "fixity")
    [problem] = [line for line in out.splitlines() if line.startswith("problem:")]
    assert code == EXIT_ERROR and f"put the original file back at {original}" in problem
