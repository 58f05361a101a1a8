"""Subcommands of ``council-archive``: arguments and what each does.

Each ``cmd_*`` function takes the parsed arguments and returns an exit code.
"""

from __future__ import annotations

import argparse
import sys

import json
import os
from pathlib import Path

from archive.catalog import KINDS
from archive.cli import EXIT_ERROR, EXIT_OK, command, fail
from archive.progress import ProgressBar


MAX_EXPORT_HITS = 1_000_000


def add_subcommands(sub: argparse._SubParsersAction) -> None:
    p = sub.add_parser("transcribe", help="transcribe one audio/video file to stdout (no archive involved)")
    p.add_argument("file")
    add_engine_args(p)
    p.add_argument("--format", choices=("txt", "json", "srt", "vtt"), default="txt")

    p = sub.add_parser("import", help="import audio/video files or folders (and .cabundle files) into the archive")
    p.add_argument("paths", nargs="+", metavar="PATH")
    p.add_argument("--title")
    p.add_argument("--body", help='e.g. "Springfield City Council"')
    p.add_argument("--date", metavar="YYYY-MM-DD")
    p.add_argument("--kind", choices=KINDS, default="meeting")
    add_engine_args(p)
    p.add_argument("--captions", metavar="FILE", help="an .srt/.vtt transcript to index instead of transcribing")
    p.add_argument("--link", action="store_true", help="leave media where it is instead of copying it into the archive")
    p.add_argument("--json", action="store_true")

    p = sub.add_parser("resume", help="finish imports that an earlier run left unfinished")
    add_engine_args(p)
    p.add_argument("--json", action="store_true")

    p = sub.add_parser("list", help="list the recordings in the archive")
    p.add_argument("--json", action="store_true")

    p = sub.add_parser("show", help="show one recording and its transcript")
    p.add_argument("id", type=int)
    p.add_argument("--json", action="store_true")

    p = sub.add_parser("search", help="search every word of every recording")
    p.add_argument("query")
    p.add_argument("--body")
    p.add_argument("--speaker")
    p.add_argument("--kind", choices=KINDS)
    p.add_argument("--from", dest="date_from", metavar="DATE")
    p.add_argument("--to", dest="date_to", metavar="DATE")
    p.add_argument("--sort", choices=("relevance", "date"), default="relevance")
    p.add_argument("--limit", type=int, default=20)
    p.add_argument("--exact", action="store_true", help="match letter for letter: no stemming, number forms, variants or sounds-alikes")
    p.add_argument("--sounds-like", action="store_true", help="names also match words that sound alike (Sarno finds Sarnow)")
    p.add_argument("--json", action="store_true")
    p.add_argument("--export", metavar="FILE.csv|FILE.jsonl", help="write every hit (not just --limit) as a dataset")

    p = sub.add_parser("edit", help="change a recording's title, body, date or kind")
    p.add_argument("id", type=int)
    p.add_argument("--title")
    p.add_argument("--body")
    p.add_argument("--date", metavar="YYYY-MM-DD")
    p.add_argument("--kind", choices=KINDS)

    p = sub.add_parser("remove", help="remove a recording (catalog, index and stored media)")
    p.add_argument("id", type=int)

    sub.add_parser("reindex", help="rebuild the search index from the catalog")

    p = sub.add_parser("export", help="export a recording's transcript (txt, srt, vtt, json, docx, csv)")
    p.add_argument("id", type=int)
    p.add_argument("--format", choices=("txt", "srt", "vtt", "json", "docx", "csv"), default="txt")
    p.add_argument("-o", "--output", metavar="FILE", help="write here instead of stdout (docx always needs a file)")

    p = sub.add_parser("clip", help="cut an audio clip, tagged with its citation")
    p.add_argument("id", type=int)
    p.add_argument("--start", required=True, metavar="S", help="seconds or HH:MM:SS")
    p.add_argument("--end", required=True, metavar="E", help="seconds or HH:MM:SS")
    p.add_argument("-o", "--output", metavar="FILE")
    p.add_argument("--format", choices=("mp3", "wav", "m4a"), default="mp3")
    p.add_argument("--pad", type=float, default=0.0, metavar="SECONDS", help="extra audio before and after")

    p = sub.add_parser("export-catalog", help="export every recording's metadata (csv or json)")
    p.add_argument("--format", choices=("csv", "json"), default="csv")
    p.add_argument("-o", "--output", metavar="FILE")

    p = sub.add_parser("bundle", help="pack one recording (media, corrected transcript, metadata) into a .cabundle")
    p.add_argument("id", type=int)
    p.add_argument("-o", "--output", required=True, metavar="FILE.cabundle")

    p = sub.add_parser("vocab", help="the archive's vocabulary: names, streets, places, acronyms and their variants")
    vsub = p.add_subparsers(dest="vocab_command", metavar="ACTION", required=True)
    v = vsub.add_parser("add", help="add a term (with --variant for each other spelling or spoken form)")
    v.add_argument("term")
    v.add_argument("--variant", action="append", default=[], metavar="V")
    v.add_argument("--category", choices=("name", "street", "place", "acronym", "other"), help="default: other")
    v.add_argument("--body", help="only for this body's meetings (default: every body)")
    v = vsub.add_parser("list", help="list the vocabulary")
    v.add_argument("--body")
    v.add_argument("--json", action="store_true")
    v = vsub.add_parser("remove", help="remove a term")
    v.add_argument("term")
    v.add_argument("--body")

    p = sub.add_parser("check", help="verify that catalog, index and media agree")
    p.add_argument("--repair", action="store_true", help="fix what can be fixed without losing corrections")
    p.add_argument("--json", action="store_true")


def add_engine_args(p: argparse.ArgumentParser) -> None:
    p.add_argument("--engine", choices=("faster-whisper", "openai-whisper"), default="faster-whisper")
    p.add_argument("--model", metavar="NAME|PATH", help="Whisper model name or path (default: bundled tiny.en)")
    p.add_argument("--language", metavar="xx", help="spoken language code, e.g. en")
    p.add_argument("--prompt", metavar="TEXT", help="custom vocabulary: names and terms Whisper should spell right")
    p.add_argument("--beam-size", type=int, default=5)
    p.add_argument("--compute-type", default="int8", help="CTranslate2 compute type (int8, float32, ...)")
    p.add_argument("--no-vad", action="store_true", help="do not skip silence with the voice activity detector")
    p.add_argument("--workers", type=int, default=0, help="worker processes for one file (0 = one per core)")


def transcribe_options(args: argparse.Namespace):
    from transcription.types import TranscribeOptions

    return TranscribeOptions(
        model=args.model,
        language=args.language,
        beam_size=args.beam_size,
        compute_type=args.compute_type,
        initial_prompt=args.prompt,
        vad=not args.no_vad,
        workers=args.workers,
    )


@command("transcribe")
def cmd_transcribe(args: argparse.Namespace) -> int:
    from transcription import formats
    from transcription.errors import AudioError
    from transcription.transcriber import Transcriber, default_cache_dir

    options = transcribe_options(args)
    try:
        with Transcriber(args.engine, options, cache_dir=default_cache_dir()) as transcriber:
            segments, info = transcriber.transcribe(args.file)
            with ProgressBar(total=info.duration, label=args.file) as bar:
                collected = []
                for seg in segments:
                    collected.append(seg)
                    bar.update_to(seg.end)
    except AudioError as exc:
        return fail(exc.message)
    except (RuntimeError, ValueError) as exc:
        return fail(str(exc))
    speech = [s for s in collected if not s.flag]
    if args.format == "json":
        out = formats.to_json(collected, info)
    elif args.format == "srt":
        out = formats.to_srt(speech)
    elif args.format == "vtt":
        out = formats.to_vtt(speech)
    else:
        out = formats.to_txt(speech)
    sys.stdout.write(out)
    sys.stdout.flush()
    if not speech:
        print(f"{args.file}: no speech found", file=sys.stderr)
    return EXIT_OK


# --- archive commands ------------------------------------------------------------------


def open_archive(args: argparse.Namespace, create: bool = True):
    from archive.store import Archive

    return Archive(args.archive_dir, create=create)


def print_json(data) -> None:
    json.dump(data, sys.stdout, ensure_ascii=False, indent=2)
    sys.stdout.write("\n")


class _ImportProgress:
    """Turns import events into a progress bar per file (with ETA) on stderr."""

    def __init__(self):
        self.bar = None
        self.path = None

    def __call__(self, event) -> None:
        if event.stage == "transcribing":
            if self.path != event.path:
                self.close()
                self.path = event.path
                self.bar = ProgressBar(total=event.duration or 0.0, label=os.path.basename(event.path))
            self.bar.update_to(event.progress * (event.duration or 0.0))
        elif event.stage in ("indexed", "failed", "duplicate", "cancelled"):
            self.close()
            if event.stage == "failed":
                print(f"council-archive: error: {event.message}", file=sys.stderr)

    def close(self) -> None:
        if self.bar is not None:
            self.bar.close()
            self.bar = None
        self.path = None


def _importer(args, archive, on_event):
    from archive.importer import Importer
    from transcription.transcriber import default_cache_dir

    return Importer(archive, args.engine, transcribe_options(args), cache_dir=default_cache_dir(), on_event=on_event)


def _report_imports(results, as_json: bool) -> int:
    if as_json:
        print_json([{k: r.to_dict()[k] for k in ("id", "title", "status", "error")} for r in results])
    else:
        for r in results:
            label = f"#{r.id} " if r.id else ""
            line = f"{r.status:9} {label}{r.title or r.path}"
            if r.status == "duplicate":
                line += f" ({r.error})"
            print(line)
        failed = [r for r in results if r.status == "failed"]
        if len(results) > 1:
            counts = {s: sum(r.status == s for r in results) for s in ("indexed", "duplicate", "failed", "cancelled")}
            print(", ".join(f"{n} {s}" for s, n in counts.items() if n))
        if len(results) > 1:  # a single file's error was already printed as it happened
            for r in failed:
                print(f"  failed: {r.error}", file=sys.stderr)
    return EXIT_ERROR if any(r.status in ("failed", "cancelled") for r in results) else EXIT_OK


def _archive_errors():
    from archive.locking import ArchiveBusyError
    from archive.store import ArchiveError

    return (ArchiveBusyError, ArchiveError)


@command("import")
def cmd_import(args: argparse.Namespace) -> int:
    from archive.importer import ImportMeta

    if args.date:
        from archive.dates import date_from_name

        if date_from_name(args.date) != args.date:
            return fail(f"--date must be YYYY-MM-DD, not {args.date!r}", 2)
    progress = _ImportProgress()
    try:
        with open_archive(args) as archive:
            importer = _importer(args, archive, progress)
            try:
                results = importer.import_paths(
                    args.paths,
                    ImportMeta(title=args.title, body=args.body, date=args.date, kind=args.kind),
                    captions=args.captions,
                    link=args.link,
                    prompt=args.prompt,
                )
            finally:
                progress.close()
                importer.close()
    except _archive_errors() as exc:
        return fail(str(exc))
    return _report_imports(results, args.json)


@command("resume")
def cmd_resume(args: argparse.Namespace) -> int:
    progress = _ImportProgress()
    try:
        with open_archive(args) as archive:
            importer = _importer(args, archive, progress)
            try:
                results = importer.resume()
            finally:
                progress.close()
                importer.close()
    except _archive_errors() as exc:
        return fail(str(exc))
    if not results and not args.json:
        print("nothing to resume")
        return EXIT_OK
    return _report_imports(results, args.json)


def _duration(seconds) -> str:
    from transcription.formats import hms

    return hms(seconds) if seconds else "-"


@command("list")
def cmd_list(args: argparse.Namespace) -> int:
    with open_archive(args) as archive:
        recs = archive.catalog.recordings()
    if args.json:
        print_json([r.summary() for r in recs])
        return EXIT_OK
    if not recs:
        print("The archive is empty. Add meetings with: council-archive import FILE...")
        return EXIT_OK
    for r in recs:
        status = r.status if r.status != "transcribing" else f"transcribing {r.progress:.0%}"
        if r.note:
            status += " (no speech)" if r.note.startswith("no speech") else ""
        print(f"#{r.id:<4} {r.date or '----------'}  {_duration(r.duration)}  {r.kind or '':7} {status:12} {r.title}"
              + (f" — {r.body}" if r.body else ""))
    return EXIT_OK


@command("show")
def cmd_show(args: argparse.Namespace) -> int:
    from transcription.formats import hms

    with open_archive(args) as archive:
        rec = archive.catalog.recording(args.id)
        if rec is None:
            return fail(f"no recording {args.id}")
        transcript = archive.catalog.current_transcript(rec.id)
        segments = archive.catalog.segments(transcript["id"]) if transcript else []
    if args.json:
        data = {**rec.__dict__, "transcript": transcript, "segments": segments}
        print_json(data)
        return EXIT_OK
    print(f"#{rec.id} {rec.title}")
    for label, value in (("Body", rec.body), ("Date", rec.date), ("Kind", rec.kind), ("Duration", _duration(rec.duration)),
                         ("Status", rec.status + (f" ({rec.error})" if rec.error else "")), ("Source", rec.source_path),
                         ("Media", rec.media_path), ("Note", rec.note)):
        if value:
            print(f"{label:9} {value}")
    if transcript:
        print(f"{'Engine':9} {transcript['engine']} {transcript['model'] or ''}".rstrip())
        print()
        for seg in segments:
            speaker = f"{seg['speaker']}: " if seg["speaker"] else ""
            flag = f" [{seg['flag']}: not indexed]" if seg["flag"] else ""
            print(f"[{hms(seg['start'])}] {speaker}{seg['text']}{flag}")
    return EXIT_OK


def render_fragments(fragments, tty: bool) -> str:
    on, off = ("\033[1;33m", "\033[0m") if tty else ("*", "*")
    return "".join(f"{on}{text}{off}" if match else text for text, match in fragments)


@command("search")
def cmd_search(args: argparse.Namespace) -> int:
    from archive.search import search
    from index import QueryError
    from transcription.formats import hms

    filters = dict(
        body=args.body, speaker=args.speaker, kind=args.kind, date_from=args.date_from, date_to=args.date_to, sort=args.sort,
        exact=args.exact, sounds_like=args.sounds_like,
    )
    try:
        with open_archive(args) as archive:
            if args.export:
                from archive.exports import ExportError, write_results

                results = search(archive, args.query, limit=MAX_EXPORT_HITS, **filters)
                try:
                    n = write_results(results.hits, Path(args.export))
                except (ExportError, OSError) as exc:
                    return fail(str(exc))
                print(f"wrote {n} hit{'s' if n != 1 else ''} to {args.export}")
                return EXIT_OK
            results = search(archive, args.query, limit=args.limit, **filters)
    except QueryError as exc:
        return fail(str(exc), 2)
    if args.json:
        print_json(
            {
                "total": results.total,
                "hits": [
                    {
                        "recording_id": h.recording_id,
                        "title": h.title,
                        "body": h.body,
                        "date": h.date,
                        "kind": h.kind,
                        "speaker": h.speaker,
                        "start": h.start,
                        "end": h.end,
                        "segment_start": h.segment_start,
                        "text": h.text,
                        "snippet": h.snippet,
                        "score": h.score,
                    }
                    for h in results.hits
                ],
                "suggestions": list(results.suggestions),
            }
        )
        return EXIT_OK
    tty = sys.stdout.isatty()
    suggestions = "Did you mean: " + " or ".join(results.suggestions) + "?"
    if not results.hits:
        print(f"No matches for {args.query!r}.")
        if results.suggestions:
            print(suggestions)
        return EXIT_OK
    if results.suggestions:
        print(suggestions)
    print(f"{results.total} match{'es' if results.total != 1 else ''}" + (f", showing {len(results.hits)}" if results.total > len(results.hits) else ""))
    for h in results.hits:
        who = f" — {h.speaker}" if h.speaker else ""
        print(f"\n{h.title} ({h.date or 'undated'}{', ' + h.body if h.body else ''}) #{h.recording_id} at {hms(h.start)}{who}")
        print("  " + render_fragments(h.fragments, tty))
    return EXIT_OK


@command("edit")
def cmd_edit(args: argparse.Namespace) -> int:
    from archive.editing import edit_recording

    fields = {k: getattr(args, k) for k in ("title", "body", "date", "kind") if getattr(args, k) is not None}
    if not fields:
        return fail("nothing to change: give --title, --body, --date or --kind", 2)
    try:
        with open_archive(args) as archive:
            edit_recording(archive, args.id, **fields)
    except (ValueError, *_archive_errors()) as exc:
        return fail(str(exc))
    print(f"updated #{args.id}: " + ", ".join(f"{k}={v}" for k, v in fields.items()))
    return EXIT_OK


@command("remove")
def cmd_remove(args: argparse.Namespace) -> int:
    from archive.recordings import remove_recording

    try:
        with open_archive(args) as archive:
            rec = archive.catalog.recording(args.id)
            if rec is None:
                return fail(f"no recording {args.id}")
            with archive.writing():
                remove_recording(archive, args.id)
    except _archive_errors() as exc:
        return fail(str(exc))
    print(f"removed #{rec.id} {rec.title}")
    return EXIT_OK


@command("reindex")
def cmd_reindex(args: argparse.Namespace) -> int:
    from archive.indexing import reindex

    try:
        with open_archive(args) as archive, archive.writing():
            n = reindex(archive)
    except _archive_errors() as exc:
        return fail(str(exc))
    print(f"re-indexed {n} recording{'s' if n != 1 else ''} from the catalog")
    return EXIT_OK


@command("check")
def cmd_check(args: argparse.Namespace) -> int:
    from archive.indexing import check, repair

    try:
        with open_archive(args) as archive:
            report = check(archive)
            done = []
            if args.repair and not report.clean:
                with archive.writing():
                    done = repair(archive, report)
                    report = check(archive)
    except _archive_errors() as exc:
        return fail(str(exc))
    if args.json:
        print_json({**report.to_dict(), "repaired": done})
    else:
        for line in done:
            print(f"repaired: {line}")
        if report.clean:
            print("ok: catalog, index and media agree")
        for line in report.notes():
            print(f"note: {line}")
        for line in report.lines():
            print(f"problem: {line}")
    return EXIT_OK if report.clean else EXIT_ERROR


@command("export")
def cmd_export(args: argparse.Namespace) -> int:
    from archive.exports import ExportError, export_transcript

    out = Path(args.output) if args.output else None
    try:
        with open_archive(args) as archive:
            text = export_transcript(archive, args.id, args.format, out)
    except (ExportError, OSError) as exc:
        return fail(str(exc))
    if text is not None:
        sys.stdout.write(text)
    else:
        print(f"wrote {out}", file=sys.stderr)
    return EXIT_OK


@command("clip")
def cmd_clip(args: argparse.Namespace) -> int:
    from archive.clips import make_clip, parse_time
    from archive.exports import ExportError

    try:
        start, end = parse_time(args.start), parse_time(args.end)
    except ValueError as exc:
        return fail(str(exc), 2)
    try:
        with open_archive(args) as archive:
            out, cite = make_clip(archive, args.id, start, end, Path(args.output) if args.output else None, args.format, args.pad)
    except (ExportError, OSError) as exc:
        return fail(str(exc))
    print(f"wrote {out}")
    print(cite)
    return EXIT_OK


@command("export-catalog")
def cmd_export_catalog(args: argparse.Namespace) -> int:
    from archive.exports import export_catalog

    with open_archive(args) as archive:
        text = export_catalog(archive, args.format)
    if args.output:
        try:
            Path(args.output).write_text(text, encoding="utf-8")
        except OSError as exc:
            return fail(f"{args.output}: {exc.strerror}")
    else:
        sys.stdout.write(text)
    return EXIT_OK


@command("bundle")
def cmd_bundle(args: argparse.Namespace) -> int:
    from archive.bundle import write_bundle
    from archive.exports import ExportError

    try:
        with open_archive(args) as archive:
            out = write_bundle(archive, args.id, Path(args.output))
    except (ExportError, OSError) as exc:
        return fail(str(exc))
    print(f"wrote {out}")
    return EXIT_OK


@command("vocab")
def cmd_vocab(args: argparse.Namespace) -> int:
    from archive import vocab

    try:
        with open_archive(args) as archive:
            if args.vocab_command == "add":
                entry = vocab.add(archive, args.term, args.variant, args.category, args.body)
                print(f"{entry.term}" + (f" = {', '.join(entry.variants)}" if entry.variants else "") + f" ({entry.category})")
            elif args.vocab_command == "remove":
                n = vocab.remove(archive, args.term, args.body)
                if not n:
                    return fail(f"{args.term!r} is not in the vocabulary")
                print(f"removed {args.term}")
            else:
                items = vocab.entries(archive.db, args.body)
                if args.json:
                    print_json([e.to_dict() for e in items])
                elif not items:
                    print("The vocabulary is empty. Add names with: council-archive vocab add NAME --variant SPELLING")
                else:
                    for e in items:
                        scope = f" [{e.body}]" if e.body else ""
                        print(f"{e.term:24} {e.category:8} {', '.join(e.variants)}{scope}")
    except (ValueError, *_archive_errors()) as exc:
        return fail(str(exc))
    return EXIT_OK
