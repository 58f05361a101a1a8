"""One recording's transcript with its words, read from the catalog in one place.

Exports, bundles and clips, the app's transcript view and the search index's
documents are all built from :func:`read_transcript`.
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import Optional

from archive import versions, voices
from archive.catalog import NO_SPEECH, Catalog, Recording
from transcription.guards import whisper_doubted

HARD_AUDIO = "hard audio: much of this transcript is uncertain"


@dataclass
class TranscriptData:
    recording: Recording
    transcript: Optional[dict]  # the transcript row; None before one exists
    # segment rows in order, each with "words" (its word rows in order), "speaker" (the name
    # people read: the voice's name, confirmed or suggested, else its label or the name a
    # person or the captions gave), "label" (the stored speaker: a voice label or that name)
    # "suggested" (the name is an unconfirmed roster match), "doubtful" (see doubtful()) and
    # "language" (its spoken language: the recording's for a segment stored without one)
    segments: list[dict]

    @property
    def complete(self) -> bool:
        """False while the recording is still being transcribed (or has no transcript)."""
        return bool(self.transcript and self.transcript["complete"])

    @property
    def speech(self) -> list[dict]:
        """The segments Whisper's guards did not flag."""
        return [s for s in self.segments if not s.get("flag")]


def read_transcript(catalog: Catalog, recording_id: int, *, unfinished: bool = False,
                    transcript_id: Optional[int] = None) -> Optional[TranscriptData]:
    """The recording's current transcript and its words; None if there is no such recording.

    ``unfinished``: without a current transcript, the one still being written.
    ``transcript_id``: that version of the recording's transcript instead (see
    :mod:`archive.retranscribe`), with the speaker names it kept.
    """
    rec = catalog.recording(recording_id)
    if rec is None:
        return None
    transcript = catalog.current_transcript(recording_id)
    if transcript_id is not None:
        transcript = next((t for t in catalog.transcripts(recording_id) if t["id"] == transcript_id), None)
    elif transcript is None and unfinished:
        transcript = catalog.incomplete_transcript(recording_id)
    segments: list[dict] = []
    if transcript is not None:
        words = catalog.words_by_segment(transcript["id"])
        current = transcript["current"] or not transcript["complete"]  # a version being made has no voices yet
        named = voices.names(catalog.db, recording_id) if current else versions.kept_names(catalog.db, transcript["id"])
        segments = [_with_speaker({**seg, "language": seg.get("language") or rec.language}, words.get(seg["id"], []),
                                  named) for seg in catalog.segments(transcript["id"])]  # no language: the recording's
    return TranscriptData(rec, transcript, segments)


def doubtful(seg: dict) -> bool:
    """Whisper doubted this segment was speech (the VAD heard some): it is indexed like any
    other and shown as uncertain; only flagged segments stay out of the index."""
    return not seg.get("flag") and whisper_doubted(seg.get("no_speech_prob"), seg.get("avg_logprob"))


def transcript_note(segments: list[dict]) -> Optional[str]:
    """The recording's note for a finished transcript: no speech at all, or speech that is
    mostly doubtful (by time), else None."""
    speech = [s for s in segments if not s.get("flag")]
    if not speech:
        return NO_SPEECH
    doubted = sum(s["end"] - s["start"] for s in speech if doubtful(s))
    return HARD_AUDIO if doubted > 0.5 * sum(s["end"] - s["start"] for s in speech) else None


def _with_speaker(seg: dict, words: list[dict], named: dict[str, voices.VoiceName]) -> dict:
    label = seg["speaker"]
    voice = named.get(label) if label else None
    return {
        **seg,
        "words": words,
        "label": label,
        "speaker": voice.name if voice else label,
        "suggested": bool(voice and voice.suggested),
        "doubtful": doubtful(seg),
    }
