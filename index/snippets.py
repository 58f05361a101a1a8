"""Locating matches inside a hit: first matched word's time + KWIC snippet.

The stored segment text (and the overlap text copied from the next segment)
is re-tokenized with the exact analysis used at index time (canonical terms
and surfaces, one per position: a spoken number is one position spanning
its words), the positive query clauses are matched against the token list,
the first match that starts in the segment's own words gives the hit time
(via the stored word char offsets and word times), and every matched token
in the window is marked ``[[like this]]`` - the words that actually matched,
be they the typed ones, a variant or a sounds-alike.
"""

from __future__ import annotations

import re
from array import array
from bisect import bisect_right
from dataclasses import dataclass

from .analysis import analyze_spans
from .query.nodes import Clause

CONTEXT_TOKENS = 12
ELLIPSIS = "\u2026"


# --------------------------------------------------------------------------
# Word layout encoding (stored per document)


def encode_words(char_starts, starts, ends, base: float) -> str:
    """Per word: char offset of the word in the text and start/end relative
    to ``base`` in milliseconds, packed as a latin-1 string (stored fields
    are pickled with protocol 2, which handles str far better than bytes)."""
    n = len(char_starts)
    if not n:
        return ""
    ss = [int((x - base) * 1000.0 + 0.5) for x in starts]
    es = [int((x - base) * 1000.0 + 0.5) for x in ends]
    if min(ss) < 0 or min(es) < 0:
        ss = [x if x > 0 else 0 for x in ss]
        es = [x if x > 0 else 0 for x in es]
    vals = [0] * (3 * n)
    vals[0::3] = char_starts
    vals[1::3] = ss
    vals[2::3] = es
    if max(max(es), max(ss), char_starts[-1]) <= 0xFFFF:
        return "H" + array("H", vals).tobytes().decode("latin-1")
    return "I" + array("I", [min(v, 0xFFFFFFFF) for v in vals]).tobytes().decode("latin-1")


def decode_words(b):
    if not b:
        return [], [], []
    if isinstance(b, str):
        vals = array(b[0], b[1:].encode("latin-1"))
    else:
        vals = array(chr(b[0]), b[1:])
    return list(vals[0::3]), list(vals[1::3]), list(vals[2::3])


# --------------------------------------------------------------------------
# Matching clauses against tokens


def _within(a: str, b: str, maxdist: int) -> bool:
    """Levenshtein distance(a, b) <= maxdist (small, banded)."""
    la, lb = len(a), len(b)
    if abs(la - lb) > maxdist:
        return False
    prev = list(range(lb + 1))
    for i in range(1, la + 1):
        cur = [i] + [0] * lb
        ca = a[i - 1]
        best = cur[0]
        for j in range(1, lb + 1):
            cost = 0 if ca == b[j - 1] else 1
            v = min(prev[j] + 1, cur[j - 1] + 1, prev[j - 1] + cost)
            cur[j] = v
            if v < best:
                best = v
        if best > maxdist:
            return False
        prev = cur
    return prev[lb] <= maxdist


def _term_pred(c: Clause):
    if c.kind == "prefix":
        ps = c.terms
        return lambda x: x.startswith(ps)
    if c.kind == "wild":
        rx = c.regex
        return lambda x: rx.match(x) is not None
    if c.kind == "fuzzy":
        vs, md, pl = c.terms, c.maxdist, c.prefixlength
        memo = c.__dict__.setdefault("_memo", {})   # words repeat across hits

        def fuzzy(x):
            r = memo.get(x)
            if r is None:
                r = memo[x] = any(x[:pl] == v[:pl] and _within(x, v, md) for v in vs)
            return r
        return fuzzy
    return None


def find_matches(own: list[str], tail: list[str], clauses: list[Clause],
                 own_surf: list[str] | None = None, tail_surf: list[str] | None = None):
    """Return (matches, marked): ``matches`` are (start, end) token index
    spans (start in own part), ``marked`` the set of matched token indexes
    (indexes >= len(own) are in the overlap).  ``own``/``tail`` are
    canonical terms, ``*_surf`` the surfaces at the same positions."""
    n = len(own)
    allt = own + tail
    if own_surf is None:
        own_surf, tail_surf = own, tail
    alls = own_surf + (tail_surf or [])
    total = len(allt)
    matches: list[tuple[int, int]] = []

    def at(i, pos):
        if pos is None:
            return True
        cs, ss = pos
        return allt[i] in cs or alls[i] in ss

    for c in clauses:
        if c.kind == "seq":
            seq = c.seq
            k = len(seq)
            if not k:
                continue
            if k == 1 and seq[0] is not None:
                cs, ss = seq[0]
                for i in range(n):
                    if allt[i] in cs or alls[i] in ss:
                        matches.append((i, i))
            elif c.slop <= 1:
                for i in range(min(n, total - k + 1)):
                    if all(at(i + j, seq[j]) for j in range(k)):
                        matches.append((i, i + k - 1))
            else:
                for i in range(n):
                    if not at(i, seq[0]):
                        continue
                    pos, ok = i, True
                    for p in seq[1:]:
                        nxt = None
                        for j in range(pos + 1, min(total, pos + c.slop + 1)):
                            if at(j, p):
                                nxt = j
                                break
                        if nxt is None:
                            ok = False
                            break
                        pos = nxt
                    if ok:
                        matches.append((i, pos))
            continue
        pred = _term_pred(c)
        if pred is None:
            continue
        words = own_surf if c.field == "exact" else own
        for i in range(n):
            if pred(words[i]):
                matches.append((i, i))
    marked: set[int] = set()
    for s, e in matches:
        marked.update(range(s, e + 1))
    return matches, marked


# --------------------------------------------------------------------------


@dataclass
class Located:
    start: float
    end: float
    snippet: str
    fragments: list[tuple[str, bool]]


def _word_time(tok_start_char, char_starts, starts, ends, base):
    if not char_starts:
        return None
    w = bisect_right(char_starts, tok_start_char) - 1
    if w < 0:
        w = 0
    return round(base + starts[w] / 1000.0, 3), round(base + ends[w] / 1000.0, 3)


_WS = re.compile(r"\s+")


def _extend_to_space(text: str, pos: int) -> int:
    m = _WS.search(text, pos)
    return m.start() if m else len(text)


def locate(stored: dict, clauses: list[Clause], numbers: bool = True) -> Located:
    text = stored["disp"] or stored["text"] or ""
    tail_text = stored["tail"] or ""
    own_an = analyze_spans(text, numbers)
    own = [(t, a, b) for t, _s, a, b in own_an]
    own_surf = [x for _t, x, _a, _b in own_an]
    tail_an = analyze_spans(tail_text, numbers)
    tail = [(t, a, b) for t, _s, a, b in tail_an]
    tail_surf = [x for _t, x, _a, _b in tail_an]
    n = len(own)
    seg_start, seg_end = stored["start"], stored["end"]
    cs, ws, we = decode_words(stored["wd"])
    tcs, tws, twe = decode_words(stored["twd"])
    tbase = stored["tail_start"]

    matches, marked = find_matches([t for t, _, _ in own], [t for t, _, _ in tail],
                                   clauses, own_surf, tail_surf)
    if matches:
        s, e = min(matches, key=lambda m: (m[0], -m[1]))
        t0 = _word_time(own[s][1], cs, ws, we, seg_start)
        start = t0[0] if t0 else seg_start
        # end of the last matched word (a "dollar" read from "$" sits
        # before its number: take the latest end over the match)
        ends = []
        for i in range(s, e + 1):
            if i < n:
                t1 = _word_time(max(own[i][2] - 1, own[i][1]), cs, ws, we, seg_start)
            else:
                tk = tail[i - n]
                t1 = _word_time(max(tk[2] - 1, tk[1]), tcs, tws, twe, tbase)
            if t1:
                ends.append(t1[1])
        end = max(ends) if ends else seg_end
        if end < start:
            end = start
    else:
        s = e = 0
        start, end = seg_start, seg_end

    # ---- keyword-in-context window
    pieces: list[tuple[str, bool]] = []
    if n == 0:
        body = text.strip()
        return Located(start, end, body, [(body, False)] if body else [])
    a = max(0, s - CONTEXT_TOKENS)
    b = min(n - 1, max(s, min(e, n - 1)) + CONTEXT_TOKENS)
    # a match starting in the window may run into the next segment: show
    # that part too (up to the end of the furthest such match)
    e = max([e] + [me for ms, me in matches if a <= ms <= b])
    lead = a > 0
    begin = own[a][1] if lead else 0
    spans: list[tuple[str, int, int, bool]] = []   # (which, sc, ec, is_match)
    for i in range(a, (n - 1 if e >= n else b) + 1):
        if i in marked:
            spans.append(("own", own[i][1], own[i][2], True))
    if e >= n:     # show the overlap part of the next segment
        own_stop = len(text)
        tail_stop = _extend_to_space(tail_text, tail[e - n][2])
        trail_cut = tail_stop < len(tail_text.rstrip())
        for j in range(0, e - n + 1):
            if n + j in marked:
                spans.append(("tail", tail[j][1], tail[j][2], True))
    else:
        own_stop = len(text) if b == n - 1 else _extend_to_space(text, own[b][2])
        tail_stop = None
        trail_cut = b < n - 1

    def emit(src: str, lo: int, hi: int, marks):
        cur = lo
        for sc, ec in marks:
            if sc > cur:
                pieces.append((src[cur:sc], False))
            pieces.append((src[sc:ec], True))
            cur = ec
        if hi > cur:
            pieces.append((src[cur:hi], False))

    emit(text, begin, own_stop,
         _merge_marks([(sc, ec) for w, sc, ec, _ in spans if w == "own"], begin))
    if tail_stop is not None:
        pieces.append((" ", False))
        lead_t = len(tail_text) - len(tail_text.lstrip())
        emit(tail_text, lead_t, tail_stop,
             _merge_marks([(sc, ec) for w, sc, ec, _ in spans if w == "tail"], lead_t))

    pieces = _tidy(pieces, lead, trail_cut)
    snippet = "".join("[[%s]]" % t if m else t for t, m in pieces)
    return Located(start, end, snippet, pieces)


def _merge_marks(marks, lo):
    """Sorted, non-overlapping char ranges (a "dollar" made from "$" sits
    before its number; merged tokens may share chars)."""
    out: list[list[int]] = []
    for a, b in sorted(marks):
        a = max(a, lo)
        if b <= a:
            continue
        if out and a <= out[-1][1]:
            out[-1][1] = max(out[-1][1], b)
        else:
            out.append([a, b])
    return [(a, b) for a, b in out]


def _tidy(pieces, lead: bool, trail: bool):
    out: list[tuple[str, bool]] = []
    for t, m in pieces:
        t = _WS.sub(" ", t)
        if not t:
            continue
        if out and out[-1][1] == m and not m:
            out[-1] = (out[-1][0] + t, m)
        else:
            out.append((t, m))
    if out and not out[0][1]:
        out[0] = (out[0][0].lstrip(), False)
    if out and not out[-1][1]:
        out[-1] = (out[-1][0].rstrip(), False)
    out = [(t, m) for t, m in out if t]
    if lead:
        if out and not out[0][1]:
            out[0] = (ELLIPSIS + out[0][0], False)
        else:
            out.insert(0, (ELLIPSIS, False))
    if trail:
        if out and not out[-1][1]:
            out[-1] = (out[-1][0] + ELLIPSIS, False)
        else:
            out.append((ELLIPSIS, False))
    return out
