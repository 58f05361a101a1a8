"""``retranscribe``, ``transcripts`` and ``use-version``: transcript versions from the
command line (:mod:`archive.retranscribe`). ``show ID --version N`` prints an earlier one."""

from __future__ import annotations

import argparse
import sys

from archive.cli.common import (EXIT_OK, ID, JSON, Commands, UsageError, existing_recording, arg, open_archive, print_json,
                                recording_id, say)
from archive.cli.cluster import CLUSTER_ARGS
from archive.cli.imports import report, run_importer
from archive.cli.speakers import SPEAKER_ARGS, speaker_options
from archive.cli.transcribe import ENGINE_ARGS

commands = Commands()
register = commands.register


def corrected(args: argparse.Namespace) -> dict[int, int]:
    """Recording -> corrected segments in its current version (a missing one: no recording N)."""
    from archive.retranscribe import corrections

    with open_archive(args) as archive:
        for rid in args.ids:
            existing_recording(archive, rid)
        return {rid: n for rid in args.ids if (n := corrections(archive.catalog, rid))}


def warning(found: dict[int, int]) -> str:
    which = ", ".join(f"{rid} ({n} corrected segment{'s' * (n != 1)})" for rid, n in found.items())
    return (f"recording{'s' * (len(found) != 1)} {which}: a new transcript version does not have those corrections "
            "(they stay in the version before it)")


def confirmed(found: dict[int, int], yes: bool) -> bool:
    """--yes, or a person at a terminal said yes; without either, one line and exit 2."""
    if not found or yes:
        return True
    if not sys.stdin.isatty():
        raise UsageError(warning(found) + "; add --yes to re-transcribe anyway")
    say(f"council-archive: {warning(found)}.", file=sys.stderr)
    return input("Re-transcribe anyway? [y/N] ").strip().lower() in ("y", "yes")


@commands.command("retranscribe", help="transcribe recordings again (e.g. with a bigger --model) as a new transcript "
                                       "version; earlier versions are kept")
@arg("ids", nargs="+", type=recording_id, metavar="ID")
@ENGINE_ARGS
@SPEAKER_ARGS
@CLUSTER_ARGS
@arg("--yes", action="store_true", help="go ahead where people corrected the transcript (their corrections stay "
                                        "in the earlier version)")
@JSON
def cmd_retranscribe(args: argparse.Namespace) -> int:
    args.ids = list(dict.fromkeys(args.ids))
    speakers = speaker_options(args)
    if not confirmed(corrected(args), args.yes):
        print("nothing re-transcribed")
        return EXIT_OK
    results = run_importer(args, lambda importer: importer.retranscribe(args.ids, prompt=args.prompt), speakers=speakers)
    return report(results, args.json)


def version_rows(args: argparse.Namespace):
    from archive.retranscribe import versions

    with open_archive(args) as archive:
        existing_recording(archive, args.id)
        return versions(archive.catalog, args.id)


@commands.command("transcripts", help="list a recording's transcript versions (model, engine, corrections, current)")
@ID
@JSON
def cmd_transcripts(args: argparse.Namespace) -> int:
    rows = version_rows(args)
    if args.json:
        print_json([v.to_dict() for v in rows])
        return EXIT_OK
    say(f"{'version':8} {'current':8} {'model':16} {'engine':15} {'created':26} {'segments':>8} {'corrections':>11}")
    for v in rows:
        mark = "*" if v.current else "" if v.complete else "unfinished"
        say(f"{v.number:<8} {mark:8} {v.model or '-':16} {v.engine or '-':15} {v.created or '-':26} {v.segments:>8} "
            f"{v.corrections:>11}")
    return EXIT_OK


@commands.command("use-version", help="make an earlier transcript version current again (and re-index it)")
@ID
@arg("version", type=int, metavar="N", help="the version number `transcripts ID` lists")
def cmd_use_version(args: argparse.Namespace) -> int:
    from archive.retranscribe import use_version

    with open_archive(args) as archive:
        chosen = use_version(archive, args.id, args.version)
    say(f"#{args.id}: version {chosen.number} ({chosen.engine} {chosen.model or ''}".rstrip() + ") is current")
    return EXIT_OK
