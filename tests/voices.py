"""Multi-speaker recordings built from the real voices in ../shared/audio, with ground truth.

Used by tests/test_diarization.py and bench/speakers.py. Clips are decoded to 16 kHz
mono, cut at pauses where a recording needs several turns of one voice, and joined
with short silences; the reference says who speaks where. A voice's speech inside a
clip is found by frame energy (independent of the Silero VAD the engine uses). The
files are written to a temporary folder only; nothing from ../shared enters the repo.
"""

from __future__ import annotations

import wave
from dataclasses import dataclass, field
from pathlib import Path

import numpy as np

RATE = 16000

# clip name -> (file in ../shared/audio, the person speaking)
CLIPS = {
    "kennedy": ("jfk.wav", "Kennedy"),
    "lj": ("LJ050-0131.wav", "LJ reader"),
    "harvard": ("OSR_us_000_0034_8k.wav", "Harvard reader"),
    "austen-0870": ("sense_and_sensibility_01_austen_64kb-0870.wav", "LibriVox reader"),
    "austen-0920": ("sense_and_sensibility_01_austen_64kb-0920.wav", "LibriVox reader"),
}
STEREO = "stereo_diarization.wav"


def decode(path: Path, channel: int | None = None) -> np.ndarray:
    """16 kHz float32: the mono mix, or one channel of a stereo file."""
    import subprocess

    from transcription.audio import ffmpeg_exe

    layout = ["-ac", "1"] if channel is None else ["-af", f"pan=mono|c0=c{channel}"]
    raw = subprocess.run(
        [ffmpeg_exe(), "-v", "error", "-nostdin", "-i", str(path), *layout, "-ar", str(RATE), "-f", "f32le", "pipe:"],
        capture_output=True, check=True,
    ).stdout
    return np.frombuffer(raw, dtype=np.float32).copy()


def clip(shared: Path, name: str) -> np.ndarray:
    return decode(shared / CLIPS[name][0])


def speech_regions(samples: np.ndarray, floor_db: float = 30.0, bridge: float = 0.3, shortest: float = 0.15) -> list[tuple[float, float]]:
    """Where a clean one-voice clip has speech: 25 ms frames louder than its loud frames
    less ``floor_db``, joined across pauses under ``bridge`` s, none under ``shortest`` s."""
    hop, size = RATE // 100, RATE // 40
    n = max(0, 1 + (len(samples) - size) // hop)
    if n == 0:
        return []
    frames = np.lib.stride_tricks.sliding_window_view(samples, size)[::hop][:n]
    db = 10 * np.log10((frames.astype(np.float64) ** 2).mean(axis=1) + 1e-12)
    loud = db > np.percentile(db, 95) - floor_db
    regions: list[list[float]] = []
    for i in np.flatnonzero(loud):
        start, end = i * hop / RATE, (i * hop + size) / RATE
        if regions and start - regions[-1][1] < bridge:
            regions[-1][1] = end
        else:
            regions.append([start, end])
    return [(round(float(s), 3), round(float(e), 3)) for s, e in regions if e - s >= shortest]


def split_at_pauses(samples: np.ndarray, parts: int) -> list[np.ndarray]:
    """``parts`` pieces of a clip, cut in the middle of the pauses nearest to equal shares."""
    regions = speech_regions(samples)
    pauses = [(a[1] + b[0]) / 2 for a, b in zip(regions, regions[1:])]
    total = len(samples) / RATE
    cuts: list[float] = []
    for k in range(1, parts):
        free = [p for p in pauses if p not in cuts]
        if not free:
            break
        cuts.append(min(free, key=lambda p: abs(p - total * k / parts)))
    edges = [0] + sorted(int(c * RATE) for c in cuts) + [len(samples)]
    return [samples[a:b] for a, b in zip(edges, edges[1:])]


@dataclass
class Mix:
    """A built recording: its samples, who speaks where, and where each clip starts."""

    audio: np.ndarray
    reference: list[tuple[float, float, str]] = field(default_factory=list)  # (start, end, person)
    starts: list[tuple[float, str]] = field(default_factory=list)  # (time a clip starts, person)

    @property
    def duration(self) -> float:
        return len(self.audio) / RATE

    @property
    def people(self) -> list[str]:
        return list(dict.fromkeys(p for _, _, p in self.reference))

    def write(self, path: Path) -> Path:
        pcm = (np.clip(self.audio, -1, 1) * 32767).astype("<i2")
        with wave.open(str(path), "wb") as fh:
            fh.setnchannels(1)
            fh.setsampwidth(2)
            fh.setframerate(RATE)
            fh.writeframes(pcm.tobytes())
        return path


def build(pieces: list[tuple[str, np.ndarray]], gap: float = 0.7) -> Mix:
    """Join ``(person, samples)`` pieces with ``gap`` s of silence between them."""
    silence = np.zeros(int(gap * RATE), dtype=np.float32)
    chunks, mix, at = [], Mix(np.zeros(0, dtype=np.float32)), 0.0
    for n, (person, samples) in enumerate(pieces):
        if n:
            chunks.append(silence)
            at += gap
        mix.starts.append((round(at, 3), person))
        mix.reference += [(round(at + s, 3), round(at + e, 3), person) for s, e in speech_regions(samples)]
        chunks.append(samples.astype(np.float32))
        at += len(samples) / RATE
    mix.audio = np.concatenate(chunks)
    return mix


def person(name: str) -> str:
    return CLIPS[name][1]


def two_voices(shared: Path) -> Mix:
    """Kennedy and the LJ reader taking turns: K, L, K, L (each clip cut in two at a pause)."""
    k1, k2 = split_at_pauses(clip(shared, "kennedy"), 2)
    l1, l2 = split_at_pauses(clip(shared, "lj"), 2)
    return build([("Kennedy", k1), ("LJ reader", l1), ("Kennedy", k2), ("LJ reader", l2)])


def three_voices(shared: Path) -> Mix:
    """Kennedy, the LJ reader, the LibriVox reader: one clip each, in that order."""
    return build([(person(n), clip(shared, n)) for n in ("kennedy", "lj", "austen-0870")])


def four_voices(shared: Path) -> Mix:
    """Four people, two turns each, interleaved (the Harvard sentences cut in three)."""
    k1, k2 = split_at_pauses(clip(shared, "kennedy"), 2)
    l1, l2 = split_at_pauses(clip(shared, "lj"), 2)
    h1, h2, h3 = split_at_pauses(clip(shared, "harvard"), 3)
    a1, a2 = clip(shared, "austen-0870"), clip(shared, "austen-0920")
    order = [("Kennedy", k1), ("Harvard reader", h1), ("LJ reader", l1), ("LibriVox reader", a1),
             ("Harvard reader", h2), ("Kennedy", k2), ("LibriVox reader", a2), ("LJ reader", l2),
             ("Harvard reader", h3)]
    return build(order)


def stereo(shared: Path) -> Mix:
    """stereo_diarization.wav mixed to mono; the reference is each channel's own speech."""
    path = shared / STEREO
    mix = Mix(decode(path))
    for channel, who in ((0, "left speaker"), (1, "right speaker")):
        mix.reference += [(s, e, who) for s, e in speech_regions(decode(path, channel), floor_db=15.0)]
    mix.reference.sort()
    mix.starts = [(0.0, "left speaker")]
    return mix
