"""Handshake, entry points and the ``lite serve`` command (docs/lite-server.md §1)."""

from __future__ import annotations

import os
import signal
import socket
import subprocess
import sys
import time

import grpc
import httpx
import pytest
import weaviate
from weaviate.proto.v1 import health_weaviate_pb2

import weaviate_recsys.lite as lite
from weaviate_recsys.errors import ConfigurationError


def test_handshake_endpoints(client: weaviate.WeaviateClient) -> None:
    url = client.lite_server.url  # type: ignore[attr-defined]
    assert httpx.get(f"{url}/v1/.well-known/openid-configuration").status_code == 404
    assert httpx.get(f"{url}/v1/.well-known/ready").status_code == 200
    assert httpx.get(f"{url}/v1/.well-known/live").status_code == 200
    meta = httpx.get(f"{url}/v1/meta").json()
    assert meta["version"] == "1.36.5" and meta["grpcMaxMessageSize"] == 104858000
    node = httpx.get(f"{url}/v1/nodes").json()["nodes"][0]
    assert node["batchStats"] == {"queueLength": 0, "ratePerSecond": 0}
    assert client.is_ready() and client.is_live()
    assert client.get_meta()["version"] == "1.36.5"


def test_grpc_health_is_serving(client: weaviate.WeaviateClient) -> None:
    server = client.lite_server  # type: ignore[attr-defined]
    with grpc.insecure_channel(f"{server.host}:{server.grpc_port}") as channel:
        reply = channel.unary_unary(
            "/grpc.health.v1.Health/Check",
            request_serializer=health_weaviate_pb2.WeaviateHealthCheckRequest.SerializeToString,
            response_deserializer=health_weaviate_pb2.WeaviateHealthCheckResponse.FromString,
        )(health_weaviate_pb2.WeaviateHealthCheckRequest(), timeout=5)
    assert reply.status == health_weaviate_pb2.WeaviateHealthCheckResponse.SERVING


def test_start_handle_and_client_with_init_checks(tmp_path) -> None:
    with lite.start(tmp_path / "data") as server:
        assert server.http_port and server.grpc_port and server.data_dir == str(tmp_path / "data")
        # the full client start-up, gRPC health check included (skip_init_checks=False)
        c = weaviate.connect_to_custom(
            http_host=server.host,
            http_port=server.http_port,
            http_secure=False,
            grpc_host=server.host,
            grpc_port=server.grpc_port,
            grpc_secure=False,
        )
        try:
            assert c.is_ready()
        finally:
            c.close()
        with pytest.raises(ConfigurationError, match="in use by another lite server"):
            lite.start(tmp_path / "data")
    assert not os.path.exists(server.data_dir + "/missing")


def test_connect_closes_server_and_removes_temp_dir() -> None:
    c = lite.connect()
    server = c.lite_server  # type: ignore[attr-defined]
    data_dir = server.data_dir
    assert os.path.isdir(data_dir)
    c.close()
    assert not os.path.exists(data_dir)
    with pytest.raises(httpx.TransportError):
        httpx.get(f"{server.url}/v1/meta", timeout=1)


def _free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return int(s.getsockname()[1])


@pytest.mark.slow
def test_cli_serve_works_with_connect_to_local(tmp_path) -> None:
    port, grpc_port = _free_port(), _free_port()
    proc = subprocess.Popen(
        [
            sys.executable,
            "-c",
            "from weaviate_recsys.cli import main; main()",
            "lite",
            "serve",
            "--data-dir",
            str(tmp_path / "d"),
            "--port",
            str(port),
            "--grpc-port",
            str(grpc_port),
        ],
        stderr=subprocess.PIPE,
        text=True,
    )
    try:
        deadline = time.time() + 60
        while time.time() < deadline:
            try:
                if httpx.get(f"http://127.0.0.1:{port}/v1/.well-known/ready", timeout=1).status_code == 200:
                    break
            except httpx.TransportError:
                time.sleep(0.2)
        c = weaviate.connect_to_local(port=port, grpc_port=grpc_port, skip_init_checks=True)
        try:
            coll = c.collections.create("FromCli")
            coll.data.insert({})
            assert coll.aggregate.over_all(total_count=True).total_count == 1
        finally:
            c.close()
    finally:
        proc.send_signal(signal.SIGTERM)
        _, err = proc.communicate(timeout=30)
    assert proc.returncode == 0, err
    assert "lite server listening" in err
