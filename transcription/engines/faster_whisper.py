"""The default engine: faster-whisper (CTranslate2), int8 on CPU, word timestamps on.

Its Silero VAD decides where the speech is (also for the openai-whisper engine). With the
VAD on, Whisper's own no-speech rule is off: a window Whisper doubts is still transcribed
and comes back marked, never silently skipped (see :mod:`transcription.guards`).
"""

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
    SEED,
    TEMPERATURES,
)
from transcription.engines.gaps import fill_gaps, reach_speech
from transcription.models import choose_device, compute_type_for, english_only_refuses, resolve_ct2_model
from transcription.types import Segment, TranscribeOptions, TranscriptionInfo, Word

log = logging.getLogger(__name__)

# Whisper's own guards against loops and invented text (see also transcription.guards).
DECODE_GUARDS = dict(
    condition_on_previous_text=False,
    compression_ratio_threshold=COMPRESSION_RATIO_THRESHOLD,
    log_prob_threshold=LOG_PROB_THRESHOLD,
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


VAD_PARAMETERS = {"min_silence_duration_ms": 500, "speech_pad_ms": 300}
# Silero's speech probability on telephone-band audio runs lower: a lower threshold finds
# the short replies ("Here.") it otherwise misses there (docs/benchmarks.md, Speech coverage).
NARROW_BAND_VAD_THRESHOLD = 0.35
# Power above 4.2 kHz against the 0.3-3.4 kHz speech band below which audio is narrow-band
# (phone, radio, 8 kHz sources: -50 to -60 dB; full-band speech: -8 to -25 dB).
NARROW_BAND_DB = -35.0


def no_speech_threshold(options: TranscribeOptions) -> float | None:
    """Whisper's rule skips a window it doubts holds speech. With the VAD on, the VAD has
    found speech there, so nothing is skipped (the doubt is kept as a mark instead); with
    the VAD off, Whisper's rule is the only thing that keeps text off silence."""
    return None if options.vad else NO_SPEECH_THRESHOLD


def band_ratio_db(audio: np.ndarray, frame: int = 1024) -> float:
    """Power in 4.2-7.5 kHz relative to 0.3-3.4 kHz, over the louder half of the frames."""
    n = len(audio) // frame
    if n == 0:
        return 0.0
    step = max(1, n // 2000)  # at most ~2000 frames: cheap on a 10-minute chunk
    frames = audio[: n * frame].reshape(n, frame)[::step].astype(np.float32)
    power = np.abs(np.fft.rfft(frames * np.hanning(frame).astype(np.float32), axis=1)) ** 2
    energy = power.sum(axis=1)
    spectrum = power[energy >= np.median(energy)].mean(axis=0)
    freqs = np.fft.rfftfreq(frame, 1 / SAMPLE_RATE)
    high = spectrum[(freqs > 4200) & (freqs < 7500)].sum()
    speech = spectrum[(freqs > 300) & (freqs < 3400)].sum()
    return float(10 * np.log10(high / speech + 1e-20)) if speech > 0 else 0.0


def vad_parameters(audio: np.ndarray) -> dict:
    """Silero VAD settings for this audio: a lower speech threshold on narrow-band audio."""
    if band_ratio_db(audio) < NARROW_BAND_DB:
        return {**VAD_PARAMETERS, "threshold": NARROW_BAND_VAD_THRESHOLD}
    return dict(VAD_PARAMETERS)


def speech_spans(audio: np.ndarray, parameters: dict | None = None) -> list[tuple[float, float]]:
    """Where the VAD hears speech, in seconds from the start of ``audio``."""
    disable_onnxruntime_telemetry()
    from faster_whisper.vad import VadOptions, get_speech_timestamps  # heavy (onnxruntime)

    options = VadOptions(**(parameters if parameters is not None else vad_parameters(audio)))
    return [(s["start"] / SAMPLE_RATE, s["end"] / SAMPLE_RATE) for s in get_speech_timestamps(audio, options)]


def tight_speech(audio: np.ndarray, parameters: dict, offset: float = 0.0) -> list[tuple[float, float]]:
    """Speech spans ``offset`` seconds later, without padding and split at pauses over 0.1 s:
    where to look for speech that no segment covers."""
    tight = {**parameters, "speech_pad_ms": 0, "min_silence_duration_ms": 100}
    return [(start + offset, end + offset) for start, end in speech_spans(audio, tight)]


class SeededSampling:
    """faster-whisper's CTranslate2 model, drawing the same random numbers for the same audio.

    CTranslate2 samples from one random generator per decoding thread, seeded (from
    ``ctranslate2.set_random_seed``) when that thread first samples and never again: what a
    window got would depend on all that the process sampled before it (other chunks, other
    recordings, which worker process got which chunk), and hard radio came out different in
    every run. :meth:`fresh` starts each transcription from ``SEED``: a model that has sampled
    is loaded again (new threads, new generators; tiny.en takes ~0.15 s), one that has not
    (clean speech seldom falls back) is kept.
    """

    def __init__(self, model, load):
        self._model, self._load, self.sampled = model, load, False

    def fresh(self) -> None:
        import ctranslate2  # imported already by the engine

        ctranslate2.set_random_seed(SEED)  # read by each new thread's generator when it first samples
        if self.sampled:
            self._model = None  # the old model's memory goes before the new one's comes
            self._model, self.sampled = self._load(), False

    def generate(self, *args, **kwargs):
        if kwargs.get("sampling_topk", 1) != 1:
            self.sampled = True
        return self._model.generate(*args, **kwargs)

    def __getattr__(self, name):
        return getattr(self._model, name)


class FasterWhisperEngine:
    name = "faster-whisper"

    def __init__(self, options: TranscribeOptions):
        disable_onnxruntime_telemetry()
        import ctranslate2  # heavy: imported only when an engine is built
        from faster_whisper import WhisperModel

        self.device = choose_device(options.device, self.name)
        target, self.model_label = resolve_ct2_model(options.model, options.model_name)
        compute_type = compute_type_for(self.device, options.compute_type)
        try:
            self.model = WhisperModel(
                target, device=self.device, compute_type=compute_type, cpu_threads=options.cpu_threads or 0, num_workers=1
            )
        except Exception as exc:
            raise RuntimeError(
                f"cannot load Whisper model {options.model_name or options.model or target!r} for faster-whisper: "
                f"{exc}".splitlines()[0]
            ) from exc

        def load():  # as WhisperModel loads it
            return ctranslate2.models.Whisper(target, device=self.device, compute_type=compute_type,
                                              intra_threads=options.cpu_threads or 0, inter_threads=1)

        self.model.model = SeededSampling(self.model.model, load)

    @property
    def multilingual(self) -> bool:
        return bool(self.model.model.is_multilingual)

    def _language(self, options: TranscribeOptions) -> str | None:
        if options.language not in (None, "", "en") and not self.multilingual:
            raise english_only_refuses(self.model_label, options.language)  # never English made up from Spanish
        if options.language:
            return options.language
        return None if self.multilingual else "en"

    def detect_language(self, audio: np.ndarray) -> tuple[str, float]:
        """The language spoken in ``audio`` (its speech, up to three 30 s windows) and how sure."""
        if not self.multilingual:
            return "en", 1.0
        language, probability, _ = self.model.detect_language(
            audio, vad_filter=True, vad_parameters=vad_parameters(audio), language_detection_segments=3
        )
        return language, float(probability)

    def transcribe_array(
        self, audio: np.ndarray, options: TranscribeOptions, offset: float = 0.0
    ) -> tuple[Iterator[Segment], TranscriptionInfo]:
        duration = len(audio) / SAMPLE_RATE
        language = self._language(options)
        info = TranscriptionInfo(
            language=language or "", duration=duration, engine=self.name, model=self.model_label
        )

        def decode(samples: np.ndarray, at: float, vad: dict | None) -> Iterator[Segment]:
            segments, fw_info = self.model.transcribe(
                samples,
                language=language or info.language or None,
                beam_size=options.beam_size,
                word_timestamps=options.word_timestamps,
                vad_filter=vad is not None,
                vad_parameters=vad,
                initial_prompt=options.initial_prompt or None,
                no_speech_threshold=no_speech_threshold(options),
                **DECODE_GUARDS,
            )
            if not info.language:
                info.language = fw_info.language
                info.language_probability = fw_info.language_probability
            return (_segment(seg, at) for seg in segments if seg.text.strip())

        def listen(start: float, end: float) -> Iterator[Segment]:
            """Transcribe ``start``-``end`` (seconds of the recording) on its own."""
            return decode(audio[int((start - offset) * SAMPLE_RATE) : int((end - offset) * SAMPLE_RATE)], start, None)

        def generate() -> Iterator[Segment]:
            if duration <= 0:
                return
            self.model.model.fresh()
            if not options.vad:
                yield from decode(audio, offset, None)
                return
            vad = vad_parameters(audio)
            segments = decode(audio, offset, vad)
            speech = tight_speech(audio, vad, offset)
            yield from reach_speech(fill_gaps(segments, speech, listen), speech)

        return generate(), info


def _segment(seg, offset: float) -> Segment:
    """One of faster-whisper's segments as ours, ``offset`` seconds later."""
    words = [
        Word(round(w.start + offset, 3), round(w.end + offset, 3), w.word, round(w.probability, 4))
        for w in (seg.words or [])
        if w.word.strip()
    ]
    return Segment(
        start=round(seg.start + offset, 3),
        end=round(seg.end + offset, 3),
        text=seg.text.strip(),
        words=words,
        avg_logprob=seg.avg_logprob,
        no_speech_prob=seg.no_speech_prob,
        compression_ratio=seg.compression_ratio,
    )
