"""Multi-speaker recordings built from the real voices in ../shared/audio, with ground truth.

Used by tests/test_diarization.py and bench/speakers.py. Clips are decoded to 16 kHz
mono, cut at pauses where a recording needs several turns of one voice, and joined
with short silences; the reference says who speaks where. A voice's speech inside a
clip is found by frame energy (independent of the Silero VAD the engine uses). The
files are written to a temporary folder only; nothing from ../shared enters the repo.
"""

from __future__ import annotations

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
        from degrade import write_wav

        return write_wav(path, self.audio, RATE)


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


# === larger cases from the same voices: other cuts, rooms, gains, noise, turn orders =========

BRIEF = 6.0  # s: people with less speech than this are heard in one recording only
PEOPLE = ["Kennedy", "LJ reader", "Harvard reader", "LibriVox reader", "left speaker", "right speaker"]


def cut_at_quiet(samples: np.ndarray, parts: int) -> list[np.ndarray]:
    """``parts`` pieces cut at the quietest 50 ms near equal shares (for speech without pauses)."""
    hop = RATE // 20
    energy = np.convolve(samples.astype(np.float64) ** 2, np.ones(hop), "same")
    edges = [0]
    for k in range(1, parts):
        aim = len(samples) * k // parts
        lo, hi = max(edges[-1] + RATE // 2, aim - RATE // 2), min(len(samples) - RATE // 2, aim + RATE // 2)
        edges.append(int(lo + np.argmin(energy[lo:hi])) if hi > lo else aim)
    edges.append(len(samples))
    return [samples[a:b] for a, b in zip(edges, edges[1:]) if b > a]


def material(shared: Path) -> dict[str, list[np.ndarray]]:
    """Each real person's speech in phrases (cut at pauses; continuous reading at quiet points).
    The stereo file's channels are two more people, each heard alone."""
    def phrases(samples, parts):
        found = split_at_pauses(samples, parts)
        return found if len(found) == parts else cut_at_quiet(samples, parts)

    return {
        "Kennedy": phrases(clip(shared, "kennedy"), 3),
        "LJ reader": phrases(clip(shared, "lj"), 4),
        "Harvard reader": phrases(clip(shared, "harvard"), 10),
        "LibriVox reader": phrases(clip(shared, "austen-0870"), 2) + phrases(clip(shared, "austen-0920"), 2),
        "left speaker": phrases(decode(shared / STEREO, 0), 2),
        "right speaker": [decode(shared / STEREO, 1)[int(0.2 * RATE): int(2.7 * RATE)]],
    }


def room(samples: np.ndarray, rng: np.random.Generator, gain_db: float = 0.0, rt60: float = 0.0,
         snr_db: float | None = None) -> np.ndarray:
    """``samples`` as heard in another room: reverberation with decay time ``rt60`` s (an
    exponentially decaying noise tail after the direct sound), then pink-ish noise at
    ``snr_db`` below the speech, then ``gain_db``. A decay under 50 ms leaves the room dry."""
    out = samples.astype(np.float64)
    if rt60 >= 0.05:
        from scipy.signal import fftconvolve

        t = np.arange(int(rt60 * RATE)) / RATE
        tail = rng.standard_normal(len(t)) * np.exp(-6.9 * t / rt60)
        tail[: int(0.003 * RATE)] = 0.0  # the first reflection after 3 ms
        ir = 0.5 * tail / np.sqrt((tail ** 2).sum())
        ir[0] = 1.0
        out = fftconvolve(out, ir)[: len(out)]
        out *= np.sqrt((samples.astype(np.float64) ** 2).sum() / max((out ** 2).sum(), 1e-12))
    if snr_db is not None:
        white = rng.standard_normal(len(out) + 64)
        pink = np.convolve(white, np.ones(16) / 4, "same")[: len(out)]  # low frequencies stronger
        speech = loud_power(out)
        out = out + pink * np.sqrt(speech / (10 ** (snr_db / 10)) / max((pink ** 2).mean(), 1e-12))
    out *= 10 ** (gain_db / 20)
    return np.clip(out, -1.0, 1.0).astype(np.float32)


def loud_power(samples: np.ndarray) -> float:
    """Mean power of the loudest 25 ms frames (the speech, not the pauses)."""
    size = RATE // 40
    frames = samples[: len(samples) // size * size].reshape(-1, size)
    if not len(frames):
        return float((samples.astype(np.float64) ** 2).mean()) if len(samples) else 0.0
    power = (frames.astype(np.float64) ** 2).mean(axis=1)
    return float(np.mean(power[power >= np.percentile(power, 50)]))


def level(samples: np.ndarray, db: float) -> np.ndarray:
    """``samples`` scaled so their speech is ``db`` dB below full scale."""
    return (samples * np.sqrt(10 ** (db / 10) / max(loud_power(samples), 1e-12))).astype(np.float32)


def interleave(turns: dict[str, list[list[np.ndarray]]], rng: np.random.Generator) -> list[tuple[str, np.ndarray]]:
    """Everyone's turns in a random order where the same person never speaks twice in a row
    (when that can be avoided)."""
    left = {p: list(ts) for p, ts in turns.items() if ts}
    order, last = [], None
    while left:
        choices = [p for p in left if p != last] or list(left)
        weights = np.array([len(left[p]) for p in choices], dtype=float)
        who = choices[int(rng.choice(len(choices), p=weights / weights.sum()))]
        order.append((who, np.concatenate(left[who].pop(0))))
        if not left[who]:
            del left[who]
        last = who
    return order


def demo_material(root: Path) -> dict[str, list[np.ndarray]]:
    """The demo meeting's lines (synthetic espeak voices), by speaker, cut by its script's times."""
    import json

    script = json.loads((root / "archive" / "demo" / "council_meeting.json").read_text())
    audio = decode(root / "archive" / "demo" / "council_meeting.opus")
    out: dict[str, list[np.ndarray]] = {}
    for line in script["lines"]:
        if line["end"] - line["start"] < 0.3:
            continue
        out.setdefault(line["speaker"], []).append(audio[int(line["start"] * RATE): int(line["end"] * RATE)])
    return out


def naming_pair(material: dict[str, list[np.ndarray]], seed: int, stranger: str | None = None) -> tuple[Mix, Mix]:
    """Two recordings of the same people in different rooms, for naming voices across recordings.

    ``material`` is each person's phrases (:func:`material`, :func:`demo_material`). Each person's phrases are shared out between A and B (none in both), grouped into turns
    of one or two phrases, and interleaved in a random order; each person gets a level of
    their own per recording (-30..-18 dB), and each recording a room (reverberation
    0-0.5 s, noise 15-35 dB below the speech). ``stranger``, and anyone with less than
    :data:`BRIEF` s of speech in all (too little to share out), speak in B only.
    """
    rng = np.random.default_rng(seed)
    halves: dict[str, tuple[list, list]] = {}
    for who, parts in material.items():
        if who == stranger or sum(map(len, parts)) < BRIEF * RATE:
            halves[who] = ([], parts)
        elif len(parts) == 1:
            a, b = cut_at_quiet(parts[0], 2)
            halves[who] = ([a], [b]) if rng.random() < 0.5 else ([b], [a])
        else:
            picks = rng.permutation(len(parts))
            first = sorted(picks[: len(parts) // 2])
            halves[who] = ([parts[i] for i in first], [parts[i] for i in range(len(parts)) if i not in first])
    mixes = []
    for side in (0, 1):
        turns = {}
        for who, pair in halves.items():
            db = float(rng.uniform(-30, -18))
            phrases = [level(p, db) for p in pair[side]]
            groups, i = [], 0
            while i < len(phrases):
                n = int(rng.integers(1, 3))
                groups.append(phrases[i:i + n])
                i += n
            turns[who] = groups
        mix = build(interleave(turns, rng), gap=float(rng.uniform(0.4, 1.0)))
        mix.audio = room(mix.audio, rng, rt60=float(rng.uniform(0.0, 0.5)), snr_db=float(rng.uniform(15, 35)))
        mixes.append(mix)
    return mixes[0], mixes[1]


def vary(samples: np.ndarray, tempo: float = 1.0, pitch: float = 1.0) -> np.ndarray:
    """``samples`` faster or slower by ``tempo`` and higher or lower by ``pitch`` (ffmpeg's
    asetrate, aresample and atempo)."""
    import subprocess

    from transcription.audio import ffmpeg_exe

    chain = f"asetrate={RATE * pitch:.0f},aresample={RATE},atempo={tempo / pitch:.4f}"
    raw = subprocess.run(
        [ffmpeg_exe(), "-v", "error", "-nostdin", "-f", "f32le", "-ar", str(RATE), "-ac", "1", "-i", "pipe:",
         "-af", chain, "-ar", str(RATE), "-f", "f32le", "pipe:"],
        input=samples.astype(np.float32).tobytes(), capture_output=True, check=True,
    ).stdout
    return np.frombuffer(raw, dtype=np.float32).copy()


def meeting(material: dict[str, list[np.ndarray]], minutes: float, seed: int = 0) -> Mix:
    """A long meeting of everyone in ``material``, ``minutes`` long, that never plays the same
    audio twice: each turn is one to three phrases of one person, each phrase at its own
    tempo (0.92-1.08), pitch (±2 %) and level (±4 dB around the person's own, -32..-18 dB),
    with pauses of 0.3-1.2 s; people speak in proportion to how much speech they have;
    the whole meeting is in one room (reverberation 0.3 s, noise 30 dB below the speech)."""
    rng = np.random.default_rng(seed)
    people = sorted(material)
    share = np.array([sum(map(len, material[p])) for p in people], dtype=float)
    own = {p: float(rng.uniform(-32, -18)) for p in people}
    chunks, mix, at, last = [], Mix(np.zeros(0, dtype=np.float32)), 0.0, None
    while at < minutes * 60:
        weights = np.where([p == last for p in people], 0.0, share)
        who = people[int(rng.choice(len(people), p=weights / weights.sum()))]
        gap = np.zeros(int(rng.uniform(0.3, 1.2) * RATE), dtype=np.float32)
        chunks.append(gap)
        at += len(gap) / RATE
        mix.starts.append((round(at, 3), who))
        for _ in range(int(rng.integers(1, 4))):
            phrase = material[who][int(rng.integers(len(material[who])))]
            phrase = vary(phrase, tempo=float(rng.uniform(0.92, 1.08)), pitch=float(rng.uniform(0.98, 1.02)))
            phrase = level(phrase, own[who] + float(rng.uniform(-4, 4)))
            mix.reference += [(round(at + s, 3), round(at + e, 3), who) for s, e in speech_regions(phrase)]
            chunks.append(phrase)
            at += len(phrase) / RATE
        last = who
    mix.audio = room(np.concatenate(chunks), rng, rt60=0.3, snr_db=30.0)
    return mix
