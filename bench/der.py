"""Diarization error rate (DER), as NIST md-eval scores it, on a 10 ms grid.

DER = (missed speech + false alarm + speaker confusion) / reference speech time.
Overlapping speech is scored (a frame where two people speak counts twice), a
``collar`` (seconds) either side of every reference turn boundary is not scored,
and hypothesis speakers are mapped one-to-one onto reference speakers to maximise
the time they share (Hungarian assignment).
"""

from __future__ import annotations

from typing import Hashable, Iterable

import numpy as np

STEP = 0.01  # seconds per frame

Turns = Iterable[tuple[float, float, Hashable]]


def _activity(turns: list[tuple[float, float, Hashable]], frames: int) -> tuple[list[Hashable], np.ndarray]:
    speakers = list(dict.fromkeys(k for _, _, k in turns))
    active = np.zeros((len(speakers), frames), dtype=bool)
    for start, end, key in turns:
        active[speakers.index(key), int(round(start / STEP)): int(round(end / STEP))] = True
    return speakers, active


def der(reference: Turns, hypothesis: Turns, collar: float = 0.25) -> dict:
    """``{"der", "missed", "false_alarm", "confusion", "scored"}``: rates of the scored
    reference speech, and the scored reference speech time in seconds."""
    from scipy.optimize import linear_sum_assignment

    ref, hyp = list(reference), list(hypothesis)
    end = max([e for _, e, _ in ref + hyp], default=0.0) + 2 * collar
    frames = int(np.ceil(end / STEP)) + 1
    _, r = _activity(ref, frames)
    _, h = _activity(hyp, frames)
    scored = np.ones(frames, dtype=bool)
    c = int(round(collar / STEP))
    for start, stop, _ in ref:
        for edge in (int(round(start / STEP)), int(round(stop / STEP))):
            scored[max(0, edge - c): edge + c] = False
    r, h = r[:, scored], h[:, scored]
    n_ref, n_hyp = r.sum(0), h.sum(0)
    correct = 0
    if len(r) and len(h):
        shared = r.astype(np.int64) @ h.T.astype(np.int64)  # frames each pair speaks together
        rows, cols = linear_sum_assignment(-shared)
        correct = int(shared[rows, cols].sum())
    total = int(n_ref.sum())
    missed = int(np.maximum(n_ref - n_hyp, 0).sum())
    false_alarm = int(np.maximum(n_hyp - n_ref, 0).sum())
    confusion = int(np.minimum(n_ref, n_hyp).sum()) - correct
    rate = (lambda x: x / total) if total else (lambda x: float(x > 0))
    return {
        "der": rate(missed + false_alarm + confusion),
        "missed": rate(missed),
        "false_alarm": rate(false_alarm),
        "confusion": rate(confusion),
        "scored": total * STEP,
    }
