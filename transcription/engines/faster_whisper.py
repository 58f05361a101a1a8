"""The default engine: faster-whisper (CTranslate2), int8 on CPU, word timestamps on."""

from __future__ import annotations

import logging
import os
from typing import Iterator

import numpy as np

from transcription.audio import SAMPLE_RATE
from transcription.engines.base import (
    COMPRESSION_RATIO_THRESHOLD,
    LOG_PROB_THRESHOLD,
    NO_SPEECH_THRESHOLD,
    TEMPERATURES,
)
from transcription.models import is_english_only, resolve_ct2_model
from transcription.types import Segment, TranscribeOptions, TranscriptionInfo, Word

log = logging.getLogger(__name__)

# Whisper's own guards against loops and invented text (see also transcription.guards).
DECODE_GUARDS = dict(
    condition_on_previous_text=False,
    compression_ratio_threshold=COMPRESSION_RATIO_THRESHOLD,
    log_prob_threshold=LOG_PROB_THRESHOLD,
    no_speech_threshold=NO_SPEECH_THRESHOLD,
    temperature=TEMPERATURES,
)


def disable_onnxruntime_telemetry() -> None:
    """onnxruntime (faster-whisper's VAD) phones home unless told not to: we are offline
    by promise, so switch its telemetry off before it is first imported."""
    os.environ.setdefault("ORT_DISABLE_TELEMETRY", "1")
    try:
        import onnxruntime

        onnxruntime.disable_telemetry_events()
    except (ImportError, AttributeError):  # pragma: no cover - depends on the onnxruntime build
        log.warning("cannot switch off onnxruntime's telemetry events (ORT_DISABLE_TELEMETRY is set)", exc_info=True)


class FasterWhisperEngine:
    name = "faster-whisper"

    def __init__(self, options: TranscribeOptions):
        disable_onnxruntime_telemetry()
        from faster_whisper import WhisperModel  # heavy: imported only when an engine is built

        target, self.model_label = resolve_ct2_model(options.model)
        try:
            self.model = WhisperModel(
                target,
                device="cpu",
                compute_type=options.compute_type or "int8",
                cpu_threads=options.cpu_threads or 0,
                num_workers=1,
            )
        except Exception as exc:
            raise RuntimeError(
                f"cannot load Whisper model {options.model or target!r} for faster-whisper "
                f"(a model name needs a download; offline, give a local path): {exc}".splitlines()[0]
            ) from exc

    def _language(self, options: TranscribeOptions) -> str | None:
        if options.language:
            return options.language
        return "en" if is_english_only(self.model_label) or not self.model.model.is_multilingual else None

    def transcribe_array(
        self, audio: np.ndarray, options: TranscribeOptions, offset: float = 0.0
    ) -> tuple[Iterator[Segment], TranscriptionInfo]:
        duration = len(audio) / SAMPLE_RATE
        language = self._language(options)
        info = TranscriptionInfo(
            language=language or "", duration=duration, engine=self.name, model=self.model_label
        )

        def generate() -> Iterator[Segment]:
            if duration <= 0:
                return
            segments, fw_info = self.model.transcribe(
                audio,
                language=language,
                beam_size=options.beam_size,
                word_timestamps=options.word_timestamps,
                vad_filter=options.vad,
                vad_parameters={"min_silence_duration_ms": 500, "speech_pad_ms": 300},
                initial_prompt=options.initial_prompt or None,
                **DECODE_GUARDS,
            )
            info.language = fw_info.language
            info.language_probability = fw_info.language_probability
            for seg in segments:
                text = seg.text.strip()
                if not text:
                    continue
                words = [
                    Word(round(w.start + offset, 3), round(w.end + offset, 3), w.word, round(w.probability, 4))
                    for w in (seg.words or [])
                    if w.word.strip()
                ]
                yield Segment(
                    start=round(seg.start + offset, 3),
                    end=round(seg.end + offset, 3),
                    text=text,
                    words=words,
                    avg_logprob=seg.avg_logprob,
                    no_speech_prob=seg.no_speech_prob,
                    compression_ratio=seg.compression_ratio,
                )

        return generate(), info
