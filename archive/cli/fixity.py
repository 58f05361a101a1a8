"""``fixity``: re-hash every media file and compare it with the SHA-256 stored at import."""

from __future__ import annotations

import argparse
import sys

from archive.cli.common import EXIT_OK, JSON, Commands, UsageError, arg, open_archive, print_json, recording_id, say

commands = Commands()
register = commands.register


def _rate(text: str) -> float:
    try:
        value = float(text)
    except ValueError:
        value = 0.0
    if not value > 0:
        raise argparse.ArgumentTypeError(f"{text!r} is not a rate in MB/s (a number above 0)")
    return value


@commands.command("fixity", help="re-hash every media file and compare it with the SHA-256 stored at import")
@arg("--ids", nargs="+", type=recording_id, metavar="ID", help="only these recordings")
@arg("--rate", type=_rate, metavar="MB/S", help="read at most this many MB a second (the app stays quick)")
@JSON
def cmd_fixity(args: argparse.Namespace) -> int:
    from archive.fixity import FixityFailure, advice, audit

    with open_archive(args, current_index=False) as archive:
        if args.ids:
            unknown = [i for i in args.ids if archive.catalog.recording(i) is None]
            if unknown:
                raise UsageError(f"no recording {', '.join(map(str, unknown))}")
        with _ProgressBar() as progress:
            report = audit(archive, args.ids, rate=args.rate, progress=progress)
        problems = [advice(report.events[rid], archive.catalog.recording(rid))
                    for rid in (*report.changed, *report.missing, *report.unverified)]
    if args.json:
        print_json(report.to_dict())
    else:
        if report.resumed:
            say(f"continued the audit a stopped run left (round {report.round})")
        print(f"checked {report.checked} media file{'s' if report.checked != 1 else ''}: {len(report.ok)} ok, "
              f"{len(report.changed)} changed, {len(report.missing)} missing, {len(report.unverified)} unreadable")
        for line in problems:
            say(f"problem: {line}")
    if not report.clean:
        raise FixityFailure(f"{len(report.changed)} media file(s) changed, {len(report.missing)} missing, "
                            f"{len(report.unverified)} unreadable since import (recordings "
                            f"{', '.join(map(str, (*report.changed, *report.missing, *report.unverified)))})")
    return EXIT_OK


class _ProgressBar:
    """Files and bytes on stderr while it is a terminal (tqdm), nothing otherwise."""

    def __enter__(self):
        self.bar = None
        return self if sys.stderr.isatty() else None

    def __call__(self, files: int, read: int, total: int) -> None:
        if self.bar is None:
            from tqdm import tqdm

            self.bar = tqdm(total=total or None, unit="B", unit_scale=True, desc="fixity", file=sys.stderr, leave=False)
        self.bar.set_postfix_str(f"{files} files", refresh=False)
        self.bar.update(read - self.bar.n)

    def __exit__(self, *exc):
        if self.bar is not None:
            self.bar.close()
