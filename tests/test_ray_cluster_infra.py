"""The test Ray cluster itself (tests/ray_cluster.py): two real nodes, work placed on the
worker node, an actor process killed with SIGKILL comes back and its call still returns,
and stopping leaves no process behind."""

from __future__ import annotations

import os
import socket

import pytest

from ray_cluster import LocalRayCluster, ray_available, ray_driver

pytestmark = pytest.mark.skipif(not ray_available(), reason="ray is not installed (the 'cluster' extra)")


@pytest.fixture
def ray(ray_cluster):  # per test: one driver per process, and connecting takes ~0.05 s
    with ray_driver(ray_cluster.address) as ray:
        yield ray


def where() -> dict:
    import ray

    context = ray.get_runtime_context()
    return {"node": context.get_node_id(), "pid": os.getpid(), "host": socket.gethostname()}


class Counter:
    """An actor whose calls count; ``pid`` says which process serves it."""

    def __init__(self):
        self.calls = 0

    def pid(self) -> int:
        return os.getpid()

    def where(self) -> dict:
        return where()

    def call(self) -> int:
        self.calls += 1
        return self.calls


def head_and_worker(ray) -> tuple[dict, dict]:
    nodes = [node for node in ray.nodes() if node["Alive"]]
    [head] = [node for node in nodes if "node:__internal_head__" in node["Resources"]]
    [worker] = [node for node in nodes if node is not head]
    return head, worker


def test_the_cluster_has_a_head_and_a_worker_node_with_two_cpus(ray, ray_cluster):
    head, worker = head_and_worker(ray)
    assert head["Resources"].get("CPU", 0) == 0 and worker["Resources"]["CPU"] == 2
    assert ray.cluster_resources()["CPU"] == 2
    assert ray_cluster.address.startswith("127.0.0.1:")
    raylets = [proc for proc in ray_cluster.processes() if proc.name() == "raylet"]
    assert len(raylets) == 2  # two real node processes on this machine


def test_a_task_and_an_actor_run_in_a_worker_node_process(ray, ray_cluster):
    _, worker = head_and_worker(ray)
    task = ray.get(ray.remote(where).remote(), timeout=60)
    actor = ray.remote(Counter).remote()
    try:
        placed = ray.get(actor.where.remote(), timeout=60)
        assert task["node"] == placed["node"] == worker["NodeID"]
        ours = {proc.pid for proc in ray_cluster.processes()}
        assert {task["pid"], placed["pid"]} <= ours and os.getpid() not in ours
    finally:
        ray.kill(actor)


def test_an_actor_killed_with_sigkill_restarts_and_its_call_is_retried(ray, ray_cluster):
    actor = ray.remote(max_restarts=1, max_task_retries=1)(Counter).remote()
    try:
        first = ray.get(actor.pid.remote(), timeout=60)
        assert ray.get(actor.call.remote(), timeout=60) == 1
        ray_cluster.kill(first)
        # the call made after the kill reaches a new process: the state starts over
        assert ray.get(actor.call.remote(), timeout=60) == 1
        second = ray.get(actor.pid.remote(), timeout=60)
        assert second != first and second in {proc.pid for proc in ray_cluster.processes()}
    finally:
        ray.kill(actor)


def test_a_call_in_flight_when_its_actor_dies_is_retried(ray, ray_cluster):
    import time

    @ray.remote(max_restarts=1, max_task_retries=1)
    class Slow:
        def pid(self):
            return os.getpid()

        def sleep(self, seconds):
            time.sleep(seconds)
            return os.getpid()

    actor = Slow.remote()
    try:
        first = ray.get(actor.pid.remote(), timeout=60)
        pending = actor.sleep.remote(2.0)
        time.sleep(0.5)  # the call is running in `first`
        ray_cluster.kill(first)
        assert ray.get(pending, timeout=60) not in (first, None)
    finally:
        ray.kill(actor)


def test_stopping_a_cluster_leaves_no_process_and_spares_other_clusters(ray_cluster):
    other = LocalRayCluster(head_cpus=1, worker_cpus=None)  # the head alone: cheaper, same teardown
    with other:
        with ray_driver(other.address) as ray:
            worker_pid = ray.get(ray.remote(where).remote(), timeout=60)["pid"]
            mine = {proc.pid for proc in other.processes()}
        assert worker_pid in mine and len(mine) >= 5
        assert not mine & {proc.pid for proc in ray_cluster.processes()}
    assert other.processes() == [] and not other.root.exists()
    assert not [pid for pid in mine if _running(pid)]
    assert len([p for p in ray_cluster.processes() if p.name() == "raylet"]) == 2  # the session's cluster lives on


def _running(pid: int) -> bool:
    import psutil

    try:
        return psutil.Process(pid).status() != psutil.STATUS_ZOMBIE
    except psutil.NoSuchProcess:
        return False
