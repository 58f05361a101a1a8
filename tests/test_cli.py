"""The command line's shape: every subcommand has a handler, and what handlers raise maps
to exit codes in one table (archive.cli.EXIT_CODES), run in-process on a real archive."""

from __future__ import annotations

import argparse
import importlib

import pytest

from archive.cli import EXIT_CODES, build_parser, exit_code, main
from archive.cli.common import EXIT_ERROR, EXIT_INTERRUPTED, EXIT_OK, EXIT_USAGE, CommandError, UsageError


def leaves(parser: argparse.ArgumentParser, prefix: str = ""):
    """(name, parser) of every subcommand that runs something (``vocab add``, not ``vocab``)."""
    subs = [a for a in parser._actions if isinstance(a, argparse._SubParsersAction)]
    if not subs and prefix:
        yield prefix.strip(), parser
    for action in subs:
        for name, sub in action.choices.items():
            yield from leaves(sub, f"{prefix}{name} ")


def test_every_subcommand_has_a_handler():
    found = dict(leaves(build_parser()))
    assert {"import", "search", "vocab add", "vocab list", "check", "reindex"} <= set(found)
    assert "vocab" not in found
    missing = [name for name, parser in found.items() if not callable(parser.get_default("run"))]
    assert not missing, missing


@pytest.mark.parametrize("name", sorted(EXIT_CODES))
def test_the_exit_code_table_names_real_exceptions(name):
    """Keyed by name (so that matching never imports Whoosh): a moved or renamed class fails here."""
    module, _, qualname = name.rpartition(".")
    cls = getattr(importlib.import_module(module), qualname)
    assert issubclass(cls, BaseException) and f"{cls.__module__}.{cls.__qualname__}" == name


def test_the_most_specific_class_decides():
    from archive.exports import ExportError
    from archive.locking import ArchiveBusyError
    from index import QueryError
    from transcription.errors import MediaNotFoundError

    assert exit_code(QueryError("bad")) == EXIT_USAGE  # a ValueError, but a usage error
    assert exit_code(UsageError("x")) == EXIT_USAGE and exit_code(CommandError("x")) == EXIT_ERROR
    assert exit_code(ExportError("x")) == EXIT_ERROR
    assert exit_code(ArchiveBusyError("busy")) == EXIT_ERROR
    assert exit_code(MediaNotFoundError("a.wav")) == EXIT_ERROR
    assert exit_code(BrokenPipeError()) == EXIT_OK and exit_code(KeyboardInterrupt()) == EXIT_INTERRUPTED
    assert exit_code(KeyError("bug")) is None and exit_code(AttributeError("bug")) is None
    from archive.fixity import FixityFailure

    assert exit_code(FixityFailure("1 media file(s) changed")) == EXIT_ERROR  # `fixity` found damage


def run(capsys, *args) -> tuple[int, str, list[str]]:
    code = main(list(map(str, args)))
    out, err = capsys.readouterr()
    return code, out, err.splitlines()


def test_failures_end_in_one_line_and_their_exit_code(tmp_path, capsys):
    from archive.store import Archive

    archive = tmp_path / "archive"
    assert run(capsys, "--archive", archive, "list") == (EXIT_ERROR, "", [f"council-archive: error: no archive at {archive}"])
    assert not archive.exists()  # only import (or the app) makes one
    Archive(archive).close()
    assert run(capsys, "--archive", archive, "list")[:2] == (EXIT_OK, "The archive is empty. Add meetings with: council-archive import FILE...\n")
    cases = [
        (("show", "7"), EXIT_ERROR, "council-archive: error: no recording 7"),
        (("edit", "7"), EXIT_USAGE, "council-archive: error: nothing to change: give --title, --body, --date or --kind"),
        (("edit", "7", "--title", "x"), EXIT_ERROR, "council-archive: error: no recording 7"),
        (("import", "a.wav", "--date", "2024-13-01"), EXIT_USAGE, "council-archive: error: --date must be YYYY-MM-DD, not '2024-13-01': month 13 is invalid (months run 01 to 12)"),
        (("clip", "7", "--start", "soon", "--end", "5"), EXIT_USAGE, None),
        (("search", "sounds:"), EXIT_USAGE, None),
        (("vocab", "remove", "Sarno"), EXIT_ERROR, "council-archive: error: 'Sarno' is not in the vocabulary"),
        (("vocab", "add", "  "), EXIT_ERROR, "council-archive: error: a vocabulary term cannot be empty"),
        (("export-catalog", "-o", tmp_path / "no" / "such" / "dir.csv"), EXIT_ERROR,
         f"council-archive: error: {tmp_path / 'no' / 'such' / 'dir.csv'}: No such file or directory"),
        (("export", "7", "--format", "pbcore"), EXIT_ERROR, "council-archive: error: no recording 7"),
        (("import-records", tmp_path / "none.xml"), EXIT_ERROR,
         f"council-archive: error: {tmp_path / 'none.xml'}: No such file or directory"),
    ]
    for args, expected_code, expected_line in cases:
        code, out, err = run(capsys, "--archive", archive, *args)
        assert (code, out, len(err)) == (expected_code, "", 1), (args, code, out, err)
        assert err[0].startswith("council-archive: error: ") and (expected_line is None or err[0] == expected_line), (args, err)


def test_a_bug_still_shows_its_traceback(tmp_path, monkeypatch):
    from archive.cli import browse

    def broken(args):
        raise KeyError("a bug")

    monkeypatch.setattr(browse.commands, "_commands", [("list", "list", broken)])
    with pytest.raises(KeyError):
        main(["--archive", str(tmp_path / "archive"), "list"])
