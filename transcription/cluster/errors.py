"""What can go wrong with a cluster, each in one line a person can act on."""

from __future__ import annotations


class ClusterError(Exception):
    """The cluster cannot be used (unreachable, another version, a node without the
    model): nothing was changed, and the same files can still be imported locally."""

    def __init__(self, message: str):
        super().__init__(message)
        self.message = message


class ClusterLost(ClusterError):
    """The cluster went away in the middle of a file. What was committed stays, and the
    import's job stays open: ``council-archive resume`` continues it, with the cluster or
    locally."""

    keeps_job = True  # the importer keeps the recording and its open job (see archive.importer)
