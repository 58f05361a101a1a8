"""``watch add|list|remove|rename|check|seen``: saved searches that flag new meetings
(:mod:`archive.watches`). ``watch check`` fits a cron job or a shell prompt."""

from __future__ import annotations

import argparse

from archive.cli.common import EXIT_OK, JSON, Commands, UsageError, arg, open_archive, print_json, say
from archive.cli.search import FILTER_ARGS, MATCHING_ARGS, hit_json

actions = Commands()


def register(subparsers: argparse._SubParsersAction) -> None:
    parser = subparsers.add_parser("watch", help="saved searches that flag new meetings")
    actions.register(parser.add_subparsers(dest="watch_command", metavar="ACTION", required=True))


@actions.command("add", help="save a search (its query and filters) as a watch")
@arg("name")
@arg("query")
@FILTER_ARGS
@MATCHING_ARGS
def cmd_add(args: argparse.Namespace) -> int:
    from archive import watches

    with open_archive(args) as archive:
        watch = watches.add(archive, args.name, args.query, body=args.body, speaker=args.speaker,
                            kind=args.kind, date_from=args.date_from, date_to=args.date_to, exact=args.exact,
                            phonetic=args.sounds_like)
    say(f"watching {watch.name!r}: {_described(watch)} (new meetings from now on)")
    return EXIT_OK


def _described(watch) -> str:
    names = {"date_from": "from", "date_to": "to", "phonetic": "sounds-like"}
    flags = [f"--{names.get(k, k)}" + ("" if v is True else f" {v}") for k, v in sorted(watch.filters.items())]
    return " ".join([watch.query, *flags])


def _state_json(state) -> dict:
    w = state.watch
    return {"watch": w.name, "query": w.query, "filters": w.filters, "created": w.created, "seen": w.seen,
            "new": state.new, "broken": state.broken}


def _states(args: argparse.Namespace) -> list:
    from archive import watches

    with open_archive(args) as archive:
        return watches.states(archive)


@actions.command("list", help="list the watches with their new hits")
@JSON
def cmd_list(args: argparse.Namespace) -> int:
    states = _states(args)
    if args.json:
        print_json([_state_json(s) for s in states])
    elif not states:
        print("No watches. Save a search with: council-archive watch add NAME QUERY")
    for s in states if not args.json else ():
        count = f"BROKEN: {s.broken}" if s.broken else f"{s.new} new"
        say(f"{s.watch.name:24} {count:10} {_described(s.watch)}")
    return EXIT_OK


@actions.command("remove", help="remove a watch")
@arg("name")
def cmd_remove(args: argparse.Namespace) -> int:
    from archive import watches

    with open_archive(args) as archive:
        watches.remove(archive, args.name)
    say(f"removed watch {args.name!r}")
    return EXIT_OK


@actions.command("rename", help="rename a watch (its seen meetings stay seen)")
@arg("old")
@arg("new")
def cmd_rename(args: argparse.Namespace) -> int:
    from archive import watches

    with open_archive(args) as archive:
        watch = watches.rename(archive, args.old, args.new)
    say(f"renamed watch {args.old!r} to {watch.name!r}")
    return EXIT_OK


@actions.command("check", help="the new hits of every watch since it was last marked seen, with citations")
@JSON
def cmd_check(args: argparse.Namespace) -> int:
    states = _states(args)
    if args.json:
        print_json([{"watch": s.watch.name, "new": s.new, "hits": [hit_json(h) for h in s.hits],
                     **({"broken": s.broken} if s.broken else {})} for s in states])
        return EXIT_OK
    _print_check(states)
    return EXIT_OK


def _print_check(states) -> None:
    from archive.citation import hit_quote

    for s in states:
        if s.broken:
            say(f"{s.watch.name}: BROKEN: {s.broken}")
        elif s.hits:
            say(f"{s.watch.name}: {s.new} new hit{'s' if s.new != 1 else ''}")
            for h in s.hits:
                q = hit_quote(h)
                say(f"  {q.citation}  {q.reference}")
    if not any(s.hits or s.broken for s in states):
        print("Nothing new.")


@actions.command("seen", help="mark a watch's hits (or every watch's, with --all) as seen")
@arg("name", nargs="?")
@arg("--all", action="store_true", help="every watch")
def cmd_seen(args: argparse.Namespace) -> int:
    from archive import watches

    if bool(args.name) == args.all:
        raise UsageError("name one watch, or give --all")
    with open_archive(args) as archive:
        marked = watches.mark_seen(archive, None if args.all else args.name)
    say(f"marked {len(marked)} watch{'es' if len(marked) != 1 else ''} seen")
    return EXIT_OK
