"""Which language a recording is spoken in, and so which model hears it.

An English-only model (the bundled tiny.en, any ``*.en``) cannot tell what language it
hears: it writes English whatever is said. When the transcribe options name a multilingual
model too (``TranscribeOptions.multilingual``), the multilingual model listens to the start
of the recording first (unless ``language`` says which); a recording that is not in English
is then transcribed with the multilingual model, never forced through the English-only one.
"""

from __future__ import annotations

import dataclasses
import logging
from typing import Callable, Optional

from transcription import audio
from transcription.models import model_label, model_languages
from transcription.types import TranscribeOptions

log = logging.getLogger(__name__)

DETECT_SECONDS = 120.0  # the part of a recording the language is heard from (its speech, 3 x 30 s)


def may_switch(options: TranscribeOptions) -> bool:
    """The options pick an English-only model, offer a multilingual one, and do not say the
    language is English."""
    return (options.multilingual is not None and options.language != "en"
            and model_languages(options.model) == ("en",))


def multilingual_options(options: TranscribeOptions) -> TranscribeOptions:
    """The same options with the multilingual model in the English-only one's place."""
    choice = options.multilingual
    return dataclasses.replace(options, model=choice.path, model_name=choice.name, multilingual=None)


def detect(engine, path: str, duration: float) -> tuple[str, float]:
    """The language spoken near the start of ``path``, by ``engine`` (a multilingual one)."""
    samples = audio.decode(path, start=0.0, duration=min(duration, DETECT_SECONDS) or None,
                           expected_duration=min(duration, DETECT_SECONDS))
    return engine.detect_language(samples)


def switch_note(language: str, options: TranscribeOptions) -> str:
    """The recording's note when its language sent it to the multilingual model."""
    english_only = model_label(options.model, options.model_name)
    return (f"spoken language {language}: transcribed with {options.multilingual.name}, "
            f"not the English-only {english_only}")


def language_route(engine: Callable, path: str, duration: float, options: TranscribeOptions
                   ) -> Optional[tuple[str, float]]:
    """``(language, probability)`` when a recording is not in English (transcribe it with the
    multilingual model), None when it is (the English-only model is right). The language
    given in the options, else as ``engine()`` (the multilingual one) hears it."""
    if options.language:
        return options.language, 1.0
    language, probability = detect(engine(), path, duration)
    log.info("%s: language %s (p=%.2f) by %s", path, language, probability, options.multilingual.name)
    return None if language == "en" else (language, probability)
