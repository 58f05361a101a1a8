"""A diarizer that returns the turns it was given: fast, deterministic, for tests.

Each speaker key (any hashable, e.g. a person's name) gets a fixed voiceprint derived
from the key alone, so the same key in two recordings gives the same voice and roster
matching can be tested end to end without a model.
"""

from __future__ import annotations

import hashlib
from typing import Hashable, Iterable, Iterator, Optional

import numpy as np

from transcription.audio import SAMPLE_RATE
from transcription.diarize.base import AudioInput, Progress, check_counts, finish, load_audio
from transcription.diarize.errors import NoSpeechError
from transcription.diarize.types import DiarizationInfo, SpeakerTurn

EMBEDDING_SIZE = 192


def fake_voiceprint(key: Hashable) -> np.ndarray:
    """A unit vector fixed by ``key``; two different keys are nearly orthogonal."""
    seed = int.from_bytes(hashlib.sha256(repr(key).encode()).digest()[:8], "little")
    vector = np.random.default_rng(seed).standard_normal(EMBEDDING_SIZE).astype(np.float32)
    return vector / np.linalg.norm(vector)


class FakeDiarizer:
    """Returns ``turns`` (``(start, end, key)``) for any audio, clipped to its length.

    ``calls`` records the keyword arguments of every :meth:`diarize` call.
    """

    name = "fake"
    model_label = "fake"

    def __init__(self, turns: Iterable[tuple[float, float, Hashable]] = ()):
        self.turns = [(float(s), float(e), k) for s, e, k in turns]
        self.calls: list[dict] = []

    def warm(self) -> None:
        pass

    def diarize(
        self,
        audio: AudioInput,
        num_speakers: Optional[int] = None,
        min_speakers: Optional[int] = None,
        max_speakers: Optional[int] = None,
        progress: Progress = None,
    ) -> tuple[Iterator[SpeakerTurn], DiarizationInfo]:
        check_counts(num_speakers, min_speakers, max_speakers)
        self.calls.append(dict(num_speakers=num_speakers, min_speakers=min_speakers, max_speakers=max_speakers))
        duration = len(load_audio(audio)) / SAMPLE_RATE
        turns = [(s, min(e, duration), k) for s, e, k in self.turns if s < duration]
        if not turns:
            raise NoSpeechError()
        if progress:
            progress(1.0)
        voiceprints = {k: fake_voiceprint(k) for _, _, k in turns}
        out, info = finish(turns, voiceprints, duration, self.name, self.model_label)
        return iter(out), info
