"""Word times and segment text: the text is the truth, word times are derived from it.

* :func:`align_words` carries the times of a segment's words over to its corrected text;
* :func:`unchanged_words` says which words of a corrected text are still Whisper's;
* :func:`words_fit` says whether timed words are still found, in order, in the text;
* :func:`spread_words` gives words without times (captions) times spread over the
  segment by character position.
"""

from __future__ import annotations

import difflib
import re
from typing import Optional

from index.timing import find_words, spread

_WORD = re.compile(r"\S+")


def word_key(word: str) -> str:
    """A word as compared across versions of a text: lower case, without punctuation."""
    return re.sub(r"[^\w']", "", word.lower())


def align_words(old_words: list[dict], new_text: str, seg_start: float, seg_end: float) -> list[dict]:
    """Timed words for ``new_text``, reusing the times of the words that did not change."""
    new_tokens = _WORD.findall(new_text)
    if not new_tokens:
        return []
    old_keys = [word_key(w["text"]) for w in old_words]
    new_keys = [word_key(t) for t in new_tokens]
    times: list[Optional[tuple[float, float, float]]] = [None] * len(new_tokens)
    matcher = difflib.SequenceMatcher(a=old_keys, b=new_keys, autojunk=False)
    for tag, i1, i2, j1, j2 in matcher.get_opcodes():
        if tag == "equal":
            for k in range(i2 - i1):
                w = old_words[i1 + k]
                times[j1 + k] = (w["start"], w["end"], w.get("probability", 1.0))
        elif tag == "replace" and old_words:
            # spread the replaced words' time span over the new words
            span_start, span_end = old_words[i1]["start"], old_words[i2 - 1]["end"]
            n = j2 - j1
            for k in range(n):
                a = span_start + (span_end - span_start) * k / n
                b = span_start + (span_end - span_start) * (k + 1) / n
                times[j1 + k] = (a, b, 1.0)
    # fill inserted words between known neighbours
    out = []
    for i, token in enumerate(new_tokens):
        if times[i] is None:
            prev_end = next((times[j][1] for j in range(i - 1, -1, -1) if times[j]), seg_start)
            next_start = next((times[j][0] for j in range(i + 1, len(times)) if times[j]), seg_end)
            times[i] = (prev_end, max(prev_end, next_start), 1.0)
        start, end, prob = times[i]
        out.append({"start": round(start, 3), "end": round(end, 3), "text": " " + token, "probability": prob})
    return out


def unchanged_words(original_text: str, words: list[dict]) -> set[int]:
    """Indexes of the timed ``words`` of a corrected text that are the original's own words,
    as :func:`align_words` carried them over (what Whisper said of them still holds)."""
    old_keys = [word_key(t) for t in _WORD.findall(original_text or "")]
    new_keys = [word_key(w["text"]) for w in words]
    matcher = difflib.SequenceMatcher(a=old_keys, b=new_keys, autojunk=False)
    return {j + k for tag, _i1, _i2, j, j2 in matcher.get_opcodes() if tag == "equal" for k in range(j2 - j)}


def words_fit(text: str, words: list[dict]) -> bool:
    """Each timed word found in the segment's text, in order (as the index lays them out)."""
    return find_words(text, (w["text"] for w in words)) is not None


def spread_words(text: str, start: float, end: float) -> list[dict]:
    """Words of a segment without word times (captions), their times spread over the
    segment by character position (as the index times them, so hits and the view agree)."""
    return [{"start": round(a, 3), "end": round(b, 3), "text": " " + text[i:j], "probability": 1.0}
            for i, j, a, b in spread(text, start, end)]
