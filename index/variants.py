"""Spelling variants, vocabulary groups and sounds-alike words.

What a reporter types and what Whisper wrote differ in more than numbers:
"councillor"/"councilor"/"council member", "Ms."/"Mrs.", "OK"/"okay",
"Napolitano"/"Neapolitano".  Numbers are handled at analysis time
(:mod:`index.numbers`); everything here happens at *search* time, so the
archive's vocabulary can change without re-indexing:

* :data:`BUILTIN_GROUPS`: a small table of equivalent spellings common in
  council speech; a member prefixed with ``=`` is matched and expanded
  letter for letter (its stem would be too broad: "miss" -> "missed");
* vocabulary groups (``archive.vocab.expansions``) passed in by the caller
  as ``synonyms=[[term, *variants], ...]``;
* sounds-alike words: double metaphone codes (``whoosh.lang.dmetaphone``)
  of the words in the index's ``exact`` field, computed once per index
  reader (:class:`lexicon.Lexicon`) and looked up at search time.

A matched query word or phrase is expanded to the other members of its
group(s) (any length: "councillor" also finds the phrase "council member");
expansions are weighted below the words actually typed
(:data:`W_VARIANT`, :data:`W_PHONETIC`) and :class:`store.SearchIndex`
ranks hits found only through an expansion below every direct hit.
"""

from __future__ import annotations

from dataclasses import dataclass, field

from whoosh.lang.dmetaphone import double_metaphone

from .analysis import COMMON_TERMS, analyze

W_VARIANT = 0.5      # spelling variants and vocabulary variants
W_PHONETIC = 0.35    # sounds-alike words
MAX_PHONETIC = 40    # sounds-alike words per query word (most frequent first)

BUILTIN_GROUPS: list[list[str]] = [
    ["councilor", "councillor", "council member", "councilmember", "councilman",
     "councilwoman", "council man", "council woman", "councilperson", "council person",
     "councilmen", "councilwomen", "council men", "council women",
     "alderman", "alderwoman", "alderperson", "aldermen", "alderwomen"],
    ["ms", "mrs", "=miss", "missus"],
    ["mr", "mister"],
    ["ok", "okay"],
    ["percent", "per cent", "pct"],
    ["alright", "all right"],
    ["email", "e-mail"],
    ["website", "web site"],
    ["nonprofit", "non-profit"],
    ["healthcare", "health care"],
    ["daycare", "day care"],
    ["citywide", "city-wide"],
    ["cannot", "can not"],
    ["gonna", "going to"],
    ["wanna", "want to"],
    ["avenue", "ave"],
    ["boulevard", "blvd"],
    ["department", "dept"],
    ["chairman", "chairwoman", "chairperson", "chair person"],
]


# --------------------------------------------------------------------------
# Groups


@dataclass(frozen=True)
class Member:
    canon: tuple          # canonical terms (matched and searched in ``text``)
    surface: tuple        # surfaces (matched and searched in ``exact``)
    literal: bool         # "=" member: letter for letter only

    @property
    def length(self) -> int:
        return len(self.canon)

    @property
    def key(self):
        return (self.literal, self.surface if self.literal else self.canon)


@dataclass
class GroupIndex:
    """Compiled groups: lookup of members by their first token."""

    groups: list[list[Member]] = field(default_factory=list)
    by_canon: dict = field(default_factory=dict)      # first canon -> [(member, gi)]
    by_surface: dict = field(default_factory=dict)    # first surface -> [(member, gi)]

    def __bool__(self):
        return bool(self.groups)

    def alternatives(self, member: Member) -> list[Member]:
        """The other members of every group that holds ``member``."""
        key = member.key
        out: dict = {}
        for g in self.groups:
            if any(m.key == key for m in g):
                for m in g:
                    if m.key != key:
                        out.setdefault(m.key, m)
        return list(out.values())


def compile_groups(groups, numbers: bool = True) -> GroupIndex:
    gi = GroupIndex()
    for raw in groups or ():
        members = []
        seen = set()
        for text in raw:
            text = str(text).strip()
            literal = text.startswith("=")
            if literal:
                text = text[1:]
            canon, surf = analyze(text, numbers)
            if not canon:
                continue
            m = Member(tuple(canon), tuple(surf), literal)
            key = m.key
            if key in seen:
                continue
            seen.add(key)
            members.append(m)
        if len(members) < 2:
            continue
        idx = len(gi.groups)
        gi.groups.append(members)
        for m in members:
            if m.literal:
                gi.by_surface.setdefault(m.surface[0], []).append((m, idx))
            else:
                gi.by_canon.setdefault(m.canon[0], []).append((m, idx))
    return gi


_GROUP_CACHE: dict = {}


def group_index(synonyms=None, builtin: bool = True, numbers: bool = True) -> GroupIndex:
    """Built-in table (if ``builtin``) + vocabulary groups, compiled (cached)."""
    key = (builtin, numbers, tuple(tuple(str(x) for x in g) for g in (synonyms or ())))
    gi = _GROUP_CACHE.get(key)
    if gi is None:
        gi = compile_groups((BUILTIN_GROUPS if builtin else []) + [list(g) for g in synonyms or ()],
                            numbers)
        if len(_GROUP_CACHE) > 16:
            _GROUP_CACHE.clear()
        _GROUP_CACHE[key] = gi
    return gi


def find_occurrences(tokens: list[tuple[str, str]], gi: GroupIndex):
    """Non-overlapping occurrences of group members in a query phrase:
    ``[(start, length, member)]``, longest match first, left to right."""
    out = []
    n = len(tokens)
    i = 0
    while i < n:
        canon, surf = tokens[i]
        best = None
        for m, _g in [*gi.by_canon.get(canon, ()), *gi.by_surface.get(surf, ())]:
            k = m.length
            if i + k > n or (best is not None and k <= best.length):
                continue
            if m.literal:
                ok = tuple(s for _c, s in tokens[i:i + k]) == m.surface
            else:
                ok = tuple(c for c, _s in tokens[i:i + k]) == m.canon
            if ok:
                best = m
        if best is not None:
            out.append((i, best.length, best))
            i += best.length
        else:
            i += 1
    return out


# --------------------------------------------------------------------------
# Sounds-alike words


_CODES: dict[str, tuple[str, ...]] = {}


def phonetic_codes(word: str) -> tuple[str, ...]:
    """Double metaphone codes (primary, secondary) of a word (cached)."""
    c = _CODES.get(word)
    if c is None:
        w = word.lower().replace("\u2019", "'")
        if w.endswith("'s"):
            w = w[:-2]
        w = w.replace("'", "")
        c = tuple(dict.fromkeys(x for x in double_metaphone(w) if x)) if w.isalpha() else ()
        if len(_CODES) > 400_000:
            _CODES.clear()
        _CODES[word] = c
    return c


def phonetic_ok(canon: str, surf: str, explicit: bool) -> bool:
    """Should this query word get sounds-alike alternatives?  ``sounds:``
    (explicit) takes any word; ``phonetic=True`` only name-like ones: three
    letters or more, not a common word, a code of two sounds or more."""
    w = surf.replace("'", "").replace("\u2019", "")
    if not w.isalpha():
        return False
    if explicit:
        return len(w) >= 2
    if len(w) < 3 or canon in COMMON_TERMS:
        return False
    codes = phonetic_codes(surf)
    return bool(codes) and len(codes[0]) >= 2
