"""``check`` and ``reindex``: keep catalog, index and media in agreement."""

from __future__ import annotations

import argparse

from archive.cli.common import EXIT_ERROR, EXIT_OK, JSON, Commands, arg, open_archive, print_json, say

commands = Commands()
register = commands.register


def _days(text: str) -> int:
    if not text.isdigit():
        raise argparse.ArgumentTypeError(f"{text!r} is not a number of days (a whole number of at least 0)")
    return int(text)


@commands.command("check", help="verify that catalog, index and media agree")
@arg("--repair", action="store_true", help="fix what can be fixed without losing corrections")
@arg("--fixity-days", type=_days, default=None, metavar="N",
     help="note media whose SHA-256 was not verified (council-archive fixity) in N days (default 90)")
@JSON
def cmd_check(args: argparse.Namespace) -> int:
    from archive import fixity, fixity_rows
    from archive.indexing import check, repair

    with open_archive(args) as archive:
        report = check(archive)
        done = []
        if args.repair and not report.clean:
            with archive.writing():
                done = repair(archive, report)
            report = check(archive)  # with the lock free again: a writer at work shows as one
        days = fixity.DEFAULT_DAYS if args.fixity_days is None else args.fixity_days
        overdue = fixity.overdue(archive, days)
        failed = {rid: e for rid, e in fixity_rows.latest_events(archive.db).items() if e["result"] != "ok"}
    if args.json:
        print_json({**report.to_dict(), "repaired": done, "fixity_overdue": overdue, "fixity_failed": sorted(failed)})
    else:
        for line in done:
            say(f"repaired: {line}")
        if report.clean and not failed:
            print("ok: catalog, index and media agree")
        for line in report.notes():
            say(f"note: {line}")
        if overdue:
            say(f"note: the media of {len(overdue)} recording(s) was not verified in {days} days "
                f"({', '.join(map(str, overdue))}): run `council-archive fixity`")
        for rid, event in sorted(failed.items()):
            found = {"changed": "had changed", "missing": "was missing", "unreadable": "could not be read"}[event["result"]]
            say(f"problem: recording {rid}'s media {found} at the last fixity audit ({event['at'][:10]}): "
                f"`council-archive fixity --ids {rid}` says how to restore it")
        for line in report.lines():
            say(f"problem: {line}")
    return EXIT_OK if report.clean and not failed else EXIT_ERROR


@commands.command("reindex", help="rebuild the search index from the catalog")
def cmd_reindex(args: argparse.Namespace) -> int:
    from archive.indexing import reindex

    with open_archive(args, current_index=False) as archive, archive.writing():
        n = reindex(archive)
    print(f"re-indexed {n} recording{'s' if n != 1 else ''} from the catalog")
    return EXIT_OK
