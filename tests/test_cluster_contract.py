"""What transcription/cluster relies on from Ray (pinned in pyproject's ``cluster`` extra),
and its own small rules: worker slots from resources, addresses, shared paths."""

from __future__ import annotations

import inspect
import re
from pathlib import Path

import pytest

from transcription.cluster.connection import Slot, plan_slots, split_address
from transcription.cluster.errors import ClusterError
from transcription.cluster.media import MediaShare
from ray_cluster import ray_available

ROOT = Path(__file__).resolve().parents[1]
needs_ray = pytest.mark.skipif(not ray_available(), reason="needs the 'cluster' extra (Ray)")


def test_one_actor_per_gpu_then_one_per_remaining_cpu():
    assert plan_slots({"CPU": 2.0}) == [Slot("cpu"), Slot("cpu")]
    assert plan_slots({"CPU": 8.0, "GPU": 2.0}) == [Slot("cuda", 1.0, 1.0)] * 2 + [Slot("cpu")] * 6
    assert plan_slots({"CPU": 16.0, "GPU": 1.0}, workers=3) == [Slot("cuda", 1.0, 1.0), Slot("cpu"), Slot("cpu")]
    assert plan_slots({"GPU": 1.0}) == []  # a GPU needs a CPU to feed it
    assert plan_slots({}) == []


def test_addresses():
    assert split_address("10.0.0.5:6379") == ("10.0.0.5", 6379)
    assert split_address("head.example") == ("head.example", 6379)
    assert split_address("ray://head:10001") == ("head", 10001)
    assert split_address("ray://head") == ("head", 10001)
    assert split_address("[::1]:6380") == ("::1", 6380)
    for bad in (":6379", "head:port"):
        with pytest.raises(ClusterError):
            split_address(bad)


def test_a_shared_folder_maps_paths_under_it_only(tmp_path):
    share = MediaShare(str(tmp_path / "archive"), "/mnt/archive")
    assert share.remote_path(str(tmp_path / "archive" / "media" / "ab" / "x.opus")) == "/mnt/archive/media/ab/x.opus"
    assert share.remote_path(str(tmp_path / "elsewhere.opus")) is None


@needs_ray
def test_ray_is_the_pinned_version():
    import ray

    pinned = re.search(r'"ray\[default\]==([\d.]+)"', (ROOT / "pyproject.toml").read_text()).group(1)
    assert ray.__version__ == pinned


@needs_ray
def test_the_ray_api_we_use():
    import ray
    from ray.util.scheduling_strategies import NodeAffinitySchedulingStrategy

    params = inspect.signature(ray.init).parameters
    for name in ("address", "num_cpus", "include_dashboard", "log_to_driver", "logging_level", "configure_logging",
                 "namespace"):
        assert name in params, name
    assert "soft" in inspect.signature(NodeAffinitySchedulingStrategy).parameters
    for name in ("RayError", "RayTaskError", "RayActorError"):
        assert issubclass(getattr(ray.exceptions, name), Exception)
    assert "cause" in inspect.signature(ray.exceptions.RayTaskError.__init__).parameters
    assert callable(ray.util.get_node_ip_address) and callable(ray.get_runtime_context)


@needs_ray
def test_what_a_live_cluster_tells_us(ray_cluster):
    """``ray.nodes()`` keys (where a file runs), resources (worker slots), a worker's node id."""
    from transcription.cluster.connection import connect, where

    cluster = connect(ray_cluster.address)
    try:
        import ray

        nodes = cluster.nodes()
        assert len(nodes) == 2 and all({"NodeID", "NodeManagerAddress", "Alive", "Resources"} <= set(n) for n in nodes)
        assert len(plan_slots(cluster.resources())) == 2
        worker = cluster.largest_node()
        assert [n for n in nodes if n["NodeID"] == worker][0]["Resources"]["CPU"] == 2
        here = ray.get(ray.remote(num_cpus=1)(where).remote())
        assert here.endswith("/" + worker[:6])
        # a task failing in the engine comes back as the engine's own error
        from transcription.cluster.transcriber import _result

        with pytest.raises(ZeroDivisionError):
            _result(ray.remote(num_cpus=1)(lambda: 1 / 0).remote())
    finally:
        cluster.close()
    import ray

    assert not ray.is_initialized()


@needs_ray
def test_a_head_is_told_apart_from_nothing_and_from_another_server(ray_cluster):
    """The private GCS call of transcription/cluster/probe.py, on a real head, a closed port
    and a web server."""
    import http.server
    import threading

    from ray_cluster import free_port
    from transcription.cluster.probe import head_problem

    host, port = ray_cluster.address.rsplit(":", 1)
    assert head_problem(host, int(port)) is None
    assert "refused" in head_problem("127.0.0.1", free_port())
    server = http.server.ThreadingHTTPServer(("127.0.0.1", 0), http.server.BaseHTTPRequestHandler)
    threading.Thread(target=server.serve_forever, daemon=True).start()
    try:
        assert "not a Ray cluster" in head_problem("127.0.0.1", server.server_address[1])
    finally:
        server.shutdown()
        server.server_close()


def test_the_lookahead_plans_as_many_files_as_asked_in_order_and_drops_the_unwanted():
    from transcription.cluster.schedule import FileWork, Lookahead, Scheduler

    made = []

    def prepare(path, options):
        made.append(path)
        return None if path == "broken" else FileWork(((1, path), options), None, 10.0, [], options)

    scheduler, ahead = Scheduler([]), Lookahead(prepare)
    ahead.expect([("a", 1), ("broken", 1), ("b", 1), ("c", 1), ("d", 1)])
    ahead.start(3)
    ahead.settle(scheduler, wait=True)
    assert sorted(made) == ["a", "b", "broken"] and [w.source for w in scheduler.files] == ["a", "b"]
    ahead.expect([("b", 1), ("c", 1), ("d", 1)])  # "b" is planned already
    ahead.start(3)
    ahead.settle(scheduler, wait=True)
    assert made[3:] == ["c"]  # three planned ahead at most: "a", "b", "c"
    ahead.start(4)
    ahead.settle(scheduler, wait=True)
    assert sorted(made[3:]) == ["c", "d"] and [w.source for w in scheduler.files] == ["a", "b", "c", "d"]
    taken = ahead.take(((1, "c"), 1), scheduler)  # "a" and "b", planned before it and passed over, go
    assert taken.source == "c" and [w.source for w in scheduler.files] == ["c", "d"]
    assert ahead.chunks_for((1, "d")) == [] and ahead.chunks_for((1, "b")) is None
    ahead.close()
