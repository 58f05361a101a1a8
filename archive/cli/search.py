"""``search``: every word of every recording, for people, as JSON, or as a dataset."""

from __future__ import annotations

import argparse
import sys
from pathlib import Path

from archive.catalog import KINDS
from archive.citation import hit_quote
from archive.cli.common import EXIT_OK, JSON, Commands, arg, arg_group, open_archive, plain, print_json, say
from archive.search import SearchRequest, search

commands = Commands()
register = commands.register

MAX_EXPORT_HITS = 1_000_000
HIT_FIELDS = ("recording_id", "title", "body", "date", "kind", "speaker", "start", "end", "segment_start", "text",
              "snippet", "score")


def hit_json(hit) -> dict:
    """A hit in ``search --json``: its fields as before (``start``/``end``: the first match),
    and its quote as archive.citation defines it (the passage, cited at its start)."""
    q = hit_quote(hit)
    return {**{name: getattr(hit, name) for name in HIT_FIELDS}, "segment_end": q.end, "hit_time": q.hit_time,
            "citation": q.citation, "link": q.reference, "chapter": hit.chapter}


def request_from(args: argparse.Namespace, limit: int) -> SearchRequest:
    return SearchRequest(
        query=args.query, body=args.body, speaker=args.speaker, kind=args.kind, date_from=args.date_from,
        date_to=args.date_to, sort=args.sort, limit=limit, exact=args.exact, phonetic=args.sounds_like,
    )


def render_fragments(fragments, tty: bool) -> str:
    """The snippet with its matches marked (in colour on a terminal: the only escape
    sequences printed; the archive's own text has its control characters removed)."""
    on, off = ("\033[1;33m", "\033[0m") if tty else ("*", "*")
    return "".join(f"{on}{plain(text)}{off}" if match else plain(text) for text, match in fragments)


# the filters and ways of matching a search takes (and a saved search, `watch add`)
FILTER_ARGS = arg_group(arg("--body"), arg("--speaker"), arg("--kind", choices=KINDS),
                        arg("--from", dest="date_from", metavar="DATE"), arg("--to", dest="date_to", metavar="DATE"))
MATCHING_ARGS = arg_group(
    arg("--exact", action="store_true", help="match letter for letter: no stemming, number forms, variants or sounds-alikes"),
    arg("--sounds-like", action="store_true", help="names also match words that sound alike (Sarno finds Sarnow)"),
)


@commands.command("search", help="search every word of every recording")
@arg("query")
@FILTER_ARGS
@arg("--sort", choices=("relevance", "date", "oldest"), default="relevance", help="date: newest first")
@arg("--limit", type=int, default=20)
@MATCHING_ARGS
@JSON
@arg("--export", metavar="FILE.csv|FILE.jsonl", help="write every hit (not just --limit) as a dataset")
def cmd_search(args: argparse.Namespace) -> int:
    if args.export:
        return export_hits(args)
    with open_archive(args) as archive:
        results = search(archive, request_from(args, args.limit))
    if args.json:
        print_json({
            "total": results.total,
            "hits": [hit_json(h) for h in results.hits],
            "suggestions": list(results.suggestions),
        })
    else:
        print_hits(args.query, results)
    return EXIT_OK


def export_hits(args: argparse.Namespace) -> int:
    from archive.exports import write_results

    with open_archive(args) as archive:
        results = search(archive, request_from(args, MAX_EXPORT_HITS))
        n = write_results(archive, results.hits, Path(args.export))
    print(f"wrote {n} hit{'s' if n != 1 else ''} to {args.export}")
    return EXIT_OK


def print_hits(query: str, results) -> None:
    from transcription.formats import hms

    tty = sys.stdout.isatty()
    suggestions = "Did you mean: " + " or ".join(results.suggestions) + "?"
    if not results.hits:
        say(f"No matches for {query!r}.")
        if results.suggestions:
            say(suggestions)
        return
    if results.suggestions:
        say(suggestions)
    shown = f", showing {len(results.hits)}" if results.total > len(results.hits) else ""
    print(f"{results.total} match{'es' if results.total != 1 else ''}{shown}")
    for h in results.hits:
        who = (f" — {h.speaker}" if h.speaker else "") + (f" [{h.chapter}]" if h.chapter else "")
        print()
        say(f"{h.title} ({h.date or 'undated'}{', ' + h.body if h.body else ''}) #{h.recording_id} at {hms(h.start)}{who}")
        print("  " + render_fragments(h.fragments, tty))
