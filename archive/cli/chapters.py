"""``agenda``, ``chapters`` and ``votes``: a meeting's agenda items found in its recording.

``chapters ID --json`` prints ``[{"item", "title", "start", "end", "confidence",
"automatic"}]`` in meeting order (times in seconds); ``votes ID --json`` prints
``[{"item", "result", "yes", "no", "start"}]`` (result "carried", "failed" or null;
counts integers or null). Scripts rely on both.
"""

from __future__ import annotations

import argparse
import sys

from archive.cli.common import EXIT_OK, ID, JSON, Commands, UsageError, existing_recording, arg, open_archive, print_json, \
    recording_id, say

commands = Commands()
register = commands.register


def _hms(seconds) -> str:
    from transcription.formats import hms

    return hms(seconds) if seconds is not None else "-"


def _print_chapters(archive, rid: int, found: list) -> None:
    from archive import chapter_rows

    placed = [c for c in found if c.start is not None]
    agenda = chapter_rows.agenda(archive.db, rid)
    if not placed:
        if agenda is not None:
            say(f"#{rid}: the agenda ({agenda.source}) does not match this recording: no chapters")
        else:
            say(f"#{rid}: no chapters (attach an agenda with: council-archive agenda {rid} FILE)")
        return
    if placed[0].automatic:
        say("automatic chapters (from the transcript's cues; no agenda)")
    for c in placed:
        mark = " (set by hand)" if c.corrected else ""
        say(f"{_hms(c.start):>8}  {c.item:>5}  {c.title}  [{c.confidence:.0%}]{mark}")
    missing = [c for c in found if c.start is None]
    if missing:
        say("not found in the transcript: " + ", ".join(f"{c.item} {c.title}" for c in missing))


@commands.command("agenda", help="attach an agenda or minutes (txt, md, docx, pdf) and align its items to the recording")
@ID
@arg("file", metavar="FILE")
@JSON
def cmd_agenda(args: argparse.Namespace) -> int:
    from archive.chaptering import attach_agenda

    with open_archive(args) as archive:
        existing_recording(archive, args.id)
        found, dropped = attach_agenda(archive, args.id, args.file)
        for item, title in dropped:
            say(f"council-archive: item {item} ({title}) had a start set by hand; this agenda does not list it",
                file=sys.stderr)
        if args.json:
            print_json([c.to_dict() for c in found if c.start is not None])
            return EXIT_OK
        placed = sum(c.start is not None for c in found)
        say(f"#{args.id}: {placed} of {len(found)} agenda items found")
        _print_chapters(archive, args.id, found)
    return EXIT_OK


@commands.command("chapters", help="list a recording's chapters, or set one by hand: chapters set ID ITEM START")
@arg("words", nargs="+", metavar="ID | set ID ITEM START")
@JSON
def cmd_chapters(args: argparse.Namespace) -> int:
    from archive.chaptering import chapters, set_start

    if args.words[0] == "set":
        if len(args.words) != 4:
            raise UsageError("usage: council-archive chapters set ID ITEM START (START in seconds or HH:MM:SS)")
        rid, item, start = _id(args.words[1]), args.words[2], _time(args.words[3])
        with open_archive(args) as archive:
            existing_recording(archive, rid)
            chapter = set_start(archive, rid, item, start)
        if args.json:
            print_json(chapter.to_dict())
        else:
            say(f"#{rid}: item {chapter.item} ({chapter.title}) now starts at {_hms(chapter.start)}")
        return EXIT_OK
    if len(args.words) != 1:
        raise UsageError("usage: council-archive chapters ID [--json] | chapters set ID ITEM START")
    rid = _id(args.words[0])
    with open_archive(args) as archive:
        existing_recording(archive, rid)
        found = chapters(archive, rid)
        if args.json:
            print_json([c.to_dict() for c in found if c.start is not None])
        else:
            _print_chapters(archive, rid, found)
    return EXIT_OK


@commands.command("votes", help="list the votes read from a recording (unknown where it is not clear)")
@ID
@JSON
def cmd_votes(args: argparse.Namespace) -> int:
    from archive.chaptering import chapters, votes

    with open_archive(args) as archive:
        existing_recording(archive, args.id)
        found = votes(archive, args.id)
        titles = {c.item: c.title for c in chapters(archive, args.id)}
    if args.json:
        print_json([v.to_dict() for v in found])
        return EXIT_OK
    if not found:
        say(f"#{args.id}: no votes found")
    for v in found:
        count = f"{v.yes} to {v.no}" if v.yes is not None else "count unknown"
        where = f"item {v.item} ({titles.get(v.item, '')})" if v.item else "no chapter"
        say(f"{_hms(v.start):>8}  {v.result or 'unknown':8} {count:14} {where}")
        for r in v.roll:
            say(f"{'':10}{r['vote']:4} {r['name'] or '?'}")
    return EXIT_OK


def _id(text: str) -> int:
    try:
        return recording_id(text)
    except argparse.ArgumentTypeError as exc:
        raise UsageError(str(exc)) from exc


def _time(text: str) -> float:
    from archive.clips import parse_time

    try:
        return parse_time(text)
    except ValueError as exc:
        raise UsageError(str(exc)) from exc
