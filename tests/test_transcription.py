"""The default engine (faster-whisper, bundled tiny.en) on real speech, end to end."""

from __future__ import annotations

import difflib
import json
import subprocess
import sys

import pytest

from conftest import reference
from transcription.transcriber import Transcriber, plan_chunks
from transcription.types import TranscribeOptions
from wer import normalise, wer

pytestmark = pytest.mark.slow


@pytest.fixture(scope="module")
def transcriber():
    with Transcriber("faster-whisper", TranscribeOptions(workers=1)) as t:
        yield t


def run(transcriber, path, **kw):
    segments, info = transcriber.transcribe(path, TranscribeOptions(workers=1, **kw) if kw else None)
    return list(segments), info


def assert_word_times_sane(segments, duration):
    last = 0.0
    for seg in segments:
        assert 0 <= seg.start <= seg.end <= duration + 0.5
        assert seg.words, f"no word timestamps in {seg.text!r}"
        for w in seg.words:
            assert seg.start - 0.01 <= w.start <= w.end <= seg.end + 0.01, (w, seg.start, seg.end)
            assert w.start >= last - 0.01, "word times go backwards"
            last = w.start
            assert 0.0 <= w.probability <= 1.0


def test_jfk_flac(transcriber, shared_audio):
    path = shared_audio / "jfk.flac"
    segments, info = run(transcriber, path)
    text = " ".join(s.text for s in segments)
    assert wer(reference(path), text) <= 0.05, text
    assert (info.engine, info.model, info.language) == ("faster-whisper", "tiny.en", "en")
    assert info.duration == pytest.approx(11.0, abs=0.1)
    assert_word_times_sane(segments, info.duration)
    # "ask not" is said about 3.9 s in (checked by ear in the original clip): the word heard
    # where the reference has "ask" (aligned, whatever else was heard) is timed there
    heard = [w for s in segments for w in s.words]
    said = normalise(reference(path)).split()
    matcher = difflib.SequenceMatcher(a=said, b=[normalise(w.word) for w in heard], autojunk=False)
    aligned = {a + k: heard[b + k] for a, b, n in matcher.get_matching_blocks() for k in range(n)}
    assert said.index("ask") in aligned, [w.word for w in heard]
    assert 2.5 < aligned[said.index("ask")].start < 5.0


@pytest.mark.parametrize(
    "name",
    [
        "sense_and_sensibility_01_austen_64kb-0870.wav",
        "sense_and_sensibility_01_austen_64kb-0920.wav",
        "OSR_us_000_0034_8k.wav",
    ],
)
def test_librivox_and_harvard_under_ten_percent(transcriber, shared_audio, name):
    path = shared_audio / name
    segments, info = run(transcriber, path)
    text = " ".join(s.text for s in segments)
    assert wer(reference(path), text) <= 0.10, text
    assert_word_times_sane(segments, info.duration)


def test_speech_inside_a_video_file(transcriber, shared_audio, make_media):
    video = make_media(
        "jfk.mp4",
        "-f", "lavfi", "-i", "color=c=navy:size=64x48:rate=5:duration=11",
        "-i", str(shared_audio / "jfk.flac"),
        "-c:v", "libx264", "-pix_fmt", "yuv420p", "-c:a", "aac", "-shortest",
    )
    segments, _ = run(transcriber, video)
    assert wer(reference(shared_audio / "jfk.flac"), " ".join(s.text for s in segments)) <= 0.05


def test_progress_and_cancel(transcriber, shared_audio):
    seen = []
    segments, info = transcriber.transcribe(
        shared_audio / "OSR_us_000_0034_8k.wav", TranscribeOptions(workers=1, progress=seen.append)
    )
    first = next(segments)
    segments.close()  # cancel: stop iterating
    assert first.text
    assert seen and 0 < seen[0] <= 1.0
    assert seen[-1] < 1.0, "cancelled run must not report completion"


def test_initial_prompt_is_passed_through(transcriber, shared_audio):
    # the prompt steers spelling; here it must at least not break transcription
    segments, _ = run(transcriber, shared_audio / "jfk.flac", initial_prompt="Kennedy inaugural address.")
    # flagged text (e.g. "Thank you." invented over the applause) stays out of the index
    assert wer(reference(shared_audio / "jfk.flac"), " ".join(s.text for s in segments if not s.flag)) <= 0.05


def test_demo_meeting_against_its_script(transcriber, demo):
    segments, info = run(transcriber, demo["path"])
    script = " ".join(line["text"] for line in demo["lines"])
    text = " ".join(s.text for s in segments if not s.flag)
    assert wer(script, text) <= 0.20
    assert info.duration == pytest.approx(demo["duration"], abs=0.5)
    assert_word_times_sane(segments, info.duration)
    words = [(normalise(w.word), w.start) for s in segments for w in s.words]
    misses = []
    for line in demo["lines"]:
        first = normalise(line["text"]).split()[0]
        near = [t for w, t in words if w == first and abs(t - line["start"]) <= 3.0]
        if not near or min(abs(t - line["start"]) for t in near) > 1.0:
            misses.append((line["start"], line["text"][:40], near))
    # Whisper may hear a line's first word otherwise on another CPU: allow one line in ten
    assert len(misses) <= len(demo["lines"]) // 10, f"first words missing or timed more than 1 s off: {misses}"


def test_chunked_parallel_matches_single_process(demo):
    chunks = plan_chunks(str(demo["path"]), demo["duration"], workers=2)
    assert len(chunks) >= 3
    assert chunks[0].start == 0 and chunks[-1].duration is None
    # every cut falls in a pause between scripted lines, not inside one
    for chunk in chunks[1:]:
        assert not any(l["start"] + 0.1 < chunk.start < l["end"] - 0.1 for l in demo["lines"]), chunk
    with Transcriber("faster-whisper", TranscribeOptions(workers=2)) as parallel:
        segments, info = parallel.transcribe(demo["path"])
        segments = list(segments)
    script = " ".join(line["text"] for line in demo["lines"])
    assert wer(script, " ".join(s.text for s in segments if not s.flag)) <= 0.20
    starts = [s.start for s in segments]
    assert starts == sorted(starts), "chunks must come back in order with offset times"
    assert segments[-1].end == pytest.approx(demo["lines"][-1]["end"], abs=2.0)


def test_worker_pools_are_replaced_and_every_chunk_comes_back(demo, monkeypatch):
    # the pool is renewed every WORKER_TASKS chunks a worker (here 1): no chunk is lost or
    # left waiting at the change (ProcessPoolExecutor's own max_tasks_per_child can hang)
    import transcription.transcriber as transcriber

    pools = []

    class CountedPool(transcriber.ProcessPoolExecutor):
        def __init__(self, *args, **kw):
            assert "max_tasks_per_child" not in kw
            super().__init__(*args, **kw)
            pools.append(self)

    monkeypatch.setattr(transcriber, "WORKER_TASKS", 1)
    monkeypatch.setattr(transcriber, "ProcessPoolExecutor", CountedPool)
    chunks = plan_chunks(str(demo["path"]), demo["duration"], workers=2)
    with Transcriber("faster-whisper", TranscribeOptions(workers=2)) as parallel:
        segments, _ = parallel.transcribe(demo["path"])
        segments = list(segments)
    assert len(pools) == -(-len(chunks) // 2) >= 2
    starts = [s.start for s in segments]
    assert starts == sorted(starts)
    assert segments[-1].end == pytest.approx(demo["lines"][-1]["end"], abs=2.0)
    script = " ".join(line["text"] for line in demo["lines"])
    assert wer(script, " ".join(s.text for s in segments if not s.flag)) <= 0.20


def test_cli_transcribe_json(shared_audio):
    proc = subprocess.run(
        [sys.executable, "-m", "desktop.launcher", "transcribe", str(shared_audio / "jfk.flac"), "--format", "json", "--workers", "1"],
        capture_output=True, text=True, timeout=300,
    )
    assert proc.returncode == 0, proc.stderr
    data = json.loads(proc.stdout)
    assert set(data) >= {"language", "duration", "engine", "model", "segments"}
    seg = data["segments"][0]
    assert set(seg) >= {"start", "end", "text", "words"}
    assert set(seg["words"][0]) == {"start", "end", "word", "probability"}
    assert wer(reference(shared_audio / "jfk.flac"), " ".join(s["text"] for s in data["segments"])) <= 0.05


@pytest.mark.parametrize("fmt,marker", [("srt", "-->"), ("vtt", "WEBVTT"), ("txt", "[00:00:0")])
def test_cli_transcribe_text_formats(shared_audio, fmt, marker):
    proc = subprocess.run(
        [sys.executable, "-m", "desktop.launcher", "transcribe", str(shared_audio / "jfk.wav"), "--format", fmt, "--workers", "1"],
        capture_output=True, text=True, timeout=300,
    )
    assert proc.returncode == 0, proc.stderr
    assert marker in proc.stdout
    said = set(normalise(reference(shared_audio / "jfk.wav")).split())
    assert len(said & set(normalise(proc.stdout).split())) >= 0.8 * len(said), proc.stdout


def test_cli_bad_input_is_one_line_and_nonzero(tmp_path):
    fake = tmp_path / "notes.mp3"
    fake.write_text("not audio")
    proc = subprocess.run(
        [sys.executable, "-m", "desktop.launcher", "transcribe", str(fake)], capture_output=True, text=True, timeout=60
    )
    assert proc.returncode == 1
    lines = proc.stderr.strip().splitlines()
    assert len(lines) == 1 and "not an audio or video file" in lines[0] and "notes.mp3" in lines[0]


def test_a_resume_leaves_no_stretch_untranscribed():
    from transcription.transcriber import Chunk, resume_from

    chunks = [Chunk(0.0, 48.8), Chunk(48.8, 56.0), Chunk(104.8, None)]
    assert resume_from(chunks, 0.0) == chunks
    assert resume_from(chunks, 20.0) == [Chunk(20.0, 28.8), Chunk(48.8, 56.0), Chunk(104.8, None)]
    # 0.5 s of the first chunk is left: the next one reaches back for it
    assert resume_from(chunks, 48.3) == [Chunk(48.3, 56.5), Chunk(104.8, None)]
    assert resume_from(chunks, 130.0) == [Chunk(130.0, None)]
