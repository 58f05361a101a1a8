"""Who said it: the services the desktop and the command line call for speakers.

- :func:`speaker_table` – each voice (or caption / person-given speaker) of a recording
  with its talk time, turns and first words;
- :func:`name_voice`, :func:`confirm_voice`, :func:`reject_voice`, :func:`merge_voices` –
  names for a recording's voices (and the roster, :mod:`archive.roster`);
- :func:`assign_segments`, :func:`split_segment`, :func:`join_segments` – a passage to
  another speaker;
- :func:`diarize_recordings` – speakers for recordings imported earlier (``diarize``);
- :func:`snapshot` / :func:`restore` – undo: the state before an operation, put back.

Every write takes the archive's write lock, runs in one transaction that marks the
recording for re-indexing, then re-indexes it, so search and facets carry the new
names at once. What a person can get wrong raises :class:`SpeakerError` (a
``ValueError``) with one line.
"""

from __future__ import annotations

import logging
import sqlite3
from contextlib import contextmanager
from dataclasses import dataclass, field
from typing import Callable, Iterable, Optional, Sequence

from archive import roster as rosters
from archive import voices
from archive.alignment import spread_words
from archive.catalog import now
from archive.diarizing import SpeakerOptions, diarize_recording
from archive.recordings import index_recording
from archive.roster import (  # noqa: F401  (the roster services, offered here with the rest)
    RosterEntry,
    SpeakerError,
    roster_accept,
    roster_list,
    roster_remove,
    roster_rename,
)
from archive.splitting import Layout, original_groups
from transcription.diarize import merge_voiceprints

log = logging.getLogger(__name__)

FIRST_WORDS = 12


@dataclass(frozen=True)
class VoiceRow:
    label: str  # "Speaker 2", or the name captions or a person gave
    name: Optional[str]  # None while unknown
    suggested: bool  # the name is a roster match no person confirmed
    score: Optional[float]  # the roster match's score
    talk_time: float  # seconds
    turns: int
    first_words: str
    voice: bool = True  # False: a speaker captions or a person named, not a voice the diarizer found

    @property
    def display(self) -> str:
        return self.name or self.label

    def to_dict(self) -> dict:
        return {"label": self.label, "name": self.name, "suggested": self.suggested,
                "score": None if self.score is None else round(self.score, 4), "talk_time": round(self.talk_time, 3),
                "turns": self.turns, "first_words": self.first_words}


@dataclass
class DiarizeResult:
    recording_id: int
    status: str  # "diarized", "skipped" or "failed"
    message: Optional[str] = None
    voices: int = 0


@dataclass
class SpeakerState:
    """What :func:`restore` puts back (taken by :func:`snapshot` before an operation)."""

    recording_id: Optional[int]
    roster: list[dict]
    voices: list[dict]
    turns: list[dict] = field(default_factory=list)
    segments: list[tuple[int, Optional[str], int]] = field(default_factory=list)  # (id, speaker, speaker_set)


# --- reading ------------------------------------------------------------------------


def speaker_table(archive, recording_id: int) -> list[VoiceRow]:
    """"Who spoke how long": the recording's voices in label order, then any speakers
    captions or people named that are not voices, by talk time."""
    catalog = archive.catalog
    _recording(archive, recording_id)
    transcript = catalog.current_transcript(recording_id)
    segments = catalog.segments(transcript["id"]) if transcript else []
    first: dict[str, str] = {}
    talk: dict[str, float] = {}
    turns: dict[str, int] = {}
    previous = None
    for seg in segments:
        who = seg["speaker"]
        if who:
            first.setdefault(who, " ".join((seg["text"] or "").split()[:FIRST_WORDS]))
            talk[who] = talk.get(who, 0.0) + seg["end"] - seg["start"]
            turns[who] = turns.get(who, 0) + (who != previous)
        previous = who
    rows = [VoiceRow(v["label"], v["name"] or None, bool(v["suggested"]), v["score"], float(v["talk_time"] or 0.0),
                     int(v["turns"] or 0), first.get(v["label"], "")) for v in voices.voices(catalog.db, recording_id)]
    labels = {r.label for r in rows}
    others = sorted((w for w in talk if w not in labels), key=lambda w: -talk[w])
    return rows + [VoiceRow(w, w, False, None, talk[w], turns[w], first[w], voice=False) for w in others]


# --- names --------------------------------------------------------------------------


def name_voice(archive, recording_id: int, label: str, name: str, *, roster: bool = True) -> str:
    """Name a voice (confirmed). ``roster=True`` also puts its voiceprint into the roster
    under that name (merged with the entry if there is one), so later imports suggest it;
    ``roster=False`` names it here only. Returns the name as stored."""
    name = rosters.clean_name(name)
    with _changing(archive, recording_id) as db:
        voice = _voice(archive, recording_id, label)
        for other in voices.voices(db, recording_id):
            if other["id"] != voice["id"] and (other["name"] or "").casefold() == name.casefold():
                if not other["suggested"]:
                    raise SpeakerError(f"{other['label']} is already {other['name']} in recording {recording_id}: "
                                       f"merge the two voices instead")
                _clear(db, other)  # the suggestion was wrong: this is the person
        if roster and rosters.entry(db, name) is not None:
            name = rosters.entry(db, name)["name"]
        if voice["roster_id"] is not None and not voice["suggested"] and (not roster or voice["name"] != name):
            rosters.leave(db, voice)
            voice = {**voice, "roster_id": None}
        roster_id = rosters.join(db, voice, name) if roster else None
        db["voices"].update(voice["id"], {
            "name": name, "suggested": 0, "roster_id": roster_id, "updated": now(),
            "score": voice["score"] if voice["name"] == name else None})
    return name


def confirm_voice(archive, recording_id: int, label: str) -> None:
    """A suggested name becomes the voice's name, and its print joins the roster entry."""
    with _changing(archive, recording_id) as db:
        voice = _voice(archive, recording_id, label)
        if not voice["name"]:
            raise SpeakerError(f"{voice['label']} has no name to confirm in recording {recording_id}")
        if not voice["suggested"]:
            return
        entry = rosters.entry(db, voice["name"]) if voice["roster_id"] is not None else None
        roster_id = rosters.join(db, voice, entry["name"]) if entry is not None else None
        db["voices"].update(voice["id"], {"suggested": 0, "roster_id": roster_id, "updated": now()})


def reject_voice(archive, recording_id: int, label: str) -> None:
    """The voice's name is wrong: it is unknown again (a confirmed name also leaves the roster)."""
    with _changing(archive, recording_id) as db:
        voice = _voice(archive, recording_id, label)
        if not voice["name"]:
            raise SpeakerError(f"{voice['label']} has no name to reject in recording {recording_id}")
        rosters.leave(db, voice)
        _clear(db, voice)


def merge_voices(archive, recording_id: int, keep_label: str, other_label: str) -> None:
    """Two voices are one person: ``other``'s segments and turns become ``keep``'s and the
    prints merge (by talk time). ``keep`` keeps its name, else takes ``other``'s."""
    with _changing(archive, recording_id) as db:
        keep = _voice(archive, recording_id, keep_label)
        other = _voice(archive, recording_id, other_label)
        if keep["id"] == other["id"]:
            raise SpeakerError(f"cannot merge {keep['label']} with itself")
        transcript = archive.catalog.current_transcript(recording_id)
        db.execute("UPDATE segments SET speaker = ? WHERE transcript_id = ? AND speaker = ?",
                   [keep["label"], transcript["id"], other["label"]])
        db.execute("UPDATE speaker_turns SET label = ? WHERE recording_id = ? AND label = ?",
                   [keep["label"], recording_id, other["label"]])
        prints = [(voices.from_blob(v["embedding"]), max(float(v["talk_time"] or 0.0), 1e-3)) for v in (keep, other)]
        prints = [(p, w) for p, w in prints if p is not None]
        fields = {"talk_time": float(keep["talk_time"] or 0.0) + float(other["talk_time"] or 0.0),
                  "turns": int(keep["turns"] or 0) + int(other["turns"] or 0), "updated": now()}
        if prints:
            fields["embedding"] = voices.to_blob(merge_voiceprints([p for p, _ in prints], [w for _, w in prints]))
        if not keep["name"] and other["name"]:
            fields.update({k: other[k] for k in ("name", "suggested", "score", "roster_id")})
        else:
            rosters.leave(db, other)
        db["voices"].update(keep["id"], fields)
        db.execute("DELETE FROM voices WHERE id = ?", [other["id"]])


# --- passages -----------------------------------------------------------------------


def assign_segments(archive, segment_ids: Iterable[int], label_or_name: Optional[str]) -> int:
    """Give segments a speaker a person chose (``speaker_set = 1``: diarization never
    changes it): a voice's label or name (the segments then follow that voice's name),
    or any name. None or "" clears it. Returns how many segments."""
    ids = list(segment_ids)
    value = " ".join((label_or_name or "").split()) or None
    catalog = archive.catalog
    with archive.writing():
        recordings = set()
        with archive.db.atomic():
            for sid in ids:
                rid = _recording_of_segment(catalog, sid)
                recordings.add(rid)
                catalog.update_segment(sid, speaker=_stored_speaker(catalog.db, rid, value), speaker_set=int(value is not None))
            catalog.mark_index_pending(recordings)
        for rid in recordings:
            index_recording(archive, rid)
    return len(ids)


def split_segment(archive, segment_id: int, word_index: int) -> tuple[int, int]:
    """Split a segment before its word ``word_index`` (words, times, text and corrections
    go with their piece; a segment without word times gets them spread first). Returns
    the two pieces' ids; the first is the segment's own. :func:`join_segments` undoes it."""
    catalog = archive.catalog
    with _changing(archive, _recording_of_segment(catalog, segment_id)) as db:
        seg = catalog.segment(segment_id)
        words = catalog.words(segment_id)
        if not words:
            catalog.replace_words(segment_id, spread_words(seg["text"] or "", seg["start"], seg["end"]))
            words = catalog.words(segment_id)
        if not 0 < word_index < len(words):
            raise SpeakerError(f"segment {segment_id} has {len(words)} words: split before word 1 to {len(words) - 1}, "
                               f"not {word_index}")
        rows = catalog.segments(seg["transcript_id"])
        source = seg["source"] if seg["source"] is not None else original_groups(rows)[segment_id]
        layout = Layout(db, seg["transcript_id"])
        pieces = []
        for row in rows:
            if row["id"] == segment_id:
                pieces = layout.cut(row, words, [(seg["speaker"], word_index), (seg["speaker"], len(words) - word_index)],
                                    source)
            else:
                layout.keep(row["id"])
        layout.write()
    return pieces[0], pieces[1]


def join_segments(archive, first_id: int, second_id: int) -> int:
    """Join a segment with the one right after it (undoes :func:`split_segment`); the
    joined segment keeps the first's id and speaker. Returns its id."""
    catalog = archive.catalog
    with _changing(archive, _recording_of_segment(catalog, first_id)) as db:
        first, second = catalog.segment(first_id), catalog.segment(second_id)
        if second is None:
            raise SpeakerError(f"no segment {second_id}")
        if second["transcript_id"] != first["transcript_id"] or second["idx"] != first["idx"] + 1:
            raise SpeakerError(f"segment {second_id} does not follow segment {first_id}")
        layout = Layout(db, first["transcript_id"])
        for row in catalog.segments(first["transcript_id"]):
            if row["id"] == second_id:
                layout.join(first, second)
            else:
                layout.keep(row["id"])
        layout.write()
    return first_id


# --- diarizing recordings imported earlier -----------------------------------------


def diarize_recordings(archive, ids: Sequence[int], diarizer, options: Optional[SpeakerOptions] = None, *,
                       redo: bool = False, progress: Optional[Callable[[int, float], None]] = None,
                       on_result: Optional[Callable[[DiarizeResult], None]] = None) -> list[DiarizeResult]:
    """Find speakers in recordings imported earlier and re-index them. A recording already
    diarized is skipped unless ``redo``; a speaker a person set is never changed. One
    recording's failure does not stop the others."""
    options = options or SpeakerOptions()
    results = []
    with archive.writing():
        for rid in ids:
            result = _diarize_one(archive, rid, diarizer, options, redo,
                                  None if progress is None else (lambda f, rid=rid: progress(rid, f)))
            results.append(result)
            if on_result is not None:
                on_result(result)
    return results


def _diarize_one(archive, rid: int, diarizer, options: SpeakerOptions, redo: bool, progress) -> DiarizeResult:
    catalog = archive.catalog
    if catalog.recording(rid) is None:
        return DiarizeResult(rid, "failed", f"no recording {rid}")
    transcript = catalog.current_transcript(rid)
    if transcript is not None and transcript["diarized"] and not redo:
        return DiarizeResult(rid, "skipped", "already has speakers (--redo finds them again)")
    try:
        note = diarize_recording(archive, rid, diarizer, options, progress)
    except (sqlite3.Error, KeyboardInterrupt):
        raise  # the archive cannot be written, or the person stopped: not this recording's fault
    except Exception as exc:  # media missing, a decode error, a broken engine: this recording only
        log.warning("recording %s: speakers could not be found", rid, exc_info=True)
        return DiarizeResult(rid, "failed", str(exc).splitlines()[0] if str(exc) else type(exc).__name__)
    if note is None:
        index_recording(archive, rid)
    found = len(voices.voices(archive.db, rid))
    return DiarizeResult(rid, "diarized" if note is None else "skipped", note, found)


# --- undo ---------------------------------------------------------------------------


def snapshot(archive, recording_id: Optional[int] = None) -> SpeakerState:
    """The speaker state an operation may change, for :func:`restore` (undo): the roster,
    and the recording's voices, turns and segment speakers (``None``: every voice's name,
    for the roster operations, which reach across recordings)."""
    db = archive.db
    state = SpeakerState(recording_id, list(db["roster"].rows),
                         list(db["voices"].rows_where("recording_id = ?", [recording_id]) if recording_id is not None
                              else db["voices"].rows))
    if recording_id is not None:
        _recording(archive, recording_id)
        state.turns = list(db["speaker_turns"].rows_where("recording_id = ?", [recording_id]))
        transcript = archive.catalog.current_transcript(recording_id)
        if transcript is not None:
            state.segments = [tuple(r) for r in db.execute(
                "SELECT id, speaker, speaker_set FROM segments WHERE transcript_id = ?", [transcript["id"]]).fetchall()]
    return state


def restore(archive, state: SpeakerState) -> None:
    """Put back a :func:`snapshot` (segments split or joined since keep their shape:
    :func:`join_segments` / :func:`split_segment` undo those)."""
    with archive.writing():
        db = archive.db
        with db.atomic():
            touched = {v["recording_id"] for v in db["voices"].rows_where("roster_id IS NOT NULL")}
            db.execute("DELETE FROM roster")
            db["roster"].insert_all(state.roster)
            if state.recording_id is None:
                for v in state.voices:
                    db["voices"].update(v["id"], {k: v[k] for k in ("name", "suggested", "score", "roster_id")})
                touched |= {v["recording_id"] for v in state.voices}
            else:
                rid = state.recording_id
                db.execute("DELETE FROM voices WHERE recording_id = ?", [rid])
                db["voices"].insert_all(state.voices)
                db.execute("DELETE FROM speaker_turns WHERE recording_id = ?", [rid])
                db["speaker_turns"].insert_all(state.turns)
                db.conn.executemany("UPDATE segments SET speaker = ?, speaker_set = ? WHERE id = ?",
                                    [(speaker, speaker_set, sid) for sid, speaker, speaker_set in state.segments])
                touched = {rid}
            archive.catalog.mark_index_pending(touched)
        for rid in sorted(touched):
            index_recording(archive, rid)


# --- helpers ------------------------------------------------------------------------


@contextmanager
def _changing(archive, recording_id: int):
    """The write lock and one transaction that marks the recording for re-indexing (a
    crash before the index commits leaves the mark), then the re-index."""
    with archive.writing():
        with archive.db.atomic():
            yield archive.db
            archive.catalog.mark_index_pending([recording_id])
        index_recording(archive, recording_id)

def _recording(archive, recording_id: int):
    rec = archive.catalog.recording(recording_id)
    if rec is None:
        raise SpeakerError(f"no recording {recording_id}")
    return rec


def _voice(archive, recording_id: int, label: str) -> dict:
    """The voice called ``label`` (or, failing that, named so) in the recording."""
    _recording(archive, recording_id)
    rows = voices.voices(archive.db, recording_id)
    wanted = " ".join((label or "").split()).casefold()
    for key in ("label", "name"):
        found = [v for v in rows if (v[key] or "").casefold() == wanted]
        if len(found) == 1:
            return found[0]
    known = ", ".join(v["label"] for v in rows) or "none: run `council-archive diarize` first"
    raise SpeakerError(f"recording {recording_id} has no voice {label!r} (voices: {known})")


def _recording_of_segment(catalog, segment_id: int) -> int:
    seg = catalog.segment(segment_id)
    if seg is None:
        raise SpeakerError(f"no segment {segment_id}")
    return catalog.recording_of(seg)


def _clear(db, voice: dict) -> None:
    db["voices"].update(voice["id"], {"name": None, "suggested": 0, "score": None, "roster_id": None, "updated": now()})


def _stored_speaker(db, recording_id: int, value: Optional[str]) -> Optional[str]:
    """What a segment stores for a speaker a person chose: a voice's label when ``value``
    is that voice's label or name (so the segment follows its name), else ``value``."""
    if value is None:
        return None
    for v in voices.voices(db, recording_id):
        if value.casefold() in (v["label"].casefold(), (v["name"] or "").casefold()):
            return v["label"]
    return value
