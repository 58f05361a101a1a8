"""``open`` and ``desktop-entry``: ``council-archive://`` links, opened in the app."""

from __future__ import annotations

import argparse

from archive.cli.common import EXIT_OK, CommandError, Commands, UsageError, arg, say

commands = Commands()
register = commands.register


@commands.command("open", help="open the app at a council-archive:// link (what Copy Reference Link copies)")
@arg("link", metavar="LINK", help="council-archive://recording/ID?t=SECONDS")
def cmd_open(args: argparse.Namespace) -> int:
    from archive.citation import parse_reference

    try:
        parse_reference(args.link)
    except ValueError as exc:
        raise UsageError(str(exc)) from exc
    open_app = getattr(args, "open_app", None)
    if open_app is None:  # archive.cli.main run without the desktop app
        raise UsageError("open needs the desktop app: run it as council-archive open LINK")
    return open_app(args.archive_dir, link=args.link)


@commands.command("desktop-entry", help="let the desktop open council-archive:// links in the app (Linux)")
@arg("--install", action="store_true", help="write the .desktop file and make it the links' handler")
def cmd_desktop_entry(args: argparse.Namespace) -> int:
    from archive import desktop_entry

    command = desktop_entry.command_line() + (["--archive", args.archive_dir] if args.archive else [])
    if not args.install:
        print(desktop_entry.entry_text(command), end="")
        return EXIT_OK
    try:
        path = desktop_entry.install(command)
    except OSError as exc:
        raise CommandError(f"cannot install the desktop entry: {exc}") from exc
    say(f"installed {path}: council-archive:// links now open in the app")
    return EXIT_OK
