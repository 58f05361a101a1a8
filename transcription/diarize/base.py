"""The diarizer interface and what every engine shares.

An engine takes 16 kHz mono float32 audio (or a path, decoded by :func:`load_audio`)
and returns ``(turns, info)``: an iterator of
:class:`SpeakerTurn` in time order and a :class:`DiarizationInfo` with one
:class:`SpeakerVoice` (label, voiceprint, talk time) per speaker. The whole recording
is clustered at once, so the work is done when ``diarize`` returns; ``progress`` (a
fraction 0..1) is called along the way, and raising from it stops the run.
"""

from __future__ import annotations

import os
from typing import Callable, Iterable, Iterator, Mapping, Optional, Protocol, Union

import numpy as np

from transcription.audio import SAMPLE_RATE, iter_blocks, probe
from transcription.diarize.errors import SpeakerCountError, TooShortError
from transcription.diarize.types import DiarizationInfo, SpeakerTurn, SpeakerVoice

AudioInput = Union[np.ndarray, str, os.PathLike]
Progress = Optional[Callable[[float], None]]

MIN_DURATION = 1.0  # seconds of audio below which there is nothing to diarize
BLOCK = 600.0  # seconds of audio decoded, cleaned and run through the VAD at a time
LABEL = "Speaker {}"


class Diarizer(Protocol):
    name: str
    model_label: str

    def diarize(
        self,
        audio: AudioInput,
        num_speakers: Optional[int] = None,
        min_speakers: Optional[int] = None,
        max_speakers: Optional[int] = None,
        progress: Progress = None,
    ) -> tuple[Iterator[SpeakerTurn], DiarizationInfo]: ...


def load_audio(audio: AudioInput, store: type = np.float32) -> np.ndarray:
    """16 kHz mono samples within [-1, 1].

    A path is decoded :data:`BLOCK` s at a time into one array of ``store`` (float16 holds
    a 4-hour recording in 0.46 GB instead of 0.92 GB). An array is used as it is when it is
    clean (finite, within [-1, 1]), else cleaned in a float32 copy; the caller's array is
    never changed. Raises :class:`TooShortError` below :data:`MIN_DURATION`, and the media
    errors of :mod:`transcription.errors` for a file that cannot be decoded.
    """
    if isinstance(audio, (str, os.PathLike)):
        samples = _decode_into(audio, store)
    else:
        samples = np.asarray(audio)
        if samples.ndim != 1:
            raise ValueError(f"audio must be mono (1-D), got shape {samples.shape}")
        if samples.dtype not in (np.float32, np.float16) or not _clean(samples):
            samples = _cleaned(samples.astype(np.float32))
    duration = len(samples) / SAMPLE_RATE
    if duration < MIN_DURATION:
        raise TooShortError(duration, MIN_DURATION)
    return samples


def blocks(samples: np.ndarray, seconds: Optional[float] = None) -> Iterator[tuple[int, np.ndarray]]:
    """``(first sample, float32 block)`` through ``samples``, ``seconds`` (:data:`BLOCK`) at a time."""
    size = int((seconds or BLOCK) * SAMPLE_RATE)
    for first in range(0, len(samples), size):
        yield first, np.asarray(samples[first:first + size], dtype=np.float32)


def _decode_into(path, store: type) -> np.ndarray:
    duration = probe(path).duration
    out = np.empty(int((duration + 1.0) * SAMPLE_RATE), dtype=store)
    filled = 0
    for block in iter_blocks(path, BLOCK, duration):
        if filled + len(block) > len(out):
            out = np.resize(out, filled + len(block) + 60 * SAMPLE_RATE)  # the container under-reported
        out[filled:filled + len(block)] = _cleaned(np.array(block))
        filled += len(block)
    return out[:filled]


def _clean(samples: np.ndarray) -> bool:
    return all(np.isfinite(b).all() and (not b.size or np.abs(b).max() <= 1.0) for _, b in blocks(samples))


def _cleaned(samples: np.ndarray) -> np.ndarray:
    """``samples`` (a float32 array this module owns) made finite and clipped, in place."""
    np.nan_to_num(samples, copy=False, nan=0.0, posinf=1.0, neginf=-1.0)
    return np.clip(samples, -1.0, 1.0, out=samples)


def check_counts(num: Optional[int], low: Optional[int], high: Optional[int]) -> tuple[Optional[int], int, Optional[int]]:
    """Validated ``(num, min, max)``: ``num`` fixes both bounds; raises :class:`SpeakerCountError`."""
    for name, value in (("speakers", num), ("min-speakers", low), ("max-speakers", high)):
        if value is not None and (not isinstance(value, int) or value < 1):
            raise SpeakerCountError(f"--{name} must be a whole number of at least 1, not {value!r}")
    if num is not None and ((low is not None and low > num) or (high is not None and high < num)):
        raise SpeakerCountError(f"--speakers {num} is outside --min-speakers/--max-speakers")
    if low is not None and high is not None and low > high:
        raise SpeakerCountError(f"--min-speakers {low} is more than --max-speakers {high}")
    if num is not None:
        return num, num, num
    return None, low or 1, high


def finish(
    turns: Iterable[tuple[float, float, object]],
    embeddings: Mapping[object, np.ndarray],
    duration: float,
    engine: str,
    model: str,
    join_gap: float = 0.0,
) -> tuple[list[SpeakerTurn], DiarizationInfo]:
    """Turns ``(start, end, key)`` from an engine -> labelled turns and info.

    Keys become "Speaker 1…N" in order of first appearance; turns of one speaker join
    across a pause of at most ``join_gap`` seconds; each speaker's talk time and turn
    count are summed.
    """
    clipped = ((max(0.0, float(s)), min(duration, float(e)), k) for s, e, k in turns)
    ordered = sorted(clipped, key=lambda t: (t[0], t[1]))
    labels: dict[object, str] = {}
    out: list[SpeakerTurn] = []
    for start, end, key in ordered:
        if end <= start:
            continue
        label = labels.setdefault(key, LABEL.format(len(labels) + 1))
        if out and out[-1].speaker == label and start <= out[-1].end + join_gap + 1e-6:
            out[-1] = SpeakerTurn(out[-1].start, max(end, out[-1].end), label)
        else:
            out.append(SpeakerTurn(round(start, 3), round(end, 3), label))
    voices = []
    for key, label in labels.items():
        mine = [t for t in out if t.speaker == label]
        voices.append(
            SpeakerVoice(
                label=label,
                embedding=np.asarray(embeddings[key], dtype=np.float32),
                talk_time=round(sum(t.duration for t in mine), 3),
                turns=len(mine),
            )
        )
    return out, DiarizationInfo(duration=duration, speakers=voices, engine=engine, model=model)
