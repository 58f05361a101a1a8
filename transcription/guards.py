"""Our own checks for Whisper's known failure modes, on top of the engines' thresholds.

* **Repetition loops**: the same word or phrase over and over inside a segment, or
  the same segment text again and again in a row (radio and phone audio provoke it).
* **Hallucinated boilerplate**: stock phrases such as "Thank you for watching" that
  Whisper invents over silence or music, recognised when the model itself doubted
  there was speech.

Flagged segments are not dropped: they keep their text and get ``segment.flag`` set,
so a transcript view can show them greyed out while the search index leaves them out.

* **Doubtful speech**: a segment Whisper's own no-speech rule would have skipped (it
  doubted there was speech and was unsure of its words) where the VAD heard speech. It is
  not flagged: it keeps ``flag`` None, gets ``segment.doubtful``, is indexed, and is shown
  as uncertain. Only loops and stock phrases stay out of the index.
"""

from __future__ import annotations

import re
from typing import Iterable, Iterator

from transcription.engines.base import COMPRESSION_RATIO_THRESHOLD, LOG_PROB_THRESHOLD, NO_SPEECH_THRESHOLD
from transcription.types import Segment

REPETITION = "repetition"
HALLUCINATION = "hallucination"

_WORD_RE = re.compile(r"[\w']+")

# Phrases Whisper is known to produce over silence, music or noise (from its
# subtitle-laden training data). Compared after normalising case and punctuation.
BOILERPLATE = (
    "thank you for watching",
    "thanks for watching",
    "thank you for listening",
    "thanks for listening",
    "please subscribe",
    "like and subscribe",
    "subscribe to my channel",
    "subtitles by",
    "subtitled by",
    "captions by",
    "transcribed by",
    "translated by",
    "amara org",
    "see you in the next video",
    "i'll see you next time",
    "bye bye",
)

# Single tokens that Whisper emits alone over non-speech.
_LONE_NOISE = {"you", "thank you", "bye", "music", "applause", "silence", "oh", "um", "uh"}


def words_of(text: str) -> list[str]:
    return [w.lower() for w in _WORD_RE.findall(text)]


def longest_repeat(words: list[str], max_unit: int = 8) -> tuple[int, int]:
    """Longest run of a unit of ``n`` words repeated back to back: ``(unit, repeats)``."""
    best = (1, 1 if words else 0)
    for n in range(1, max_unit + 1):
        i = 0
        while i + 2 * n <= len(words):
            reps = 1
            while words[i + reps * n : i + (reps + 1) * n] == words[i : i + n]:
                reps += 1
            if reps > 1 and reps * n > best[0] * best[1]:
                best = (n, reps)
            i += max(1, (reps - 1) * n) if reps > 1 else 1
    return best


def is_repetition_loop(text: str) -> bool:
    """True when a word repeats 5+ times or a phrase 4+ times (3+ if it is long) in a row."""
    unit, reps = longest_repeat(words_of(text))
    if unit == 1:
        return reps >= 5
    if unit <= 3:
        return reps >= 4
    return reps >= 3


def is_boilerplate(text: str) -> bool:
    norm = " ".join(words_of(text))
    if not norm:
        return False
    return any(phrase in norm for phrase in BOILERPLATE) and len(norm.split()) <= 12


def _doubtful(seg: Segment) -> bool:
    """The model itself doubted this was speech."""
    return seg.no_speech_prob >= 0.3 or seg.avg_logprob <= -0.8


def whisper_doubted(no_speech_prob: float | None, avg_logprob: float | None) -> bool:
    """Whisper's own no-speech rule, which skips such a window when it is on."""
    if no_speech_prob is None or avg_logprob is None:  # e.g. captions
        return False
    return no_speech_prob > NO_SPEECH_THRESHOLD and avg_logprob < LOG_PROB_THRESHOLD


def classify(seg: Segment) -> str | None:
    if seg.compression_ratio > COMPRESSION_RATIO_THRESHOLD or is_repetition_loop(seg.text):
        return REPETITION
    norm = " ".join(words_of(seg.text))
    if is_boilerplate(seg.text) and (_doubtful(seg) or norm.startswith(("thank you for watching", "thanks for watching", "please subscribe", "subtitles by", "amara"))):
        return HALLUCINATION
    if norm in _LONE_NOISE and _doubtful(seg):
        return HALLUCINATION
    return None


def guard(segments: Iterable[Segment], max_same: int = 2) -> Iterator[Segment]:
    """Flag suspicious segments in a stream (lazy: one segment of look-back) and mark
    doubtful ones.

    A segment text that repeats more than ``max_same`` times in a row is a loop:
    the first copies stay, the rest are flagged as repetition.
    """
    last_norm = None
    run = 0
    for seg in segments:
        if seg.flag is None:
            seg.flag = classify(seg)
        norm = " ".join(words_of(seg.text))
        run = run + 1 if norm and norm == last_norm else 1
        last_norm = norm
        if run > max_same and seg.flag is None:
            seg.flag = REPETITION
        seg.doubtful = seg.flag is None and whisper_doubted(seg.no_speech_prob, seg.avg_logprob)
        yield seg


def recheck_loops(segments: Iterable[Segment]) -> Iterator[Segment]:
    """Flag a segment that became a repetition loop when fragments were joined into it
    (:func:`transcription.segmenting.sentences` joins what :func:`guard` judged one by one:
    "the the" + "the the the"). Lazy, like :func:`guard`; loops never reach the index."""
    for seg in segments:
        if seg.flag is None and is_repetition_loop(seg.text):
            seg.flag = REPETITION
            seg.doubtful = False
        yield seg
