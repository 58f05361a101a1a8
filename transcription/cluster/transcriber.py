"""``ClusterTranscriber``: the local :class:`~transcription.transcriber.Transcriber` with its
chunks transcribed by Ray actors across the cluster.

Everything else is the local transcriber's: the probe, the chunks cut at quiet moments
(as many as keep every actor busy), resuming from a time, the guards and the
sentence-sized segments. The chunks run on the actors in any order and come back in
order, each as soon as it and those before it are done, so the caller (the import, the
archive's one writer) commits segments as results arrive. ``info.where`` says which
nodes are working on the file.

A worker process that dies mid-chunk is restarted by Ray and the chunk retried (see
``TASK_RETRIES``); only the result is committed, so the file is still imported once.
Losing the cluster itself raises :class:`~transcription.cluster.errors.ClusterLost`.
Stopping the iteration (cancel) kills the actors busy on this file; new ones start,
loading the model again, when the next file comes.
"""

from __future__ import annotations

import dataclasses
import logging
import os
import time
from typing import Callable, Iterator, Optional

from transcription import audio
from transcription.cluster.connection import (Cluster, lost, not_started, package_version, places, plan_slots,
                                              result)
from transcription.cluster.errors import ClusterError
from transcription.cluster.media import fingerprint
from transcription.cluster.schedule import FileWork, Lookahead, Scheduler
from transcription.cluster.workers import TranscribeWorker, plan, worker_options
from transcription.languages import listens, may_switch, multilingual_options
from transcription.transcriber import SINGLE_CHUNK_BELOW, Chunk, Transcriber, chunk_segments
from transcription.types import Segment, TranscribeOptions

log = logging.getLogger(__name__)

WAIT = 1.0  # seconds between looks at the running chunks
STALL = 10.0  # seconds without a result before checking that the cluster still has workers


@dataclasses.dataclass
class Actor:
    handle: object
    where: str = ""  # its node, as the import queue shows it


class ClusterTranscriber(Transcriber):
    """Transcribes on the cluster ``cluster`` (a :class:`~transcription.cluster.connection.Cluster`).
    ``factory(engine, options, cache_dir)`` builds each actor's engine (default: Whisper)."""

    def __init__(self, cluster: Cluster, engine: str = "faster-whisper", options: Optional[TranscribeOptions] = None,
                 cache_dir: Optional[str] = None, factory: Optional[Callable] = None):
        super().__init__(engine, options, cache_dir)
        self.cluster = cluster
        self.factory = factory
        self._actors: list[Actor] = []
        self._label: Optional[str] = None
        self._last_result = time.monotonic()
        self._scheduler: Optional[Scheduler] = None
        self._ahead = Lookahead(self._prepare)  # the batch's next files

    # --- the actors ---------------------------------------------------------------
    def start(self) -> list[dict]:
        """Start one actor per slot and check each: same version, model loaded. Raises a
        :class:`ClusterError` (one line) and stops them all otherwise. Returns their reports."""
        if self._actors:
            return []
        import ray

        slots = plan_slots(self.cluster.resources(), self.options.workers)
        if not slots:
            raise ClusterError(f"the Ray cluster at {self.cluster.address} has no CPU for a worker: "
                               "start a worker with `ray start --address ...` or import on this computer instead")
        actors = [Actor(self.cluster.actor(TranscribeWorker, slot, self.engine_name,
                                           worker_options(self.options, slot.device), self.cache_dir, self.factory))
                  for slot in slots]
        try:
            reports = ray.get([a.handle.ready.remote() for a in actors])
        except Exception as exc:
            self._kill(actors)
            raise not_started(exc, "Whisper") from None
        for actor, report in zip(actors, reports):
            actor.where = report["where"]
        problem = _problem(reports, self.cluster.address)
        if problem:
            self._kill(actors)
            raise ClusterError(problem)
        self._actors = actors
        self._scheduler = Scheduler(actors)
        self._label = reports[0]["model"]
        self.workers = len(actors)
        log.info("cluster %s: %d workers on %s", self.cluster.address, len(actors),
                 ", ".join(sorted({a.where for a in actors})))
        return reports

    def _watch(self, moved: bool) -> None:
        """Raise ClusterLost when no result has come for a while and no node with a CPU is
        left: Ray would wait for ever for one to restart the actors on."""
        now = time.monotonic()
        if moved or now - self._last_result < STALL:
            if moved:
                self._last_result = now
            return
        self._last_result = now
        if not plan_slots(self.cluster.resources()):
            raise lost(RuntimeError("no worker node is left"), "transcribing")

    def _kill(self, actors: list[Actor]) -> None:
        import ray

        for actor in actors:
            try:
                ray.kill(actor.handle)
            except Exception:  # already gone with its node: nothing to stop
                log.debug("killing an actor failed", exc_info=True)

    def cancel(self) -> None:
        """Stop the chunks being transcribed at once: the actors end (new ones start on the
        next file)."""
        self._stop_actors()
        if self._multilingual is not None:
            self._multilingual.cancel()

    def _stop_actors(self) -> None:
        self._kill(self._actors)
        self._actors, self._scheduler = [], None
        self._ahead.clear()

    def close(self) -> None:
        self._stop_actors()
        self._ahead.close()
        super().close()

    def release_workers(self) -> None:
        """The actors stay loaded between files: cluster nodes are there to work."""

    @property
    def model_label(self) -> str:
        return self._label or super().model_label

    def _other_model(self, opts: TranscribeOptions) -> "ClusterTranscriber":
        if self._multilingual is None:
            self._multilingual = ClusterTranscriber(self.cluster, opts.multilingual.engine,
                                                    multilingual_options(opts), self.cache_dir, self.factory)
        return self._multilingual

    # --- transcribing ---------------------------------------------------------------
    def transcribe(self, path, options=None, start: float = 0.0):
        self.start()
        return super().transcribe(path, options, start)

    def expect(self, files: list[tuple[str, TranscribeOptions]]) -> None:
        """The files the caller will transcribe next, in order (from the start, with their
        options): while the current file is transcribed, as many as give every actor a chunk
        are planned, and their chunks fill the actors that come free (see
        :mod:`transcription.cluster.schedule`). Only for the common case: a language given or
        English-only (no listening for languages first)."""
        self._ahead.expect([(os.fspath(path), options) for path, options in files
                            if not (listens(options) or may_switch(options))])

    def _plan(self, path: str, duration: float, workers: int) -> list[Chunk]:
        if self._scheduler is not None:
            self._ahead.settle(self._scheduler, wait=True)
        return self._ahead.chunks_for(fingerprint(path)) or self._cut(path, duration, workers)

    def _cut(self, path: str, duration: float, workers: int) -> list[Chunk]:
        """The file's chunks, found on a worker (:func:`transcription.cluster.workers.plan`)."""
        if duration < SINGLE_CHUNK_BELOW or workers <= 1:  # one chunk: nothing to look for
            return super()._plan(path, duration, workers)
        return self.cluster.run(plan, self.cluster.media.send(path), duration, workers)

    def _prepare(self, path: str, options: TranscribeOptions) -> Optional[FileWork]:
        """A file's work, planned ahead (in a thread of the look-ahead's)."""
        try:
            media = audio.probe(path)
            audio.check_complete(path, media)
            chunks = self._cut(path, media.duration, self.workers)
            return FileWork((fingerprint(path), _call_options(options)), self.cluster.media.send(path),
                            media.duration, chunks, _call_options(options))
        except Exception:  # it fails again, with its one line, when its turn comes
            log.info("not transcribing %s ahead", path, exc_info=True)
            return None

    def _claim(self, path: str, media, chunks: list[Chunk], opts: TranscribeOptions) -> FileWork:
        """The work for this file: the one planned ahead if it is this file with these chunks
        and options, else a new one."""
        options = _call_options(opts)
        key = (fingerprint(path), options)
        work = self._ahead.take(key, self._scheduler)
        if work is None or work.key != key or work.chunks != chunks or work.taken:
            if work is not None:
                self._scheduler.drop(work)
            work = FileWork(key, self.cluster.media.send(path), media.duration, chunks, options)
        self._scheduler.add(work, first=True)
        return work

    def _run(self, path, media, chunks: list[Chunk], opts, info, workers, label: bool = True) -> Iterator[Segment]:
        """The chunks on the actors, yielded in order (see the module's docstring)."""
        self.start()
        if label:
            info.model = self.model_label
        work = self._claim(path, media, chunks, opts)
        self._last_result = time.monotonic()
        finished = False
        try:
            # the next files are planned now (sent, and cut on workers), their chunks queued behind
            # this file's: as many files as give every actor a chunk, and one more being cut meanwhile
            self._ahead.start(-(-len(self._actors) // max(1, len(chunks))) + 1)
            while work.taken < len(chunks):
                self._ahead.settle(self._scheduler, wait=False)
                if work.taken in work.results:
                    outcome = work.results.pop(work.taken)
                    if isinstance(outcome, Exception):
                        raise outcome
                    work.taken += 1
                    yield from chunk_segments(chunks[work.taken - 1], outcome[0], outcome[1], opts, info, media)
                    continue
                moved = self._scheduler.wait(WAIT, _result)
                info.where = places(self._scheduler.places(work)) or info.where
                self._watch(moved)
            finished = True
        finally:
            self._scheduler.drop(work)
            if not finished and self._scheduler.busy_with(work):  # stopped iterating (cancel) or a chunk failed
                self.cancel()


def _call_options(opts: TranscribeOptions) -> TranscribeOptions:
    """The options each chunk is transcribed with (one thread on its actor, no callback)."""
    return dataclasses.replace(opts, cpu_threads=1, progress=None)


def _result(ref):
    """A chunk's result (see :func:`transcription.cluster.connection.result`)."""
    return result(ref, "transcribing")


def _problem(reports: list[dict], address: str) -> Optional[str]:
    """Why the cluster cannot be used (another version, a node without the model), or None."""
    mine = package_version()
    for report in reports:
        if report["version"] != mine:
            return (f"the Ray worker on {report['where']} runs council-archive {report['version']}, this computer "
                    f"{mine}: install the same version on every node, or import on this computer instead")
    for report in reports:
        if report["error"]:
            return (f"the Ray worker on {report['where']} cannot load the model: {report['error']} "
                    "(copy the model to the same path there, or import on this computer instead)")
    return None
