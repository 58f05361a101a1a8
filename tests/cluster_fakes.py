"""Fakes that run inside Ray workers: the demo meeting's script as a Whisper engine, and
a fixed diarizer. Ray pickles them by reference, so the worker nodes must be able to
import ``tests`` (tests/ray_cluster.py starts them with this checkout on PYTHONPATH).

``FakeEngine`` answers a chunk of audio with the script's words that start in it, at
their real times, as its lines: a file cut into chunks between lines (as the demo's
quiet moments are) gives the same segments as one whole, so a cluster import can be
compared with a local one exactly, and a resumed one too.
"""

from __future__ import annotations

import copy
import time
from dataclasses import dataclass
from typing import Optional

from tests.fakes import demo_segments
from transcription.audio import SAMPLE_RATE
from transcription.diarize.fake import FakeDiarizer
from transcription.types import Segment, TranscriptionInfo


class FakeEngine:
    name = "fake"

    def __init__(self, delay: float = 0.0, label: str = "fake-tiny"):
        self.delay = delay
        self.model_label = label
        self.segments = demo_segments()

    def transcribe_array(self, samples, options, offset: float = 0.0):
        end = offset + len(samples) / SAMPLE_RATE
        picked = [heard for s in self.segments if (heard := _within(s, offset, end)) is not None]

        def stream():
            for seg in picked:
                if self.delay:
                    time.sleep(self.delay)
                yield seg

        return stream(), TranscriptionInfo(language="en", duration=end - offset, engine="fake", model=self.model_label)


def _within(seg: Segment, start: float, end: float) -> Optional[Segment]:
    """What of a script line a chunk from ``start`` to ``end`` hears: its words that start
    there (a resumed import's chunk may begin in the middle of a line, as Whisper would)."""
    words = [w for w in seg.words if start <= w.start < end]
    if not words:
        return None
    if len(words) == len(seg.words):
        return copy.deepcopy(seg)
    return Segment(start=words[0].start, end=seg.end if words[-1] is seg.words[-1] else words[-1].end,
                   text="".join(w.word for w in words), words=copy.deepcopy(words))


@dataclass(frozen=True)
class FakeEngineFactory:
    """``factory(engine, options, cache_dir)`` for the cluster's actors (and, patched in as
    ``build_engine``, for a local import to compare with). ``missing``: a model path that
    is not there, as on a worker the model was never copied to."""

    delay: float = 0.0
    missing: Optional[str] = None

    def __call__(self, engine_name, options, cache_dir=None):
        if self.missing is not None:
            raise FileNotFoundError(f"no model at {self.missing}")
        return FakeEngine(self.delay)


@dataclass(frozen=True)
class FakeDiarizerFactory:
    """Two voices taking turns at the demo script's halfway point."""

    split: float = 77.0
    end: float = 155.0

    def __call__(self):
        return FakeDiarizer([(0.0, self.split, "A"), (self.split, self.end, "B")])
