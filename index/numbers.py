"""Spoken and written numbers -> one canonical token sequence.

Whisper writes "item 3", "$18,000" and "75%" as often as "item three",
"eighteen thousand dollars" and "seventy-five percent"; a reporter types
either.  Both the indexed text and the query text go through
:func:`canonical_tokens`, so every form of a number becomes the same tokens:

==============================================  =========================
written / spoken                                canonical tokens
==============================================  =========================
``3``, ``three``                                ``3``
``25``, ``twenty-five``, ``twenty five``        ``25``
``2nd``, ``second``; ``21st``, ``twenty-first``  ``2nd``; ``21st``
``75%``, ``75 percent``, ``seventy five per cent``  ``75 percent``
``$18,000``, ``eighteen thousand dollars``     ``18000 dollar``
``$4 million``, ``four million dollars``,       ``4 million dollar``
``$4,000,000``
``2013``, ``twenty thirteen``,                  ``2013``
``two thousand (and) thirteen``
``4.5``, ``four point five``                    ``4.5``
==============================================  =========================

Rules (deliberately conservative, they must never merge unrelated words):

* number words only combine across whitespace or hyphens, never across other
  punctuation ("twenty, five" stays 20 and 5);
* ``and`` joins only after ``hundred``/``thousand``/... and before a number
  word; ``a`` counts as one only before ``hundred``/``thousand``/``million``;
* a year is read from two two-digit halves whose first half is 18, 19 or 20
  ("nineteen ninety nine", "twenty oh five", "twenty thirteen");
* values of a million and more keep their scale word ("4.2 million") when
  they are round to a thousandth of the scale; other values are plain digits
  without separators ("18000"), leading zeros and trailing decimal zeros
  dropped;
* ``$`` before a number becomes the word ``dollar`` after the number (and
  its scale word) unless the word "dollar(s)" follows anyway; ``%`` and
  "per cent" become ``percent``.

Each canonical token keeps the raw tokens it came from (their index range),
so the caller can give it a character span (hit times, snippets) and a
surface form (the exact, letter-for-letter field).
"""

from __future__ import annotations

import re
from decimal import Decimal, InvalidOperation

UNITS = {"zero": 0, "one": 1, "two": 2, "three": 3, "four": 4, "five": 5, "six": 6,
         "seven": 7, "eight": 8, "nine": 9}
TEENS = {"ten": 10, "eleven": 11, "twelve": 12, "thirteen": 13, "fourteen": 14,
         "fifteen": 15, "sixteen": 16, "seventeen": 17, "eighteen": 18, "nineteen": 19}
TENS = {"twenty": 20, "thirty": 30, "forty": 40, "fourty": 40, "fifty": 50, "sixty": 60,
        "seventy": 70, "eighty": 80, "ninety": 90}
SCALES = {"thousand": 10 ** 3, "million": 10 ** 6, "billion": 10 ** 9,
          "trillion": 10 ** 12}
ORD_UNITS = {"first": 1, "second": 2, "third": 3, "fourth": 4, "fifth": 5, "sixth": 6,
             "seventh": 7, "eighth": 8, "ninth": 9}
ORD_TEENS = {"tenth": 10, "eleventh": 11, "twelfth": 12, "thirteenth": 13,
             "fourteenth": 14, "fifteenth": 15, "sixteenth": 16, "seventeenth": 17,
             "eighteenth": 18, "nineteenth": 19}
ORD_TENS = {"twentieth": 20, "thirtieth": 30, "fortieth": 40, "fiftieth": 50,
            "sixtieth": 60, "seventieth": 70, "eightieth": 80, "ninetieth": 90}
ORD_SCALES = {"hundredth": 100, "thousandth": 10 ** 3, "millionth": 10 ** 6}

# Words that can start or continue a number (the analyzer's slow path runs
# only for text that holds one of these, a digit, "$", "%" or "cent").
NUMBER_WORDS = frozenset(list(UNITS) + list(TEENS) + list(TENS) + list(SCALES)
                         + list(ORD_UNITS) + list(ORD_TEENS) + list(ORD_TENS)
                         + list(ORD_SCALES) + ["hundred", "cent"])

DIGITS_RE = re.compile(r"^(?:\d{1,3}(?:,\d{3})+|\d+)(?:\.\d+)?$")
ORDINAL_DIGITS_RE = re.compile(r"^(\d+)(st|nd|rd|th)$")
_GAP_RE = re.compile(r"^[\s\-\u2010-\u2015]*$")

YEAR_CENTURIES = (18, 19, 20)
_SCALE_DISPLAY = ((10 ** 12, "trillion"), (10 ** 9, "billion"), (10 ** 6, "million"))


def gap_joins(gap: str) -> bool:
    """May two number words separated by ``gap`` be read as one number?"""
    return not gap or _GAP_RE.match(gap) is not None


def ordinal_suffix(n: int) -> str:
    if 10 <= n % 100 <= 20:
        return "th"
    return {1: "st", 2: "nd", 3: "rd"}.get(n % 10, "th")


def dstr(v) -> str:
    """Decimal/int -> plain digits, no exponent, no trailing decimal zeros."""
    if isinstance(v, int):
        return str(v)
    if v == v.to_integral_value():
        return str(int(v))
    s = format(v.normalize(), "f")
    return s


def format_value(v, ordinal: bool = False) -> list[str]:
    """Canonical token(s) of a value."""
    if ordinal and v == int(v) and v >= 0:
        n = int(v)
        return [f"{n}{ordinal_suffix(n)}"]
    for scale, name in _SCALE_DISPLAY:
        if v >= scale:
            if (Decimal(v) * 1000) % scale == 0:   # round to a thousandth of the scale
                return [dstr(Decimal(v) / scale), name]
            break
    return [dstr(v if isinstance(v, int) else Decimal(v))]


def digits_value(raw: str):
    """Value of a digit token (``18,000``, ``4.50``, ``007``) or None."""
    if not DIGITS_RE.match(raw):
        return None
    try:
        d = Decimal(raw.replace(",", ""))
    except InvalidOperation:  # pragma: no cover - the regex guarantees digits
        return None
    return int(d) if d == d.to_integral_value() and "." not in raw else d


class _Parse:
    __slots__ = ("end", "value", "ordinal", "scale_at")

    def __init__(self, end, value, ordinal, scale_at):
        self.end = end            # exclusive raw index
        self.value = value
        self.ordinal = ordinal
        self.scale_at = scale_at  # raw index of a final scale word (or None)


def parse_number(low: list[str], gaps: list[bool], i: int) -> _Parse | None:
    """Read the longest number starting at raw token ``i``.

    ``low`` are the lower-cased raw tokens, ``gaps[k]`` tells whether token k
    may join token k-1 (whitespace/hyphen between them)."""
    n = len(low)
    w = low[i]
    total = 0
    group = 0
    last = None          # kind of the last token read
    last_scale = None
    best: _Parse | None = None
    j = i
    and_state = None     # state saved before an "and" (to back off)

    def ok(k):
        return k < n and gaps[k]

    if w == "a":
        if ok(i + 1) and (low[i + 1] == "hundred" or low[i + 1] in SCALES):
            group, last, j = 1, "unit", i + 1
        else:
            return None
    elif (od := ORDINAL_DIGITS_RE.match(w)) is not None:
        return _Parse(i + 1, int(od.group(1)), True, None)
    else:
        dv = digits_value(w)
        if dv is not None:
            group, last, j = dv, "digits", i + 1
            best = _Parse(j, dv, False, None)
        elif w == "zero":
            return _Parse(i + 1, 0, False, None)
        elif w not in NUMBER_WORDS or w in ("cent", "hundred") or w in SCALES:
            return None
    while j < n:
        if j > i and not gaps[j]:
            break
        w = low[j]
        nxt = low[j + 1] if ok(j + 1) else None
        year_ok = (last in ("teen", "tens") and total == 0 and last_scale is None
                   and group in YEAR_CENTURIES and j > i)
        if w in UNITS and w != "zero":
            u = UNITS[w]
            if last in (None, "hundred", "scale", "and") or (last == "tens" and group % 10 == 0):
                group += u
                last = "unit"
            else:
                break
        elif w in TEENS:
            t = TEENS[w]
            if year_ok:
                v = group * 100 + t
                return _Parse(j + 1, v, False, None)
            if last in (None, "hundred", "scale", "and"):
                group += t
                last = "teen"
            else:
                break
        elif w in TENS:
            t = TENS[w]
            if year_ok:
                v = group * 100 + t
                end = j + 1
                if nxt in UNITS and nxt != "zero":
                    v += UNITS[nxt]
                    end += 1
                return _Parse(end, v, False, None)
            if last in (None, "hundred", "scale", "and"):
                group += t
                last = "tens"
            else:
                break
        elif w == "oh":
            if year_ok and nxt in UNITS and nxt != "zero":
                return _Parse(j + 2, group * 100 + UNITS[nxt], False, None)
            break
        elif w == "hundred":
            if last in ("unit", "teen", "tens", "digits") and group == int(group) and 1 <= group <= 99:
                group = int(group) * 100
                last = "hundred"
            else:
                break
        elif w in SCALES:
            s = SCALES[w]
            if (last in ("unit", "teen", "tens", "hundred", "digits", "decimal")
                    and 0 < group < 1000 and (last_scale is None or s < last_scale)):
                total += group * s
                group = 0
                last = "scale"
                last_scale = s
                v = total
                best = _Parse(j + 1, int(v) if v == int(v) else Decimal(v), False, j)
                j += 1
                if last_scale is not None and isinstance(total, Decimal):
                    break   # "4.5 million": nothing more after a decimal mantissa
                continue
            break
        elif w == "and":
            if last in ("hundred", "scale") and nxt is not None and (
                    (nxt in UNITS and nxt != "zero") or nxt in TEENS or nxt in TENS
                    or nxt in ORD_UNITS or nxt in ORD_TEENS or nxt in ORD_TENS):
                and_state = best
                last = "and"
                j += 1
                continue
            break
        elif w == "point":
            if last in ("unit", "teen", "tens") and last_scale is None and nxt is not None:
                k = j + 1
                digits = []
                while k < n and gaps[k] and (low[k] in UNITS or low[k] == "oh"):
                    digits.append("0" if low[k] in ("zero", "oh") else str(UNITS[low[k]]))
                    k += 1
                if not digits:
                    break
                group = Decimal(group) + Decimal("0." + "".join(digits))
                last = "decimal"
                best = _Parse(k, group, False, None)
                j = k
                continue
            break
        elif w in ORD_UNITS:
            if last in (None, "hundred", "scale", "and") or (last == "tens" and group % 10 == 0):
                return _Parse(j + 1, total + group + ORD_UNITS[w], True, None)
            break
        elif w in ORD_TEENS:
            if last in (None, "hundred", "scale", "and"):
                return _Parse(j + 1, total + group + ORD_TEENS[w], True, None)
            break
        elif w in ORD_TENS:
            if last in (None, "hundred", "scale", "and"):
                return _Parse(j + 1, total + group + ORD_TENS[w], True, None)
            break
        elif w in ORD_SCALES:
            s = ORD_SCALES[w]
            if last is None and j == i:
                return _Parse(j + 1, s, True, None)
            if last in ("unit", "teen", "tens", "hundred") and 0 < group < 1000 and (
                    s == 100 and group <= 99 or s > 100 and (last_scale is None or s < last_scale)):
                return _Parse(j + 1, total + group * s, True, None)
            break
        else:
            break
        j += 1
        if last in ("unit", "teen", "tens", "hundred"):
            v = total + group
            best = _Parse(j, v, False, None)
    # "one hundred and two hundred": the "and" joined a number that wanted a
    # scale of its own; give the words after "and" back
    if (last != "and" and and_state is not None and j < n and gaps[j]
            and (low[j] == "hundred" or low[j] in SCALES)):
        best = and_state
    return best


def canonical_tokens(raws: list[str], gaps: list[bool]):
    """``raws``: raw tokens (as matched in the text), ``gaps[k]``: may token
    k join token k-1.  Yields ``(canonical, first_raw, last_raw, role)`` where
    role is ``None`` for ordinary words (the caller stems them), ``"num"`` for
    a number, ``"scale"`` for its trailing scale word, ``"unit"`` for a
    currency/percent word made from a sign."""
    low = [r.lower() for r in raws]
    n = len(raws)
    i = 0
    while i < n:
        w = low[i]
        if w == "$":
            # "$" + number -> number tokens, then "dollar"
            k = i + 1
            if k < n and gaps[k]:
                p = parse_number(low, gaps, k)
                if p is not None and low[k] != "a":
                    yield from _emit(p, k, raws)
                    follows = low[p.end] if p.end < n else ""
                    if follows not in ("dollar", "dollars"):
                        yield ("dollar", i, i, "unit")
                    i = p.end
                    continue
            i += 1          # a lone "$" is punctuation
            continue
        if w == "%":
            yield ("percent", i, i, "unit")
            i += 1
            continue
        if w == "per" and i + 1 < n and gaps[i + 1] and low[i + 1] == "cent":
            yield ("percent", i, i + 1, "unit")
            i += 2
            continue
        c = w[:1]
        if c.isdigit() or w in NUMBER_WORDS or w == "a":
            p = parse_number(low, gaps, i)
            if p is not None:
                yield from _emit(p, i, raws)
                i = p.end
                continue
        yield (None, i, i, None)
        i += 1


def _emit(p: _Parse, start: int, raws):
    toks = format_value(p.value, p.ordinal)
    if len(toks) == 1:
        yield (toks[0], start, p.end - 1, "num")
        return
    # value + scale word: the scale token gets the final raw scale word when
    # the text ends with that very word ("4 million"), else no raw word
    last = p.end - 1
    if raws[last].lower() == toks[1] and last > start:
        yield (toks[0], start, last - 1, "num")
        yield (toks[1], last, last, "scale")
    else:
        yield (toks[0], start, last, "num")
        yield (toks[1], last + 1, last, "scale")   # empty raw range
