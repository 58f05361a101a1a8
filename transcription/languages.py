"""Which language each stretch of a recording is spoken in, and so which model hears it.

An English-only model (the bundled tiny.en, any ``*.en``) cannot tell what language it
hears: it writes English whatever is said. When a multilingual model is at hand (the
chosen one, or ``TranscribeOptions.multilingual`` beside an English-only one) and the
options do not say the language, the multilingual model listens to every stretch of
speech first (:func:`hear`): the stretches in English go to the chosen model, the others
to the multilingual one, each transcribed in its own language. A council meeting with
public comment in Spanish is never forced through the English-only model.

Cheap by design: the VAD's speech is joined into windows of at most one Whisper window
(``WINDOW``, 30 s), and each window is heard once (one encoder pass): consecutive speech
shares a decision when the detector is confident. A window it is unsure of (below
``CONFIDENT``: often two languages in one window) is heard again span by span.
"""

from __future__ import annotations

import dataclasses
import logging
import os
from collections import defaultdict
from dataclasses import dataclass
from typing import Iterable, Optional

import numpy as np

from transcription import audio
from transcription.models import is_bundled, model_label, model_languages
from transcription.types import TranscribeOptions

log = logging.getLogger(__name__)

DETECT_SECONDS = 120.0  # the part of a recording the language is heard from (its speech, 3 x 30 s)
WINDOW = 30.0  # Whisper hears a language in one 30 s window: speech is heard in windows this long at most
CONFIDENT = 0.8  # a window heard less surely than this is heard again span by span


@dataclass(frozen=True)
class Stretch:
    """A stretch of a recording in one language (seconds in the recording)."""

    start: float
    end: float
    language: str
    probability: float = 1.0


def english_only(options: TranscribeOptions) -> bool:
    """The chosen model hears only English (a model not found here counts as one: its engine
    says what is wrong when it loads it)."""
    if not is_bundled(options.model) and not os.path.exists(options.model):
        return True
    return model_languages(options.model) == ("en",)


def may_switch(options: TranscribeOptions) -> bool:
    """The options pick an English-only model, offer a multilingual one, and do not say the
    language is English."""
    return options.multilingual is not None and options.language != "en" and english_only(options)


def listens(options: TranscribeOptions) -> bool:
    """The language of each stretch is heard: none is given, and a multilingual model is at
    hand (the chosen one, or one offered beside an English-only one)."""
    return not options.language and (options.multilingual is not None or not english_only(options))


def multilingual_options(options: TranscribeOptions) -> TranscribeOptions:
    """The same options with the multilingual model in the English-only one's place."""
    choice = options.multilingual
    return dataclasses.replace(options, model=choice.path, model_name=choice.name, multilingual=None)


def detect(engine, path: str, duration: float) -> tuple[str, float]:
    """The language spoken near the start of ``path``, by ``engine`` (a multilingual one)."""
    samples = audio.decode(path, start=0.0, duration=min(duration, DETECT_SECONDS) or None,
                           expected_duration=min(duration, DETECT_SECONDS))
    return engine.detect_language(samples)


def windows(spans: Iterable[tuple[float, float]], length: float = WINDOW) -> list[list[tuple[float, float]]]:
    """Speech spans (seconds, in order) joined into windows of at most ``length`` seconds, each
    window as its spans; a span longer than that is cut into pieces."""
    out: list[list[tuple[float, float]]] = []
    for a, b in spans:
        while b - a > length:
            out.append([(a, a + length)])
            a += length
        if out and b - out[-1][0][0] <= length:
            out[-1].append((a, b))
        else:
            out.append([(a, b)])
    return out


def speech_spans(samples: np.ndarray, vad: bool) -> list[tuple[float, float]]:
    """Where there is speech in ``samples`` (the VAD's, or all of it without the VAD)."""
    duration = len(samples) / audio.SAMPLE_RATE
    if not vad:
        return [(0.0, duration)] if duration else []
    from transcription.engines.faster_whisper import speech_spans as vad_spans  # heavy (onnxruntime)

    return vad_spans(samples)


def hear(engine, samples: np.ndarray, offset: float = 0.0, vad: bool = True) -> list[Stretch]:
    """The stretches of ``samples`` (``offset`` seconds into the recording) by language, as
    ``engine`` (a multilingual one) hears them; together they cover all of ``samples``.
    Audio in which the VAD hears no speech is heard from its start, as one stretch."""
    duration = len(samples) / audio.SAMPLE_RATE

    def detect_in(a: float, b: float) -> tuple[str, float]:
        return engine.detect_language(samples[int(a * audio.SAMPLE_RATE):int(b * audio.SAMPLE_RATE)])

    heard: list[Stretch] = []
    for window in windows(speech_spans(samples, vad)) or [[(0.0, min(duration, WINDOW))]]:
        language, p = detect_in(window[0][0], window[-1][1])
        if p >= CONFIDENT or len(window) == 1:
            heard.append(Stretch(window[0][0], window[-1][1], language, p))
        else:  # unsure: perhaps two languages in one window
            heard += [Stretch(a, b, *detect_in(a, b)) for a, b in window]
    return [dataclasses.replace(s, start=round(s.start + offset, 3), end=round(s.end + offset, 3))
            for s in join(heard, duration)]


def join(heard: list[Stretch], duration: float) -> list[Stretch]:
    """Neighbours in the same language made one stretch; the cut between two languages in the
    middle of the pause between them; the first from 0, the last to ``duration``."""
    out: list[Stretch] = []
    for s in heard:
        if out and out[-1].language == s.language:
            out[-1] = dataclasses.replace(out[-1], end=s.end, probability=min(out[-1].probability, s.probability))
        else:
            if out:
                cut = (out[-1].end + s.start) / 2
                out[-1] = dataclasses.replace(out[-1], end=cut)
                s = dataclasses.replace(s, start=cut)
            out.append(s)
    if out:
        out[0] = dataclasses.replace(out[0], start=0.0)
        out[-1] = dataclasses.replace(out[-1], end=duration)
    return out


def main_language(stretches: Iterable[Stretch]) -> Optional[str]:
    """The language spoken longest."""
    time: dict[str, float] = defaultdict(float)
    for s in stretches:
        time[s.language] += s.end - s.start
    return max(time, key=time.get) if time else None


def switch_note(languages: Iterable[str], options: TranscribeOptions) -> str:
    """The recording's note when languages other than English went to the multilingual model
    (``languages``: every language heard, in order of speech time)."""
    languages = list(languages)
    others = [lang for lang in languages if lang != "en"]
    english_only_label = model_label(options.model, options.model_name)
    heard = f"spoken language {others[0]}" if languages == others[:1] else f"spoken languages {'+'.join(languages)}"
    passages = "" if languages == others[:1] else f" ({'+'.join(others)} passages)"
    return f"{heard}: transcribed with {options.multilingual.name}{passages}, not the English-only {english_only_label}"

