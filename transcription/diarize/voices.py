"""Voiceprints: cosine similarity, matching against a roster of named voices, merging.

A voiceprint is one speaker's embedding centroid (:attr:`SpeakerVoice.embedding`).
A wrong name is worse than no name, so a voice below the threshold is unknown
(``None``); :data:`MATCH_THRESHOLD` was chosen on measured data in ``bench/speakers.py``.
"""

from __future__ import annotations

from typing import Iterable, Optional, Sequence

import numpy as np

MATCH_THRESHOLD = 0.9  # cosine similarity, chosen in bench/speakers.py (docs/benchmarks.md "## Speakers")


def cosine(a: np.ndarray, b: np.ndarray) -> float:
    a = np.asarray(a, dtype=np.float64).ravel()
    b = np.asarray(b, dtype=np.float64).ravel()
    norms = np.linalg.norm(a) * np.linalg.norm(b)
    return float(np.clip(a @ b / norms, -1.0, 1.0)) if norms > 0 else 0.0


def match_voice(
    embedding: np.ndarray,
    roster: Iterable[tuple[str, np.ndarray]],
    threshold: float = MATCH_THRESHOLD,
) -> tuple[Optional[str], float]:
    """The roster name most similar to ``embedding`` and its score, or ``(None, best score)``
    when no voice reaches ``threshold``. An empty roster gives ``(None, 0.0)``."""
    best_name, best = None, 0.0
    for name, centroid in roster:
        score = cosine(embedding, centroid)
        if best_name is None or score > best:
            best_name, best = name, score
    if best_name is None or best < threshold:
        return None, best
    return best_name, best


def merge_voiceprints(embeddings: Sequence[np.ndarray], weights: Optional[Sequence[float]] = None) -> np.ndarray:
    """One voiceprint from several of the same person (e.g. weighted by talk time):
    the weighted mean of their unit vectors, as a unit vector."""
    units = np.stack([np.asarray(e, dtype=np.float64) / (np.linalg.norm(e) or 1.0) for e in embeddings])
    w = np.ones(len(units)) if weights is None else np.asarray(weights, dtype=np.float64)
    mean = (units * w[:, None]).sum(0) / (w.sum() or 1.0)
    return (mean / (np.linalg.norm(mean) or 1.0)).astype(np.float32)
