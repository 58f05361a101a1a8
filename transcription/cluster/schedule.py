"""Chunks of one or more files shared out to the actors, the file being handed on first.

The import goes through a batch one file at a time (its one writer commits each file
whole before the next). Left at that, a big cluster would idle between files and on a
file's last chunks. So the import says which file comes next
(:meth:`ClusterTranscriber.expect`); once every chunk of the current file is out, the
next file is planned and its chunks go to the actors that come free. Its results wait,
in order, until the import asks for that file. A file is recognised by its content
(:func:`fingerprint`), since the import transcribes its stored copy.
"""

from __future__ import annotations

import hashlib
import logging
import os
from dataclasses import dataclass, field
from typing import Optional

log = logging.getLogger(__name__)

SAMPLE = 1 << 20  # bytes read from each end of a file to recognise it


def fingerprint(path: str) -> tuple:
    """The file's size and a hash of its first and last MiB: the same recording under another name."""
    size = os.path.getsize(path)
    digest = hashlib.sha256()
    with open(path, "rb") as fh:
        digest.update(fh.read(SAMPLE))
        if size > SAMPLE:
            fh.seek(max(SAMPLE, size - SAMPLE))
            digest.update(fh.read(SAMPLE))
    return size, digest.hexdigest()


@dataclass(eq=False)
class FileWork:
    """One file's chunks on their way: handed out in order, results kept until taken."""

    key: tuple  # (fingerprint, the options' repr)
    media: object  # transcription.cluster.media.Media
    duration: float
    chunks: list  # transcription.transcriber.Chunk
    options: object  # the TranscribeOptions each chunk is transcribed with
    results: dict = field(default_factory=dict)  # chunk number -> (segments, language, where) or an exception
    sent: int = 0  # chunks handed to actors
    taken: int = 0  # chunks handed on to the caller

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
