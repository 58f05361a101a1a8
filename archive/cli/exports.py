"""``export``, ``clip``, ``export-catalog`` and ``bundle``: what leaves the archive."""

from __future__ import annotations

import argparse
import sys
from pathlib import Path

from archive.cli.common import EXIT_OK, ID, Commands, UsageError, arg, open_archive, say

commands = Commands()
register = commands.register


@commands.command("export", help="export a recording's transcript (txt, srt, vtt, json, docx, csv) or its record")
@ID
@arg("--format", choices=("txt", "srt", "vtt", "json", "docx", "csv", "chapters", "pbcore", "dc", "ohms"), default="txt",
     help="chapters: the chapters as a WebVTT chapters track; pbcore, dc (oai_dc), ohms: standard XML records")
@arg("-o", "--output", metavar="FILE", help="write here instead of stdout (docx always needs a file)")
def cmd_export(args: argparse.Namespace) -> int:
    from archive.exports import export_transcript
    from archive.records.exporting import RECORD_FORMATS, export_record

    out = Path(args.output) if args.output else None
    export = export_record if args.format in RECORD_FORMATS else export_transcript
    with open_archive(args) as archive:
        text = export(archive, args.id, args.format, out)
    if text is not None:
        sys.stdout.write(text)
    else:
        say(f"wrote {out}", file=sys.stderr)
    return EXIT_OK


@commands.command("clip", help="cut an audio clip, tagged with its citation")
@ID
@arg("--start", required=True, metavar="S", help="seconds or HH:MM:SS")
@arg("--end", required=True, metavar="E", help="seconds or HH:MM:SS")
@arg("-o", "--output", metavar="FILE")
@arg("--format", choices=("mp3", "wav", "m4a"), default="mp3")
@arg("--pad", type=float, default=0.0, metavar="SECONDS", help="extra audio before and after")
def cmd_clip(args: argparse.Namespace) -> int:
    from archive.clips import make_clip, parse_time

    try:
        start, end = parse_time(args.start), parse_time(args.end)
    except ValueError as exc:  # a time that is not one: the arguments, not the archive
        raise UsageError(str(exc)) from exc
    with open_archive(args) as archive:
        out, cite = make_clip(archive, args.id, start, end, Path(args.output) if args.output else None, args.format, args.pad)
    say(f"wrote {out}")
    say(cite)
    return EXIT_OK


@commands.command("export-catalog", help="export every recording's metadata (csv, json, PBCore or Dublin Core XML)")
@arg("--format", choices=("csv", "json", "pbcore", "dc", "watches"), default="csv",
     help="pbcore: one pbcoreCollection; dc: oai_dc records; watches: the saved searches as JSON")
@arg("-o", "--output", metavar="FILE")
def cmd_export_catalog(args: argparse.Namespace) -> int:
    from archive.exports import export_catalog
    from archive.records.exporting import CATALOG_RECORD_FORMATS, export_catalog_records

    export = export_catalog_records if args.format in CATALOG_RECORD_FORMATS else export_catalog
    with open_archive(args) as archive:
        text = export(archive, args.format, Path(args.output) if args.output else None)
    if text is not None:
        sys.stdout.write(text)
    return EXIT_OK


@commands.command("bundle", help="pack one recording (media, corrected transcript, metadata) into a .cabundle")
@ID
@arg("-o", "--output", required=True, metavar="FILE.cabundle")
def cmd_bundle(args: argparse.Namespace) -> int:
    from archive.bundle import write_bundle

    with open_archive(args) as archive:
        out = write_bundle(archive, args.id, Path(args.output))
    print(f"wrote {out}")
    return EXIT_OK
