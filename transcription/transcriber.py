"""Transcribe a media file: probe, cut into chunks at silences, run the engine, guard,
cut into sentences (:mod:`transcription.segmenting`).

``Transcriber.transcribe(path)`` returns ``(segments, info)`` like faster-whisper:
``segments`` is a lazy iterator, progress is ``segment.end / info.duration`` (or the
``options.progress`` callback), and stopping the iteration cancels the work.

Speed on a small machine comes from parallelism across cores, not threads: one
Whisper worker process per core, each with one thread, each given a chunk of the
recording cut at a quiet moment. Chunks come back in order and their times are
already offset to the whole recording. Memory stays bounded because no worker ever
decodes more than one chunk (at most ``MAX_CHUNK`` seconds) at a time.

Workers die with the process that started them, however it ends (``kill -9``, a crash):
an orphaned worker would keep its model's few hundred MB for ever. See
:func:`_die_with_parent`.
"""

from __future__ import annotations

import ctypes
import dataclasses
import itertools
import logging
import multiprocessing
import multiprocessing.connection
import os
import signal
import sys
import threading
from concurrent.futures import Future, ProcessPoolExecutor
from dataclasses import dataclass
from pathlib import Path
from typing import Iterator, Optional

import numpy as np
import platformdirs

from transcription import audio
from transcription.engines.gaps import REACH
from transcription.guards import guard, recheck_loops
from transcription.languages import (Stretch, english_only, hear, listens, main_language, may_switch,
                                      multilingual_options, switch_note)
from transcription.models import model_label
from transcription.segmenting import sentences
from transcription.types import Segment, TranscribeOptions, TranscriptionInfo

log = logging.getLogger(__name__)

ENGINES = ("faster-whisper", "openai-whisper")
DEFAULT_ENGINE = "faster-whisper"

MAX_CHUNK = 600.0  # seconds of audio one worker decodes at a time
MIN_CHUNK = 45.0
SPLIT_SEARCH = 15.0  # look this far either side of a target cut for the quietest moment
# Chunks a worker process transcribes, on average, before the pool is replaced (caps
# memory creep). Not ProcessPoolExecutor's max_tasks_per_child: on Python 3.11-3.13 a
# worker exiting at that limit can leave the queued chunks unscheduled for ever
# (CPython gh-115634), which hung 4-hour imports halfway.
WORKER_TASKS = 6
PAUSE_SPLIT = 3.0  # seconds of silence inside a segment that split it in two
SINGLE_CHUNK_BELOW = 60.0  # shorter files are not worth starting worker processes for


def build_engine(name: str, options: TranscribeOptions, cache_dir: Optional[str] = None):
    """Instantiate an engine by name. Heavy libraries are imported here, not at import time."""
    if name == "faster-whisper":
        from transcription.engines.faster_whisper import FasterWhisperEngine  # heavy (see the docstring)

        return FasterWhisperEngine(options)
    if name == "openai-whisper":
        try:
            from transcription.engines.openai_whisper import OpenAIWhisperEngine
        except ImportError as exc:  # pragma: no cover - depends on the extra
            raise RuntimeError(
                "the openai-whisper engine needs the 'openai' extra: pip install 'council-archive[openai]'"
            ) from exc
        return OpenAIWhisperEngine(options, cache_dir=cache_dir)
    raise ValueError(f"unknown engine {name!r} (choose from {', '.join(ENGINES)})")


@dataclass(frozen=True)
class Chunk:
    start: float
    duration: Optional[float]  # None = to the end of the file

    @property
    def end(self) -> Optional[float]:
        return None if self.duration is None else self.start + self.duration


def plan_chunks(path: str, duration: float, workers: int) -> list[Chunk]:
    """Cut a recording into chunks at its quietest moments near evenly spaced targets.

    Enough chunks to keep every worker busy (about three per worker) and none longer
    than ``MAX_CHUNK``; short recordings stay whole.
    """
    if duration <= 0:
        return [Chunk(0.0, None)]
    per_worker = 3 if workers > 1 else 1
    n = max(int(np.ceil(duration / MAX_CHUNK)), workers * per_worker if duration >= SINGLE_CHUNK_BELOW else 1)
    n = min(n, max(1, int(duration // MIN_CHUNK)))
    if n <= 1:
        return [Chunk(0.0, None)]
    frame = 0.1
    energy = audio.frame_energy(path, frame_seconds=frame, duration=duration)
    cuts = [0.0]
    for k in range(1, n):
        target = duration * k / n
        lo = max(int((target - SPLIT_SEARCH) / frame), int((cuts[-1] + MIN_CHUNK / 2) / frame))
        hi = min(int((target + SPLIT_SEARCH) / frame), len(energy) - 1)
        if hi <= lo:
            continue
        window = energy[lo:hi]
        # the quietest 0.5 s stretch, not just the quietest frame
        smooth = np.convolve(window, np.ones(5) / 5, mode="same")
        cuts.append(round((lo + int(np.argmin(smooth))) * frame, 3))
    chunks = [Chunk(a, round(b - a, 3)) for a, b in zip(cuts, cuts[1:])]
    chunks.append(Chunk(cuts[-1], None))
    return chunks


def split_at_pauses(segments: Iterator[Segment], gap: float = PAUSE_SPLIT) -> Iterator[Segment]:
    """Split a segment wherever its words pause longer than ``gap`` seconds.

    With the VAD on, faster-whisper stitches the speech on both sides of a long silence
    into one segment whose start and end then lie far from either; its word times are
    right, so the segment is cut there and its times taken from its words.
    """
    for seg in segments:
        words = seg.words
        if not words:
            yield seg
            continue
        groups, current = [], [words[0]]
        for prev, word in zip(words, words[1:]):
            if word.start - prev.end > gap:
                groups.append(current)
                current = []
            current.append(word)
        groups.append(current)
        if len(groups) == 1:
            if words[0].start - seg.start > gap:
                seg.start = words[0].start
            if seg.end - words[-1].end > gap:
                seg.end = words[-1].end
            yield seg
            continue
        for k, group in enumerate(groups):  # the outer edges keep a reach to the speech's edge
            yield dataclasses.replace(
                seg,
                start=seg.start if k == 0 and 0 <= group[0].start - seg.start <= REACH else group[0].start,
                end=seg.end if k == len(groups) - 1 and 0 <= seg.end - group[-1].end <= REACH else group[-1].end,
                text="".join(w.word for w in group).strip(),
                words=group,
            )


def resume_from(chunks: list[Chunk], start: float) -> list[Chunk]:
    """Drop what lies before ``start`` (an earlier run already transcribed it). The first chunk
    left begins at ``start``: what is left of a chunk, or, when less than a second of one is
    left (too short to hear alone), the next chunk reaching back to ``start``."""
    if start <= 0:
        return chunks
    out = []
    for chunk in chunks:
        if chunk.end is not None and chunk.end <= start + 1.0:
            continue
        if not out and chunk.start != start:
            chunk = Chunk(start, None if chunk.end is None else round(chunk.end - start, 3))
        out.append(chunk)
    return out


# --- worker-process side -------------------------------------------------------------

_worker_engine = None
PR_SET_PDEATHSIG = 1  # linux/prctl.h


def _die_with_parent() -> None:
    """End this worker process when the process that started it ends.

    On Linux the kernel kills it at once (``prctl(PR_SET_PDEATHSIG, SIGKILL)``; strictly,
    when the *thread* that started the pool ends: in the command line that is the main
    thread, in the app the import thread, each living as long as its pool). Everywhere, a
    watchdog thread waits on the parent's sentinel, a pipe the parent holds open until it
    dies, and ends the process: that also covers a parent that died before the prctl.
    """
    if sys.platform.startswith("linux"):
        libc = ctypes.CDLL(None, use_errno=True)
        if libc.prctl(PR_SET_PDEATHSIG, signal.SIGKILL, 0, 0, 0) != 0:
            log.warning("prctl(PR_SET_PDEATHSIG) failed: %s", os.strerror(ctypes.get_errno()))
    parent = multiprocessing.parent_process()
    if parent is not None:
        threading.Thread(target=_exit_with_parent, args=(parent.sentinel,), name="parent-watchdog", daemon=True).start()


def _exit_with_parent(sentinel) -> None:
    multiprocessing.connection.wait([sentinel])  # readable (EOF) once the parent is gone
    os._exit(1)


def _worker_init(engine_name: str, options: TranscribeOptions, cache_dir: Optional[str]) -> None:
    global _worker_engine
    _die_with_parent()  # first: loading the model takes a while
    _worker_engine = build_engine(engine_name, options, cache_dir)


def _transcribe_chunk(path: str, chunk: Chunk, expected: float, options: TranscribeOptions):
    samples = audio.decode(path, start=chunk.start, duration=chunk.duration, expected_duration=expected)
    segments, info = _worker_engine.transcribe_array(samples, options, offset=chunk.start)
    result = list(segments)
    return result, info.language


def _kill_pool(pool: ProcessPoolExecutor) -> None:
    processes = list(getattr(pool, "_processes", {}).values())
    pool.shutdown(wait=False, cancel_futures=True)
    for proc in processes:
        if proc.is_alive():
            proc.kill()
    for proc in processes:
        proc.join(timeout=5)


# --- the public object ---------------------------------------------------------------


class Transcriber:
    """Holds the loaded model(s) across files, so a batch loads Whisper once per worker."""

    def __init__(
        self,
        engine: str = DEFAULT_ENGINE,
        options: Optional[TranscribeOptions] = None,
        cache_dir: Optional[str] = None,
    ):
        if engine not in ENGINES:
            raise ValueError(f"unknown engine {engine!r} (choose from {', '.join(ENGINES)})")
        self.engine_name = engine
        self.options = options or TranscribeOptions()
        self.cache_dir = cache_dir
        # one process per core on the CPU; a GPU is fed by one (each would hold the model in its memory)
        self.workers = self.options.workers or (1 if self.options.device == "cuda" else os.cpu_count() or 1)
        self._engine = None
        self._pool: Optional[ProcessPoolExecutor] = None
        self._pool_tasks = 0  # chunks given to the current pool
        self._multilingual: Optional[Transcriber] = None  # for recordings an English-only model cannot hear

    # engines are built lazily: constructing a Transcriber is cheap
    def _local_engine(self):
        if self._engine is None:
            self._engine = build_engine(self.engine_name, self.options, self.cache_dir)
        return self._engine

    def _worker_pool(self) -> tuple[ProcessPoolExecutor, int]:
        """The pool of worker processes, and how many more chunks it takes before it is
        replaced by a fresh one (``WORKER_TASKS`` per worker)."""
        if self._pool is not None and self._pool_tasks >= WORKER_TASKS * self.workers:
            self._pool.shutdown(wait=True)  # its chunks are all done: the next pool starts clean
            self._pool = None
        if self._pool is None:
            worker_opts = dataclasses.replace(self.options, cpu_threads=1, progress=None)
            self._pool = ProcessPoolExecutor(
                max_workers=self.workers,
                mp_context=multiprocessing.get_context("spawn"),
                initializer=_worker_init,
                initargs=(self.engine_name, worker_opts, self.cache_dir),
            )
            self._pool_tasks = 0
        return self._pool, WORKER_TASKS * self.workers - self._pool_tasks

    def close(self) -> None:
        if self._pool is not None:
            self._pool.shutdown(wait=True, cancel_futures=True)
            self._pool = None
        self._engine = None
        if self._multilingual is not None:
            self._multilingual.close()
            self._multilingual = None

    def release_workers(self) -> None:
        """Shut the idle worker processes down, giving their memory back (the next long
        file starts a new pool): the import does this before it finds speakers."""
        self._release_pool()
        if self._multilingual is not None:
            self._multilingual.release_workers()

    def _release_pool(self) -> None:
        if self._pool is not None:
            self._pool.shutdown(wait=True)
            self._pool = None
            self._pool_tasks = 0

    def cancel(self) -> None:
        """Stop work in the worker processes at once (the model reloads next time)."""
        if self._pool is not None:
            _kill_pool(self._pool)
            self._pool = None
        if self._multilingual is not None:
            self._multilingual.cancel()

    def __enter__(self):
        return self

    def __exit__(self, *exc):
        self.close()

    @property
    def model_label(self) -> str:
        return model_label(self.options.model, self.options.model_name)

    def transcribe(
        self, path: str | os.PathLike, options: Optional[TranscribeOptions] = None, start: float = 0.0
    ) -> tuple[Iterator[Segment], TranscriptionInfo]:
        """Probe now (so bad input fails at once with a typed error), transcribe lazily.

        ``start`` (seconds) resumes an interrupted transcription from that point.
        """
        path = os.fspath(path)
        opts = options or self.options
        media = audio.probe(path)
        audio.check_complete(path, media)
        info = TranscriptionInfo(
            language=opts.language or "",
            duration=media.duration,
            engine=self.engine_name,
            model=self.model_label,
        )
        workers = opts.workers or self.workers
        # sentence-sized segments, each final when it comes: an import that stores them one by
        # one and resumes from the last one's end never stores a boundary that would change
        segments = guard(split_at_pauses(self._segments(path, media, opts, info, workers, start)))
        return recheck_loops(sentences(segments)), info

    def _segments(self, path, media, opts, info, workers, start=0.0) -> Iterator[Segment]:
        chunks = resume_from(self._plan(path, media.duration, workers), start)
        if listens(opts):
            yield from self._by_language(path, media, opts, info, workers, chunks)
        elif may_switch(opts):  # a language other than English given: never forced through the English-only model
            info.language, info.model, info.engine = opts.language, opts.multilingual.name, opts.multilingual.engine
            info.note = switch_note([opts.language], opts)
            yield from self._other_model(opts)._run(path, media, chunks, multilingual_options(opts), info, workers)
        else:
            yield from self._run(path, media, chunks, opts, info, workers)
        if opts.progress:
            opts.progress(1.0)

    def _plan(self, path: str, duration: float, workers: int) -> list[Chunk]:
        return plan_chunks(path, duration, workers)

    def _other_model(self, opts: TranscribeOptions) -> "Transcriber":
        """The multilingual model offered beside this English-only one."""
        if self._multilingual is None:
            self._multilingual = Transcriber(opts.multilingual.engine, multilingual_options(opts), self.cache_dir)
        return self._multilingual

    def _by_language(self, path, media, opts, info, workers, chunks: list[Chunk]) -> Iterator[Segment]:
        """Each stretch of speech heard by the multilingual model first, then transcribed in its
        language: English by the chosen model, another language by the multilingual one."""
        switching = english_only(opts)
        listener = self._other_model(opts) if switching else self
        pieces: list[tuple[Chunk, Stretch]] = []
        for chunk in chunks:  # one chunk decoded at a time: memory as for transcribing
            expected = chunk.duration if chunk.duration is not None else media.duration - chunk.start
            samples = audio.decode(path, start=chunk.start, duration=chunk.duration, expected_duration=expected)
            heard = hear(listener._local_engine(), samples, chunk.start, opts.vad)
            del samples
            for s, after in zip(heard, heard[1:] + [None]):  # the last stretch ends where its chunk does
                end = after.start if after is not None else chunk.end
                pieces.append((Chunk(s.start, None if end is None else round(end - s.start, 3)), s))
        if workers > 1 and media.duration >= SINGLE_CHUNK_BELOW:
            listener._engine = None  # its worker processes load their own: keep one copy less
        stretches = [s for _, s in pieces]
        log.info("%s: languages %s", path, " ".join(f"{s.start:.0f}-{s.end:.0f}s:{s.language}({s.probability:.2f})"
                                                     for s in stretches))
        info.language = main_language(stretches) or ""
        info.language_probability = max((s.probability for s in stretches if s.language == info.language), default=1.0)
        heard_languages = sorted({s.language for s in stretches},
                                 key=lambda lang: -sum(s.end - s.start for s in stretches if s.language == lang))
        if switching and any(lang != "en" for lang in heard_languages):
            info.note = switch_note(heard_languages, opts)
            if info.language != "en":
                info.model, info.engine = opts.multilingual.name, opts.multilingual.engine
        for language, group in itertools.groupby(pieces, key=lambda p: p[1].language):
            other = switching and language != "en"
            transcriber, route_opts = (self._multilingual, multilingual_options(opts)) if other else (self, opts)
            if switching:  # one model's worker processes at a time
                (self._multilingual if transcriber is self else self)._release_pool()
            yield from transcriber._run(path, media, [c for c, _ in group],
                                        dataclasses.replace(route_opts, language=language), info, workers,
                                        label=False)

    def _run(self, path, media, chunks: list[Chunk], opts, info, workers, label: bool = True) -> Iterator[Segment]:
        """Transcribe ``chunks`` in order (in worker processes when there are several); each
        segment says its chunk's language. ``label``: ``info.model`` is the engine's."""
        progress = opts.progress
        use_pool = workers > 1 and len(chunks) > 1
        if not use_pool:
            engine = self._local_engine()
            if label:
                info.model = engine.model_label
            for chunk in chunks:
                expected = chunk.duration if chunk.duration is not None else media.duration - chunk.start
                samples = audio.decode(path, start=chunk.start, duration=chunk.duration, expected_duration=expected)
                segments, chunk_info = engine.transcribe_array(samples, opts, offset=chunk.start)
                for seg in segments:
                    if not info.language:
                        info.language = chunk_info.language
                    seg.language = seg.language or opts.language or chunk_info.language or None
                    if progress and media.duration:
                        progress(min(1.0, seg.end / media.duration))
                    yield seg
                del samples
                if progress and media.duration and chunk.end is not None:
                    progress(min(1.0, chunk.end / media.duration))
        else:
            worker_opts = dataclasses.replace(opts, cpu_threads=1, progress=None)
            done = 0
            while done < len(chunks):
                pool, room = self._worker_pool()
                batch = chunks[done : done + room]
                done += len(batch)
                self._pool_tasks += len(batch)
                futures: list[Future] = [
                    pool.submit(
                        _transcribe_chunk,
                        path,
                        chunk,
                        chunk.duration if chunk.duration is not None else media.duration - chunk.start,
                        worker_opts,
                    )
                    for chunk in batch
                ]
                finished = False
                try:
                    for chunk, fut in zip(batch, futures):
                        yield from chunk_segments(chunk, *fut.result(), opts, info, media)
                    finished = True
                finally:
                    if not finished:
                        # the caller stopped iterating (cancel) or a chunk failed
                        if any(not f.done() for f in futures):
                            self.cancel()


def chunk_segments(chunk: Chunk, segments: list[Segment], language: str, opts: TranscribeOptions,
                   info: TranscriptionInfo, media) -> Iterator[Segment]:
    """A transcribed chunk's segments as they are handed on, in order: each says its language
    (the chunk's, unless one was given), and progress moves to each one's end and then to the
    chunk's."""
    if not info.language:
        info.language = language
    for seg in segments:
        seg.language = seg.language or opts.language or language or None
        if opts.progress and media.duration:
            opts.progress(min(1.0, seg.end / media.duration))
        yield seg
    if opts.progress and media.duration and chunk.end is not None:
        opts.progress(min(1.0, chunk.end / media.duration))


def transcribe(
    path: str | os.PathLike,
    options: Optional[TranscribeOptions] = None,
    engine: str = DEFAULT_ENGINE,
    cache_dir: Optional[str] = None,
) -> tuple[Iterator[Segment], TranscriptionInfo]:
    """One-shot convenience: a Transcriber for a single file (closed when iteration ends)."""
    transcriber = Transcriber(engine, options, cache_dir)
    segments, info = transcriber.transcribe(path)

    def run():
        try:
            yield from segments
        finally:
            transcriber.close()

    return run(), info


def default_cache_dir() -> str:
    return str(Path(platformdirs.user_cache_dir("council-archive")))
