"""The diarizer interface and what every engine shares.

An engine takes 16 kHz mono float32 audio (or a path: :func:`load_audio` decodes it
whole, :class:`Source` block by block) and returns ``(turns, info)``: an iterator of
:class:`SpeakerTurn` in time order and a :class:`DiarizationInfo` with one
:class:`SpeakerVoice` (label, voiceprint, talk time) per speaker. The whole recording
is clustered at once, so the work is done when ``diarize`` returns; ``progress`` (a
fraction 0..1) is called along the way, and raising from it stops the run.
"""

from __future__ import annotations

import os
from typing import Callable, Iterable, Iterator, Mapping, Optional, Protocol, Union

import numpy as np

from transcription.audio import SAMPLE_RATE, decode, iter_blocks, probe
from transcription.diarize.errors import SpeakerCountError, TooShortError
from transcription.diarize.types import DiarizationInfo, SpeakerTurn, SpeakerVoice

AudioInput = Union[np.ndarray, str, os.PathLike]
Progress = Optional[Callable[[float], None]]

MIN_DURATION = 1.0  # seconds of audio below which there is nothing to diarize
BLOCK = 600.0  # seconds of audio decoded and cleaned at a time by Source
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


def load_audio(audio: AudioInput) -> np.ndarray:
    """16 kHz mono float32 samples within [-1, 1], all at once (see :class:`Source` for a
    long recording). An array is used as it is when it is clean (finite, within [-1, 1]),
    else cleaned in a copy; the caller's array is never changed. Raises
    :class:`TooShortError` below :data:`MIN_DURATION`, and the media errors of
    :mod:`transcription.errors` for a file that cannot be decoded."""
    samples = _cleaned(decode(audio)) if isinstance(audio, (str, os.PathLike)) else _checked(audio)
    _long_enough(len(samples) / SAMPLE_RATE)
    return samples


class Source:
    """Audio read :data:`BLOCK` s at a time, as many times as needed: a file is decoded again
    on each pass, so only a block or two of a 4-hour recording is ever held; an array is
    read in place (cleaned in a copy if it must be, as :func:`load_audio`)."""

    def __init__(self, audio: AudioInput):
        if isinstance(audio, (str, os.PathLike)):
            self.path, self.samples = os.fspath(audio), None
            self.duration = probe(self.path).duration
        else:
            self.path, self.samples = None, _checked(audio)
            self.duration = len(self.samples) / SAMPLE_RATE
        _long_enough(self.duration)

    def blocks(self) -> Iterator[tuple[int, np.ndarray]]:
        """``(first sample, float32 block)`` in order; after a whole pass :attr:`duration`
        is what was decoded."""
        if self.samples is not None:
            yield from blocks(self.samples)
            return
        first = 0
        for block in iter_blocks(self.path, BLOCK, self.duration):
            yield first, _cleaned(np.array(block))
            first += len(block)
        self.duration = first / SAMPLE_RATE
        _long_enough(self.duration)


def blocks(samples: np.ndarray, seconds: Optional[float] = None) -> Iterator[tuple[int, np.ndarray]]:
    """``(first sample, float32 block)`` through ``samples``, ``seconds`` (:data:`BLOCK`) at a time."""
    size = int((seconds or BLOCK) * SAMPLE_RATE)
    for first in range(0, len(samples), size):
        yield first, np.asarray(samples[first:first + size], dtype=np.float32)


def _long_enough(duration: float) -> None:
    if duration < MIN_DURATION:
        raise TooShortError(duration, MIN_DURATION)


def _checked(audio) -> np.ndarray:
    samples = np.asarray(audio)
    if samples.ndim != 1:
        raise ValueError(f"audio must be mono (1-D), got shape {samples.shape}")
    clean = samples.dtype == np.float32 and all(
        np.isfinite(b).all() and (not b.size or np.abs(b).max() <= 1.0) for _, b in blocks(samples))
    return samples if clean else _cleaned(samples.astype(np.float32))


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
