"""``import-records``: PBCore or Dublin Core records from another catalogue seed the metadata
of recordings already here (``export ... --format pbcore|dc|ohms`` writes them: archive.cli.exports)."""

from __future__ import annotations

import argparse

from archive.cli.common import EXIT_OK, Commands, arg, open_archive, say

commands = Commands()
register = commands.register


@commands.command("import-records", help="map PBCore or Dublin Core records onto recordings already in the archive")
@arg("file", metavar="FILE", help="a PBCore 2.1 document or collection, or oai_dc records")
@arg("--dry-run", action="store_true", help="say what would change, change nothing")
def cmd_import_records(args: argparse.Namespace) -> int:
    from archive.records.importing import import_records, plan

    with open_archive(args) as archive:
        applied = plan(archive, args.file) if args.dry_run else import_records(archive, args.file)
    for item in applied:
        changes = ", ".join(f"{k} → {v}" for k, v in item.changed.items()) or "already so"
        changes += "".join(f"; {k} {v} kept (heard in the recording)" for k, v in item.kept.items())
        say(f"{'would change' if args.dry_run else 'recording'} {item.recording_id}: {changes}")
    return EXIT_OK
