"""Reliability of inputs and processes (issue 12 items 2, 6, 9, 10, 11 and 12).

Real files (FIFOs made with ``mkfifo``, a symlink to ``/dev/urandom``, names that are
not valid UTF-8 made through bytes paths, names that look like options or ffmpeg
protocols), the real command line in real subprocesses, real ffmpeg, SQLite, Whoosh,
python-docx and Whisper. The worker-process test kills a real import with ``kill -9``
and with SIGTERM and looks for survivors in ``/proc``.

Tests that would hang without the fix carry a pytest timeout and a subprocess timeout,
so a regression fails instead of hanging the suite.
"""

from __future__ import annotations

import json
import os
import shutil
import signal
import sqlite3
import subprocess
import sys
import time
from pathlib import Path

import pytest

from test_reliability import (
    ERROR, ROOT, _env, assert_nothing_left, assert_one_line_error, captioned, check_ok, cli, cli_json, error_lines,
    ok, rows,
)

HANG = 90  # seconds a command that used to hang for ever gets before the test fails
fifo_only = pytest.mark.skipif(not hasattr(os, "mkfifo"), reason="needs mkfifo (POSIX)")


def run(archive_dir, *args, cwd, env_extra=None, timeout=HANG) -> subprocess.CompletedProcess:
    """The command line with bytes arguments allowed, in ``cwd``, with extra environment."""
    cmd = [os.fsencode(sys.executable), b"-m", b"desktop.launcher", b"--archive", os.fsencode(archive_dir),
           *(os.fsencode(a) for a in args)]
    env = dict(_env(), PYTHONPATH=str(ROOT), **(env_extra or {}))
    return subprocess.run(cmd, capture_output=True, text=True, errors="replace", timeout=timeout, cwd=cwd, env=env)


# === item 2: inputs that would block or never end ====================================================


@fifo_only
@pytest.mark.timeout(3 * HANG)
@pytest.mark.parametrize("special", ["fifo named x.wav", "symlink to /dev/urandom named .mp3"])
def test_a_fifo_or_a_device_is_refused_at_once_and_a_symlink_to_a_file_imports(special, tmp_path):
    good = captioned(tmp_path / "src", "hearing_2012-04-05", 500, "The symlinked hearing.", "Parking meters.")
    link = tmp_path / "linked hearing 2012-04-05.wav"  # a symlink to a regular file is fine
    link.symlink_to(good)
    shutil.copy(good.with_suffix(".srt"), link.with_suffix(".srt"))
    bad = tmp_path / ("x.wav" if special.startswith("fifo") else ".mp3")
    if special.startswith("fifo"):
        os.mkfifo(bad)
    else:
        bad.symlink_to("/dev/urandom")
    archive_dir = tmp_path / "archive"

    proc = cli(archive_dir, "import", bad, link, "--json", timeout=HANG)
    kind = "a FIFO" if special.startswith("fifo") else "a character device"
    assert proc.returncode == 1 and "Traceback" not in proc.stderr, proc.stderr
    [line] = error_lines(proc)
    assert str(bad) in line and f"not a regular file ({kind})" in line, line
    assert [r["status"] for r in json.loads(proc.stdout)] == ["failed", "indexed"]
    assert rows(archive_dir, "SELECT title FROM recordings") == [("Linked hearing",)]
    assert cli_json(archive_dir, "search", "symlinked")["total"] == 1
    check_ok(archive_dir)


@fifo_only
@pytest.mark.timeout(2 * HANG)
@pytest.mark.parametrize("how", ["a FIFO .srt beside the media", "--captions FIFO"])
def test_a_fifo_caption_file_is_refused_at_once(how, tmp_path):
    media = captioned(tmp_path / "src", "council_2013-01-07", 600, "Unused.", "Unused.")
    media.with_suffix(".srt").unlink()
    fifo = media.with_suffix(".srt") if how.startswith("a FIFO") else tmp_path / "captions.srt"
    os.mkfifo(fifo)
    archive_dir = tmp_path / "archive"
    extra = ["--captions", fifo] if how.startswith("--captions") else []
    proc = cli(archive_dir, "import", media, *extra, timeout=HANG)
    assert_one_line_error(proc, str(fifo), "not a regular file (a FIFO)")
    assert_nothing_left(archive_dir)


def test_a_caption_file_too_large_to_be_one_is_refused_unread(tmp_path):
    from archive.captions import MAX_CAPTION_BYTES

    media = captioned(tmp_path / "src", "council_2013-01-07", 600, "Unused.", "Unused.")
    with open(media.with_suffix(".srt"), "r+b") as fh:  # real cues, then a (sparse) tail past the limit
        fh.truncate(MAX_CAPTION_BYTES + 1)
    archive_dir = tmp_path / "archive"
    proc = cli(archive_dir, "import", media, timeout=HANG)
    assert_one_line_error(proc, str(media.with_suffix(".srt")), "file too large (over the 16 MB limit for captions)")
    assert_nothing_left(archive_dir)


def test_every_ffmpeg_run_has_a_time_limit(tmp_path, monkeypatch):
    """A probe or a decode that runs past its limit is killed and refused as one typed error."""
    from transcription import audio
    from transcription.errors import MediaTimeoutError

    wav = captioned(tmp_path, "tone", 440, "a", "b", seconds=5)
    assert len(audio.decode(wav)) == 5 * audio.SAMPLE_RATE  # within its limits: whole
    monkeypatch.setattr(audio, "DECODE_BASE", 0.001)
    monkeypatch.setattr(audio, "DECODE_RATE", 0.0)
    with pytest.raises(MediaTimeoutError, match="ffmpeg did not finish reading it in time"):
        audio.decode(wav)
    with pytest.raises(MediaTimeoutError):
        list(audio.iter_blocks(wav, block_seconds=1.0))
    monkeypatch.setattr(audio, "PROBE_TIMEOUT", 0.001)
    with pytest.raises(MediaTimeoutError, match="header"):
        audio.probe(wav)


# === item 6: worker processes die with the command that started them ================================


def _processes() -> dict[int, tuple[int, str]]:
    """pid -> (parent pid, state) of every process, from /proc."""
    out = {}
    for entry in os.listdir("/proc"):
        if not entry.isdigit():
            continue
        try:
            stat = Path(f"/proc/{entry}/stat").read_text()
        except OSError:
            continue  # it ended while we looked
        fields = stat[stat.rindex(")") + 2:].split()  # after "pid (comm) "
        out[int(entry)] = (int(fields[1]), fields[0])
    return out


def _descendants(pid: int) -> set[int]:
    procs = _processes()
    found, todo = set(), [pid]
    while todo:
        parent = todo.pop()
        for child, (ppid, _) in procs.items():
            if ppid == parent and child not in found:
                found.add(child)
                todo.append(child)
    return found


def _alive(pids: set[int]) -> set[int]:
    procs = _processes()
    return {p for p in pids if p in procs and procs[p][1] != "Z"}  # a zombie is dead, only not yet reaped


def _cmdline(pid: int) -> str:
    try:
        return Path(f"/proc/{pid}/cmdline").read_bytes().replace(b"\0", b" ").decode("utf-8", "replace")
    except OSError:
        return ""


@pytest.mark.slow
@pytest.mark.timeout(600)
@pytest.mark.skipif(not Path("/proc/self/stat").exists(), reason="reads processes from /proc (Linux)")
@pytest.mark.parametrize("sig", [signal.SIGKILL, signal.SIGTERM], ids=["kill -9", "SIGTERM"])
def test_killing_an_import_leaves_no_worker_process(sig, tmp_path):
    src = tmp_path / "Long meeting 2024-05-06.opus"
    shutil.copy(ROOT / "archive" / "demo" / "council_meeting.opus", src)  # 155 s: three chunks for two workers
    archive_dir = tmp_path / "archive"
    cmd = [sys.executable, "-m", "desktop.launcher", "--archive", str(archive_dir), "import", str(src), "--workers", "2"]
    proc = subprocess.Popen(cmd, cwd=ROOT, env=_env(), stdout=subprocess.PIPE, stderr=subprocess.PIPE, text=True,
                            start_new_session=True)
    try:
        deadline = time.monotonic() + 300
        while True:  # two Whisper workers (and multiprocessing's resource tracker) have started
            spawned = {p for p in _descendants(proc.pid) if "multiprocessing" in _cmdline(p)}
            if len({p for p in spawned if "spawn_main" in _cmdline(p)}) >= 2:
                break
            assert proc.poll() is None, proc.communicate()
            assert time.monotonic() < deadline, "the workers never started"
            time.sleep(0.2)
        time.sleep(3)  # loading the model, then transcribing
        assert proc.poll() is None, "the import ended before it could be killed"
        started = _descendants(proc.pid)
        assert any("resource_tracker" in _cmdline(p) for p in started)
        proc.send_signal(sig)
        out, err = proc.communicate(timeout=120)
        gone_by = time.monotonic() + 10
        while _alive(started) and time.monotonic() < gone_by:
            time.sleep(0.2)
        left = {p: _cmdline(p)[:120] for p in _alive(started)}
        assert not left, f"still running after the command ended: {left}"
    finally:
        try:
            os.killpg(proc.pid, signal.SIGKILL)  # whatever of the test's process group is left
        except ProcessLookupError:
            pass
        proc.wait(timeout=30)

    if sig == signal.SIGKILL:
        assert proc.returncode == -signal.SIGKILL
        return
    # SIGTERM ends the command cleanly, like the app's Stop: exit 130, the job stays open ...
    assert proc.returncode == 130, (proc.returncode, out, err)
    assert "Traceback" not in err, err
    assert out.split()[:2] == ["stopped", "#1"], out
    assert "council-archive resume" in err
    assert rows(archive_dir, "SELECT state FROM jobs") == [("running",)]
    # ... and `resume` finishes it
    assert [r["status"] for r in cli_json(archive_dir, "resume", "--workers", "1")] == ["indexed"]
    check_ok(archive_dir)


# === item 9: file names that are not valid UTF-8 ===================================================


def test_names_that_are_not_utf8_import_with_the_rest_of_their_folder(tmp_path):
    folder = tmp_path / "meetings"
    good = captioned(folder, "budget_2014-02-03", 700, "The budget hearing.", "Snow plows.")
    odd = captioned(folder, "odd", 800, "The Caf\u00e9 permit.", "Sidewalk seating.")
    for path in (odd, odd.with_suffix(".srt")):  # rename to a Latin-1 name: not valid UTF-8
        os.rename(os.fsencode(path), os.fsencode(folder) + b"/caf\xe9 2014-02-10" + os.fsencode(path.suffix))
    junk = os.fsencode(folder) + b"/notes \xff.mp3"
    with open(junk, "w") as fh:
        fh.write("not audio\n")
    archive_dir = tmp_path / "archive"
    strict = {"PYTHONIOENCODING": "utf-8:strict"}  # stdout as on a desktop with a UTF-8 locale

    proc = run(archive_dir, "import", folder, cwd=tmp_path, env_extra=strict)
    assert proc.returncode == 1 and "Traceback" not in proc.stderr, proc.stderr
    [line] = [ln for ln in proc.stderr.splitlines() if ln.startswith(ERROR)]
    assert "notes \ufffd.mp3: not an audio or video file" in line, line
    assert "2 indexed, 1 failed" in proc.stdout, proc.stdout
    titles = sorted(t for (t,) in rows(archive_dir, "SELECT title FROM recordings"))
    assert titles == ["Budget", "Caf\ufffd"]
    rid = rows(archive_dir, "SELECT id FROM recordings WHERE title = ?", ["Caf\ufffd"])[0][0]
    assert [h["recording_id"] for h in cli_json(archive_dir, "search", "permit")["hits"]] == [rid]
    for args in (["list"], ["show", str(rid)], ["show", str(rid), "--json"]):
        shown = run(archive_dir, *args, cwd=tmp_path, env_extra=strict)
        assert shown.returncode == 0 and "Traceback" not in shown.stderr, shown.stderr
        assert "Caf\ufffd" in shown.stdout
    linked = run(tmp_path / "linked", "import", "--link", os.fsencode(folder) + b"/caf\xe9 2014-02-10.wav", cwd=tmp_path,
                 env_extra=strict)  # a link is kept as text in the catalog: refused, with the way out
    assert_one_line_error(linked, "caf\ufffd 2014-02-10.wav", "import it without --link")
    check_ok(archive_dir)
    assert_nothing_left(tmp_path / "linked")


# === item 10: names that look like options or protocols ============================================


def test_names_that_look_like_options_or_protocols_reach_ffmpeg_as_files(tmp_path):
    folder = tmp_path / "in"
    for stem, freq, word in (("-x", 300, "Alpha"), ("pipe:3", 400, "Bravo")):
        captioned(folder, stem, freq, f"{word} is heard.", "Second line.")
    dash = captioned(tmp_path / "tmp", "dash", 500, "Charlie is heard.", "Second line.")
    dash.rename(folder / "-")  # a file named "-", which ffmpeg reads as stdin
    dash.with_suffix(".srt").rename(folder / "-.srt")

    first = tmp_path / "one"
    res = json.loads(ok(cli(first, "import", "--json", "--", "-x.wav", "-", "pipe:3.wav", cwd=folder)).stdout)
    assert [r["status"] for r in res] == ["indexed"] * 3, res
    res = cli_json(tmp_path / "two", "import", "./-x.wav", "./pipe:3.wav", cwd=folder)
    assert [r["status"] for r in res] == ["indexed"] * 2, res
    res = cli_json(tmp_path / "three", "import", ".", cwd=folder)
    assert sorted(r["title"] for r in res) == ["Pipe:3", "X"], res
    for word in ("alpha", "bravo", "charlie"):
        assert cli_json(first, "search", word)["total"] == 1, word

    proc = ok(cli(first, "clip", "1", "--start", "0", "--end", "2", "-o=-foo.mp3", cwd=folder))
    assert "-foo.mp3" in proc.stdout
    from transcription.audio import probe

    clip = probe(folder / "-foo.mp3")
    assert clip.has_audio and 1.5 < clip.duration < 2.6


# === item 11: docx from any title and text ==========================================================


def test_docx_export_holds_a_long_title_and_drops_control_characters(tmp_path):
    from docx import Document

    src = captioned(tmp_path / "src", "session_2015-03-04", 440, "Opening remarks.", "Closing remarks.")
    archive_dir = tmp_path / "archive"
    title = "Regular session on the budget, " * 10  # 310 characters
    ok(cli(archive_dir, "import", src, "--title", title.strip()))
    # text as an older archive, a bundle or captions may have stored it: C0 controls, a lone surrogate
    con = sqlite3.connect(archive_dir / "catalog.db")
    with con:
        con.execute("UPDATE recordings SET title = title || ?, body = ?", ["\x07\x1b[31m", "Council\x00 of\x0b Riverton"])
        con.execute("UPDATE segments SET text = ?, speaker = ? WHERE idx = 0", ["Open\x01ing \x1b[2Jremarks.", "Clerk\x08"])
    con.close()

    out = tmp_path / "session.docx"
    proc = ok(cli(archive_dir, "export", "1", "--format", "docx", "-o", out))
    assert f"wrote {out}" in proc.stderr
    doc = Document(str(out))
    heading, *rest = [p.text for p in doc.paragraphs]
    assert heading == title.strip() + "[31m"  # whole, without ESC and BEL
    assert doc.core_properties.title == heading[:255]
    assert doc.core_properties.subject == "Council of Riverton"
    body = "\n".join(rest)
    assert "Clerk: Opening [2Jremarks." in body and "Closing remarks." in body
    assert not any(ch in body for ch in "\x00\x01\x07\x08\x0b\x1b")


# === item 12: IDs ==================================================================================


@pytest.mark.parametrize("args", [
    ["show", "99999999999999999999"],
    ["edit", "99999999999999999999", "--title", "X"],
    ["remove", "99999999999999999999"],
    ["export", "99999999999999999999"],
    ["clip", "99999999999999999999", "--start", "0", "--end", "1"],
    ["bundle", "99999999999999999999", "-o", "x.cabundle"],
    ["show", "0"],
    ["show", "-5"],
], ids=lambda a: " ".join(a[:2]))
def test_an_id_that_cannot_be_a_recording_is_a_usage_error(args, tmp_path):
    archive_dir = tmp_path / "archive"
    proc = cli(archive_dir, *args, cwd=tmp_path)
    assert proc.returncode == 2 and "Traceback" not in proc.stderr, proc.stderr
    [line] = [ln for ln in proc.stderr.splitlines() if "error:" in ln]
    assert f"{args[1]!r} is not a recording ID" in line, line
    assert not (tmp_path / "x.cabundle").exists()
