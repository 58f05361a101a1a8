"""``vocab add|list|remove``: the archive's names, streets, places and acronyms, with the
other spellings and spoken forms that search should treat as the same."""

from __future__ import annotations

import argparse

from archive.cli.common import EXIT_OK, JSON, CommandError, Commands, arg, open_archive, print_json

actions = Commands()


def register(subparsers: argparse._SubParsersAction) -> None:
    parser = subparsers.add_parser(
        "vocab", help="the archive's vocabulary: names, streets, places, acronyms and their variants"
    )
    actions.register(parser.add_subparsers(dest="vocab_command", metavar="ACTION", required=True))


@actions.command("add", help="add a term (with --variant for each other spelling or spoken form)")
@arg("term")
@arg("--variant", action="append", default=[], metavar="V")
@arg("--category", choices=("name", "street", "place", "acronym", "other"), help="default: other")
@arg("--body", help="only for this body's meetings (default: every body)")
def cmd_add(args: argparse.Namespace) -> int:
    from archive import vocab

    # a vocabulary can come before the first import (it is Whisper's prompt), so adding
    # a term creates the archive, as `import` does; every other vocab action only reads one
    with open_archive(args, create=True) as archive:
        entry = vocab.add(archive, args.term, args.variant, args.category, args.body)
    print(f"{entry.term}" + (f" = {', '.join(entry.variants)}" if entry.variants else "") + f" ({entry.category})")
    return EXIT_OK


@actions.command("list", help="list the vocabulary")
@arg("--body")
@JSON
def cmd_list(args: argparse.Namespace) -> int:
    from archive import vocab

    with open_archive(args) as archive:
        items = vocab.entries(archive.db, args.body)
    if args.json:
        print_json([e.to_dict() for e in items])
    elif not items:
        print("The vocabulary is empty. Add names with: council-archive vocab add NAME --variant SPELLING")
    else:
        for e in items:
            scope = f" [{e.body}]" if e.body else ""
            print(f"{e.term:24} {e.category:8} {', '.join(e.variants)}{scope}")
    return EXIT_OK


@actions.command("remove", help="remove a term")
@arg("term")
@arg("--body")
def cmd_remove(args: argparse.Namespace) -> int:
    from archive import vocab

    with open_archive(args) as archive:
        if not vocab.remove(archive, args.term, args.body):
            raise CommandError(f"{args.term!r} is not in the vocabulary")
    print(f"removed {args.term}")
    return EXIT_OK
