"""The catalog's schema: every change to it is one step of sqlite-utils ``Migrations``,
applied in order by ``archive.catalog.open_db`` (never edit a step that has shipped; add one).

Times are seconds (REAL) everywhere.
"""

from __future__ import annotations

from sqlite_utils import Database, Migrations

from archive import chapter_rows, fixity_rows
from archive.status import JobState, Status

migrations = Migrations("council-archive")


@migrations()
def m001_initial(db: Database) -> None:
    db["recordings"].create(
        {
            "id": int,
            "title": str,
            "body": str,
            "kind": str,
            "date": str,  # YYYY-MM-DD
            "source_path": str,
            "media_path": str,  # relative to the archive folder, or absolute when linked
            "linked": int,
            "sha256": str,
            "duration": float,
            "language": str,
            "status": str,  # a Status
            "progress": float,  # 0..1 while transcribing
            "error": str,
            "created": str,
            "updated": str,
        },
        pk="id",
        not_null={"title", "status", "sha256"},
        defaults={"status": Status.QUEUED.value, "progress": 0.0, "linked": 0, "kind": "meeting"},
    )
    db["recordings"].create_index(["sha256"], unique=True)
    db["recordings"].create_index(["date"])
    db["transcripts"].create(
        {
            "id": int,
            "recording_id": int,
            "engine": str,
            "model": str,
            "prompt": str,
            "source": str,  # whisper | captions | bundle
            "created": str,
            "complete": int,
            "current": int,
        },
        pk="id",
        foreign_keys=[("recording_id", "recordings", "id")],
        defaults={"complete": 0, "current": 0},
    )
    db["transcripts"].create_index(["recording_id"])
    db["segments"].create(
        {
            "id": int,
            "transcript_id": int,
            "idx": int,
            "start": float,
            "end": float,
            "text": str,
            "original_text": str,
            "speaker": str,
            "avg_logprob": float,
            "no_speech_prob": float,
            "flag": str,  # None, or why Whisper's text is not trusted
        },
        pk="id",
        foreign_keys=[("transcript_id", "transcripts", "id")],
    )
    db["segments"].create_index(["transcript_id", "idx"], unique=True)
    db["words"].create(
        {
            "id": int,
            "segment_id": int,
            "idx": int,
            "start": float,
            "end": float,
            "text": str,
            "probability": float,
        },
        pk="id",
        foreign_keys=[("segment_id", "segments", "id")],
    )
    db["words"].create_index(["segment_id", "idx"], unique=True)
    db["jobs"].create(
        {
            "id": int,
            "recording_id": int,
            "state": str,  # a JobState
            "options": str,  # JSON: engine, model, prompt, language ...
            "attempts": int,
            "created": str,
            "updated": str,
        },
        pk="id",
        foreign_keys=[("recording_id", "recordings", "id")],
        defaults={"attempts": 0, "state": JobState.QUEUED.value},
    )
    db["jobs"].create_index(["recording_id"])


@migrations()
def m002_recording_note(db: Database) -> None:
    """A note for people, e.g. "no speech found" for silence or music."""
    db["recordings"].add_column("note", str)


@migrations()
def m003_vocabulary(db: Database) -> None:
    """The archive's vocabulary: names, streets, places, acronyms and their spoken variants."""
    db["vocabulary"].create(
        {
            "id": int,
            "term": str,
            "variants": str,  # JSON list of other spellings / spoken forms
            "category": str,  # name | street | place | acronym | other
            "body": str,  # None = every body
            "created": str,
        },
        pk="id",
        not_null={"term"},
    )
    db["vocabulary"].create_index(["term", "body"], unique=True)


@migrations()
def m004_speakers(db: Database) -> None:
    """Who spoke: each recording's voices, their turns, and the archive's roster of named voices.

    ``segments.speaker`` holds a voice's label ("Speaker 2") once diarized, or a name a person
    (``speaker_set = 1``) or captions gave; :mod:`archive.voices` turns labels into names.
    ``segments.source`` is the idx of the transcript segment a speaker split cut a piece from
    (NULL: never split), so the original segmentation stays recoverable.
    """
    db["segments"].add_column("source", int)
    db["segments"].add_column("speaker_set", int, not_null_default=0)
    db["transcripts"].add_column("diarized", int, not_null_default=0)  # 1 once speakers were applied
    db["roster"].create(
        {
            "id": int,
            "name": str,
            "voiceprint": bytes,  # float32 unit vector (an embedding centroid)
            "talk_time": float,  # seconds of speech the voiceprint was made from
            "recordings": int,  # how many named voices were merged into it
            "offered": int,  # 1: came with a bundle, not used to name voices until accepted
            "created": str,
            "updated": str,
        },
        pk="id",
        not_null={"name"},
        defaults={"offered": 0, "recordings": 0, "talk_time": 0.0},
    )
    db["roster"].create_index(["name"], unique=True)
    db["voices"].create(
        {
            "id": int,
            "recording_id": int,
            "label": str,  # "Speaker 1"... in order of first appearance
            "name": str,  # NULL while unknown
            "suggested": int,  # 1 while the name is a roster match no person confirmed
            "score": float,  # the roster match's cosine score (NULL: never matched)
            "roster_id": int,  # the roster entry the name came from or went to (NULL: here only)
            "talk_time": float,
            "turns": int,
            "embedding": bytes,  # float32 voiceprint of this voice in this recording
            "created": str,
            "updated": str,
        },
        pk="id",
        foreign_keys=[("recording_id", "recordings", "id")],
        not_null={"recording_id", "label"},
        defaults={"suggested": 0},
    )
    db["voices"].create_index(["recording_id", "label"], unique=True)
    db["speaker_turns"].create(
        {"id": int, "recording_id": int, "start": float, "end": float, "label": str},
        pk="id",
        foreign_keys=[("recording_id", "recordings", "id")],
    )
    db["speaker_turns"].create_index(["recording_id", "start"])


@migrations()
def m005_index_pending(db: Database) -> None:
    """Recordings whose index may be older than their catalog rows: an edit marks its
    recording in the same transaction as the change and clears the mark once the index
    has committed, so a crash in between (kill -9) leaves the mark for the next writer
    and for ``check`` (:mod:`archive.recordings`)."""
    db["recordings"].add_column("index_pending", int, not_null_default=0)
    db["recordings"].create_index(["index_pending"])


@migrations()
def m006_transcript_versions(db: Database) -> None:
    """Earlier transcript versions (``retranscribe``) keep who spoke in them: the voices and
    speaker turns of the recording while that version was current, copied here when another
    version became current (``voices`` and ``speaker_turns`` always belong to the current one)."""
    voice_columns = {k: v for k, v in db["voices"].columns_dict.items() if k not in ("id", "recording_id")}
    db["version_voices"].create({"id": int, "transcript_id": int, **voice_columns}, pk="id",
                                foreign_keys=[("transcript_id", "transcripts", "id")])
    db["version_voices"].create_index(["transcript_id"])
    db["version_turns"].create({"id": int, "transcript_id": int, "start": float, "end": float, "label": str}, pk="id",
                               foreign_keys=[("transcript_id", "transcripts", "id")])
    db["version_turns"].create_index(["transcript_id"])


@migrations()
def m007_segment_languages(db: Database) -> None:
    """Each segment's spoken language (transcription.languages hears it stretch by stretch);
    NULL in rows made before: the recording's language. ``recordings.language`` is the main
    one, by speech time."""
    db["segments"].add_column("language", str)


@migrations()
def m010_chapters(db: Database) -> None:
    """A meeting's agenda, its chapters and votes (:mod:`archive.chapter_rows`). A chapter
    keeps the start alignment found (``aligned_start``) beside the one shown (``start``);
    ``corrected = 1`` once a person set it, and re-aligning never changes that one."""
    db["agendas"].create({"recording_id": int, "source": str, "format": str, "created": str}, pk="recording_id",
                         foreign_keys=[("recording_id", "recordings", "id")])
    db["agenda_items"].create({"id": int, "recording_id": int, "idx": int, "number": str, "title": str, "text": str},
                              pk="id", foreign_keys=[("recording_id", "recordings", "id")])
    db["agenda_items"].create_index(["recording_id", "idx"], unique=True)
    db["chapters"].create(
        {"id": int, "recording_id": int, "idx": int, "item": str, "title": str, "start": float, "end": float,
         "aligned_start": float, "confidence": float, "automatic": int, "corrected": int},
        pk="id", foreign_keys=[("recording_id", "recordings", "id")],
        defaults={"automatic": 0, "corrected": 0, "confidence": 0.0},
    )
    db["chapters"].create_index(["recording_id", "idx"], unique=True)
    db["votes"].create(
        {"id": int, "recording_id": int, "item": str, "result": str, "yes": int, "no": int, "start": float,
         "end": float, "text": str, "roll": str},
        pk="id", foreign_keys=[("recording_id", "recordings", "id")],
    )
    db["votes"].create_index(["recording_id", "start"])


@migrations()
def m011_watches(db: Database) -> None:
    """Saved searches that flag new meetings (:mod:`archive.watches`): a watch's query and
    filters (JSON), and the recordings it has seen (id and SHA-256), so "new" is exact."""
    db["watches"].create({"id": int, "name": str, "query": str, "filters": str, "created": str, "seen": str},
                         pk="id", not_null={"name", "query"})
    db["watches"].create_index(["name"], unique=True)
    db["watch_seen"].create({"watch_id": int, "recording_id": int, "sha256": str},
                            pk=("watch_id", "recording_id", "sha256"), foreign_keys=[("watch_id", "watches", "id")])


@migrations()
def m012_fixity_events(db: Database) -> None:
    fixity_rows.create(db)  # fixity audits: rounds and one event per file verified (archive.fixity)
