"""A fake transcriber for GUI tests: the demo meeting's script (real word times) played back
as Whisper segments, optionally slowly, so imports are fast, deterministic and cancellable.

It has the Transcriber surface the Importer uses: ``transcribe(path, options=None,
start=0.0) -> (iterator of Segment, TranscriptionInfo)``, ``model_label``, ``close()``,
``cancel()``.
"""

from __future__ import annotations

import json
import threading
from pathlib import Path
from typing import Iterable, Optional

from transcription.types import Segment, TranscriptionInfo, Word

DEMO_JSON = Path(__file__).resolve().parents[1] / "archive" / "demo" / "council_meeting.json"


def demo_lines() -> list[dict]:
    return json.loads(DEMO_JSON.read_text())["lines"]


def demo_segments(uncertain: Iterable[str] = ()) -> list[Segment]:
    """The demo script as Segments; words listed in ``uncertain`` get probability 0.3."""
    unsure = {u.lower() for u in uncertain}
    segments = []
    for line in demo_lines():
        tokens = line["text"].split()
        if len(tokens) != len(line["words"]):  # keep the script's punctuation when the words line up
            tokens = [w["word"] for w in line["words"]]
        words = [
            Word(w["start"], w["end"], " " + t, 0.3 if w["word"].lower() in unsure else 0.95)
            for w, t in zip(line["words"], tokens)
        ]
        segments.append(Segment(start=line["start"], end=line["end"], text=" " + line["text"], words=words))
    return segments


class FakeTranscriber:
    """Yields prepared segments; ``delay`` seconds before each one (cancel wakes it up)."""

    def __init__(self, segments: Optional[list[Segment]] = None, delay: float = 0.0,
                 duration: Optional[float] = None, model_label: str = "fake-tiny", language: str = "en"):
        self.segments = segments if segments is not None else demo_segments()
        self.delay = delay
        self.duration = duration if duration is not None else max((s.end for s in self.segments), default=0.0)
        self.model_label = model_label
        self.language = language  # what it reports hearing (a multilingual model's detection)
        self.calls: list[tuple[str, object, float]] = []
        self.yielded = 0
        self.closed = False
        self._cancel = threading.Event()

    def transcribe(self, path, options=None, start: float = 0.0):
        self.calls.append((str(path), options, start))
        self._cancel.clear()
        todo = [s for s in self.segments if s.start >= start - 1e-6]

        def stream():
            for seg in todo:
                if self.delay and self._cancel.wait(self.delay):
                    return
                if self._cancel.is_set():
                    return
                self.yielded += 1
                yield seg

        info = TranscriptionInfo(language=self.language, duration=self.duration, engine="fake", model=self.model_label)
        return stream(), info

    def cancel(self) -> None:
        self._cancel.set()

    def close(self) -> None:
        self.closed = True


def factory(transcriber: FakeTranscriber):
    """A transcriber_factory for desktop.app.create_window that always returns ``transcriber``."""

    def make(engine, options, cache_dir):
        return transcriber

    return make
