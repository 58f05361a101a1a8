"""The diarizer interface and what every engine shares.

An engine takes 16 kHz mono float32 audio (or a path, decoded with
:func:`transcription.audio.decode`) and returns ``(turns, info)``: an iterator of
:class:`SpeakerTurn` in time order and a :class:`DiarizationInfo` with one
:class:`SpeakerVoice` (label, voiceprint, talk time) per speaker. The whole recording
is clustered at once, so the work is done when ``diarize`` returns; ``progress`` (a
fraction 0..1) is called along the way, and raising from it stops the run.
"""

from __future__ import annotations

import os
from typing import Callable, Iterable, Iterator, Mapping, Optional, Protocol, Union

import numpy as np

from transcription.audio import SAMPLE_RATE, decode
from transcription.diarize.errors import SpeakerCountError, TooShortError
from transcription.diarize.types import DiarizationInfo, SpeakerTurn, SpeakerVoice

AudioInput = Union[np.ndarray, str, os.PathLike]
Progress = Optional[Callable[[float], None]]

MIN_DURATION = 1.0  # seconds of audio below which there is nothing to diarize
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
    """16 kHz mono float32 samples, clipped to [-1, 1]; a path is decoded.

    Raises :class:`TooShortError` below :data:`MIN_DURATION`, and the media errors of
    :mod:`transcription.errors` for a file that cannot be decoded.
    """
    samples = decode(audio) if isinstance(audio, (str, os.PathLike)) else audio
    samples = np.asarray(samples, dtype=np.float32)
    if samples.ndim != 1:
        raise ValueError(f"audio must be mono (1-D), got shape {samples.shape}")
    duration = len(samples) / SAMPLE_RATE
    if duration < MIN_DURATION:
        raise TooShortError(duration, MIN_DURATION)
    samples = np.nan_to_num(samples, nan=0.0, posinf=1.0, neginf=-1.0)
    return np.clip(samples, -1.0, 1.0)


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
