"""Tiny word-error-rate helpers for transcription tests."""

from __future__ import annotations

import re

_ALIASES = {"mister": "mr"}


def normalise(text: str) -> str:
    """Lowercase; hyphens to spaces; drop punctuation (keep apostrophes inside words)."""
    text = text.lower().replace("\u2019", "'")
    text = re.sub(r"[-\u2013\u2014]", " ", text)
    text = re.sub(r"[^\w\s']", " ", text)
    text = re.sub(r"(?<!\w)'|'(?!\w)", " ", text)
    words = [_ALIASES.get(w, w) for w in text.replace("_", " ").split()]
    return " ".join(words)


def wer(ref: str, hyp: str) -> float:
    """Word-level Levenshtein distance divided by the number of reference words."""
    r, h = normalise(ref).split(), normalise(hyp).split()
    if not r:
        return 0.0 if not h else 1.0
    prev = list(range(len(h) + 1))
    for i, rw in enumerate(r, 1):
        cur = [i]
        for j, hw in enumerate(h, 1):
            cur.append(min(prev[j] + 1, cur[j - 1] + 1, prev[j - 1] + (rw != hw)))
        prev = cur
    return prev[-1] / len(r)
