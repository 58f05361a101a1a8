"""Is a Ray head answering at HOST:PORT? Asked with one of Ray's own GCS calls and a
deadline, because Ray's connect retries for minutes and a TCP connect proves little (a
proxy or another server may accept it).

The one module that uses Ray's private generated gRPC stubs (``ray.core.generated``),
pinned with Ray's version in pyproject and checked by tests/test_cluster_contract.py.
"""

from __future__ import annotations

import socket
from typing import Optional

DEADLINE = 3.0  # seconds


def listening(host: str, port: int, deadline: float = DEADLINE) -> Optional[str]:
    """Why nothing takes a TCP connection at ``host:port``, or None when something does."""
    try:
        with socket.create_connection((host, port), timeout=deadline):
            return None
    except OSError as exc:
        return "no answer" if isinstance(exc, TimeoutError) else (exc.strerror or str(exc) or type(exc).__name__)


def head_problem(host: str, port: int, deadline: float = DEADLINE) -> Optional[str]:
    """Why ``host:port`` is not a Ray head we can use ("Connection refused", "not a Ray
    cluster's head", …), or None when it answers as one."""
    import grpc
    from ray.core.generated import gcs_service_pb2, gcs_service_pb2_grpc

    closed = listening(host, port, deadline)
    if closed:
        return closed
    target = f"[{host}]:{port}" if ":" in host else f"{host}:{port}"
    with grpc.insecure_channel(target) as channel:
        stub = gcs_service_pb2_grpc.NodeInfoGcsServiceStub(channel)
        try:
            stub.GetClusterId(gcs_service_pb2.GetClusterIdRequest(), timeout=deadline)
        except grpc.RpcError as exc:
            code = exc.code()
            if code == grpc.StatusCode.DEADLINE_EXCEEDED:
                return f"no answer within {deadline:.0f} s"
            if code in (grpc.StatusCode.UNAVAILABLE, grpc.StatusCode.UNIMPLEMENTED, grpc.StatusCode.INTERNAL,
                        grpc.StatusCode.UNKNOWN):  # it took the connection, but does not speak Ray's GCS
                return "something answers there, but not a Ray cluster's head"
            if code == grpc.StatusCode.UNAUTHENTICATED:
                return "the cluster wants its token (set RAY_AUTH_TOKEN)"
            return f"{code.name.lower().replace('_', ' ')}"
    return None
