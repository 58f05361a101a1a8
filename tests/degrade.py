"""Hard versions of real speech, as radio and phone feeds deliver it, and speech coverage.

Used by tests/test_coverage.py and bench/speech_coverage.py. Every version is made from a real
recording (the demo meeting or a clip in ../shared/audio) and written to a temporary
folder only:

* ``narrow``  telephone band: band-pass 300-3400 Hz, resampled to 8 kHz;
* ``noisy``   pink noise at 10 dB SNR (against the speech) plus 60 Hz mains hum and harmonics;
* ``clipped`` driven 12 dB into hard clipping;
* ``radio``   all three, harder: narrow band, noise as loud as the speech (0 dB SNR) and
  hum 10 dB under it, clipped (air-to-ground radio; Whisper's no-speech rule drops half).

``coverage`` is the share of the VAD's speech time that stored segments cover.
"""

from __future__ import annotations

import subprocess
import wave
from pathlib import Path
from typing import Iterable, Sequence

import numpy as np

RATE = 16000
VARIANTS = ("clean", "narrow", "noisy", "clipped", "radio")

Span = tuple[float, float]


def decode(path: Path, rate: int = RATE, filters: str | None = None) -> np.ndarray:
    """Mono float32 at ``rate``, through an optional ffmpeg filter chain."""
    from transcription.audio import ffmpeg_exe

    af = ["-af", filters] if filters else []
    raw = subprocess.run(
        [ffmpeg_exe(), "-v", "error", "-nostdin", "-i", str(path), "-ac", "1", *af, "-ar", str(rate), "-f", "f32le", "pipe:"],
        capture_output=True, check=True,
    ).stdout
    return np.frombuffer(raw, dtype=np.float32).copy()


def write_wav(path: Path, samples: np.ndarray, rate: int) -> Path:
    pcm = (np.clip(samples, -1.0, 1.0) * 32767).astype("<i2")
    with wave.open(str(path), "wb") as out:
        out.setnchannels(1)
        out.setsampwidth(2)
        out.setframerate(rate)
        out.writeframes(pcm.tobytes())
    return path


def _speech_rms(x: np.ndarray, rate: int) -> float:
    """RMS of the loud half of 50 ms frames: the level of the speech, not of the pauses."""
    n = rate // 20
    frames = x[: len(x) // n * n].reshape(-1, n).astype(np.float64)
    power = (frames**2).mean(axis=1)
    return float(np.sqrt(np.mean(power[power >= np.median(power)]) + 1e-12))


def add_noise(x: np.ndarray, rate: int, snr_db: float = 10.0, hum_db: float = -20.0, seed: int = 13) -> np.ndarray:
    """Pink noise ``snr_db`` below the speech, and 60 Hz hum (with 120/180 Hz) ``hum_db`` relative to it."""
    rng = np.random.default_rng(seed)
    white = rng.standard_normal(len(x))
    spectrum = np.fft.rfft(white)
    freqs = np.fft.rfftfreq(len(x), 1 / rate)
    spectrum[1:] /= np.sqrt(freqs[1:])
    spectrum[0] = 0
    pink = np.fft.irfft(spectrum, len(x))
    level = _speech_rms(x, rate)
    pink *= level * 10 ** (-snr_db / 20) / (pink.std() + 1e-12)
    t = np.arange(len(x)) / rate
    hum = sum(a * np.sin(2 * np.pi * f * t) for f, a in ((60, 1.0), (120, 0.5), (180, 0.3)))
    hum *= level * 10 ** (hum_db / 20) / (hum.std() + 1e-12)
    return (x + pink + hum).astype(np.float32)


def clip(x: np.ndarray, gain_db: float = 12.0) -> np.ndarray:
    """Drive the loudest peak ``gain_db`` over full scale and cut it off there."""
    peak = float(np.max(np.abs(x))) or 1.0
    return np.clip(x / peak * 10 ** (gain_db / 20), -1.0, 1.0).astype(np.float32)


NARROW = "highpass=f=300,highpass=f=300,lowpass=f=3400,lowpass=f=3400"


def make(source: Path, variant: str, folder: Path) -> Path:
    """Write ``variant`` of ``source`` into ``folder`` (once) and return its path."""
    out = Path(folder) / f"{Path(source).stem}.{variant}.wav"
    if out.exists():
        return out
    if variant == "clean":
        return write_wav(out, decode(source), RATE)
    if variant == "narrow":
        return write_wav(out, decode(source, 8000, NARROW), 8000)
    if variant == "noisy":
        return write_wav(out, add_noise(decode(source), RATE), RATE)
    if variant == "clipped":
        return write_wav(out, clip(decode(source)), RATE)
    if variant == "radio":
        return write_wav(out, clip(add_noise(decode(source, 8000, NARROW), 8000, snr_db=0.0, hum_db=-10.0), 6.0), 8000)
    raise ValueError(f"unknown variant {variant!r} (choose from {', '.join(VARIANTS)})")


# --- time spans ------------------------------------------------------------------------


def union(spans: Iterable[Span]) -> list[Span]:
    out: list[list[float]] = []
    for a, b in sorted(spans):
        if b <= a:
            continue
        if out and a <= out[-1][1]:
            out[-1][1] = max(out[-1][1], b)
        else:
            out.append([a, b])
    return [(a, b) for a, b in out]


def total(spans: Iterable[Span]) -> float:
    return sum(b - a for a, b in union(spans))


def overlap(a: Sequence[Span], b: Sequence[Span]) -> float:
    """Seconds that two sets of spans share."""
    a, b = union(a), union(b)
    i = j = 0
    shared = 0.0
    while i < len(a) and j < len(b):
        lo, hi = max(a[i][0], b[j][0]), min(a[i][1], b[j][1])
        shared += max(0.0, hi - lo)
        if a[i][1] < b[j][1]:
            i += 1
        else:
            j += 1
    return shared


def vad_speech(samples: np.ndarray) -> list[Span]:
    """Where the VAD hears speech, tight: the engine's settings for this audio (its
    narrow-band threshold included) without padding, split at pauses over 0.1 s, so that
    pauses between sentences do not count as speech."""
    from transcription.engines.faster_whisper import tight_speech, vad_parameters

    return tight_speech(samples, vad_parameters(samples))


def coverage(segments: Iterable, speech: Sequence[Span]) -> float:
    """Share of the ``speech`` time that the segments (flagged or not) cover."""
    whole = total(speech)
    return overlap([(s.start, s.end) for s in segments], speech) / whole if whole else 1.0
