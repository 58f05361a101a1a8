"""``check`` and ``reindex``: keep catalog, index and media in agreement."""

from __future__ import annotations

import argparse

from archive.cli.common import EXIT_ERROR, EXIT_OK, JSON, Commands, arg, open_archive, print_json, say

commands = Commands()
register = commands.register


@commands.command("check", help="verify that catalog, index and media agree")
@arg("--repair", action="store_true", help="fix what can be fixed without losing corrections")
@JSON
def cmd_check(args: argparse.Namespace) -> int:
    from archive.indexing import check, repair

    with open_archive(args) as archive:
        report = check(archive)
        done = []
        if args.repair and not report.clean:
            with archive.writing():
                done = repair(archive, report)
            report = check(archive)  # with the lock free again: a writer at work shows as one
    if args.json:
        print_json({**report.to_dict(), "repaired": done})
    else:
        for line in done:
            say(f"repaired: {line}")
        if report.clean:
            print("ok: catalog, index and media agree")
        for line in report.notes():
            say(f"note: {line}")
        for line in report.lines():
            say(f"problem: {line}")
    return EXIT_OK if report.clean else EXIT_ERROR


@commands.command("reindex", help="rebuild the search index from the catalog")
def cmd_reindex(args: argparse.Namespace) -> int:
    from archive.indexing import reindex

    with open_archive(args, current_index=False) as archive, archive.writing():
        n = reindex(archive)
    print(f"re-indexed {n} recording{'s' if n != 1 else ''} from the catalog")
    return EXIT_OK
