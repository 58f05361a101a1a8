"""Transcribe and find speakers on a Ray cluster; this process stays the single writer.

Opt-in and off by default: nothing here imports Ray until :func:`connect` is called
with an address the user gave (``--cluster HEAD:6379``, ``ray://HEAD:10001`` or
``local``). Ray is the ``cluster`` extra.

- :mod:`~transcription.cluster.connection`: connect, check every node, disconnect;
  every way that fails is one :class:`~transcription.cluster.errors.ClusterError` line.
- :mod:`~transcription.cluster.workers`: the Ray actors, each keeping a model loaded.
- :mod:`~transcription.cluster.transcriber`: :class:`ClusterTranscriber`, the local
  ``Transcriber``'s surface with its chunks run by the actors.
- :mod:`~transcription.cluster.diarizer`: :class:`ClusterDiarizer`, the diarizer's surface.

Media travels through Ray's object store (read once here), or by path when the workers
share a filesystem (:class:`~transcription.cluster.media.MediaShare`).
"""

from transcription.cluster.errors import ClusterError, ClusterLost

__all__ = ["ClusterError", "ClusterLost"]
