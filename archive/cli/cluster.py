"""``--cluster`` and ``--shared-path``: the flags ``import``, ``resume``, ``retranscribe``
and ``diarize`` share to do their heavy work on a Ray cluster (:mod:`archive.cluster`).

The cluster is reached and every worker checked before the archive is opened, so an
unreachable address, another version on a worker or a worker without the model ends in
one line (exit 1) with nothing changed."""

from __future__ import annotations

import argparse
import contextlib
import os
import sys
from typing import Iterator, Optional

from archive.cli.common import UsageError, arg, arg_group, say

CLUSTER_ARGS = arg_group(
    arg("--cluster", metavar="HEAD:PORT|local", help="transcribe (and find speakers) on a Ray cluster: the address "
        "of its head (`ray start --head`), ray://HEAD:10001 from a machine outside it, or 'local' to start one "
        "here; this computer stays the only one that writes the archive (needs the 'cluster' extra)"),
    arg("--shared-path", metavar="DIR", help="with --cluster: where the workers see this archive's folder (a "
        "shared filesystem), so they read the media there instead of receiving it"),
)


def _checked(args: argparse.Namespace) -> Optional[str]:
    if args.shared_path and not args.cluster:
        raise UsageError("--shared-path goes with --cluster")
    return args.cluster


@contextlib.contextmanager
def import_workers(args: argparse.Namespace, engine: str, options, speakers) -> Iterator[tuple]:
    """``(transcriber, diarizer)`` on the cluster ``--cluster`` names, else ``(None, None)``
    (the import's own, local ones). ``speakers``: the speaker options asked for (None: as
    each job asked); the cluster's diarizer is started unless they are off."""
    address = _checked(args)
    if not address:
        yield None, None
        return
    from archive.cluster import cluster_work
    from transcription.transcriber import default_cache_dir

    wanted = speakers is None or speakers.enabled
    with cluster_work(address, engine, options, cache_dir=default_cache_dir(),
                      archive_root=os.path.abspath(args.archive_dir), shared_path=args.shared_path,
                      speakers=wanted) as work:
        say(f"council-archive: on the Ray cluster at {address}: {work.describe()}", file=sys.stderr)
        yield work.transcriber, work.diarizer


@contextlib.contextmanager
def diarize_worker(args: argparse.Namespace, local) -> Iterator:
    """The diarizer on the cluster ``--cluster`` names, else ``local()``'s."""
    address = _checked(args)
    if not address:
        yield local()
        return
    from archive.cluster import cluster_diarizer

    with cluster_diarizer(address, archive_root=os.path.abspath(args.archive_dir),
                          shared_path=args.shared_path) as diarizer:
        say(f"council-archive: finding speakers on the Ray cluster at {address} ({diarizer.where})", file=sys.stderr)
        yield diarizer
