"""RecordingDoc -> Whoosh documents (one per segment)."""

from __future__ import annotations

from typing import Iterator

from .model import IndexSegment, RecordingDoc
from .analysis import analyze
from .schema import OVERLAP_WORDS, date_sort_prefix, start_ms_bits, to_date_int
from .snippets import encode_words
from .timing import find_words, spread

# Order of the stored tuple ("d" field).
STORED_KEYS = ("rid", "sid", "start", "end", "title", "body", "kind", "date",
               "speaker", "text", "disp", "wd", "tail", "tail_start", "twd", "lang", "item", "chapter")

def stored_dict(d) -> dict:
    return dict(zip(STORED_KEYS, d))


class Layout:
    """Display text of a segment plus, per word, its char offset and times."""

    __slots__ = ("text", "disp", "chars", "starts", "ends")

    def __init__(self, text, disp, chars, starts, ends):
        self.text = text          # text the offsets refer to
        self.disp = disp          # None when that is the segment's own text
        self.chars = chars
        self.starts = starts
        self.ends = ends


def layout(seg: IndexSegment) -> Layout:
    text = seg.text or ""
    words = seg.words
    if words:
        chars = find_words(text, (w.text for w in words))
        if chars is not None:
            return Layout(text, None, chars, [w.start for w in words], [w.end for w in words])
        # Words don't line up with the text: show/index the words themselves.
        parts, chars, pos = [], [], 0
        for w in words:
            wt = w.text
            lead = len(wt) - len(wt.lstrip())
            if not parts:
                wt = wt.lstrip()
                lead = 0
            chars.append(pos + lead)
            parts.append(wt)
            pos += len(wt)
        disp = "".join(parts)
        return Layout(disp, disp, chars, [w.start for w in words], [w.end for w in words])
    # No word times: interpolate across the segment by character position.
    spans = spread(text, seg.start, seg.end)
    return Layout(text, None, [a for a, _, _, _ in spans], [t0 for _, _, t0, _ in spans], [t1 for _, _, _, t1 in spans])


def _tail(lay: Layout | None, n_words: int):
    """(text, chars, starts, ends) of the first ``n_words`` words."""
    if lay is None or not lay.chars:
        return "", [], [], []
    k = min(n_words, len(lay.chars))
    stop = lay.chars[k] if k < len(lay.chars) else len(lay.text)
    text = lay.text[:stop].rstrip()
    return text, lay.chars[:k], lay.starts[:k], lay.ends[:k]


def _stored(doc: RecordingDoc, overlap_words: int) -> Iterator[tuple]:
    """Per segment: (segment, layout, overlap text, the stored tuple "d")."""
    rid = int(doc.recording_id)
    date_s = doc.date or None
    title = doc.title or ""
    segs = doc.segments
    layouts = [layout(s) for s in segs]
    for i, seg in enumerate(segs):
        lay = layouts[i]
        nxt = segs[i + 1] if i + 1 < len(segs) else None
        tail_text, tchars, tstarts, tends = _tail(
            layouts[i + 1] if nxt is not None else None, overlap_words)
        tail_start = nxt.start if nxt is not None else seg.end
        d = (rid, int(seg.segment_id), float(seg.start), float(seg.end), title, doc.body,
             doc.kind, date_s, seg.speaker, seg.text, lay.disp,
             encode_words(lay.chars, lay.starts, lay.ends, seg.start),
             tail_text, float(tail_start),
             encode_words(tchars, tstarts, tends, tail_start), seg.language or doc.language or None, seg.item,
             seg.chapter)
        yield seg, lay, tail_text, d


def stored_rows(doc: RecordingDoc, overlap_words: int = OVERLAP_WORDS) -> Iterator[tuple]:
    """The stored tuple ("d") of each of ``doc``'s segments, as the index keeps it."""
    for _, _, _, d in _stored(doc, overlap_words):
        yield d


def segment_documents(doc: RecordingDoc, overlap_words: int = OVERLAP_WORDS,
                      numbers: bool = True) -> Iterator[dict]:
    srid = str(int(doc.recording_id))
    date_int = to_date_int(doc.date)
    year = "%04d" % (date_int // 10000) if date_int else None
    title = doc.title or ""
    sort_prefix = date_sort_prefix(date_int, int(doc.recording_id))
    for seg, lay, tail_text, d in _stored(doc, overlap_words):
        own_terms, own_surf = analyze(lay.text, numbers)
        if tail_text:
            # the overlap is analyzed on its own, exactly as snippets.locate
            # re-reads it (a number cut at its end reads the same both ways)
            tail_terms, tail_surf = analyze(tail_text, numbers)
        else:
            tail_terms, tail_surf = [], []
        value = (lay.text, tail_text, own_terms, tail_terms)
        fields = {
            "rid": srid,
            "text": value,
            "exact": (own_surf, tail_surf),
            "dsort": sort_prefix | start_ms_bits(seg.start),
            "d": d,
        }
        if title:
            fields["title"] = title
        if doc.body:
            fields["body"] = doc.body
        if doc.kind:
            fields["kind"] = doc.kind
        if seg.language or doc.language:  # the segment's language, else the recording's
            fields["lang"] = seg.language or doc.language
        if seg.speaker:
            fields["speaker"] = seg.speaker
        if seg.item:
            fields["item"] = seg.item
        if seg.chapter:
            fields["chapter"] = seg.chapter
        if date_int:
            fields["date"] = d[7]
            fields["year"] = year
        yield fields
