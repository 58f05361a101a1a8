"""The ``council-archive`` command line.

Run with no subcommand it opens the desktop app. Every failure a person can cause
(bad file, bad query, busy archive) ends in one line on stderr and a non-zero exit.
Settings come from flags, then the environment read once here, at the entry point.

One module per group of commands declares its subcommands, each with its arguments
next to its handler (``@commands.command`` and ``@arg`` from :mod:`archive.cli.common`).
Handlers return an exit code or raise; :data:`EXIT_CODES` below, applied in :func:`main`,
is the one place that turns what they raise into an exit code and a line on stderr.
Handlers import the services they call when they run, so that ``--help`` stays quick.
"""

from __future__ import annotations

import argparse
import os
import sys
from typing import Callable, Optional, Sequence

from archive import logs
from archive.cli import (browse, chapters, exports, fixity, imports, links, maintenance, models, records, search,
                         speakers, transcribe, versions, vocab, watches)
from archive.cli.common import EXIT_ERROR, EXIT_INTERRUPTED, EXIT_OK, EXIT_USAGE, plain

GROUPS = (transcribe, imports, versions, speakers, chapters, browse, search, watches, exports, records, vocab, models,
          links, maintenance, fixity)  # the order of --help

# What a command may raise -> its exit code. The first class of the exception's MRO named
# here decides. Keyed by name, so that matching a failure never imports index/ (Whoosh).
EXIT_CODES: dict[str, int] = {
    "archive.cli.common.UsageError": EXIT_USAGE,  # arguments that cannot work: nothing was tried
    "index.model.QueryError": EXIT_USAGE,  # a query that does not parse
    "archive.cli.common.CommandError": EXIT_ERROR,  # "no recording 7"
    "transcription.errors.AudioError": EXIT_ERROR,  # a file that is not usable audio
    "transcription.cluster.errors.ClusterError": EXIT_ERROR,  # --cluster: unreachable, another version, no model
    "builtins.ValueError": EXIT_ERROR,  # input a service refuses: ExportError, BundleError, a bad date or kind
    "archive.fixity.FixityFailure": EXIT_ERROR,  # `fixity`: media changed, missing or unreadable since import
    "builtins.RuntimeError": EXIT_ERROR,  # ArchiveError, ArchiveBusyError, an engine that cannot load its model
    "builtins.BrokenPipeError": EXIT_OK,  # piped into `head`: stop quietly
    "builtins.OSError": EXIT_ERROR,  # a file that cannot be read or written
    "builtins.KeyboardInterrupt": EXIT_INTERRUPTED,
}


def exit_code(exc: BaseException) -> Optional[int]:
    """The exit code for a failure, or None for one that is a bug (let it show its traceback)."""
    for cls in type(exc).__mro__:
        code = EXIT_CODES.get(f"{cls.__module__}.{cls.__qualname__}")
        if code is not None:
            return code
    return None


def error_line(exc: BaseException) -> Optional[str]:
    """The one line a failure prints on stderr (None: nothing to say)."""
    if isinstance(exc, BrokenPipeError):
        return None
    if isinstance(exc, KeyboardInterrupt):
        message = "interrupted"
    elif isinstance(exc, OSError) and exc.filename and exc.strerror:
        message = f"{exc.filename}: {exc.strerror}"
    else:
        message = str(exc)
    return plain(f"council-archive: error: {message}".splitlines()[0])


def build_parser() -> argparse.ArgumentParser:
    parser = argparse.ArgumentParser(
        prog="council-archive",
        description="Offline archive of council meetings: transcribe, search every word, hear the moment.",
    )
    parser.add_argument("--archive", metavar="DIR", help="archive folder (default: $COUNCIL_ARCHIVE_DIR, else your data folder)")
    subparsers = parser.add_subparsers(dest="command", metavar="COMMAND")
    for group in GROUPS:
        group.register(subparsers)
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
    # a file name that is not valid UTF-8 prints with escapes (as on stderr), never fails
    if hasattr(sys.stdout, "reconfigure"):
        sys.stdout.reconfigure(errors="backslashreplace")
    parser = build_parser()
    args = parser.parse_args(argv)
    args.archive_dir = resolve_archive_dir(args.archive)
    if not args.command:
        if open_app is None:
            parser.print_help()
            return EXIT_USAGE
        return open_app(args.archive_dir)
    args.open_app = open_app  # `open LINK` opens the app (archive.cli.links)
    logs.configure(args.archive_dir)  # what a command catches and carries on from goes to the archive's log
    try:
        return args.run(args)
    except (Exception, KeyboardInterrupt) as exc:
        code = exit_code(exc)
        if code is None:
            raise
        line = error_line(exc)
        if line:
            print(line, file=sys.stderr)
        return code
