"""The ``council-archive`` command line.

Run with no subcommand it opens the desktop app. Every failure a person can cause
(bad file, bad query, busy archive) ends in one line on stderr and a non-zero exit.
Settings come from flags, then the environment read once here, at the entry point.
"""

from __future__ import annotations

import argparse
import os
import sys
from typing import Callable, Optional, Sequence

EXIT_OK = 0
EXIT_ERROR = 1
EXIT_USAGE = 2

COMMANDS: dict[str, Callable[[argparse.Namespace], int]] = {}


def command(name: str):
    def register(fn):
        COMMANDS[name] = fn
        return fn

    return register


def fail(message: str, code: int = EXIT_ERROR) -> int:
    print(f"council-archive: error: {message}".splitlines()[0], file=sys.stderr)
    return code


def build_parser() -> argparse.ArgumentParser:
    from archive import commands  # noqa: F401  (registers the archive subcommands' arguments)

    parser = argparse.ArgumentParser(
        prog="council-archive",
        description="Offline archive of council meetings: transcribe, search every word, hear the moment.",
    )
    parser.add_argument("--archive", metavar="DIR", help="archive folder (default: $COUNCIL_ARCHIVE_DIR, else your data folder)")
    sub = parser.add_subparsers(dest="command", metavar="COMMAND")
    commands.add_subcommands(sub)
    return parser


def resolve_archive_dir(flag: Optional[str], environ=os.environ) -> str:
    """--archive, else COUNCIL_ARCHIVE_DIR, else the platform's user data folder."""
    if flag:
        return os.path.abspath(os.path.expanduser(flag))
    if environ.get("COUNCIL_ARCHIVE_DIR"):
        return os.path.abspath(os.path.expanduser(environ["COUNCIL_ARCHIVE_DIR"]))
    import platformdirs

    return os.path.join(platformdirs.user_data_dir("council-archive", appauthor=False), "archive")


def main(argv: Optional[Sequence[str]] = None, open_app: Optional[Callable[[str], int]] = None) -> int:
    """Run a subcommand. With none, call ``open_app(archive_dir)``: the desktop package
    passes its launcher in (archive/ never imports desktop/)."""
    parser = build_parser()
    args = parser.parse_args(argv)
    args.archive_dir = resolve_archive_dir(args.archive)
    if not args.command:
        if open_app is None:
            parser.print_help()
            return EXIT_USAGE
        return open_app(args.archive_dir)
    from archive.locking import ArchiveBusyError
    from archive.store import ArchiveError

    try:
        return COMMANDS[args.command](args)
    except (ArchiveError, ArchiveBusyError) as exc:
        return fail(str(exc))
    except KeyboardInterrupt:
        return fail("interrupted", 130)
    except BrokenPipeError:  # e.g. piped into `head`
        return EXIT_OK


if __name__ == "__main__":  # pragma: no cover
    sys.exit(main())
