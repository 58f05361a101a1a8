"""Audio in, timestamped words out.

This package knows nothing of storage, search or Qt. Its public surface:

- :func:`transcription.audio.probe` / :func:`transcription.audio.decode` (ffmpeg-python)
- :func:`transcription.engines.transcribe` – lazy ``(segments, info)`` like faster-whisper
- :mod:`transcription.types` – ``Segment``, ``Word``, ``TranscriptionInfo``, ``TranscribeOptions``
- :mod:`transcription.errors` – typed media errors with one-line messages

Its log records go nowhere unless the program configures logging (see archive.logs).
"""

import logging

from transcription.errors import (
    AudioError,
    CorruptMediaError,
    MediaNotFoundError,
    NoAudioStreamError,
    NotMediaError,
)
from transcription.types import Segment, TranscribeOptions, TranscriptionInfo, Word

logging.getLogger(__name__).addHandler(logging.NullHandler())

__all__ = [
    "AudioError",
    "CorruptMediaError",
    "MediaNotFoundError",
    "NoAudioStreamError",
    "NotMediaError",
    "Segment",
    "TranscribeOptions",
    "TranscriptionInfo",
    "Word",
]
