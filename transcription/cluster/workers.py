"""The Ray actors: each keeps its model loaded and works on one chunk or file at a time.

They are plain classes; :meth:`transcription.cluster.connection.Cluster.actor` makes
them Ray actors with the resources of their :class:`~transcription.cluster.connection.Slot`.
An actor reports what it is (:meth:`TranscribeWorker.ready`) instead of failing to
start, so the client can say in one line which node lacks the model or runs another
version. ``factory`` builds the engine (tests give a fake one; default: Whisper by name).
"""

from __future__ import annotations

import dataclasses
import logging
import os
from typing import Callable, Optional

from transcription import audio
from transcription.cluster.connection import package_version, where
from transcription.cluster.media import LocalCopy, Media
from transcription.types import TranscribeOptions

log = logging.getLogger(__name__)


def _describe(exc: BaseException) -> str:
    text = str(exc).strip()
    return text.splitlines()[0] if text else type(exc).__name__


class TranscribeWorker:
    """A Whisper engine on one node (one CPU thread, or its GPU)."""

    def __init__(self, engine_name: str, options: TranscribeOptions, cache_dir: Optional[str] = None,
                 factory: Optional[Callable] = None):
        self.engine_name, self.options, self.cache_dir = engine_name, options, cache_dir
        self.factory = factory
        self._engine = None
        self._copy = LocalCopy()

    def _load(self):
        if self._engine is None:
            if self.factory is None:
                from transcription.transcriber import build_engine

                self._engine = build_engine(self.engine_name, self.options, self.cache_dir)
            else:
                self._engine = self.factory(self.engine_name, self.options, self.cache_dir)
        return self._engine

    def ready(self) -> dict:
        """This actor's node, version and model, or why the model cannot load here."""
        report = {"version": package_version(), "where": where(), "pid": os.getpid(), "model": None, "error": None}
        try:
            report["model"] = self._load().model_label
        except Exception as exc:  # reported to the client, which says it in one line
            log.warning("the model cannot load on this node", exc_info=True)
            report["error"] = _describe(exc)
        return report

    def transcribe(self, media: Media, start: float, duration: Optional[float], expected: float,
                   options: TranscribeOptions):
        """One chunk: ``(segments, language, where)``, times in the whole recording's."""
        samples = audio.decode(self._copy.path(media), start=start, duration=duration, expected_duration=expected)
        segments, info = self._load().transcribe_array(samples, options, offset=start)
        return list(segments), info.language, where()


class DiarizeWorker:
    """The diarizer on one node, warmed once (numba compiles on its first load)."""

    def __init__(self, threads: int = 0, factory: Optional[Callable] = None):
        self.threads, self.factory = threads, factory
        self._diarizer = None
        self._copy = LocalCopy()

    def _load(self):
        if self._diarizer is None:
            if self.factory is None:
                from transcription.diarize import load_diarizer

                self._diarizer = load_diarizer(threads=self.threads or os.cpu_count() or 0)
            else:
                self._diarizer = self.factory()
        return self._diarizer

    def warm(self) -> dict:
        report = {"version": package_version(), "where": where(), "pid": os.getpid(), "error": None}
        try:
            diarizer = self._load()
            if hasattr(diarizer, "warm"):
                diarizer.warm()
            report["model"] = diarizer.model_label
        except Exception as exc:  # reported to the client, which says it in one line
            log.warning("the diarizer cannot load on this node", exc_info=True)
            report["error"] = _describe(exc)
        return report

    def diarize(self, media: Media, num_speakers=None, min_speakers=None, max_speakers=None):
        """``(turns, info, where)`` for the whole file."""
        turns, info = self._load().diarize(self._copy.path(media), num_speakers=num_speakers,
                                           min_speakers=min_speakers, max_speakers=max_speakers)
        return list(turns), info, where()


def plan(media: Media, duration: float, workers: int) -> list:
    """A file's chunks (:func:`transcription.transcriber.plan_chunks`), cut on a worker: finding
    the quiet moments decodes the file whole (~20 s for 2 hours), work the archive's one
    machine should not do for every file. A Ray task of its own, taking no CPU from the actors."""
    from transcription.transcriber import plan_chunks

    return plan_chunks(_copies.path(media), duration, workers)


_copies = LocalCopy()  # the planning tasks' copy, in their worker process


def worker_options(options: TranscribeOptions, device: str) -> TranscribeOptions:
    """The options an actor's engine is built with: its slot's device, one CPU thread."""
    return dataclasses.replace(options, device=device, compute_type="auto" if device != options.device else
                               options.compute_type, cpu_threads=1, workers=1, progress=None)
