"""A real Ray cluster on this machine for tests: a head and one worker node started with
``ray start`` as separate processes, torn down by killing exactly its own processes (never
``ray stop``, which would kill every other Ray instance on the machine).

    with LocalRayCluster() as cluster, ray_driver(cluster.address) as ray:
        ray.get(f.remote())

or the session fixture ``ray_cluster`` (tests/conftest.py imports it from here; import this module as
``ray_cluster`` like ``fakes``: tests/ is on sys.path, the repository root is not under `.venv/bin/pytest`).

Layout: the head runs the control plane (GCS) and the tests' driver but has 0 CPUs, so every
task and actor runs on the worker node (2 CPUs) and every argument and result crosses Ray's
object transfer between two raylets, as between an archive machine and a worker machine.
Each node has a private --temp-dir under /tmp/ray-XXXXXXXX (short: AF_UNIX socket paths), its
own free ports and a small object store; the dashboard, usage stats and token authentication
are off. The address is "127.0.0.1:PORT"; Ray itself reports the machine's routable IP for
both nodes (on Linux it replaces 127.0.0.1 by that IP; the traffic stays on this machine).
Every process of the cluster inherits the environment variable ``MARKER`` set to this
cluster's token; ``processes()`` finds them by it (or by the temp dir in their command line)
plus all their descendants, Ray's worker processes (``ray::IDLE``, ``ray::Actor``) included.
A reaper process stops the cluster if the test process dies without stopping it.
"""

from __future__ import annotations

import contextlib
import logging
import os
import shutil
import signal
import socket
import subprocess
import sys
import tempfile
import uuid
from pathlib import Path

import pytest

ROOT = Path(__file__).resolve().parents[1]  # the checkout under test: its packages and tests/
MARKER = "COUNCIL_ARCHIVE_TEST_RAY_CLUSTER"
HOST = "127.0.0.1"


def ray_available() -> bool:
    try:
        import ray  # noqa: F401
    except ImportError:
        return False
    return True


def free_port(host: str = HOST) -> int:
    with socket.socket() as s:
        s.bind((host, 0))
        return s.getsockname()[1]


def _psutil():
    import ray  # noqa: F401  (ray puts its vendored psutil on sys.path)
    import psutil

    return psutil


def _alive(proc) -> bool:
    psutil = _psutil()
    try:
        return proc.is_running() and proc.status() != psutil.STATUS_ZOMBIE
    except psutil.NoSuchProcess:
        return False


class LocalRayCluster:
    """``ray start --head`` plus one ``ray start --address`` worker node, as real processes
    (``worker_cpus=None``: the head alone).

    ``address`` is "127.0.0.1:PORT" (the head's GCS). ``processes()`` lists every live process
    of this cluster, ``kill(pid)`` SIGKILLs one of them (say an actor's ``os.getpid()``), and
    ``stop()`` SIGKILLs them all and raises if any survives.
    """

    def __init__(self, head_cpus: int = 0, worker_cpus: int | None = 2, object_store_mb: int = 200, timeout: float = 120.0):
        self.head_cpus, self.worker_cpus = head_cpus, worker_cpus
        self.object_store_bytes = object_store_mb * 1024 * 1024
        self.timeout = timeout
        self.token = uuid.uuid4().hex
        self.root: Path | None = None
        self.port: int | None = None
        self.client_port: int | None = None  # the head's Ray Client server: "ray://127.0.0.1:{client_port}"
        self.log = ""  # what the `ray start` commands printed, for a failure message
        self._reaper: subprocess.Popen | None = None

    @property
    def address(self) -> str:
        return f"{HOST}:{self.port}"

    def env(self) -> dict:
        """The environment of every process of the cluster: this checkout importable (its
        packages, ``tests.*``, and test modules by their own name as pytest imports them), no
        usage stats, no token authentication (else ~/.ray/auth_token decides), the marker."""
        env = dict(os.environ)
        path = [str(ROOT), str(ROOT / "tests")] + [p for p in env.get("PYTHONPATH", "").split(os.pathsep) if p]
        env.update({"PYTHONPATH": os.pathsep.join(path), "RAY_USAGE_STATS_ENABLED": "0", "RAY_AUTH_MODE": "disabled"})
        env[MARKER] = self.token
        return env

    def start(self) -> "LocalRayCluster":
        self.root = Path(tempfile.mkdtemp(prefix="ray-", dir="/tmp"))
        # A watchdog that stops the cluster when this process ends without calling stop()
        # (pytest killed by a timeout or kill -9): it waits for EOF on a pipe only we hold.
        self._reaper = subprocess.Popen(
            [sys.executable, str(Path(__file__).resolve()), "--reap", self.token, str(self.root)],
            stdin=subprocess.PIPE,
            start_new_session=True,
        )
        try:
            for attempt in (1, 2):  # a raylet gets 30 s to register (hard-coded in Ray): a loaded machine may miss it
                try:
                    self._start_nodes()
                    break
                except RuntimeError:
                    self._kill_all()
                    if attempt == 2:
                        raise
        except BaseException:
            self.stop()
            raise
        return self

    def _start_nodes(self) -> None:
        self.port, self.client_port = free_port(), free_port()
        common = [
            f"--object-store-memory={self.object_store_bytes}",
            "--disable-usage-stats",
            "--min-worker-port=0",  # random ports: no clash with another Ray instance here
            "--max-worker-port=0",
            "--log-style=record",
            "--log-color=false",
        ]
        self._ray_start(
            "--head",
            f"--port={self.port}",
            f"--num-cpus={self.head_cpus}",
            f"--temp-dir={self.root / 'h'}",
            "--include-dashboard=false",
            f"--ray-client-server-port={self.client_port}",  # default 10001
            f"--dashboard-agent-listen-port={free_port()}",  # default 52365
            *common,
        )
        if self.worker_cpus is not None:
            self._ray_start(
                f"--address={self.address}",
                f"--num-cpus={self.worker_cpus}",
                f"--temp-dir={self.root / 'w'}",
                f"--dashboard-agent-listen-port={free_port()}",
                *common,
            )

    def _ray_start(self, *args: str) -> None:
        ray_exe = Path(sys.executable).with_name("ray")
        command = [str(ray_exe) if ray_exe.exists() else "ray", "start", *args]
        # output to a file, not a pipe: the daemons `ray start` leaves behind may hold a pipe open
        with tempfile.TemporaryFile("w+") as out:
            try:
                done = subprocess.run(
                    command, env=self.env(), cwd=str(ROOT), stdout=out, stderr=subprocess.STDOUT, timeout=self.timeout
                )
            finally:
                out.seek(0)
                self.log += f"$ {' '.join(command)}\n{out.read()}\n"
        if done.returncode != 0:
            raise RuntimeError(f"`ray start` failed ({done.returncode}):\n{self.log}")

    def processes(self) -> list:
        """Every live process of this cluster: those whose environment holds the marker or whose
        command line names its temp dir, and all their descendants (Ray's workers and agents)."""
        psutil = _psutil()
        found = {}
        for proc in psutil.process_iter():
            try:
                if proc.pid != os.getpid() and self._owns(proc):
                    for each in [proc, *proc.children(recursive=True)]:
                        found[each.pid] = each
            except (psutil.Error, OSError):
                continue
        return [proc for proc in found.values() if _alive(proc)]

    def _owns(self, proc) -> bool:
        if self.root is not None and f"{self.root}{os.sep}" in " ".join(proc.cmdline()):  # Ray's, not the reaper
            return True
        # The raw block: psutil.Process.environ() returns {} for a process whose title Ray
        # rewrote (setproctitle zeroes the start of the environment block in /proc).
        try:
            data = Path(f"/proc/{proc.pid}/environ").read_bytes()
        except FileNotFoundError:
            if Path("/proc/self/environ").exists():
                return False  # gone
            return proc.environ().get(MARKER) == self.token  # no /proc (macOS)
        except OSError:
            return False  # gone, or another user's
        return f"\0{MARKER}={self.token}\0".encode() in b"\0" + data + b"\0"

    def kill(self, pid: int, timeout: float = 10.0) -> None:
        """SIGKILL one process of this cluster (an actor's ``os.getpid()``) and wait until it is gone."""
        [proc] = [each for each in self.processes() if each.pid == pid] or [None]
        if proc is None:
            raise ValueError(f"process {pid} is not a running process of this Ray cluster")
        proc.send_signal(signal.SIGKILL)
        proc.wait(timeout)

    def _kill_all(self) -> None:
        psutil = _psutil()
        for _ in range(3):  # a raylet may start a worker while its siblings die
            procs = self.processes()
            if not procs:
                return
            for proc in procs:
                with contextlib.suppress(psutil.NoSuchProcess):
                    proc.send_signal(signal.SIGKILL)
            psutil.wait_procs(procs, timeout=10)

    def stop(self) -> None:
        """SIGKILL every process of this cluster, check that none is left, remove its temp dirs."""
        if ray_available():
            self._kill_all()
            left = self.processes()
            if left:
                raise RuntimeError(f"Ray cluster processes survived SIGKILL: {[(p.pid, p.name()) for p in left]}")
        if self.root is not None:
            shutil.rmtree(self.root, ignore_errors=True)
        if self._reaper is not None:
            self._reaper.kill()  # nothing left for it to do (it only waits for EOF)
            self._reaper.wait(30)
            self._reaper.stdin.close()
            self._reaper = None

    def __enter__(self) -> "LocalRayCluster":
        return self.start()

    def __exit__(self, *exc) -> None:
        self.stop()


DRIVER_INIT = {
    "log_to_driver": False,  # workers' stdout/stderr stay in the cluster's log files
    "logging_level": logging.WARNING,
    "include_dashboard": False,
}


@contextlib.contextmanager
def ray_driver(address: str, **init_args):
    """This process as a Ray driver of the cluster at ``address`` ("127.0.0.1:PORT"); yields the
    ``ray`` module and calls ``ray.shutdown()`` on the way out."""
    import ray

    ray.init(address=address, **{**DRIVER_INIT, **init_args})
    try:
        yield ray
    finally:
        ray.shutdown()


@pytest.fixture(scope="session")
def ray_cluster():
    """One real two-node Ray cluster for the whole test session (see LocalRayCluster)."""
    if not ray_available():
        pytest.skip("ray is not installed (the 'cluster' extra: pip install -e '.[cluster]')")
    with LocalRayCluster() as cluster:
        yield cluster


def _reap(token: str, root: str) -> None:
    sys.stdin.buffer.read()  # returns when the process that started the cluster is gone
    cluster = LocalRayCluster()
    cluster.token, cluster.root = token, Path(root)
    cluster.stop()


if __name__ == "__main__" and sys.argv[1:2] == ["--reap"]:
    _reap(*sys.argv[2:4])
