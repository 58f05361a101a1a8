"""Speaker turns, voices and diarization info, shaped like faster-whisper's results.

All times are seconds (float) from the start of the recording. Labels are
"Speaker 1" … "Speaker N" per recording, numbered in order of first appearance.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from typing import Optional

import numpy as np

from transcription.types import Segment


@dataclass(frozen=True)
class SpeakerTurn:
    start: float
    end: float
    speaker: str  # "Speaker 1" …

    @property
    def duration(self) -> float:
        return self.end - self.start


@dataclass
class SpeakerVoice:
    label: str
    embedding: np.ndarray = field(repr=False)  # the voiceprint: centroid of the voice's embeddings
    talk_time: float  # seconds in this voice's turns
    turns: int  # number of turns


@dataclass
class DiarizationInfo:
    duration: float  # seconds of audio diarized
    speakers: list[SpeakerVoice]  # in label order (order of first appearance)
    engine: str
    model: str

    @property
    def num_speakers(self) -> int:
        return len(self.speakers)


@dataclass
class SpeakerSegment(Segment):
    """A transcript segment that holds one voice (see :func:`transcription.diarize.assign_speakers`).

    ``source`` is the index of the original segment it was cut from, so the original
    segmentation can be recovered (:func:`transcription.diarize.unsplit`).
    """

    speaker: Optional[str] = None  # None when no speaker turn is known
    source: int = 0
