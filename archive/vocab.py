"""The archive's vocabulary: people's names, streets, places and acronyms, each with the
other ways it gets spelled or spoken. It is used twice:

* as Whisper's ``initial_prompt`` when transcribing a body's meetings, so names come
  out right (:func:`prompt_for`);
* at search time, to expand a query to the variants (:func:`expansions`).
"""

from __future__ import annotations

import json
from dataclasses import dataclass, field
from typing import Optional

from archive.catalog import now

CATEGORIES = ("name", "street", "place", "acronym", "other")
PROMPT_LIMIT = 600  # characters: Whisper reads at most ~224 tokens of prompt


@dataclass
class VocabEntry:
    id: int
    term: str
    variants: list[str] = field(default_factory=list)
    category: str = "other"
    body: Optional[str] = None

    def to_dict(self) -> dict:
        return {"id": self.id, "term": self.term, "variants": self.variants, "category": self.category, "body": self.body}


def _entry(row: dict) -> VocabEntry:
    return VocabEntry(row["id"], row["term"], json.loads(row["variants"] or "[]"), row["category"] or "other", row["body"])


def _clean(values) -> list[str]:
    seen, out = set(), []
    for v in values or ():
        v = " ".join(str(v).split())
        if v and v.lower() not in seen:
            seen.add(v.lower())
            out.append(v)
    return out


def entries(db, body: Optional[str] = None) -> list[VocabEntry]:
    """All entries, or those that apply to ``body`` (its own and the archive-wide ones)."""
    if body is None:
        rows = db["vocabulary"].rows_where(order_by="term")
    else:
        rows = db["vocabulary"].rows_where("body IS NULL OR body = ?", [body], order_by="term")
    return [_entry(r) for r in rows]


def add(archive, term: str, variants=(), category: Optional[str] = None, body: Optional[str] = None) -> VocabEntry:
    """Add a term (or merge new variants into an existing one for the same body)."""
    term = " ".join(term.split())
    if not term:
        raise ValueError("a vocabulary term cannot be empty")
    if category is not None and category not in CATEGORIES:
        raise ValueError(f"category must be one of {', '.join(CATEGORIES)}")
    body = body or None
    db = archive.db
    with archive.writing():
        existing = [
            r for r in db["vocabulary"].rows_where("lower(term) = lower(?) AND body IS ?", [term, body])
        ]
        if existing:
            row = existing[0]
            merged = _clean(json.loads(row["variants"] or "[]") + list(variants))
            db["vocabulary"].update(row["id"], {"variants": json.dumps(merged), "category": category or row["category"]})
            return _entry(db["vocabulary"].get(row["id"]))
        rid = db["vocabulary"].insert(
            {"term": term, "variants": json.dumps(_clean(variants)), "category": category or "other", "body": body, "created": now()}
        ).last_pk
        return _entry(db["vocabulary"].get(rid))


def remove(archive, term: str, body: Optional[str] = None) -> int:
    with archive.writing():
        cur = archive.db.execute(
            "DELETE FROM vocabulary WHERE lower(term) = lower(?) AND (? IS NULL OR body = ?)", [term.strip(), body, body]
        )
        return cur.rowcount


def prompt_for(db, body: Optional[str]) -> Optional[str]:
    """A Whisper prompt naming the body's people, places and terms, spelled right."""
    items = entries(db, body)
    if not items and not body:
        return None
    parts = [f"{body}." if body else ""]
    by_cat: dict[str, list[str]] = {}
    for e in items:
        by_cat.setdefault(e.category, []).append(e.term)
    labels = {"name": "Names", "street": "Streets", "place": "Places", "acronym": "Acronyms", "other": "Terms"}
    for cat in CATEGORIES:
        if by_cat.get(cat):
            parts.append(f"{labels[cat]}: {', '.join(by_cat[cat])}.")
    text = " ".join(p for p in parts if p)
    return text[:PROMPT_LIMIT].rsplit(" ", 1)[0] if len(text) > PROMPT_LIMIT else text


def expansions(db, body: Optional[str] = None) -> list[list[str]]:
    """Groups of equivalent spellings (term first) for query expansion."""
    return [[e.term, *e.variants] for e in entries(db, body) if e.variants]
