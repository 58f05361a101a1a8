"""What a typed word or phrase may also match: variants, numbers, sounds-alikes.

* :func:`expand_paths`: a speech leaf's token paths - the words as typed
  (canonical terms, weight 1) plus, where they apply, spelling/vocabulary
  variants of any length (:mod:`index.variants`), words Whisper splits or
  joins (``seawall`` / ``sea wall``) and sounds-alike words from the
  archive's own vocabulary (:class:`index.lexicon.Lexicon`), weighted lower;
* :func:`prepare_query`: query-string rewrites before Whoosh parses it
  (``="..."`` -> ``exact:"..."``; a number written as several words outside
  quotes is quoted so it stays one position, as at analysis time).
"""

from __future__ import annotations

import itertools
import re

from ..analysis import COMMON_SURFACES, COMMON_TERMS, SCAN_RE
from ..numbers import NUMBER_WORDS, canonical_tokens, gap_joins
from ..variants import W_PHONETIC, W_VARIANT, find_occurrences, phonetic_ok

MAX_PATHS = 16            # token sequences one expanded word/phrase may become


# --------------------------------------------------------------------------
# Variants, compounds and sounds-alikes


def expand_paths(tokens, lex, *, mode="text", groups=None, phonetic=False,
                 alternatives_only=False, primary=False):
    """[(weight, positions, is_original)] for ``tokens`` ([(canonical,
    surface)]); positions: per offset a list of (fieldname, term, weight)
    alternatives, or None (any token).  ``lex``: the reader's Lexicon."""
    if mode == "exact":
        return [(1.0, [[("exact", s, 1.0)] if s else None for _c, s in tokens], True)]
    base = [[("text", c, 1.0)] for c, _s in tokens]
    if primary:
        return [] if alternatives_only else [(1.0, base, True)]
    if mode == "sounds" or phonetic:
        explicit = mode == "sounds"
        for i, (c, s) in enumerate(tokens):
            if phonetic_ok(c, s, explicit):
                base[i] += [("exact", w, W_PHONETIC) for w in lex.sound_alikes(s)]
    occ = find_occurrences(tokens, groups) if groups else []
    if alternatives_only:
        occ = [o for o in occ if o[0] == 0 and o[1] == len(tokens)]
        if not occ:
            return []
    elif groups is not None:
        taken = {k for start, length, _m in occ for k in range(start, start + length)}
        occ += compound_occurrences(tokens, lex.alpha_set(), taken)
        occ.sort(key=lambda o: o[0])
    segments = []
    i = 0
    for start, length, member in occ:
        for k in range(i, start):
            segments.append([(1.0, [base[k]], True)])
        i = start + length
        if isinstance(member, list):        # compound split/join
            opts = [(1.0, [list(base[k]) for k in range(start, start + length)], True)]
            for parts in member:
                opts.append((W_VARIANT, [[("exact", p, 1.0)] for p in parts], False))
            segments.append(opts)
            continue
        alts = groups.alternatives(member)
        orig = [list(base[k]) for k in range(start, start + length)]
        singles = [m for m in alts if m.length == 1]
        opts = []
        if length == 1:
            orig[0] += [_alt(m, 0, W_VARIANT) for m in singles]
            opts.append((1.0, orig, True))
        else:
            opts.append((1.0, orig, True))
            if singles:
                opts.append((W_VARIANT, [[_alt(m, 0, 1.0) for m in singles]], False))
        for m in alts:
            if m.length > 1:
                opts.append((W_VARIANT, [[_alt(m, k, 1.0)] for k in range(m.length)],
                             False))
        segments.append(opts)
    for k in range(i, len(tokens)):
        segments.append([(1.0, [base[k]], True)])
    out = []
    for combo in itertools.islice(itertools.product(*segments), MAX_PATHS + 1):
        orig = all(o[2] for o in combo)
        if orig and alternatives_only:
            continue
        w = 1.0
        positions = []
        for o in combo:
            w *= o[0]
            positions += o[1]
        out.append((w, positions, orig))
        if len(out) >= MAX_PATHS:
            break
    return out


def _alt(m, k, w):
    return ("exact", m.surface[k], w) if m.literal else ("text", m.canon[k], w)


def compound_occurrences(tokens, words: frozenset, taken: set):
    """Words Whisper splits or joins: a typed word that is two words of the
    archive run together ("seawall" -> "sea wall"), or two typed words the
    archive has as one ("sea wall" -> "seawall").  Both halves must be real
    words of the archive (3+ letters, not common words).
    Returns [(start, length, [alternative surfaces])]."""
    out = []
    n = len(tokens)
    for i, (c, s) in enumerate(tokens):
        if i in taken or not s.isalpha() or c in COMMON_TERMS:
            continue
        if i + 1 < n and i + 1 not in taken:
            c2, s2 = tokens[i + 1]
            if (s2.isalpha() and c2 not in COMMON_TERMS and len(s) >= 3 and len(s2) >= 3
                    and s + s2 in words):
                out.append((i, 2, [(s + s2,)]))
                continue
        if len(s) >= 6:
            splits = [(s[:j], s[j:]) for j in range(3, len(s) - 2)
                      if s[:j] in words and s[j:] in words
                      and s[:j] not in COMMON_SURFACES and s[j:] not in COMMON_SURFACES]
            if splits:
                out.append((i, 1, splits))
    return out


# --------------------------------------------------------------------------
# Numbers and "=" in the query string

# ="phrase" / =word  ->  exact:"phrase" / exact:word
_EXACT_PREFIX = re.compile(r'(?<![^\s(\-])=(?=["$\w])')
_QUOTED = re.compile(r'"[^"]*"')
_PLAIN_OPS = frozenset(["AND", "OR", "NOT", "TO", "ANDNOT", "ANDMAYBE"])
_NOT_PLAIN = re.compile(r"[:*?~^\[\]{}]")


def prepare_query(text: str, numbers: bool = True) -> str:
    """Query-string rewrites done before Whoosh parses it: ``="..."`` becomes
    ``exact:"..."``, and a number written as several words outside quotes
    (``twenty five``, ``$4 million``) is quoted so it stays one position."""
    quoted = [m.span() for m in _QUOTED.finditer(text)]
    text = _EXACT_PREFIX.sub(
        lambda m: m.group() if any(a < m.start() < b for a, b in quoted) else "exact:", text)
    if not numbers or not any(c.isdigit() or c in "$%" for c in text) and not _maybe_number(text):
        return text
    out = []
    pos = 0
    for m in _QUOTED.finditer(text):
        out.append(_quote_numbers(text[pos:m.start()]))
        out.append(m.group())
        pos = m.end()
    out.append(_quote_numbers(text[pos:]))
    return "".join(out)


def _maybe_number(text: str) -> bool:
    return any(w.lower() in NUMBER_WORDS or w.lower() in ("per", "a")
               for w in re.findall(r"[A-Za-z]+", text))


def _quote_numbers(part: str) -> str:
    if not part.strip() or '"' in part:
        return part
    # mask everything that is not a plain word with "," (never joins numbers)
    masked = list(part)
    for m in re.finditer(r"\S+", part):
        w = m.group()
        if w in _PLAIN_OPS or _NOT_PLAIN.search(w):
            masked[m.start():m.end()] = "," * len(w)
            continue
        for k, c in enumerate(w):
            if c in "()-" and (k == 0 or c in "()"):
                masked[m.start() + k] = ","
    masked = "".join(masked)
    spans = number_expression_spans(masked)
    for a, b in reversed(spans):
        if " " in part[a:b] or "\t" in part[a:b] or "-" in part[a:b]:
            part = part[:a] + '"' + part[a:b] + '"' + part[b:]
    return part


def number_expression_spans(text: str) -> list[tuple[int, int]]:
    """Char spans of the numbers in ``text`` that take more than one raw
    token (``twenty five``, ``$4 million``, ``75 %``, ``per cent``)."""
    ms = list(SCAN_RE.finditer(text))
    if not ms:
        return []
    raws = [m.group() for m in ms]
    gaps = [True] * len(ms)
    for k in range(1, len(ms)):
        a, b = ms[k - 1].end(), ms[k].start()
        gaps[k] = a == b or gap_joins(text[a:b])
    exprs: list[list[int]] = []
    cur = None
    for _canon, a, b, role in canonical_tokens(raws, gaps):
        if role is None:
            cur = None
            continue
        if b < a:
            continue
        if role == "num" or cur is None or not (cur[0] - 1 <= a and b <= cur[1] + 1):
            cur = [a, b]
            exprs.append(cur)
        else:
            cur[0], cur[1] = min(cur[0], a), max(cur[1], b)
    return [(ms[a].start(), ms[b].end()) for a, b in exprs if b > a]
