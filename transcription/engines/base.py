"""The engine interface shared by faster-whisper and openai-whisper.

An engine transcribes a mono float32 numpy array at ``transcription.audio.SAMPLE_RATE``
(16 kHz) that the caller decoded (see :mod:`transcription.audio`). It returns
``(segments, info)`` where ``segments`` is a *lazy* iterator of
:class:`~transcription.types.Segment`: nothing heavy runs until the caller iterates,
and stopping the iteration cancels the work.

``offset`` (seconds) is added to every time, so a chunk cut from the middle of a
recording reports times relative to the whole recording.
"""

from __future__ import annotations

from typing import Iterator, Protocol

import numpy as np

from transcription.types import Segment, TranscribeOptions, TranscriptionInfo

# Whisper's own guards against loops and invented text, shared by both engines
# (our further checks are in transcription.guards).
COMPRESSION_RATIO_THRESHOLD = 2.4
LOG_PROB_THRESHOLD = -1.0
NO_SPEECH_THRESHOLD = 0.6
TEMPERATURES = (0.0, 0.2, 0.4, 0.6, 0.8, 1.0)
# The seed of the sampling at temperatures above 0 (where Whisper is unsure), set afresh for
# every transcription: the same audio and options give the same text, whatever came before.
SEED = 0


class Engine(Protocol):
    name: str
    model_label: str

    def transcribe_array(
        self, audio: np.ndarray, options: TranscribeOptions, offset: float = 0.0
    ) -> tuple[Iterator[Segment], TranscriptionInfo]: ...
