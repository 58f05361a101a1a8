"""Re-transcription (issue 13): a new transcript version through the import pipeline,
earlier versions kept with their corrections and voices, only the current one indexed,
resumable, and never losing the old version when killed.

The fake engine (tests/fakes.py) plays the demo meeting's script, so the versions have
known text: version 1 is the first lines of the script, version 2 the whole of it. The
real engine runs end to end in tests/test_cli.py and tests/test_reliability.py.
"""

from __future__ import annotations

import json
import os
import signal
import subprocess
import sys
import time
from pathlib import Path

import pytest

from fakes import FakeTranscriber, demo_lines, demo_segments
from conftest import NoVoices

from archive import retranscribe
from archive.importer import Importer, ImportMeta
from archive.status import JobState, Outcome, Status
from archive.store import Archive
from archive.transcripts import read_transcript
from transcription.diarize import FakeDiarizer

ROOT = Path(__file__).resolve().parents[1]
DEMO = ROOT / "archive" / "demo" / "council_meeting.opus"
FIRST = 6  # lines of the script in version 1
CORRECTION = "Zyzzogeton quorum declared"  # a correction no version's engine text has


def fake(n=None, label="fake-big", **kw) -> FakeTranscriber:
    segments = demo_segments()
    return FakeTranscriber(segments[:n] if n else segments, model_label=label, **kw)


def imported(root: Path, diarizer=None) -> int:
    """The demo meeting imported with version 1 (its first lines), one segment corrected."""
    from archive.editing import correct_segment

    with Archive(root) as archive:
        importer = Importer(archive, transcriber=fake(FIRST, "fake-small"), diarizer=diarizer or NoVoices())
        [result] = importer.import_paths([DEMO], ImportMeta(title="Council meeting"))
        assert result.status == Outcome.INDEXED, result
        first = archive.catalog.segments(archive.catalog.current_transcript(result.id)["id"])[0]
        correct_segment(archive, first["id"], CORRECTION)
    return result.id


def retranscribed(root: Path, rid: int, transcriber=None, diarizer=None, action=None):
    with Archive(root) as archive:
        importer = Importer(archive, transcriber=transcriber or fake(), diarizer=diarizer or NoVoices())
        if action is not None:
            importer.on_event = lambda e: e.stage == Status.TRANSCRIBING and e.progress > 0.3 and action(importer)
        return importer.retranscribe([rid])


def index_texts(root: Path, rid: int) -> dict[int, str]:
    with Archive(root) as archive:
        return archive.index.segment_texts(rid)


def current_texts(root: Path, rid: int) -> dict[int, str]:
    with Archive(root) as archive:
        return {s["id"]: s["text"] for s in read_transcript(archive.catalog, rid).speech}


def current_rows(root: Path, rid: int) -> list[dict]:
    with Archive(root) as archive:
        return read_transcript(archive.catalog, rid).segments


def versions(root: Path, rid: int) -> list[retranscribe.Version]:
    with Archive(root) as archive:
        return retranscribe.versions(archive.catalog, rid)


def test_a_new_version_becomes_current_and_the_old_keeps_its_corrections(tmp_path):
    root = tmp_path / "archive"
    rid = imported(root)
    [result] = retranscribed(root, rid)
    assert result.status == Outcome.INDEXED and result.id == rid
    old, new = versions(root, rid)
    assert (old.number, old.current, old.segments, old.corrections, old.model) == (1, False, FIRST, 1, "fake-small")
    assert (new.number, new.current, new.complete, new.segments, new.corrections, new.model) == (
        2, True, True, len(demo_lines()), 0, "fake-big")
    with Archive(root) as archive:
        earlier = read_transcript(archive.catalog, rid, transcript_id=old.id)
        assert earlier.segments[0]["text"] == CORRECTION  # kept with the version
        assert archive.catalog.recording(rid).status == Status.INDEXED
        assert archive.catalog.job_for(rid)["state"] == JobState.DONE
    # the index holds the current version only, every segment of it, and not the correction
    assert index_texts(root, rid) == current_texts(root, rid)
    assert not any(CORRECTION in t for t in index_texts(root, rid).values())
    assert any(demo_lines()[-1]["text"].split()[-1].strip(".,") in t for t in index_texts(root, rid).values())


def test_use_version_makes_an_earlier_one_current_again_and_reindexes(tmp_path):
    root = tmp_path / "archive"
    rid = imported(root)
    retranscribed(root, rid)
    with Archive(root) as archive:
        chosen = retranscribe.use_version(archive, rid, 1)
        assert chosen.current and chosen.corrections == 1
        with pytest.raises(retranscribe.RetranscribeError, match="no version 3"):
            retranscribe.use_version(archive, rid, 3)
    assert [v.current for v in versions(root, rid)] == [True, False]
    assert index_texts(root, rid) == current_texts(root, rid)
    assert CORRECTION in index_texts(root, rid).values()


@pytest.mark.parametrize("how", ["failed", "cancelled"])
def test_a_failed_or_cancelled_retranscription_leaves_the_old_version_current(how, tmp_path):
    root = tmp_path / "archive"
    rid = imported(root)
    before = index_texts(root, rid)

    class Broken(FakeTranscriber):
        def transcribe(self, path, options=None, start=0.0):
            segments, info = super().transcribe(path, options, start)

            def stream():
                yield from list(segments)[:4]
                raise RuntimeError("the engine broke")
            return stream(), info

    engine = Broken(demo_segments(), model_label="fake-big") if how == "failed" else fake(delay=0.01)
    [result] = retranscribed(root, rid, engine, action=(lambda imp: imp.cancel()) if how == "cancelled" else None)
    assert result.status == how
    assert result.error.count("\n") == 0 and "stays current" in result.error
    [only] = versions(root, rid)
    assert only.current and only.corrections == 1
    assert index_texts(root, rid) == before
    with Archive(root) as archive:
        assert archive.catalog.recording(rid).status == Status.INDEXED
        assert not archive.catalog.open_jobs()


def test_a_stopped_retranscription_resumes_where_it_stopped_with_its_model(tmp_path, monkeypatch):
    import transcription.transcriber
    from transcription.types import TranscribeOptions

    made = []  # the model of every engine the importers load

    def engine(name, options, cache_dir):
        made.append(options.model)
        return fake(delay=0.01)

    monkeypatch.setattr(transcription.transcriber, "Transcriber", engine)
    root = tmp_path / "archive"
    rid = imported(root)
    with Archive(root) as archive:
        importer = Importer(archive, options=TranscribeOptions(model="base.en"), diarizer=NoVoices())
        importer.on_event = lambda e: e.stage == Status.TRANSCRIBING and e.progress > 0.3 and importer.stop()
        [result] = importer.retranscribe([rid])
    assert result.status == Outcome.STOPPED
    old, partial = versions(root, rid)
    assert old.current and not partial.complete and 0 < partial.segments < len(demo_lines())
    with Archive(root) as archive:  # what people read and search is still version 1
        assert read_transcript(archive.catalog, rid).transcript["id"] == old.id
        assert archive.catalog.open_jobs()
    with Archive(root) as archive:  # `resume` with no --model: the model the re-transcription began with
        [resumed] = Importer(archive, diarizer=NoVoices()).resume()
    assert resumed.status == Outcome.INDEXED
    assert made == ["base.en", "base.en"]
    old, new = versions(root, rid)
    assert new.current and new.segments == len(demo_lines()) and new.model == "fake-big"
    assert [s.start for s in demo_segments()] == [s["start"] for s in current_rows(root, rid)]  # none twice
    assert index_texts(root, rid) == current_texts(root, rid)


def test_speaker_names_carry_over_and_each_version_keeps_its_own(tmp_path):
    from archive.speakers import name_voice

    turns = [(line["start"], line["end"], line["speaker"]) for line in demo_lines()]
    root = tmp_path / "archive"
    rid = imported(root, FakeDiarizer(turns))
    with Archive(root) as archive:
        name_voice(archive, rid, "Speaker 1", "Mayor Morgan", roster=False)
    retranscribed(root, rid, diarizer=FakeDiarizer(turns))
    old, new = versions(root, rid)
    with Archive(root) as archive:
        now = read_transcript(archive.catalog, rid)
        assert now.segments[0]["speaker"] == "Mayor Morgan"  # carried over by voiceprint
        assert {s["label"] for s in now.segments} > {"Speaker 1"}
        earlier = read_transcript(archive.catalog, rid, transcript_id=old.id)
        assert earlier.segments[0]["speaker"] == "Mayor Morgan"
        name_voice(archive, rid, "Speaker 1", "Helen Morgan", roster=False)  # renamed in version 2 only
        retranscribe.use_version(archive, rid, 1)
        assert read_transcript(archive.catalog, rid).segments[0]["speaker"] == "Mayor Morgan"
        assert read_transcript(archive.catalog, rid, transcript_id=new.id).segments[0]["speaker"] == "Helen Morgan"


def test_without_speakers_the_new_version_keeps_no_old_voices(tmp_path):
    turns = [(line["start"], line["end"], line["speaker"]) for line in demo_lines()]
    root = tmp_path / "archive"
    rid = imported(root, FakeDiarizer(turns))
    retranscribed(root, rid)  # NoVoices: nobody found
    with Archive(root) as archive:
        old = retranscribe.version(archive.catalog, rid, 1)
        assert archive.db["voices"].count_where("recording_id = ?", [rid]) == 0
        kept = {v["label"] for v in archive.db["version_voices"].rows_where("transcript_id = ?", [old.id])}
        labels = {s["label"] for s in read_transcript(archive.catalog, rid, transcript_id=old.id).segments}
        assert labels and labels <= kept  # version 1 still says who spoke


def test_a_bundle_and_an_export_carry_the_current_version(tmp_path):
    from archive.bundle import write_bundle
    from archive.exports import export_transcript

    root = tmp_path / "archive"
    rid = imported(root)
    retranscribed(root, rid)
    with Archive(root) as archive:
        text = export_transcript(archive, rid, "txt", None)
        bundle = write_bundle(archive, rid, tmp_path / "meeting.cabundle")
    assert CORRECTION not in text and demo_lines()[-1]["text"].split()[-1] in text
    other = tmp_path / "other"
    with Archive(other) as archive:
        [result] = Importer(archive, diarizer=NoVoices()).import_paths([bundle])
        assert result.status == Outcome.INDEXED
        [only] = retranscribe.versions(archive.catalog, result.id)
        assert only.current and only.segments == len(demo_lines())
    assert sorted(index_texts(other, result.id).values()) == sorted(current_texts(root, rid).values())


# --- the command line ------------------------------------------------------------------------


@pytest.fixture
def cli(monkeypatch, capsys):
    """``council-archive ...`` in this process, its engine the fake: (exit code, stdout, stderr)."""
    import transcription.transcriber
    from archive.cli import main

    monkeypatch.setattr(transcription.transcriber, "Transcriber", lambda engine, options, cache_dir: fake())

    def run(*args):
        code = main(list(args))
        out, err = capsys.readouterr()
        return code, out, err

    return run


def test_cli_asks_for_yes_before_replacing_corrections_then_lists_and_shows_versions(tmp_path, cli, monkeypatch):
    root = tmp_path / "archive"
    rid = imported(root)
    monkeypatch.setattr(sys, "stdin", open(os.devnull))  # not a terminal
    code, out, err = cli("--archive", str(root), "retranscribe", str(rid))
    assert code == 2 and err.count("\n") == 1 and "1 corrected segment" in err and "--yes" in err
    assert len(versions(root, rid)) == 1
    code, out, err = cli("--archive", str(root), "retranscribe", str(rid), "--yes", "--no-speakers")
    assert code == 0, err
    code, out, err = cli("--archive", str(root), "transcripts", str(rid), "--json")
    listed = json.loads(out)
    assert [(v["version"], v["current"], v["model"], v["corrections"]) for v in listed] == [
        (1, False, "fake-small", 1), (2, True, "fake-big", 0)]
    assert {"engine", "created", "segments"} <= set(listed[0])
    code, out, err = cli("--archive", str(root), "transcripts", str(rid))
    assert code == 0 and len(out.splitlines()) == 3
    code, out, err = cli("--archive", str(root), "show", str(rid), "--version", "1")
    assert code == 0 and CORRECTION in out and "not current" in out
    code, out, err = cli("--archive", str(root), "show", str(rid))
    assert code == 0 and CORRECTION not in out
    code, out, err = cli("--archive", str(root), "show", str(rid), "--version", "7")
    assert code == 1 and err.count("\n") == 1 and "no version 7" in err
    code, out, err = cli("--archive", str(root), "use-version", str(rid), "1")
    assert code == 0 and "version 1" in out
    assert CORRECTION in index_texts(root, rid).values()
    code, out, err = cli("--archive", str(root), "retranscribe", "99", "--yes")
    assert code == 1 and "no recording 99" in err


# --- kill -9 ---------------------------------------------------------------------------------

DRIVER = """
import sys
sys.path.insert(0, {tests!r})
import reliability_driver, transcription.transcriber
from fakes import FakeTranscriber, demo_segments
transcription.transcriber.Transcriber = lambda engine, options, cache_dir: FakeTranscriber(demo_segments(), model_label="fake-big")
if {pause!r}:
    reliability_driver.install({pause!r}, {marker!r}, {after})
from desktop.launcher import main
sys.exit(main(sys.argv[1:]))
"""


def run_driver(root: Path, *args, pause=None, marker=None, after=0) -> subprocess.Popen:
    code = DRIVER.format(tests=str(ROOT / "tests"), pause=pause, marker=str(marker), after=after)
    env = {**os.environ, "QT_QPA_PLATFORM": "offscreen"}
    return subprocess.Popen([sys.executable, "-c", code, "--archive", str(root), *args], cwd=ROOT, env=env,
                            stdout=subprocess.PIPE, stderr=subprocess.PIPE, text=True)


@pytest.mark.parametrize("point", ["segment", "index"])
def test_kill_9_while_retranscribing_keeps_the_old_version_and_resume_finishes(point, tmp_path):
    root = tmp_path / "archive"
    rid = imported(root)
    before = index_texts(root, rid)
    marker = tmp_path / "paused"
    proc = run_driver(root, "retranscribe", str(rid), "--yes", "--no-speakers", pause=point, marker=marker, after=5)
    deadline = time.monotonic() + 120
    while not marker.exists():
        assert proc.poll() is None, proc.communicate()
        assert time.monotonic() < deadline, "the driver never paused"
        time.sleep(0.1)
    os.kill(proc.pid, signal.SIGKILL)
    proc.wait()
    # the old version is whole with its correction; the index holds it until the new one is whole
    old, new = versions(root, rid)
    assert old.complete and old.corrections == 1 and old.segments == FIRST
    if point == "segment":  # the new version is unfinished: the old one stays current
        assert old.current and not new.complete and new.segments == 5
    else:  # killed indexing the finished new version: it is current, marked for re-indexing
        assert new.current and new.complete
    assert index_texts(root, rid) == before
    with Archive(root) as archive:
        assert [j["recording_id"] for j in archive.catalog.open_jobs()] == [rid]
        assert archive.catalog.index_pending() == ([rid] if point == "index" else [])
    done = run_driver(root, "resume")
    out, err = done.communicate(timeout=120)
    assert done.returncode == 0, err
    old, new = versions(root, rid)
    assert new.current and new.complete and new.segments == len(demo_lines()) and not old.current
    assert old.corrections == 1
    assert index_texts(root, rid) == current_texts(root, rid)
    with Archive(root) as archive:
        assert not archive.catalog.open_jobs() and archive.catalog.recording(rid).status == Status.INDEXED


def test_real_engine_retranscription_end_to_end(archive_copy, capsys):
    """The real engine (bundled tiny.en) through the command line: the demo meeting imported
    by the real engine gets a second version; both are whole, the index holds the new one."""
    from archive.cli import main

    code = main(["--archive", str(archive_copy), "retranscribe", "1", "--yes", "--no-speakers", "--workers", "1"])
    assert code == 0, capsys.readouterr().err
    old, new = versions(archive_copy, 1)
    assert old.complete and new.complete and new.current and not old.current
    assert new.model == old.model == "tiny.en" and new.segments > 0
    with Archive(archive_copy) as archive:
        words = [sum(len(s["text"].split()) for s in read_transcript(archive.catalog, 1, transcript_id=v.id).speech)
                 for v in (old, new)]
    assert abs(words[1] - words[0]) <= 0.2 * words[0]  # the same model hears about as much
    assert index_texts(archive_copy, 1) == current_texts(archive_copy, 1)
