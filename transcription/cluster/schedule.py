"""Chunks of one or more files shared out to the actors, the file being handed on first.

The import goes through a batch one file at a time (its one writer commits each file
whole before the next). Left at that, a big cluster would idle between files and on a
file's last chunks. So the import says which files come next
(:meth:`ClusterTranscriber.expect`); while the current file is transcribed, the next
files (as many as give every actor a chunk, see :class:`Lookahead`) are planned, and
their chunks go to the actors that come free once the current file's are all out. Their
results wait, in order, until the import asks for each file. A file is recognised by its
content (:func:`transcription.cluster.media.fingerprint`), since the import transcribes
its stored copy.
"""

from __future__ import annotations

import logging
from concurrent.futures import Future, ThreadPoolExecutor
from dataclasses import dataclass, field
from typing import Callable, Optional

log = logging.getLogger(__name__)

@dataclass(eq=False)
class FileWork:
    """One file's chunks on their way: handed out in order, results kept until taken."""

    key: tuple  # (fingerprint, the options)
    media: object  # transcription.cluster.media.Media
    duration: float
    chunks: list  # transcription.transcriber.Chunk
    options: object  # the TranscribeOptions each chunk is transcribed with
    results: dict = field(default_factory=dict)  # chunk number -> (segments, language, where) or an exception
    sent: int = 0  # chunks handed to actors
    taken: int = 0  # chunks handed on to the caller
    source: str = ""  # the path it was planned from

    @property
    def all_sent(self) -> bool:
        return self.sent >= len(self.chunks)


class Scheduler:
    """Idle actors take the next chunk of the first file that has one left."""

    def __init__(self, actors: list):
        self.idle = list(actors)
        self.running: dict = {}  # ObjectRef -> (FileWork, chunk number, actor)
        self.files: list[FileWork] = []

    def add(self, work: FileWork, first: bool = False) -> None:
        if work in self.files:
            self.files.remove(work)
        self.files.insert(0, work) if first else self.files.append(work)

    def drop(self, work: FileWork) -> None:
        """Forget a file (taken whole, or not wanted after all: its running chunks' results are ignored)."""
        if work in self.files:
            self.files.remove(work)

    def dispatch(self) -> None:
        for work in self.files:
            while self.idle and not work.all_sent:
                actor = self.idle.pop(0)
                k, chunk = work.sent, work.chunks[work.sent]
                expected = chunk.duration if chunk.duration is not None else work.duration - chunk.start
                ref = actor.handle.transcribe.remote(work.media, chunk.start, chunk.duration, expected, work.options)
                self.running[ref] = (work, k, actor)
                work.sent += 1

    def places(self, work: FileWork) -> list[str]:
        return [actor.where for w, _, actor in self.running.values() if w is work]

    def wait(self, timeout: float, result) -> bool:
        """Hand out chunks, wait up to ``timeout`` s for one to finish and keep its result
        (``result(ref)``; a failure is kept as its exception, raised when the chunk is taken).
        Whether one finished."""
        import ray

        self.dispatch()
        if not self.running:
            return False
        ready = ray.wait(list(self.running), num_returns=1, timeout=timeout)[0]
        for ref in ready:
            work, k, actor = self.running.pop(ref)
            self.idle.append(actor)
            try:
                work.results[k] = result(ref)
                actor.where = work.results[k][2]  # a restarted actor may be on another node
            except Exception as exc:
                work.results[k] = exc
        self.dispatch()
        return bool(ready)

    def busy_with(self, work: Optional[FileWork]) -> bool:
        return any(w is work for w, _, _ in self.running.values())


MAX_AHEAD = 8  # files planned ahead at most (their bytes wait in the object store)


class Lookahead:
    """The batch's next files: planned in threads of their own (sent, and cut into chunks on
    a worker) while the caller commits, then queued in order behind the current file's.
    ``prepare(path, options)`` makes a file's :class:`FileWork` (None: it is left for its turn)."""

    def __init__(self, prepare: Callable[[str, object], Optional[FileWork]]):
        self.prepare = prepare
        self.expected: list[tuple[str, object]] = []  # (path, options) not planned yet, in order
        self.planning: list[tuple[str, Future]] = []
        self.ready: list[FileWork] = []  # planned and queued in the scheduler
        self._pool: Optional[ThreadPoolExecutor] = None

    def expect(self, files: list[tuple[str, object]]) -> None:
        """The files that come after the current one (those planned already stay: a file
        planned and then passed over, a duplicate say, goes when a later one is taken)."""
        known = {w.source for w in self.ready} | {path for path, _ in self.planning}
        self.expected = [(path, options) for path, options in files if path not in known]

    def start(self, depth: int) -> None:
        """Plan the next files until ``depth`` are planned or being planned."""
        while self.expected and len(self.ready) + len(self.planning) < min(depth, MAX_AHEAD):
            if self._pool is None:
                self._pool = ThreadPoolExecutor(max_workers=MAX_AHEAD, thread_name_prefix="plan-ahead")
            path, options = self.expected.pop(0)
            self.planning.append((path, self._pool.submit(self.prepare, path, options)))

    def settle(self, scheduler: Scheduler, wait: bool) -> None:
        """Queue the planned files, in order (``wait``: for all being planned)."""
        while self.planning and (wait or self.planning[0][1].done()):
            path, fut = self.planning.pop(0)
            work = fut.result()
            if work is not None:
                work.source = path
                self.ready.append(work)
                scheduler.add(work)
                log.info("%s: %d chunks queued behind the current file's", path, len(work.chunks))

    def take(self, key: tuple, scheduler: Scheduler) -> Optional[FileWork]:
        """The planned work for the file ``key`` names (files planned before it are dropped)."""
        self.settle(scheduler, wait=True)
        for k, work in enumerate(self.ready):
            if work.key[0] == key[0]:
                for stale in self.ready[:k]:
                    scheduler.drop(stale)
                self.ready = self.ready[k + 1:]
                return work
        return None

    def chunks_for(self, fp: tuple) -> Optional[list]:
        return next((list(w.chunks) for w in self.ready if w.key[0] == fp), None)

    def clear(self) -> None:
        self.expected, self.planning, self.ready = [], [], []

    def close(self) -> None:
        self.clear()
        if self._pool is not None:
            self._pool.shutdown(wait=True, cancel_futures=True)
            self._pool = None
