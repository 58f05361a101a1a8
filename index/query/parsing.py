"""Query language: parsing, validation and the rewrite into query nodes.

User text is parsed with Whoosh's QueryParser (default AND, "phrases", OR,
NOT / -word, prefix*, fuzzy~ / ~2, field filters, date filters) against a
schema that only exposes the user-facing fields.  The parsed tree is then
rewritten (:mod:`.nodes`):

* every text condition is wrapped in :class:`OwnStart`, which only keeps
  matches that *start* in the segment's own words (the transcript field also
  holds the first words of the next segment): a phrase straddling two
  Whisper segments is found exactly once, in the segment where it starts,
  and a word that only occurs in the overlap never makes a hit;
* quoted phrases become a positional span query over (common-gram) tokens;
  numbers in the query are canonicalized exactly like the transcript
  (``item three`` = ``item 3``; a multi-word number typed without quotes is
  quoted first so it stays one position: :func:`expansion.prepare_query`);
* words and phrases become :class:`SpeechLeaf` nodes, resolved against the
  index at search time into the words as typed plus, where they apply,
  spelling/vocabulary variants and sounds-alike words (``sounds:Sarno``, or
  every name-like word with ``phonetic=True``), all weighted lower;
  ``="..."`` (or ``exact=True``) matches the ``exact`` field letter for
  letter instead, with no expansion;
* prefix and fuzzy terms also try the stemmed form of the word, and never
  expand to common-gram tokens;
* ``body:``/``speaker:``/``kind:`` become :class:`KeywordFilter`;
* malformed input raises :class:`QueryError` with one friendly line.

Alongside the Whoosh query the compiler returns *highlight clauses*, the
positive text conditions used to locate the first matched word of each hit
(speech leaves add theirs when they are resolved, so the clauses name the
variants that were actually searched).

Position alignment: the ``text`` field (canonical terms) and the ``exact``
field (surfaces) share one position space, so a phrase can ask for a
canonical term at one offset and an exact/sounds-alike word at the next.
"""

from __future__ import annotations

import logging
import re
from dataclasses import dataclass, field

from whoosh import qparser
from whoosh.qparser import plugins
from whoosh.query import (And, AndMaybe, AndNot, Every, FuzzyTerm, MultiTerm, Not,
                          NullQuery, Or, Phrase, Prefix, Query, Term, Wildcard)

from .._whoosh_internals import is_null
from ..analysis import keyword_norm, split_qtoken, stem_word
from ..model import QueryError
from ..schema import TEXT_FIELDS, DateSyntaxError, date_range_query, parse_date_range
from ..variants import GroupIndex, find_occurrences
from .expansion import prepare_query
from .nodes import Clause, KeywordFilter, NoGrams, OwnStart, SpeechLeaf

log = logging.getLogger(__name__)
MAX_QUERY_CHARS = 1000
KEYWORD_FIELDS = ("body", "speaker", "kind", "lang", "item", "chapter")
_EMPTY_FILTER = re.compile(r"(?:^|[\s(])(body|speaker|kind|lang|item|chapter|title|date|year|sounds|exact):"
                           r"(?=$|[\s)])", re.IGNORECASE)


@dataclass
class CompiledQuery:
    query: Query
    clauses: list[Clause] = field(default_factory=list)


@dataclass
class QueryOptions:
    """How words are matched (see SearchIndex.search)."""

    exact: bool = False               # everything letter for letter
    phonetic: bool = False            # name-like words also match sounds-alikes
    groups: GroupIndex | None = None  # spelling/vocabulary variant groups
    numbers: bool = True              # the index canonicalizes numbers



def make_parser(schema, fieldname: str = "text"):
    pins = [
        plugins.FieldsPlugin(remove_unknown=True),
        plugins.WildcardPlugin(),
        plugins.PhrasePlugin(),
        plugins.RangePlugin(),
        plugins.GroupPlugin(),
        plugins.OperatorsPlugin(),
        plugins.BoostPlugin(),
        # "-word" only at the start of a word, so "2011-05" stays one word;
        # no "+" operator (it would turn the other words optional).
        plugins.PlusMinusPlugin(plusexpr=r"(?!)", minusexpr=r"(?<![^\s(])-(?=[^\s-])"),
        plugins.FuzzyTermPlugin(),
    ]
    return qparser.QueryParser(fieldname, schema, plugins=pins, group=qparser.AndGroup)


def parse_date_filter(value: str, what: str) -> tuple[int | None, int | None]:
    try:
        return parse_date_range(value)
    except DateSyntaxError:
        raise QueryError(f"{what} {value!r} is not a date; use YYYY, YYYY-MM or "
                         "YYYY-MM-DD (e.g. 2011-05-02).") from None


def compile_query(text: str, parser, *, gram_mode: str = "both",
                  options: QueryOptions | None = None) -> CompiledQuery:
    if text is None or not str(text).strip():
        raise QueryError("Type something to search for.")
    text = str(text).strip()
    if len(text) > MAX_QUERY_CHARS:
        raise QueryError(f"That search is too long ({len(text):,} characters); "
                         f"please keep it under {MAX_QUERY_CHARS:,}.")
    m = _EMPTY_FILTER.search(re.sub(r'"[^"]*"', "Q", text))
    if m:
        name = m.group(1).lower()
        raise QueryError(f"Add a value after '{name}:' (for example {name}:"
                         f"{_EXAMPLES[name]}).")
    options = options or QueryOptions()
    try:
        parsed = parser.parse(prepare_query(text, options.numbers))
    except QueryError:
        raise
    except Exception as e:
        log.debug("query %r does not parse: %r", text, e)
        raise QueryError("Couldn't understand that search; check quotes and "
                         "brackets.") from None
    rw = _Rewriter(gram_mode, options)
    q = rw.rewrite(parsed, False)
    if rw.error:
        raise QueryError(rw.error)
    if is_null(q):
        raise QueryError("Type some words to search for (punctuation on its own "
                         "isn't searchable).")
    if not rw.positive:
        raise QueryError("Add a word to search for: a search can't only exclude "
                         "words.")
    return CompiledQuery(q, rw.clauses)


_EXAMPLES = {
    "body": '"City Council"', "speaker": "smith", "kind": "meeting", "lang": "es", "item": "7",
    "chapter": "casino",
    "title": "budget", "date": "2011-05", "year": "2011", "sounds": "Sarno",
    "exact": '"item 3"',
}


class _Rewriter:
    def __init__(self, gram_mode: str, options: QueryOptions | None = None):
        self.gram_mode = gram_mode
        self.options = options or QueryOptions()
        self.clauses: list[Clause] = []
        self.positive = False
        self.error: str | None = None

    def rewrite(self, q, neg: bool):
        err = getattr(q, "error", None)
        if err is not None and self.error is None:
            if isinstance(err, DateSyntaxError):
                self.error = (f"'{err}' is not a date; use date:YYYY, date:YYYY-MM, "
                              "date:YYYY-MM-DD or a range like date:2011..2012.")
            else:
                self.error = "Couldn't understand part of that search."
            return NullQuery
        if isinstance(q, Not):
            return Not(self.rewrite(q.query, not neg))
        if isinstance(q, AndNot):
            return AndNot(self.rewrite(q.a, neg), self.rewrite(q.b, not neg))
        if isinstance(q, AndMaybe):
            return AndMaybe(self.rewrite(q.a, neg), self.rewrite(q.b, neg))
        if isinstance(q, Every):
            self.error = "Type a word to search for ('*' on its own matches everything)."
            return NullQuery
        if isinstance(q, And) and self.options.groups and not self.options.exact:
            joined = self._join_words(q, neg)
            if joined is not None:
                return joined
        fieldname = q.field() if hasattr(q, "field") else None
        if fieldname in TEXT_FIELDS:
            return self._text(q, neg)
        if fieldname in KEYWORD_FIELDS and isinstance(q, Term):
            self.positive |= not neg
            return KeywordFilter(fieldname, q.text, boost=q.boost)
        if fieldname in KEYWORD_FIELDS and isinstance(q, Phrase):
            self.positive |= not neg
            return KeywordFilter(fieldname, " ".join(q.words), boost=q.boost)
        if q.is_leaf():
            if not is_null(q):
                self.positive |= not neg
            return q
        return q.apply(lambda c: self.rewrite(c, neg))

    def _add(self, clause: Clause, neg: bool):
        if not neg:
            self.positive = True
            self.clauses.append(clause)

    def _leaf(self, tokens, mode, neg, slop=1, boost=1.0, alternatives_only=False):
        if not neg:
            self.positive = True
        o = self.options
        return SpeechLeaf(tokens, slop=slop, boost=boost, mode=mode,
                          groups=None if (o.exact or mode == "exact") else o.groups,
                          phonetic=o.phonetic and not o.exact, gram_mode=self.gram_mode,
                          neg=neg, alternatives_only=alternatives_only)

    def _join_words(self, q, neg):
        """``council member budget`` (unquoted): words that spell a
        multi-word group member also find its variants ("councilor")."""
        subs = list(q.subqueries)
        toks = [_plain_word(s) for s in subs]
        out, i, changed = [], 0, False
        while i < len(subs):
            j = i
            while j < len(subs) and toks[j] is not None:
                j += 1
            if j - i >= 2:
                run = [toks[k] for k in range(i, j)]
                occ = [o for o in find_occurrences(run, self.options.groups) if o[1] >= 2]
                k = i
                for start, length, _m in occ:
                    for x in range(k, i + start):
                        out.append(self.rewrite(subs[x], neg))
                    words = [self.rewrite(subs[x], neg)
                             for x in range(i + start, i + start + length)]
                    alt = self._leaf(run[start:start + length], "text", neg,
                                     alternatives_only=True)
                    out.append(Or([And(words), alt]))
                    k = i + start + length
                    changed = True
                for x in range(k, j):
                    out.append(self.rewrite(subs[x], neg))
                i = j
            elif j > i:
                out.append(self.rewrite(subs[i], neg))
                i += 1
            else:
                out.append(self.rewrite(subs[i], neg))
                i += 1
        if not changed:
            return None
        return And(out, boost=q.boost)

    def _text(self, q, neg):
        fieldname = q.field()
        if fieldname == "sounds":
            mode = "sounds"
        elif fieldname == "exact" or self.options.exact:
            mode = "exact"
        else:
            mode = "text"
        ex = mode == "exact"
        if isinstance(q, Phrase):
            tokens = [split_qtoken(w) for w in q.words if w]
            if not tokens:
                return NullQuery
            return self._leaf(tokens, mode, neg, slop=max(1, q.slop), boost=q.boost)
        if isinstance(q, FuzzyTerm):   # before Term checks
            word = q.text
            maxdist = min(max(int(q.maxdist), 1), 2)
            variants = (word,) if ex else tuple(dict.fromkeys([word, stem_word(word)]))
            fname = "exact" if ex else "text"
            self._add(Clause("fuzzy", variants, maxdist=maxdist,
                             prefixlength=q.prefixlength, field=fname), neg)
            subs = [NoGrams(FuzzyTerm(fname, v, boost=q.boost, maxdist=maxdist,
                                      prefixlength=q.prefixlength)) for v in variants]
            return OwnStart(subs[0] if len(subs) == 1 else Or(subs))
        if isinstance(q, Prefix):
            p = q.text
            if len(p) < 2:
                self.error = "Type at least two letters before '*'."
                return NullQuery
            if ex:
                prefixes = (p,)
            else:
                s = stem_word(p)
                prefixes = (s,) if p.startswith(s) and len(s) >= 2 else tuple(
                    dict.fromkeys([p, s]))
            fname = "exact" if ex else "text"
            self._add(Clause("prefix", prefixes, field=fname), neg)
            subs = [NoGrams(Prefix(fname, x, boost=q.boost)) for x in prefixes]
            return OwnStart(subs[0] if len(subs) == 1 else Or(subs))
        if isinstance(q, Wildcard):
            pat = q.text
            if not re.sub(r"[*?]", "", pat):
                self.error = "Type a word to search for ('*' on its own matches everything)."
                return NullQuery
            rx = re.compile(
                "".join(".*" if c == "*" else "." if c == "?" else re.escape(c)
                        for c in pat) + r"\Z")
            fname = "exact" if ex else "text"
            self._add(Clause("wild", (pat,), regex=rx, field=fname), neg)
            return OwnStart(NoGrams(Wildcard(fname, pat, boost=q.boost)))
        if isinstance(q, Term):
            return self._leaf([split_qtoken(q.text)], mode, neg, boost=q.boost)
        if isinstance(q, MultiTerm):
            if not neg:
                self.positive = True
            return OwnStart(NoGrams(q))
        if q.is_leaf():
            if not neg:
                self.positive = True
            return q
        return q.apply(lambda c: self.rewrite(c, neg))


def _plain_word(q):
    """(canonical, surface) of an unquoted transcript word, else None."""
    if type(q) is Term and q.field() == "text" and q.boost == 1.0:
        return split_qtoken(q.text)
    return None


def filters_query(*, body=None, speaker=None, kind=None, date_from=None, date_to=None, chapter=None):
    """Keyword-argument filters as a query (or None)."""
    parts = []
    for name, value in (("body", body), ("speaker", speaker), ("kind", kind), ("chapter", chapter)):
        if value is None:
            continue
        values = [value] if isinstance(value, str) else list(value)
        subs = [KeywordFilter(name, v) for v in values if keyword_norm(str(v))]
        if subs:
            parts.append(subs[0] if len(subs) == 1 else Or(subs))
    lo = hi = None
    if date_from:
        lo = parse_date_filter(str(date_from), "date_from")[0]
    if date_to:
        hi = parse_date_filter(str(date_to), "date_to")[1]
    if lo is not None or hi is not None:
        parts.append(date_range_query(lo, hi))
    if not parts:
        return None
    return parts[0] if len(parts) == 1 else And(parts)
