"""Real Whisper (the bundled tiny.en) on a real Ray cluster, through the command line, once.

A recording of several real voices from ../shared/audio, long enough to be cut into
chunks that both of the worker node's actors transcribe, is imported with
``council-archive import --cluster 127.0.0.1:PORT``. The words must be right within a
bound (never particular words: CPUs differ) and the recording searchable.
"""

from __future__ import annotations

import json
import subprocess
import sys
from pathlib import Path

import pytest

from tests.conftest import reference
from ray_cluster import ray_available
from tests.wer import wer

pytestmark = [pytest.mark.slow, pytest.mark.skipif(not ray_available(), reason="needs the 'cluster' extra (Ray)")]

ROOT = Path(__file__).resolve().parents[1]
CLIPS = ["OSR_us_000_0034_8k.wav", "jfk.wav", "LJ050-0131.wav", "sense_and_sensibility_01_austen_64kb-0870.wav",
         "sense_and_sensibility_01_austen_64kb-0920.wav", "OSR_us_000_0034_8k.wav"]
MAX_WER = 0.35


def test_real_whisper_on_the_cluster(ray_cluster, shared_audio, make_media, tmp_path):
    clips = [shared_audio / name for name in CLIPS]
    inputs = [arg for clip in clips for arg in ("-i", str(clip))]
    # each clip at 16 kHz mono with a second of silence after it, one after another (~105 s)
    parts = "".join(f"[{k}:a]aresample=16000,aformat=channel_layouts=mono,apad=pad_dur=1[a{k}];"
                    for k in range(len(clips)))
    joined = "".join(f"[a{k}]" for k in range(len(clips)))
    media = make_media("voices_for_the_cluster.wav", *inputs, "-filter_complex",
                       f"{parts}{joined}concat=n={len(clips)}:v=0:a=1[out]", "-map", "[out]")
    archive_dir = tmp_path / "archive"
    cli = [sys.executable, "-m", "desktop.launcher", "--archive", str(archive_dir)]
    done = subprocess.run([*cli, "import", "--cluster", ray_cluster.address, "--no-speakers", "--title", "Voices",
                           str(media)], cwd=str(ROOT), capture_output=True, text=True, timeout=600)
    assert done.returncode == 0, done.stderr
    first = done.stderr.splitlines()[0]
    assert first.startswith(f"council-archive: on the Ray cluster at {ray_cluster.address}: 2 workers on ")
    assert "indexed" in done.stdout

    shown = subprocess.run([*cli, "show", "1", "--json"], cwd=str(ROOT), capture_output=True, text=True, timeout=120)
    assert shown.returncode == 0, shown.stderr
    segments = json.loads(shown.stdout)["segments"]
    heard = " ".join(s["text"] for s in segments)
    expected = " ".join(reference(clip) for clip in clips)
    assert wer(expected, heard) < MAX_WER
    # the words after the first chunk's cut are there too, in order, with times in the whole file
    assert segments[-1]["end"] > 90 and all(a["start"] <= b["start"] for a, b in zip(segments, segments[1:]))
    # indexed: a word of what was heard finds its segment
    word = max((w.strip(".,?!\"'") for w in segments[len(segments) // 2]["text"].split()), key=len)
    found = subprocess.run([*cli, "search", word, "--json"], cwd=str(ROOT), capture_output=True, text=True, timeout=120)
    assert found.returncode == 0, found.stderr
    assert json.loads(found.stdout)
