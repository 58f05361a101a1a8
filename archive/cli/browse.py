"""``list``, ``show``, ``edit`` and ``remove``: the recordings in the archive."""

from __future__ import annotations

import argparse

from archive.catalog import KINDS
from archive.cli.common import (EXIT_OK, ID, JSON, Commands, UsageError, existing_recording, arg, open_archive,
                                print_json, say)
from archive.dates import UNDATED
from archive.status import Status
from archive.transcripts import doubtful, read_transcript

commands = Commands()
register = commands.register

EDITABLE = ("title", "body", "date", "kind")


def duration(seconds) -> str:
    from transcription.formats import hms

    return hms(seconds) if seconds else "-"


def languages(spoken: dict[int, list[str]], rec) -> list[str]:
    """A recording's spoken languages, the main one first (shown as "en+es")."""
    return spoken.get(rec.id) or ([rec.language] if rec.language else [])


@commands.command("list", help="list the recordings in the archive")
@JSON
def cmd_list(args: argparse.Namespace) -> int:
    with open_archive(args) as archive:
        recs = archive.catalog.recordings()
        spoken = archive.catalog.spoken_languages()
    if args.json:
        print_json([r.summary() | {"language": r.language, "languages": languages(spoken, r)} for r in recs])
        return EXIT_OK
    if not recs:
        print("The archive is empty. Add meetings with: council-archive import FILE...")
        return EXIT_OK
    for r in recs:
        status = r.status if r.status != Status.TRANSCRIBING else f"transcribing {r.progress:.0%}"
        if r.note:
            status += next((f" ({label})" for label in ("no speech", "hard audio") if r.note.startswith(label)), "")
        say(f"#{r.id:<4} {r.date or UNDATED:10}  {duration(r.duration)}  {r.kind or '':7} "
            f"{'+'.join(languages(spoken, r)):5} "
            f"{status:12} {r.title}"
            + (f" — {r.body}" if r.body else ""))
    return EXIT_OK


@commands.command("show", help="show one recording and its transcript")
@ID
@arg("--version", type=int, metavar="N", help="an earlier transcript version (`transcripts ID` lists them)")
@JSON
def cmd_show(args: argparse.Namespace) -> int:
    from archive.retranscribe import version
    from transcription.formats import hms

    with open_archive(args) as archive:
        rec = existing_recording(archive, args.id)
        chosen = version(archive.catalog, rec.id, args.version) if args.version is not None else None
        # speakers by name (archive.voices)
        data = read_transcript(archive.catalog, rec.id, transcript_id=chosen.id if chosen else None)
        transcript = data.transcript
        segments = [{k: v for k, v in seg.items() if k != "words"} for seg in data.segments]
        spoken = languages(archive.catalog.spoken_languages([rec.id]), rec)
    if args.json:
        print_json({**rec.__dict__, "languages": spoken, "transcript": transcript, "segments": segments})
        return EXIT_OK
    say(f"#{rec.id} {rec.title}")
    for label, value in (("Body", rec.body), ("Date", rec.date), ("Kind", rec.kind), ("Duration", duration(rec.duration)),
                         ("Status", rec.status + (f" ({rec.error})" if rec.error else "")), ("Source", rec.source_path),
                         ("Media", rec.media_path), ("Language", "+".join(spoken)), ("Note", rec.note)):
        if value:
            say(f"{label:9} {value}")
    if transcript:
        say(f"{'Engine':9} {transcript['engine']} {transcript['model'] or ''}".rstrip())
        if chosen is not None:
            say(f"{'Version':9} {chosen.number}" + (" (current)" if chosen.current else " (not current)"))
        print()
        for seg in segments:
            speaker = f"{seg['speaker']}{'?' if seg['suggested'] else ''}: " if seg["speaker"] else ""  # ?: suggested
            flag = f" [{seg['flag']}: not indexed]" if seg["flag"] else " [uncertain]" if doubtful(seg) else ""
            other = f" [{seg['language']}]" if seg["language"] and seg["language"] != rec.language else ""  # another language
            say(f"[{hms(seg['start'])}] {speaker}{seg['text']}{flag}{other}")
    return EXIT_OK


@commands.command("edit", help="change a recording's title, body, date or kind")
@ID
@arg("--title")
@arg("--body")
@arg("--date", metavar="YYYY-MM-DD")
@arg("--kind", choices=KINDS)
def cmd_edit(args: argparse.Namespace) -> int:
    from archive.editing import edit_recording

    fields = {k: getattr(args, k) for k in EDITABLE if getattr(args, k) is not None}
    if not fields:
        raise UsageError("nothing to change: give --title, --body, --date or --kind")
    with open_archive(args) as archive:
        edit_recording(archive, args.id, **fields)
    say(f"updated #{args.id}: " + ", ".join(f"{k}={v}" for k, v in fields.items()))
    return EXIT_OK


@commands.command("remove", help="remove a recording (catalog, index and stored media)")
@ID
def cmd_remove(args: argparse.Namespace) -> int:
    from archive.recordings import remove_recording

    with open_archive(args) as archive:
        rec = existing_recording(archive, args.id)
        with archive.writing():
            remove_recording(archive, args.id)
    say(f"removed #{rec.id} {rec.title}")
    return EXIT_OK
