"""Transcript text as the chapter and vote readers see it: lower-case word tokens with
every number, spoken or written, in one form ("seven" and "7" are ``7``; "second" is
``2nd``), by the search index's own number rules (:mod:`index.numbers`)."""

from __future__ import annotations

import re

from index.numbers import canonical_tokens

_TOKEN = re.compile(r"[a-z0-9]+(?:'[a-z]+)?(?:[.,][0-9]+)*|[$%]")
_STEM_SUFFIXES = ("ings", "ing", "ies", "ied", "ment", "ments", "ed", "es", "s")

STOP = frozenset("""
a an and are as at be by for from has have in into is it its of on or the their this that to was were will with
our we you your they them he she his her i me my us all any other some such than then there these those which who
whom what when where why how not no yes do does did so if but about after before over under up down out off
item items agenda number no council city discussion possible action consider consideration regarding related
approve approval request report update presentation matter matters meeting public hearing second reading
""".split())


def tokens(text: str) -> list[str]:
    """The text's tokens, lower-case, numbers canonical, punctuation dropped."""
    low = text.lower().replace("\u2019", "'")
    raws, gaps = [], []
    pos = 0
    for m in _TOKEN.finditer(low):
        gap = low[pos:m.start()]
        gaps.append(bool(raws) and re.fullmatch(r"[\s\-\u2010-\u2015]*", gap) is not None)
        raws.append(m.group(0).replace(",", ""))
        pos = m.end()
    return [c if c is not None else raws[first] for c, first, _last, _role in canonical_tokens(raws, gaps)]


def stem(word: str) -> str:
    """A rough stem: enough for "cameras"/"camera" and "adjourned"/"adjournment" to meet."""
    word = word.split("'")[0]
    for suffix in _STEM_SUFFIXES:
        if len(word) > len(suffix) + 3 and word.endswith(suffix):
            return word[: -len(suffix)]
    return word


def content_words(text: str) -> list[str]:
    """The stems of the words that carry meaning (no stop words, no numbers)."""
    return [stem(t) for t in tokens(text) if t not in STOP and not t[:1].isdigit() and len(t) > 1 and t not in "$%"]
