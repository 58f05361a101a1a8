"""Whoosh schema: one document per transcript segment.

Fields (all custom field classes live here and are pickled into the index
TOC, so they must stay importable as ``index.schema.*``):

``text``     the segment's own words + the first ``OVERLAP_WORDS`` words of the
             next segment (the overlap), with positions.  Own tokens sit just
             below ``BOUNDARY`` and overlap tokens from ``BOUNDARY`` on, so
             "the match starts in this segment" is ``span.start < BOUNDARY``;
             every text query (term, phrase, prefix, fuzzy) is restricted to
             matches starting there.  Holds every canonical unigram (numbers
             normalized, words stemmed) plus ``a_b`` common-gram tokens (gram
             mode "both", "either" or "off").
``exact``    the surfaces of the same tokens at the same positions
             (lower-cased, unstemmed: ``"twenty five"``, ``"18,000"``,
             ``"$"``): exact search, sounds-like and unstemmed variants, and
             the word list for "Did you mean".  Common grams as in ``text``,
             over the common words as written (``of_the``).
``title``    recording title (positions), ``title:`` filter.
``body`` ``speaker`` ``kind``  whole value, lower-cased, one term; sortable
             (RefBytes column keeps the original spelling for facets).
``lang``     the segment's spoken language code ("en", "es"; else the recording's), one
             term: ``lang:es``. A recording in one language has the same terms as before
             segments had languages, so that needed no new schema version (no rebuild).
``item`` ``chapter``  the agenda item a segment is said in ("7.b") and its chapter
             ("7.b. Casino traffic study"), like ``speaker``: ``item:7``, ``chapter:casino``.
``year``     "YYYY" (sortable, facets); ``date`` "YYYYMMDD" (self-parsing:
             ``date:2011``, ``date:2011-05``, ``date:2011..2012`` ...).
``rid``      recording id (delete / consistency checks; the segment's unique
             key is (rid, sid) in the stored tuple).
``dsort``    packed numeric sort key for sort="date".
``d``        stored tuple with everything needed to build a Hit.
"""

from __future__ import annotations

import datetime as _dt
import re
import struct
from array import array

from whoosh import columns, fields, formats
from whoosh.query import NullQuery, Or, TermRange

from .analysis import (COMMON_SURFACES, CouncilAnalyzer, KeywordAnalyzer, QueryAnalyzer,
                       analyze, keyword_norm, phrase_positions, terms)

SCHEMA_VERSION = 6         # 3: spoken numbers, "exact" field; 4: codec moved (pickled path); 5: "lang"; 6: "item", "chapter"
BOUNDARY = 30000           # own tokens < BOUNDARY <= overlap tokens
OVERLAP_WORDS = 10         # words of the next segment appended for phrases
MAX_OWN_TOKENS = BOUNDARY  # longer segments are truncated in the phrase field


# --------------------------------------------------------------------------
# Posting format: positions as a packed array (fast to decode, compact).


_PACK_H = struct.Struct("=H").pack


def encode_positions(poslist) -> bytes:
    if len(poslist) == 1 and poslist[0] <= 0xFFFF:
        return _PACK_H(poslist[0])
    if poslist and poslist[-1] > 0xFFFF:
        return b"I" + array("I", poslist).tobytes()   # odd length marks 'I'
    return array("H", poslist).tobytes()


_TERM_BYTES: dict[str, bytes] = {}
_ONE_POS: dict[int, bytes] = {}


def encode_postings(post: dict[str, list[int]]) -> list[tuple]:
    """term -> positions  =>  [(btext, freq, weight, encoded positions)]."""
    tb_get = _TERM_BYTES.get
    one_get = _ONE_POS.get
    out = []
    append = out.append
    for t, p in post.items():
        tb = tb_get(t)
        if tb is None:
            if len(_TERM_BYTES) > 500_000:
                _TERM_BYTES.clear()
            tb = _TERM_BYTES[t] = t.encode("utf-8")
        if len(p) == 1:
            x = p[0]
            v = one_get(x)
            if v is None:
                v = _ONE_POS[x] = encode_positions(p)
            append((tb, 1, 1.0, v))
        else:
            n = len(p)
            append((tb, n, float(n), encode_positions(p)))
    return out


def decode_positions(v: bytes):
    if len(v) & 1:
        return array("I", v[1:]).tolist()
    return array("H", v).tolist()


class PackedPositions(formats.Format):
    """Positions format storing absolute positions as a packed uint16 array."""

    posting_size = -1

    def word_values(self, value, analyzer, **kwargs):
        poses: dict[str, list[int]] = {}
        kwargs["positions"] = True
        for t in formats.tokens(value, analyzer, kwargs):
            poses.setdefault(t.text, []).append(t.pos)
        for w, poslist in poses.items():
            yield (w, len(poslist), float(len(poslist)) * self.field_boost,
                   encode_positions(poslist))

    def decode_positions(self, v):
        return decode_positions(v)

    def decode_frequency(self, v):
        return (len(v) - 1) // 4 if len(v) & 1 else len(v) // 2

    def decode_weight(self, v):
        return self.decode_frequency(v) * self.field_boost

    def decode_position_boosts(self, v):
        return [(p, 1.0) for p in decode_positions(v)]


# --------------------------------------------------------------------------


class TranscriptField(fields.FieldType):
    """The transcript: own words + overlap, positions around BOUNDARY, and
    common-gram tokens according to ``gram_mode`` (see analysis.GRAM_MODES).

    The value is ``(own_text, overlap_text)`` (or just a string), optionally
    followed by the already-analyzed ``own_terms, overlap_terms`` lists."""

    def __init__(self, gram_mode: str = "both", numbers: bool = True):
        super().__init__(PackedPositions(), CouncilAnalyzer(numbers), scorable=True,
                         multitoken_query="phrase")
        self.gram_mode = gram_mode
        self.numbers = numbers
        self.boundary = BOUNDARY

    def index(self, value, **kwargs):
        if isinstance(value, str):
            own, tail = terms(value, self.numbers), []
        elif len(value) == 4:
            own, tail = value[2], value[3]
        else:
            own = terms(value[0], self.numbers)
            tail = terms(value[1], self.numbers) if value[1] else []
        if len(own) > MAX_OWN_TOKENS:
            own, tail = own[:MAX_OWN_TOKENS], []
        post = phrase_positions(own, tail, self.boundary, self.gram_mode)
        return encode_postings(post)


class ExactField(fields.FieldType):
    """Surfaces of the transcript tokens (see analysis.analyze) at the very
    positions of the ``text`` field, own tokens below BOUNDARY, overlap from
    BOUNDARY on, common grams of the common surfaces (so ``="out of the"`` is
    as fast as ``"out of the"``).  Not scored on its own (the engine scores
    with the transcript field's lengths).  The value is ``(own_surfaces,
    tail_surfaces)`` or a string."""

    def __init__(self, numbers: bool = True, gram_mode: str = "both"):
        super().__init__(PackedPositions(), CouncilAnalyzer(numbers), scorable=False)
        self.numbers = numbers
        self.gram_mode = gram_mode
        self.boundary = BOUNDARY

    def index(self, value, **kwargs):
        if isinstance(value, str):
            own, tail = analyze(value, self.numbers)[1], []
        else:
            own, tail = value
        if len(own) > MAX_OWN_TOKENS:
            own, tail = own[:MAX_OWN_TOKENS], []
        post = phrase_positions(own, tail, self.boundary, self.gram_mode, COMMON_SURFACES)
        post.pop("", None)      # a scale word implied by digits has no surface
        return encode_postings(post)


class QueryTextField(fields.FieldType):
    """Query-parser stand-in for ``text``/``exact``/``sounds``: its analyzer
    yields ``term + QSEP + surface`` tokens for the rewriter (query.py)."""

    def __init__(self, numbers: bool = True):
        super().__init__(PackedPositions(), QueryAnalyzer(numbers), scorable=True,
                         multitoken_query="phrase")


class TitleField(fields.FieldType):
    """Recording title; the same title repeats for every segment, so cache."""

    def __init__(self):
        super().__init__(PackedPositions(), CouncilAnalyzer(), scorable=True,
                         multitoken_query="phrase")
        self._cache = None

    def __getstate__(self):
        d = dict(self.__dict__)
        d["_cache"] = None
        return d

    def index(self, value, **kwargs):
        c = self._cache
        if c is not None and c[0] == value:
            return c[1]
        post: dict[str, list[int]] = {}
        for i, t in enumerate(terms(value)):
            post.setdefault(t, []).append(i)
        out = [(t.encode("utf-8"), len(p), float(len(p)), encode_positions(p))
               for t, p in post.items()]
        self._cache = (value, out)
        return out


class RecordingIdField(fields.FieldType):
    """Recording id as one exact term (deletes and consistency checks)."""

    def __init__(self):
        super().__init__(formats.Existence(), KeywordAnalyzer())

    def index(self, value, **kwargs):
        return [(str(value).encode("utf-8"), 1, 1.0, b"")]


class KeywordField(fields.FieldType):
    """Whole value as one lower-cased term; original spelling in a column."""

    def __init__(self, sortable=True):
        super().__init__(formats.Existence(), KeywordAnalyzer(),
                         sortable=columns.RefBytesColumn() if sortable else False)

    def index(self, value, **kwargs):
        t = keyword_norm(value)
        if not t:
            return []
        return [(t.encode("utf-8"), 1, 1.0, b"")]


# --------------------------------------------------------------------------
# Dates

_DATE_PART = re.compile(r"^(\d{4})(?:[-/.](\d{1,2})(?:[-/.](\d{1,2}))?)?$")


class DateSyntaxError(ValueError):
    pass


def _month_end(y: int, m: int) -> int:
    if m == 12:
        return 31
    return (_dt.date(y, m + 1, 1) - _dt.timedelta(days=1)).day


def date_bounds(text: str) -> tuple[int, int]:
    """``"2011"`` / ``"2011-05"`` / ``"2011-05-02"`` -> (first, last) YYYYMMDD."""
    m = _DATE_PART.match(text.strip())
    if not m:
        raise DateSyntaxError(text)
    y = int(m.group(1))
    mo = int(m.group(2)) if m.group(2) else None
    d = int(m.group(3)) if m.group(3) else None
    try:
        if mo is None:
            return y * 10000 + 101, y * 10000 + 1231
        if d is None:
            _dt.date(y, mo, 1)
            return y * 10000 + mo * 100 + 1, y * 10000 + mo * 100 + _month_end(y, mo)
        _dt.date(y, mo, d)
    except ValueError as e:
        raise DateSyntaxError(text) from e
    v = y * 10000 + mo * 100 + d
    return v, v


def parse_date_range(text: str) -> tuple[int | None, int | None]:
    """``A``, ``A..B``, ``A..``, ``..B`` (each part a year, month or day)."""
    text = text.strip()
    if ".." in text:
        a, b = text.split("..", 1)
        lo = date_bounds(a)[0] if a.strip() else None
        hi = date_bounds(b)[1] if b.strip() else None
        if lo is None and hi is None:
            raise DateSyntaxError(text)
        return lo, hi
    return date_bounds(text)


def date_range_query(lo: int | None, hi: int | None):
    """Range over the ``year`` field for whole years, ``date`` for the rest."""
    if lo is not None and hi is not None and lo > hi:
        return NullQuery
    lo_y = lo // 10000 if lo is not None else None
    hi_y = hi // 10000 if hi is not None else None
    parts = []
    # whole years strictly inside the range
    first_full = lo_y if (lo is None or lo % 10000 == 101) else lo_y + 1
    last_full = hi_y if (hi is None or hi % 10000 == 1231) else hi_y - 1
    if lo is not None and hi is not None and lo_y == hi_y and not (
            lo % 10000 == 101 and hi % 10000 == 1231):
        return TermRange("date", "%08d" % lo, "%08d" % hi)
    if first_full is None or last_full is None or first_full <= last_full:
        parts.append(TermRange("year",
                               None if first_full is None else "%04d" % first_full,
                               None if last_full is None else "%04d" % last_full))
    if lo is not None and lo % 10000 != 101:
        parts.append(TermRange("date", "%08d" % lo, "%08d" % (lo_y * 10000 + 1231)))
    if hi is not None and hi % 10000 != 1231:
        parts.append(TermRange("date", "%08d" % (hi_y * 10000 + 101), "%08d" % hi))
    if not parts:
        return NullQuery
    return parts[0] if len(parts) == 1 else Or(parts)


class DateField(fields.FieldType):
    """``YYYYMMDD`` term; parses ``date:`` filters itself."""

    def __init__(self):
        super().__init__(formats.Existence(), KeywordAnalyzer())

    def index(self, value, **kwargs):
        v = to_date_int(value)
        if not v:
            return []
        return [(b"%08d" % v, 1, 1.0, b"")]

    def self_parsing(self):
        return True

    def parse_query(self, fieldname, qstring, boost=1.0):
        lo, hi = parse_date_range(qstring)
        return date_range_query(lo, hi)

    def parse_range(self, fieldname, start, end, startexcl, endexcl, boost=1.0):
        lo = date_bounds(start)[0] if start else None
        hi = date_bounds(end)[1] if end else None
        return date_range_query(lo, hi)


def to_date_int(date: str | None) -> int:
    """"YYYY-MM-DD" (or a prefix) -> YYYYMMDD int, 0 if missing/invalid."""
    if not date:
        return 0
    try:
        return date_bounds(str(date)[:10])[0]
    except DateSyntaxError:
        return 0


_EPOCH = _dt.date(1900, 1, 1).toordinal()


def date_sort_prefix(date_int: int, recording_id: int) -> int:
    """High bits of the packed sort key: date descending, recording desc."""
    if date_int:
        y, md = divmod(date_int, 10000)
        m, d = divmod(md, 100)
        days = min(max(_dt.date(y, m, d).toordinal() - _EPOCH, 0), 0xFFFE) + 1
    else:
        days = 0
    rid = recording_id & 0xFFFFF
    return ((0xFFFF - days) << 48) | ((0xFFFFF - rid) << 28)


def start_ms_bits(start: float) -> int:
    ms = int(start * 1000 + 0.5)
    return ms if 0 <= ms <= 0xFFFFFFF else (0 if ms < 0 else 0xFFFFFFF)


# --------------------------------------------------------------------------


def build_schema(gram_mode: str = "both", numbers: bool = True) -> fields.Schema:
    return fields.Schema(
        rid=RecordingIdField(),
        text=TranscriptField(gram_mode=gram_mode, numbers=numbers),
        exact=ExactField(numbers=numbers, gram_mode=gram_mode),
        title=TitleField(),
        body=KeywordField(),
        speaker=KeywordField(),
        kind=KeywordField(),
        lang=KeywordField(),
        item=KeywordField(),
        chapter=KeywordField(),
        year=KeywordField(),
        date=DateField(),
        dsort=fields.COLUMN(columns.NumericColumn("Q", default=0)),
        d=fields.STORED(),
    )


# Fields a user may name in the query language (the parser never sees the
# internal ones, so ``rid:5`` is just words).  ``exact:`` is what ``="..."``
# becomes; ``sounds:`` is the sounds-like operator (neither is a real field
# of the parser's own: the rewriter maps them onto ``exact``/``text``).
USER_FIELDS = ("text", "title", "body", "speaker", "kind", "lang", "item", "chapter", "date", "year")
TEXT_FIELDS = ("text", "exact", "sounds")


def parser_schema(schema: fields.Schema) -> fields.Schema:
    numbers = getattr(schema["text"], "numbers", True)
    f = {name: schema[name] for name in USER_FIELDS}
    for name in TEXT_FIELDS:
        f[name] = QueryTextField(numbers)
    return fields.Schema(**f)
