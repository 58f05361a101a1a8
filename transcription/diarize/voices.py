"""Voiceprints: cosine similarity, matching against a roster of named voices, merging.

A voiceprint is one speaker's embedding centroid (:attr:`SpeakerVoice.embedding`).
A wrong name is worse than no name, so a voice is unknown (``None``) unless its best
roster name reaches :data:`MATCH_THRESHOLD` and beats the next name by
:data:`MATCH_MARGIN`; :func:`match_voices` also gives each name to one voice of a
recording, and to a second only when the two voices sound alike (:data:`SAME_VOICE`:
one person that diarization split in two). All three were chosen on measured data in
``bench/speakers.py`` (docs/benchmarks.md "## Speakers").
"""

from __future__ import annotations

from typing import Iterable, Optional, Sequence

import numpy as np

MATCH_THRESHOLD = 0.70  # cosine similarity a name needs (bench/speakers.py, docs/benchmarks.md "## Speakers")
MATCH_MARGIN = 0.10  # by how much the best name must beat the second best
SAME_VOICE = 0.70  # cosine between two voices of a recording above which both may take one name


def cosine(a: np.ndarray, b: np.ndarray) -> float:
    a = np.asarray(a, dtype=np.float64).ravel()
    b = np.asarray(b, dtype=np.float64).ravel()
    norms = np.linalg.norm(a) * np.linalg.norm(b)
    return float(np.clip(a @ b / norms, -1.0, 1.0)) if norms > 0 else 0.0


def match_voice(
    embedding: np.ndarray,
    roster: Iterable[tuple[str, np.ndarray]],
    threshold: float = MATCH_THRESHOLD,
    margin: float = MATCH_MARGIN,
) -> tuple[Optional[str], float]:
    """The roster name most similar to ``embedding`` and its score, or ``(None, best score)``
    when no voice reaches ``threshold`` or the best beats the second best by less than
    ``margin``. An empty roster gives ``(None, 0.0)``."""
    best_name, best, second = None, 0.0, -1.0
    for name, centroid in roster:
        score = cosine(embedding, centroid)
        if best_name is None or score > best:
            best_name, best, second = name, score, (best if best_name is not None else -1.0)
        elif score > second:
            second = score
    if best_name is None or best < threshold or best - second < margin:
        return None, best
    return best_name, best


def match_voices(
    embeddings: Sequence[np.ndarray],
    roster: Sequence[tuple[str, np.ndarray]],
    threshold: float = MATCH_THRESHOLD,
    margin: float = MATCH_MARGIN,
    same_voice: float = SAME_VOICE,
) -> list[tuple[Optional[str], float]]:
    """Names for all the voices of one recording: ``(name or None, score)`` per embedding.

    Each voice's best name must pass :func:`match_voice`. The best-scoring pair is named
    first and its name leaves the roster for the others, except a voice whose best name it
    is too and that has a cosine of at least ``same_voice`` with the voice named (one
    person split in two by diarization). A voice left unnamed keeps its best score."""
    names = [n for n, _ in roster]
    if not embeddings or not names:
        return [(None, 0.0) for _ in embeddings]
    voices = _units(embeddings)
    scores = voices @ _units([c for _, c in roster]).T
    out: list[tuple[Optional[str], float]] = [(None, float(row.max())) for row in scores]
    left, free = set(range(len(voices))), set(range(len(names)))
    while left and free:
        found = [(i, *_best(scores[i], free, threshold, margin)) for i in sorted(left)]
        found = [(i, j, s) for i, j, s in found if j is not None]
        if not found:
            break
        i, j, score = max(found, key=lambda f: f[2])
        out[i] = (names[j], score)
        left.discard(i)
        free.discard(j)
        for k in sorted(left):
            if _best(scores[k], free | {j}, threshold, margin)[0] == j and voices[k] @ voices[i] >= same_voice:
                out[k] = (names[j], float(scores[k, j]))
                left.discard(k)
    return out


def _best(row: np.ndarray, free: set[int], threshold: float, margin: float) -> tuple[Optional[int], float]:
    """The free name a voice's scores ``row`` give, as :func:`match_voice` decides."""
    order = sorted(free, key=lambda j: -row[j])
    best = float(row[order[0]])
    second = float(row[order[1]]) if len(order) > 1 else -1.0
    return (order[0], best) if best >= threshold and best - second >= margin else (None, best)


def _units(vectors) -> np.ndarray:
    stacked = np.stack([np.asarray(v, dtype=np.float64).ravel() for v in vectors])
    return stacked / np.maximum(np.linalg.norm(stacked, axis=1, keepdims=True), 1e-12)


def merge_voiceprints(embeddings: Sequence[np.ndarray], weights: Optional[Sequence[float]] = None) -> np.ndarray:
    """One voiceprint from several of the same person (e.g. weighted by talk time):
    the weighted mean of their unit vectors, as a unit vector."""
    units = np.stack([np.asarray(e, dtype=np.float64) / (np.linalg.norm(e) or 1.0) for e in embeddings])
    w = np.ones(len(units)) if weights is None else np.asarray(weights, dtype=np.float64)
    mean = (units * w[:, None]).sum(0) / (w.sum() or 1.0)
    return (mean / (np.linalg.norm(mean) or 1.0)).astype(np.float32)
