"""What every command module shares: exit codes, the two errors a command raises,
the ``Commands.command`` and ``arg`` decorators that keep a subcommand's arguments next to its
handler, and the output helpers: every line made from the archive's text goes through
:func:`say` (or :func:`print_json`), the one place that keeps control characters off the terminal.

A handler takes the parsed arguments and returns an exit code; anything that goes
wrong is raised, and :func:`archive.cli.main` turns it into one line and an exit code.
"""

from __future__ import annotations

import argparse
import json
import re
import sys
from typing import Callable

EXIT_OK = 0
EXIT_ERROR = 1
EXIT_USAGE = 2
EXIT_INTERRUPTED = 130

Handler = Callable[[argparse.Namespace], int]


class CommandError(Exception):
    """The command could not do what was asked (exit 1): ``no recording 7``."""


class UsageError(CommandError):
    """The arguments cannot work, so nothing was tried (exit 2): ``--date must be YYYY-MM-DD``."""


def arg(*names: str, **options) -> Callable[[Handler], Handler]:
    """One ``add_argument`` for the command below it; stacked in the order they show in ``--help``."""

    def declare(handler: Handler) -> Handler:
        handler.arguments = [(names, options), *getattr(handler, "arguments", [])]
        return handler

    return declare


def arg_group(*declarations: Callable[[Handler], Handler]) -> Callable[[Handler], Handler]:
    """Several ``@arg`` declarations as one decorator (arguments that commands share)."""

    def declare(handler: Handler) -> Handler:
        for declaration in reversed(declarations):
            handler = declaration(handler)
        return handler

    return declare


class Commands:
    """The subcommands of one module, in the order they are declared."""

    def __init__(self) -> None:
        self._commands: list[tuple[str, str, Handler]] = []

    def command(self, name: str, help: str) -> Callable[[Handler], Handler]:
        def declare(handler: Handler) -> Handler:
            self._commands.append((name, help, handler))
            return handler

        return declare

    def register(self, subparsers: argparse._SubParsersAction) -> None:
        for name, help, handler in self._commands:
            parser = subparsers.add_parser(name, help=help)
            for names, options in getattr(handler, "arguments", []):
                parser.add_argument(*names, **options)
            parser.set_defaults(run=handler)


def open_archive(args: argparse.Namespace, create: bool = False, *, current_index: bool = True):
    """The archive named by ``--archive`` (or the default), with a current index unless
    ``current_index`` is False (``reindex`` rebuilds it anyway). Only ``import`` passes
    ``create``: every other command says "no archive at DIR" and leaves DIR as it is."""
    if not current_index:
        from archive.store import Archive

        return Archive(args.archive_dir, create=create)
    from archive.opening import open_archive as open_root

    return open_root(args.archive_dir, create=create)


def existing_recording(archive, rid: int):
    """The recording ``rid`` of ``archive``, or the command's one line: ``no recording 7``."""
    rec = archive.catalog.recording(rid)
    if rec is None:
        raise CommandError(f"no recording {rid}")
    return rec


MAX_ID = 2**63 - 1  # the largest integer SQLite holds


def recording_id(text: str) -> int:
    """The argparse type of every recording ID: a whole number from 1 to ``MAX_ID``
    (a bigger one would overflow SQLite), refused with one line and exit 2."""
    try:
        value = int(text)
    except ValueError:
        value = 0
    if not 1 <= value <= MAX_ID:
        raise argparse.ArgumentTypeError(f"{text!r} is not a recording ID (a whole number from 1 to {MAX_ID})")
    return value


ID = arg("id", type=recording_id, metavar="ID")  # the recording a command acts on


def plain(text: str) -> str:
    """Text from the archive (titles, bodies, captions, speakers, file names) as it may reach
    a terminal: control characters - escape sequences, bidi overrides, line breaks - removed,
    so nothing stored in the archive can drive the terminal or forge a line of output."""
    from archive.schema import printable  # the same characters the archive refuses on input

    return printable(text)


def say(line: str = "", file=None) -> None:
    """Print one line made from the archive's text (see :func:`plain`)."""
    print(plain(line), file=file or sys.stdout)


# C1 controls, DEL and bidi overrides, which JSON may carry raw (it escapes only C0 itself)
_JSON_RAW = re.compile(r"[\x7f-\x9f\u202a-\u202e\u2066-\u2069]")


def print_json(data) -> None:
    text = json.dumps(data, ensure_ascii=False, indent=2)
    sys.stdout.write(_JSON_RAW.sub(lambda m: f"\\u{ord(m[0]):04x}", text))  # escaped, so nothing is lost
    sys.stdout.write("\n")


JSON = arg("--json", action="store_true")  # machine-readable output
