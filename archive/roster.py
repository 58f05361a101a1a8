"""The archive's roster of named voices: naming new voices from it, keeping it up to date.

A roster entry is a name and a voiceprint (a unit vector: the talk-time weighted mean of
the voices people named or confirmed with that name). A voice row takes part in its
entry (``voices.roster_id``) two ways: ``suggested = 1`` means the name came *from* the
entry (a match no person confirmed); ``suggested = 0`` means the voice's print went *into*
the entry (a person named or confirmed it). Entries with ``offered = 1`` came with a
bundle and name nothing until a person accepts them.

A wrong name is worse than no name: :func:`suggest_names` names a voice only above
:data:`transcription.diarize.MATCH_THRESHOLD`, each name at most once per recording
(best score first), and only as a suggestion.

The functions taking ``db`` run inside the caller's transaction; those taking
``archive`` are services: they take the write lock and re-index what changed.
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import Hashable, Iterable, Optional

import numpy as np

from archive import voices
from archive.catalog import now
from archive.recordings import index_recording
from transcription.diarize import match_voice, match_voices, merge_voiceprints


class SpeakerError(ValueError):
    """Input a person gave that names no voice, recording or roster entry (one line)."""


@dataclass(frozen=True)
class RosterEntry:
    name: str
    talk_time: float  # seconds of speech its voiceprint was made from
    recordings: int  # named voices merged into it
    offered: bool  # came with a bundle; names nothing until accepted
    voices: int  # voices in the archive that carry its name now (suggested or confirmed)

    def to_dict(self) -> dict:
        return {"name": self.name, "talk_time": round(self.talk_time, 3), "recordings": self.recordings,
                "offered": self.offered, "voices": self.voices}


def clean_name(name: Optional[str]) -> str:
    name = " ".join((name or "").split())
    if not name:
        raise SpeakerError("a name cannot be empty")
    return name


def entry(db, name: str) -> Optional[dict]:
    rows = list(db["roster"].rows_where("name = ? COLLATE NOCASE", [name], limit=1))
    return rows[0] if rows else None


def pair_up(items: Iterable[tuple[Hashable, np.ndarray]], candidates: Iterable[tuple[str, np.ndarray]]) -> dict:
    """Each item to at most one candidate and each candidate to at most one item, the best
    match first (:func:`transcription.diarize.match_voice`): ``{item: (candidate, score)}``."""
    left, remaining, out = dict(items), list(candidates), {}
    while left and remaining:
        best = None
        for key, embedding in left.items():
            name, score = match_voice(embedding, remaining)
            if name is not None and (best is None or score > best[2]):
                best = (key, name, score)
        if best is None:
            break
        out[best[0]] = (best[1], best[2])
        del left[best[0]]
        remaining = [c for c in remaining if c[0] != best[1]]
    return out


def suggest_names(db, recording_id: int) -> int:
    """Suggest roster names for the recording's unnamed voices; returns how many got one."""
    rows = voices.voices(db, recording_id)
    taken = {r["name"].casefold() for r in rows if r["name"]}
    candidates = {r["name"]: r for r in voices.roster(db, offered=False)
                  if r["voiceprint"] and r["name"].casefold() not in taken}
    unnamed = [(r["id"], voices.from_blob(r["embedding"])) for r in rows if not r["name"] and r["embedding"]]
    # the rules measured in bench/speakers.py: threshold, margin over the second name, one
    # voice per name unless two voices sound alike (one person that diarization split in two)
    found = match_voices([e for _, e in unnamed], [(n, voices.from_blob(r["voiceprint"])) for n, r in candidates.items()])
    named = 0
    for (voice_id, _), (name, score) in zip(unnamed, found):
        if name is None:
            continue
        db["voices"].update(voice_id, {"name": name, "suggested": 1, "score": round(score, 4),
                                       "roster_id": candidates[name]["id"], "updated": now()})
        named += 1
    return named


def join(db, voice: dict, name: str) -> Optional[int]:
    """Put a voice a person named into the roster entry ``name`` (made if new): its print
    merged into the entry's, weighted by talk time. Returns the entry's id (None for a
    voice without a print). A voice already in that entry is not counted twice."""
    found = entry(db, name)
    if found is not None and voice["roster_id"] == found["id"] and not voice["suggested"]:
        return found["id"]
    print_ = voices.from_blob(voice["embedding"])
    if print_ is None:
        return found["id"] if found else None
    talk = float(voice["talk_time"] or 0.0)
    if found is None:
        return db["roster"].insert({"name": name, "voiceprint": voices.to_blob(merge_voiceprints([print_])),
                                    "talk_time": talk, "recordings": 1, "offered": 0,
                                    "created": now(), "updated": now()}).last_pk
    old = voices.from_blob(found["voiceprint"])
    merged = print_ if old is None else merge_voiceprints([old, print_], [max(found["talk_time"] or 0.0, 1e-3), max(talk, 1e-3)])
    db["roster"].update(found["id"], {"voiceprint": voices.to_blob(merged), "talk_time": (found["talk_time"] or 0.0) + talk,
                                      "recordings": (found["recordings"] or 0) + 1, "offered": 0, "updated": now()})
    return found["id"]


def leave(db, voice: dict) -> None:
    """Take a voice's print back out of the entry it went into (its name was wrong).

    The entry keeps the talk-time weighted rest (the stored print is a unit mean, so
    this is close, not exact); an entry made from that voice alone is removed, so a
    misspelt name is not suggested again."""
    if voice["suggested"] or voice["roster_id"] is None:
        return
    rows = list(db["roster"].rows_where("id = ?", [voice["roster_id"]]))
    if not rows:
        return
    row = rows[0]
    talk = float(voice["talk_time"] or 0.0)
    if (row["recordings"] or 0) <= 1 or (row["talk_time"] or 0.0) <= talk + 1e-6:
        db.execute("UPDATE voices SET roster_id = NULL WHERE roster_id = ? AND suggested = 1", [row["id"]])
        db.execute("DELETE FROM roster WHERE id = ?", [row["id"]])
        return
    print_, mine = voices.from_blob(row["voiceprint"]), voices.from_blob(voice["embedding"])
    rest = row["talk_time"] - talk
    if print_ is not None and mine is not None:
        vector = print_ * row["talk_time"] - mine / (np.linalg.norm(mine) or 1.0) * talk
        print_ = merge_voiceprints([vector])
    db["roster"].update(row["id"], {"voiceprint": None if print_ is None else voices.to_blob(print_),
                                    "talk_time": rest, "recordings": row["recordings"] - 1, "updated": now()})


# --- services -------------------------------------------------------------------------


def roster_list(archive) -> list[RosterEntry]:
    """Every roster entry by name, with how many voices carry its name."""
    counts = dict(archive.db.execute(
        "SELECT roster_id, count(*) FROM voices WHERE roster_id IS NOT NULL GROUP BY roster_id").fetchall())
    return [RosterEntry(r["name"], float(r["talk_time"] or 0.0), int(r["recordings"] or 0), bool(r["offered"]),
                        counts.get(r["id"], 0)) for r in voices.roster(archive.db)]


def roster_rename(archive, old: str, new: str) -> int:
    """Rename a roster entry, and every voice carrying its name; renaming onto another
    entry's name merges the two (one person under two names). Returns voices renamed."""
    new = clean_name(new)
    with archive.writing():
        db = archive.db
        with db.atomic():
            row = _existing(db, old)
            other = entry(db, new)
            if other is not None and other["id"] != row["id"]:
                _merge_entries(db, keep=other, gone=row)
                target_id, new = other["id"], other["name"]
            else:
                db["roster"].update(row["id"], {"name": new, "updated": now()})
                target_id = row["id"]
            recordings = [r[0] for r in db.execute(
                "SELECT DISTINCT recording_id FROM voices WHERE roster_id IN (?, ?)", [row["id"], target_id]).fetchall()]
            changed = db.execute("UPDATE voices SET name = ?, roster_id = ?, updated = ? WHERE roster_id = ? AND name = ?",
                                 [new, target_id, now(), row["id"], row["name"]]).rowcount
            archive.catalog.mark_index_pending(recordings)
        for rid in recordings:
            index_recording(archive, rid)
    return changed


def roster_remove(archive, name: str) -> None:
    """Forget a roster entry: it names no new voice; voices keep the names they were given."""
    with archive.writing():
        db = archive.db
        with db.atomic():
            row = _existing(db, name)
            db.execute("UPDATE voices SET roster_id = NULL WHERE roster_id = ?", [row["id"]])
            db.execute("DELETE FROM roster WHERE id = ?", [row["id"]])


def roster_accept(archive, name: str) -> None:
    """An entry a bundle offered names voices from now on (later imports, ``diarize``)."""
    with archive.writing():
        row = _existing(archive.db, name)
        archive.db["roster"].update(row["id"], {"offered": 0, "updated": now()})


def _existing(db, name: str) -> dict:
    row = entry(db, clean_name(name))
    if row is None:
        raise SpeakerError(f"no roster entry named {name.strip()!r}")
    return row


def _merge_entries(db, keep: dict, gone: dict) -> None:
    prints = [voices.from_blob(r["voiceprint"]) for r in (keep, gone)]
    weights = [max(r["talk_time"] or 0.0, 1e-3) for r in (keep, gone)]
    usable = [(p, w) for p, w in zip(prints, weights) if p is not None]
    merged = merge_voiceprints([p for p, _ in usable], [w for _, w in usable]) if usable else None
    db["roster"].update(keep["id"], {
        "voiceprint": None if merged is None else voices.to_blob(merged),
        "talk_time": (keep["talk_time"] or 0.0) + (gone["talk_time"] or 0.0),
        "recordings": (keep["recordings"] or 0) + (gone["recordings"] or 0),
        "offered": min(keep["offered"] or 0, gone["offered"] or 0), "updated": now()})
    db.execute("UPDATE voices SET roster_id = ? WHERE roster_id = ? AND name != ?", [keep["id"], gone["id"], gone["name"]])
    db.execute("DELETE FROM roster WHERE id = ?", [gone["id"]])
