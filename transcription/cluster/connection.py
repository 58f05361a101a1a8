"""The connection to a Ray cluster: made only when the user names one, checked at once.

``connect("HEAD:6379")`` joins a cluster started with ``ray start --head`` (the client's
machine is, or joins as, one of its nodes), ``connect("ray://HEAD:10001")`` goes through
Ray Client from any machine, and ``connect("local")`` starts a private Ray instance on
this machine that ends with this process. Every failure is one
:class:`~transcription.cluster.errors.ClusterError` line, raised before anything else
happens: an address that does not answer is found by a plain TCP connect within
seconds, not by Ray's own minute-long retries.

Ray is told to send nothing anywhere else: usage statistics off, no dashboard, and its
workers' logs are not copied to this terminal (they stay in Ray's session folder).
"""

from __future__ import annotations

import contextlib
import importlib.metadata
import logging
import os
import sys
from collections import Counter
from dataclasses import dataclass
from typing import Optional

from transcription.cluster.errors import ClusterError, ClusterLost
from transcription.cluster.media import MediaSender, MediaShare
from transcription.cluster.schedule import MAX_AHEAD

log = logging.getLogger(__name__)

LOCAL = "local"
DEFAULT_PORT = 6379
NAMESPACE = "council-archive"
# Ray retries an actor's task on a restarted actor when its process dies (a killed or
# crashed worker, a lost node); the file is still imported once, from the results.
TASK_RETRIES = 3


def package_version() -> str:
    """This installation's council-archive version (every node must run the same)."""
    try:
        return importlib.metadata.version("council-archive")
    except importlib.metadata.PackageNotFoundError:
        return "unknown"


_here: dict[str, str] = {}


def where() -> str:
    """This node, as the import queue shows it: ``IP/node``, the address the node joined the
    cluster with (a short Ray node id tells apart two nodes on one machine). Called in a
    worker; asked of the cluster once per process."""
    import ray

    node = ray.get_runtime_context().get_node_id()
    if node not in _here:
        ip = next((n["NodeManagerAddress"] for n in ray.nodes() if n.get("NodeID") == node), None)
        _here[node] = f"{ip or ray.util.get_node_ip_address()}/{node[:6]}"
    return _here[node]


def places(wheres) -> str:
    """``10.0.0.5/1a2b3c ×2, 10.0.0.6/4d5e6f``: the nodes of some workers, as people read them."""
    counts = Counter(wheres)
    return ", ".join(f"{node} ×{n}" if n > 1 else node for node, n in sorted(counts.items()))


def split_address(address: str) -> tuple[str, int]:
    """``(host, port)`` of ``HOST[:PORT]`` or ``ray://HOST[:PORT]``; a bad one is a ClusterError."""
    text = address.split("://", 1)[1] if "://" in address else address
    host, _, port = text.rpartition(":") if ":" in text else (text, "", "")
    host = host.strip("[]")
    if not host:
        raise ClusterError(f"{address!r} is not a cluster address: give HOST:PORT (like 10.0.0.5:6379) or 'local'")
    try:
        number = int(port) if port else (10001 if address.startswith("ray://") else DEFAULT_PORT)
    except ValueError:
        raise ClusterError(f"{address!r} is not a cluster address: the port must be a number") from None
    return host, number


def check_reachable(address: str) -> None:
    """Raise a ClusterError unless a Ray head answers at the address (Ray Client's
    ``ray://`` address: unless something listens there)."""
    from transcription.cluster.probe import head_problem, listening

    host, port = split_address(address)
    reason = listening(host, port) if address.startswith("ray://") else head_problem(host, port)
    if reason:
        raise ClusterError(
            f"cannot reach the Ray cluster at {address} ({reason}): start it with `ray start --head --port {port}` "
            "there, or import on this computer instead")


@dataclass(frozen=True)
class Slot:
    """One worker actor's Ray resources and the device its model runs on."""

    device: str  # "cpu" | "cuda"
    num_cpus: float = 1.0
    num_gpus: float = 0.0


def plan_slots(resources: dict, workers: int = 0) -> list[Slot]:
    """Worker actors for the cluster's resources: one per GPU (CUDA, float16), then one per
    remaining CPU (int8, one thread each); ``workers`` caps the count (0: no cap)."""
    gpus = int(resources.get("GPU", 0) or 0)
    cpus = int(resources.get("CPU", 0) or 0)
    slots = [Slot("cuda", 1.0, 1.0) for _ in range(min(gpus, cpus))]
    slots += [Slot("cpu") for _ in range(max(0, cpus - len(slots)))]
    return slots[:workers] if workers > 0 else slots


class Cluster:
    """This process's connection (Ray allows one); :meth:`close` ends it (and a local
    instance with it). ``share``: the workers see the client's media at another path."""

    def __init__(self, address: str, share: Optional[MediaShare] = None):
        self.address = address
        self.share = share
        self.media = MediaSender(share, keep=MAX_AHEAD + 2)

    def resources(self) -> dict:
        import ray

        return dict(ray.cluster_resources())

    def nodes(self) -> list[dict]:
        import ray

        return [n for n in ray.nodes() if n.get("Alive")]

    def largest_node(self) -> Optional[str]:
        """The id of the node with the most CPUs (a worker before the head on a tie)."""
        nodes = sorted(self.nodes(), key=lambda n: (n["Resources"].get("CPU", 0),
                                                    "node:__internal_head__" not in n["Resources"]))
        return nodes[-1]["NodeID"] if nodes else None

    def actor(self, cls, slot: Slot, *args, node: Optional[str] = None):
        """A restartable actor of ``cls`` with ``slot``'s resources (on ``node``, if given: should
        that node go, calls to the actor fail and the import stops to be resumed)."""
        import ray
        from ray.util.scheduling_strategies import NodeAffinitySchedulingStrategy

        options = dict(num_cpus=slot.num_cpus, num_gpus=slot.num_gpus, max_restarts=-1,
                       max_task_retries=TASK_RETRIES, namespace=NAMESPACE)
        if node is not None:  # hard: a soft affinity lets Ray put it on a busy worker's neighbour, the head
            options["scheduling_strategy"] = NodeAffinitySchedulingStrategy(node, soft=False)
        return ray.remote(cls).options(**options).remote(*args)

    def run(self, fn, *args):
        """``fn(*args)`` as a Ray task that takes no CPU slot (the actors hold them all), retried
        if its worker dies; its result, the function's own error as itself, a lost cluster as
        ClusterLost."""
        import ray

        return result(ray.remote(num_cpus=0, max_retries=TASK_RETRIES)(fn).remote(*args), f"running {fn.__name__}")

    def close(self) -> None:
        import ray

        self.media.clear()
        if ray.is_initialized():
            ray.shutdown()


def connect(address: str, share: Optional[MediaShare] = None) -> Cluster:
    """Connect to the cluster at ``address`` (or start a local one): a :class:`Cluster`."""
    try:
        import ray
    except ImportError:
        raise ClusterError("a Ray cluster needs the 'cluster' extra: pip install 'council-archive[cluster]'") from None
    local = address == LOCAL
    if not local:
        check_reachable(address)
    os.environ["RAY_USAGE_STATS_ENABLED"] = "0"  # Ray would otherwise report usage to its makers
    kwargs = dict(include_dashboard=False, log_to_driver=False, logging_level=logging.WARNING,
                  configure_logging=False, namespace=NAMESPACE)
    if local:
        kwargs.update(address="local", num_cpus=os.cpu_count() or 1)
    elif address.startswith("ray://"):  # Ray Client refuses the driver's logging options
        kwargs = dict(address=address, configure_logging=False, namespace=NAMESPACE)
    else:
        kwargs.pop("include_dashboard")  # the cluster's own head decides
        kwargs["address"] = address
    if ray.is_initialized():
        ray.shutdown()
    try:
        with _quiet_stderr():
            ray.init(**kwargs)
    except Exception as exc:  # Ray raises many kinds; each becomes one line
        log.warning("ray.init(%s) failed", address, exc_info=True)
        if "No node info found" in str(exc):
            raise ClusterError(f"this computer is not a node of the Ray cluster at {address}: run `ray start --address "
                               f"{address} --num-cpus 0` here first, or use --cluster ray://HEAD:10001") from None
        raise ClusterError(f"cannot use the Ray cluster at {address}: {' '.join(str(exc).split())[:400]}") from None
    return Cluster(address, share)


def result(ref, doing: str):
    """What a task or actor call returned; its own error (bad audio, a broken engine) as
    itself, a lost worker, node or head as ClusterLost (while ``doing``)."""
    import ray

    try:
        return ray.get(ref)
    except ray.exceptions.RayTaskError as exc:
        cause = getattr(exc, "cause", None)
        if isinstance(cause, Exception):
            raise cause from None
        raise
    except (ray.exceptions.RayError, ConnectionError) as exc:
        raise lost(exc, doing) from None


def lost(exc: BaseException, doing: str) -> ClusterLost:
    """The ClusterLost for a Ray failure (a node, actor or the head gone) while ``doing``."""
    return ClusterLost(f"lost the Ray cluster while {doing} ({_first_line(exc)}): what was done is kept; "
                       "`council-archive resume` continues it, with --cluster or locally")


def not_started(exc: BaseException, what: str) -> ClusterError:
    """The ClusterError for workers that could not start (``what``: "Whisper", "the diarizer"):
    a worker that cannot import council-archive, a node out of memory..."""
    return ClusterError(f"the Ray workers for {what} could not start ({_first_line(exc)}): check that every node "
                        "has the same council-archive installed, or import on this computer instead")


def _first_line(exc: BaseException) -> str:
    text = str(exc).strip()
    return (text.splitlines()[0] if text else type(exc).__name__)[:300]


@contextlib.contextmanager
def _quiet_stderr():
    """Ray prints its start-up banner and warnings straight to the terminal; the user asked
    for an import, so they go to the log instead."""
    sys.stderr.flush()
    try:
        saved = os.dup(2)
    except OSError:  # no real stderr (the app): nothing to quieten
        yield
        return
    with open(os.devnull, "w") as null:
        os.dup2(null.fileno(), 2)
        try:
            yield
        finally:
            os.dup2(saved, 2)
            os.close(saved)
