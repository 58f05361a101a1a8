"""An OHMS-style XML index: the element names and namespace of the OHMS XML export
(``ROOT`` > ``record`` > ``index`` > ``point`` with ``time`` in seconds, ``title``,
``partial_transcript``, ``synopsis`` and ``keywords`` separated by semicolons), as oral-history
platforms exchange them. Points are the recording's chapters, else its paragraphs."""

from __future__ import annotations

import functools
import math
import re
import xml.etree.ElementTree as ET
from collections import Counter
from datetime import date as _date

from archive.records.source import XSI, RecordSource, hms_full, iso_639_2, qualified, serialize, sub

NS = "https://www.weareavp.com/nunncenter/ohms"
SCHEMA_LOCATION = f"{NS} https://www.weareavp.com/nunncenter/ohms/ohms.xsd"
VERSION = "5.4"
KEYWORDS = 5  # a point's keywords: its most frequent longer words
PARTIAL_WORDS = 30  # the words a point's partial transcript quotes
_WORD = re.compile(r"[^\W\d_][\w'-]{4,}")

q = functools.partial(qualified, NS)


def keywords(texts: list[str], n: int = KEYWORDS) -> list[list[str]]:
    """Each text's ``n`` most distinctive words of five letters or more: frequent in it, rare
    in the others (tf-idf over the points; a word every point says is no keyword)."""
    counts = [Counter(w.lower() for w in _WORD.findall(t)) for t in texts]
    spread = Counter(w for c in counts for w in c)
    out = []
    for c in counts:
        score = {w: k * math.log((len(texts) + 1) / spread[w]) for w, k in c.items()
                 if spread[w] < len(texts) or len(texts) == 1}
        out.append([w for w, _ in sorted(score.items(), key=lambda kv: -kv[1])[:n]])  # stable: first said first
    return out


def points(src: RecordSource) -> list[dict]:
    """{time, title, text, speakers} for each chapter, or each paragraph without chapters."""
    if not src.chapters:
        return [{"time": p["start"], "title": p["speaker"] or f"At {hms_full(p['start'])[:8]}", "text": p["text"],
                 "speakers": [p["speaker"]] if p["speaker"] else []} for p in src.points]
    out = []
    for chapter in src.chapters:
        end = chapter.end if chapter.end is not None else float("inf")
        inside = [p for p in src.points if chapter.start <= p["start"] < end]
        out.append({"time": chapter.start, "title": chapter.label, "text": " ".join(p["text"] for p in inside),
                    "speakers": list(dict.fromkeys(p["speaker"] for p in inside if p["speaker"]))})
    return out


def record(src: RecordSource) -> str:
    rec = src.recording
    root = ET.Element(q("ROOT"), {f"{{{XSI}}}schemaLocation": SCHEMA_LOCATION})
    record_el = sub(root, q("record"), id=str(rec.id), dt=_date.today().isoformat())
    sub(record_el, q("version"), VERSION)
    sub(record_el, q("date"), value=rec.date or "", format="yyyy-mm-dd")
    sub(record_el, q("title"), rec.title)
    sub(record_el, q("accession"), rec.id)
    if rec.duration:
        sub(record_el, q("duration"), hms_full(rec.duration)[:8])
    if rec.body:
        sub(record_el, q("collection_name"), rec.body)
    if rec.language:
        sub(record_el, q("language"), iso_639_2(rec.language) or rec.language)
    if src.file_name:
        sub(record_el, q("file_name"), src.file_name)
    index = sub(record_el, q("index"))
    found = points(src)
    for point, words in zip(found, keywords([p["text"] for p in found])):
        el = sub(index, q("point"))
        sub(el, q("time"), int(point["time"]))
        sub(el, q("title"), point["title"])
        sub(el, q("partial_transcript"), " ".join(point["text"].split()[:PARTIAL_WORDS]))
        sub(el, q("synopsis"), "Speakers: " + ", ".join(point["speakers"]) if point["speakers"] else "")
        sub(el, q("keywords"), ";".join(words))
    return serialize(root, default_namespace=NS)
