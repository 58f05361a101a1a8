"""The openai-whisper (PyTorch) engine, fully offline with the bundled model.

The bundled model is CTranslate2 (faster-whisper's format); it is converted once into
an openai-whisper checkpoint and cached (see :mod:`transcription.convert`).
``whisper`` and ``torch`` are imported lazily: importing this module is cheap and works
without the ``openai`` extra installed.

openai-whisper has no VAD of its own. With ``options.vad`` on, Whisper's no-speech rule
is off here too and faster-whisper's Silero VAD takes its place: a segment Whisper doubts
is dropped only where the VAD hears no speech (as faster-whisper never transcribes that
audio at all); over speech it is kept and marked (see :mod:`transcription.guards`), and
speech Whisper passed over is heard again (:mod:`transcription.engines.gaps`).
"""

from __future__ import annotations

import logging
from pathlib import Path
from typing import Iterator

import numpy as np
import platformdirs

from transcription.convert import alignment_heads, ensure_openai_checkpoint
from transcription.engines.base import (
    COMPRESSION_RATIO_THRESHOLD,
    LOG_PROB_THRESHOLD,
    SEED,
    TEMPERATURES,
)
from transcription.engines.faster_whisper import no_speech_threshold, speech_spans, tight_speech, vad_parameters
from transcription.engines.gaps import fill_gaps, reach_speech
from transcription.audio import SAMPLE_RATE
from transcription.guards import whisper_doubted
from transcription.models import (ModelError, bundled_or_fail, choose_device, english_only_refuses, is_bundled,
                                  model_label)
from transcription.types import Segment, TranscribeOptions, TranscriptionInfo, Word

log = logging.getLogger(__name__)

def _over_silence(seg: Segment, speech: list[tuple[float, float]]) -> bool:
    """Whisper doubted this segment and the VAD hears no speech under it."""
    if not whisper_doubted(seg.no_speech_prob, seg.avg_logprob):
        return False
    return not any(start < seg.end and seg.start < end for start, end in speech)


def _set_alignment_heads(model, heads) -> None:
    """Set ``model.alignment_heads`` (sparse bool [n_text_layer, n_text_head]) from pairs."""
    import torch  # heavy, optional (see the module docstring)

    mask = torch.zeros(model.dims.n_text_layer, model.dims.n_text_head, dtype=torch.bool)
    for layer, head in heads:
        mask[layer, head] = True
    model.register_buffer("alignment_heads", mask.to_sparse(), persistent=False)


class OpenAIWhisperEngine:
    name = "openai-whisper"

    def __init__(self, options: TranscribeOptions, cache_dir: str | Path | None = None):
        if cache_dir is None:
            cache_dir = platformdirs.user_cache_dir("council-archive")
        self.cache_dir = Path(cache_dir)
        self.device = choose_device(options.device, self.name)
        self.fp16 = self.device == "cuda" and options.compute_type in ("auto", "float16")
        self.model, label = self._load(options.model)
        self.model_label = options.model_name or label

    def _load(self, spec: str | None):
        """A model from the bundled tiny.en, a CTranslate2 folder or a .pt file; never a download."""
        import whisper  # heavy, optional (see the module docstring)

        spec_path = bundled_or_fail() if is_bundled(spec) else Path(spec).expanduser()
        if (spec_path / "model.bin").is_file():
            checkpoint = ensure_openai_checkpoint(spec_path, self.cache_dir / "openai-whisper")
            model = whisper.load_model(str(checkpoint), device=self.device)
            heads = alignment_heads(spec_path)
            if heads:
                _set_alignment_heads(model, heads)
            return model, model_label(None if is_bundled(spec) else str(spec_path))
        if spec_path.suffix == ".pt" and spec_path.is_file():
            model = whisper.load_model(str(spec_path), device=self.device)
            known = getattr(whisper, "_ALIGNMENT_HEADS", {}).get(spec_path.stem)
            if known:  # e.g. a "tiny.en.pt" from openai-whisper's own download cache
                model.set_alignment_heads(known)
            return model, spec_path.stem
        raise ModelError(f"openai-whisper model not found: {spec} (give a .pt checkpoint or a CTranslate2 model "
                         "folder; nothing is downloaded)")

    @property
    def multilingual(self) -> bool:
        return bool(self.model.is_multilingual)

    def transcribe_array(
        self, audio: np.ndarray, options: TranscribeOptions, offset: float = 0.0
    ) -> tuple[Iterator[Segment], TranscriptionInfo]:
        audio = np.asarray(audio, dtype=np.float32)
        if options.language not in (None, "", "en") and not self.multilingual:
            raise english_only_refuses(self.model_label, options.language)  # never English made up from Spanish
        language = "en" if not self.model.is_multilingual else options.language
        info = TranscriptionInfo(
            language=language or "",  # detected on the first next() when empty
            duration=len(audio) / SAMPLE_RATE,
            engine=self.name,
            model=self.model_label,
        )
        return self._segments(audio, options, info, offset), info

    def detect_language(self, audio: np.ndarray) -> tuple[str, float]:
        """The language spoken in the first 30 s of ``audio`` and how sure (English-only: "en")."""
        if not self.multilingual:
            return "en", 1.0
        import whisper  # heavy, optional (see the module docstring)

        mel = whisper.log_mel_spectrogram(
            whisper.pad_or_trim(audio), self.model.dims.n_mels
        ).to(self.model.device)
        _, probs = self.model.detect_language(mel)
        language = max(probs, key=probs.get)
        return language, float(probs[language])

    def _segments(
        self, audio: np.ndarray, options: TranscribeOptions, info: TranscriptionInfo, offset: float
    ) -> Iterator[Segment]:
        """Generator: the whole transcription runs on the first ``next()``."""
        import torch  # heavy, optional (see the module docstring)

        if len(audio) == 0:
            return
        torch.manual_seed(SEED)  # Whisper samples where it is unsure: the same audio, the same text
        if options.cpu_threads > 0:
            torch.set_num_threads(options.cpu_threads)
        if not info.language:
            info.language, info.language_probability = self.detect_language(audio)
        if not options.vad:
            yield from self._decode(audio, options, info, offset)
            return
        vad = vad_parameters(audio)
        speech = [(a + offset, b + offset) for a, b in speech_spans(audio, vad)]
        heard = []
        for seg in self._decode(audio, options, info, offset):
            if _over_silence(seg, speech):
                log.debug("%.1f-%.1f s: no speech by Whisper and the VAD: %r", seg.start, seg.end, seg.text)
            else:
                heard.append(seg)

        def listen(start: float, end: float) -> Iterator[Segment]:
            """Transcribe ``start``-``end`` (seconds of the recording) on its own."""
            piece = audio[int((start - offset) * SAMPLE_RATE) : int((end - offset) * SAMPLE_RATE)]
            return self._decode(piece, options, info, start)

        tight = tight_speech(audio, vad, offset)
        yield from reach_speech(fill_gaps(heard, tight, listen), tight)

    def _decode(self, audio: np.ndarray, options: TranscribeOptions, info: TranscriptionInfo, offset: float) -> Iterator[Segment]:
        beam_size = options.beam_size if options.beam_size > 1 else None
        result = self.model.transcribe(
            audio,
            verbose=None,
            language=info.language,
            task="transcribe",
            temperature=TEMPERATURES,
            beam_size=beam_size,
            best_of=5 if beam_size else None,  # sampling candidates at temperature > 0
            initial_prompt=options.initial_prompt,
            condition_on_previous_text=False,
            compression_ratio_threshold=COMPRESSION_RATIO_THRESHOLD,
            logprob_threshold=LOG_PROB_THRESHOLD,
            no_speech_threshold=no_speech_threshold(options),
            word_timestamps=options.word_timestamps,
            fp16=self.fp16,
        )
        for seg in result["segments"]:
            text = seg["text"].strip()
            if not text:
                continue
            words = [
                Word(
                    start=round(w["start"] + offset, 3),
                    end=round(w["end"] + offset, 3),
                    word=w["word"],
                    probability=round(float(w["probability"]), 4),
                )
                for w in seg.get("words", [])
                if w["word"].strip()
            ]
            yield Segment(
                start=round(seg["start"] + offset, 3),
                end=round(seg["end"] + offset, 3),
                text=text,
                words=words,
                avg_logprob=float(seg["avg_logprob"]),
                no_speech_prob=float(seg["no_speech_prob"]),
                compression_ratio=float(seg["compression_ratio"]),
            )
