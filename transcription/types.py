"""Small dataclasses shaped like faster-whisper's: ``Segment``, ``Word``, info, options.

All times are seconds (float), relative to the start of the media file.
"""

from __future__ import annotations

from dataclasses import asdict, dataclass, field
from typing import Callable, Optional


@dataclass
class Word:
    start: float
    end: float
    word: str  # as Whisper gives it, usually with a leading space
    probability: float = 1.0

    @property
    def text(self) -> str:
        return self.word


@dataclass
class Segment:
    start: float
    end: float
    text: str
    words: list[Word] = field(default_factory=list)
    avg_logprob: float = 0.0
    no_speech_prob: float = 0.0
    compression_ratio: float = 0.0
    # None for ordinary speech; otherwise why this text is not trusted
    # ("repetition", "hallucination"). Flagged segments are kept visible but not indexed.
    flag: Optional[str] = None
    # Whisper doubted there was speech here (its no-speech rule) but the VAD heard some:
    # kept, indexed and shown as uncertain (see transcription.guards).
    doubtful: bool = False
    # the spoken language's code ("en", "es"), as heard for its stretch (transcription.languages)
    language: Optional[str] = None

    def to_dict(self) -> dict:
        return asdict(self)


@dataclass
class TranscriptionInfo:
    language: str
    duration: float
    engine: str
    model: str
    language_probability: float = 1.0
    # for people, e.g. that an English-only model was passed over for the spoken language
    note: str = ""
    # the machines working on it now ("" = this computer; a cluster's nodes otherwise)
    where: str = ""


@dataclass(frozen=True)
class ModelChoice:
    """A local model: the path to load, the name to record, the engine its format needs."""

    path: str
    name: str
    engine: str


@dataclass
class TranscribeOptions:
    model: Optional[str] = None  # a path, or None / "tiny.en" = the bundled tiny.en
    model_name: Optional[str] = None  # the name recorded for it (None: from the path)
    language: Optional[str] = None  # None = let the model decide ("en" for *.en models)
    beam_size: int = 5
    device: str = "auto"  # auto | cpu | cuda (transcription.models.choose_device)
    compute_type: str = "auto"  # auto: float16 on a GPU, int8 on the CPU; or any CTranslate2 type
    # A multilingual model to hear the language with when ``model`` is English-only and no
    # ``language`` is given; a recording not in English is then transcribed with it.
    multilingual: Optional[ModelChoice] = None
    initial_prompt: Optional[str] = None
    vad: bool = True
    word_timestamps: bool = True
    # Parallelism for one file: worker processes (1 thread each). 0 = one per core.
    workers: int = 0
    cpu_threads: int = 0  # threads for an in-process run; 0 = library default
    # Called as progress(fraction 0..1) after each segment; cancel by stopping iteration.
    progress: Optional[Callable[[float], None]] = field(default=None, compare=False, repr=False)
