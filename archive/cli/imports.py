"""``import`` and ``resume``: the import pipeline from the command line, one progress
bar per file on stderr and one line per file on stdout."""

from __future__ import annotations

import argparse
import contextlib
import os
import signal
import sys
import threading

from archive.catalog import KINDS
from archive.cli.common import (EXIT_ERROR, EXIT_INTERRUPTED, EXIT_OK, JSON, Commands, UsageError, arg, open_archive, plain,
                                print_json, recording_id, say)
from archive.cli.cluster import CLUSTER_ARGS, import_workers
from archive.cli.speakers import SPEAKER_ARGS, speaker_options
from archive.cli.transcribe import ENGINE_ARGS, engine_options
from archive.progress import ProgressBar
from archive.status import Outcome, Status

commands = Commands()
register = commands.register


class ImportProgress:
    """Turns import events into a progress bar per file (with ETA) on stderr."""

    def __init__(self):
        self.bar = None
        self.path = None  # (file, stage) of the bar

    def __call__(self, event) -> None:
        if event.stage == Status.DIARIZING and event.message:  # a note: no speakers found, or how to enable them
            self.close()
            say(f"council-archive: {os.path.basename(event.path)}: {event.message}", file=sys.stderr)
        elif event.stage in (Status.TRANSCRIBING, Status.DIARIZING):
            if self.path != (event.path, event.stage):
                self.close()
                self.path = (event.path, event.stage)
                label = os.path.basename(event.path) + (" (speakers)" if event.stage == Status.DIARIZING else "")
                self.bar = ProgressBar(total=event.duration or 0.0, label=plain(label))
            self.bar.update_to(event.progress * (event.duration or 0.0))
        elif event.stage in tuple(Outcome):
            self.close()
            if event.stage == Outcome.FAILED:
                say(f"council-archive: error: {event.message}", file=sys.stderr)
            elif event.stage == Outcome.STOPPED:
                say(f"council-archive: stopped {os.path.basename(event.path)}: `council-archive resume` "
                    "finishes it", file=sys.stderr)

    def close(self) -> None:
        if self.bar is not None:
            self.bar.close()
            self.bar = None
        self.path = None


def run_importer(args: argparse.Namespace, work, create: bool = False, speakers=None):
    """``work(importer)`` on the archive (made first with ``create``: only ``import``
    may), with a progress bar; its import results. ``speakers``: the
    :class:`archive.diarizing.SpeakerOptions` (None: as each job asked)."""
    from archive.importer import Importer
    from transcription.transcriber import default_cache_dir

    engine, options = engine_options(args)  # a bad model or device: one line, before the archive is touched
    progress = ImportProgress()
    # the cluster, when one is named, is reached and checked before the archive is touched too
    with import_workers(args, engine, options, speakers) as (transcriber, diarizer), \
            open_archive(args, create=create) as archive:
        importer = Importer(archive, engine, options, cache_dir=default_cache_dir(), on_event=progress,
                            speakers=speakers, transcriber=transcriber, diarizer=diarizer)
        try:
            with stop_on_sigterm(importer):
                return work(importer)
        finally:
            progress.close()
            importer.close()


@contextlib.contextmanager
def stop_on_sigterm(importer):
    """SIGTERM (a plain ``kill``, a logout, a shutdown) stops the import as the app's Stop
    does: what was committed stays, the job stays open for ``resume``, and the worker
    processes end. The token is set from a thread of its own: a signal handler runs between
    two bytecodes of the main thread, which may hold a lock that stopping needs."""
    if threading.current_thread() is not threading.main_thread():
        yield
        return

    def on_sigterm(signum, frame):
        threading.Thread(target=importer.stop, name="sigterm-stop", daemon=True).start()

    previous = signal.signal(signal.SIGTERM, on_sigterm)
    try:
        yield
    finally:
        signal.signal(signal.SIGTERM, previous)


def report(results, as_json: bool) -> int:
    if as_json:
        print_json([{k: r.to_dict()[k] for k in ("id", "title", "status", "error")} for r in results])
    else:
        for r in results:
            label = f"#{r.id} " if r.id else ""
            line = f"{r.status:9} {label}{r.title or r.path}"
            if r.status == Outcome.DUPLICATE:
                line += f" ({r.error})"
            say(line)
        if len(results) > 1:
            counts = {s: sum(r.status == s for r in results) for s in Outcome}
            print(", ".join(f"{n} {s}" for s, n in counts.items() if n))
            for r in results:  # a single file's error was already printed as it happened
                if r.status == Outcome.FAILED:
                    say(f"  failed: {r.error}", file=sys.stderr)
    if any(r.status in (Outcome.FAILED, Outcome.CANCELLED) for r in results):
        return EXIT_ERROR
    return EXIT_INTERRUPTED if any(r.status == Outcome.STOPPED for r in results) else EXIT_OK


@commands.command("import", help="import audio/video files or folders (and .cabundle files) into the archive")
@arg("paths", nargs="+", metavar="PATH")
@arg("--title")
@arg("--body", help='e.g. "Springfield City Council"')
@arg("--date", metavar="YYYY-MM-DD")
@arg("--kind", choices=KINDS, default="meeting")
@ENGINE_ARGS
@arg("--captions", metavar="FILE", help="an .srt/.vtt transcript to index instead of transcribing")
@arg("--agenda", metavar="FILE", help="the meeting's agenda (txt, md, docx, pdf) to make chapters from "
     "(default: one with the media's name beside it)")
@arg("--link", action="store_true", help="leave media where it is instead of copying it into the archive")
@SPEAKER_ARGS
@CLUSTER_ARGS
@JSON
def cmd_import(args: argparse.Namespace) -> int:
    from archive.importer import ImportMeta
    from archive.schema import SchemaError, metadata

    given = {k: getattr(args, k) for k in ("title", "body", "date", "kind") if getattr(args, k) is not None}
    try:
        meta = ImportMeta(**metadata(given, prefix="--"), agenda=args.agenda)  # the rules edit and bundles follow too
    except SchemaError as exc:
        raise UsageError(str(exc)) from exc
    speakers = speaker_options(args)
    results = run_importer(
        args, lambda importer: importer.import_paths(args.paths, meta, captions=args.captions, link=args.link, prompt=args.prompt),
        create=True, speakers=speakers,
    )
    return report(results, args.json)


@commands.command("resume", help="finish imports that an earlier run left unfinished; with IDs, those "
                  "recordings' imports (a cancelled one too)")
@arg("ids", nargs="*", type=recording_id, metavar="ID")
@ENGINE_ARGS
@SPEAKER_ARGS
@CLUSTER_ARGS
@JSON
def cmd_resume(args: argparse.Namespace) -> int:
    speakers = speaker_options(args, given_only=True)  # no flag: as each job's import asked
    ids = args.ids or None
    results = run_importer(args, lambda importer: importer.resume(ids), speakers=speakers)
    if not results and not args.json:
        print("nothing to resume")
        return EXIT_OK
    return report(results, args.json)
