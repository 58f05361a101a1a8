"""Words and times in a segment's text: the two rules the index and the archive share.

* :func:`find_words` says where each timed word stands in the text (in order), or that
  the words no longer fit the text (it was corrected);
* :func:`spread` times the words of a text that has no word times (captions) by
  character position across the segment.

Light on purpose: no Whoosh, so the archive's views can use it at start-up.
"""

from __future__ import annotations

import re
from typing import Iterable, Optional

_NONSPACE = re.compile(r"\S+")


def find_words(text: str, words: Iterable[str]) -> Optional[list[int]]:
    """The character offset of each word (stripped) in ``text``, searched in order; an
    empty word takes the offset reached so far. None if a word is not found."""
    chars, pos = [], 0
    for word in words:
        word = (word or "").strip()
        if not word:
            chars.append(pos)
            continue
        at = text.find(word, pos)
        if at < 0:
            return None
        chars.append(at)
        pos = at + len(word)
    return chars


def spread(text: str, start: float, end: float) -> list[tuple[int, int, float, float]]:
    """(first char, last char + 1, start, end) of each word of ``text``, its times spread
    over [start, end] by character position."""
    length = max(len(text), 1)
    dur = max(end - start, 0.0)
    return [(a, b, start + dur * a / length, start + dur * b / length)
            for a, b in (m.span() for m in _NONSPACE.finditer(text))]
