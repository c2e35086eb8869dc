"""What one request may cost the lite server: bodies, nesting, paging, connections (docs/lite-server.md, "What the lite server promises")."""

from __future__ import annotations

import json
import socket
import threading
import time

import httpx
import pytest
import weaviate
from weaviate.classes.config import DataType, Property

import weaviate_recsys.lite as lite
from weaviate_recsys.lite.limits import ServerLimits


def _url(client: weaviate.WeaviateClient) -> str:
    return client.lite_server.url  # type: ignore[attr-defined, no-any-return]


@pytest.mark.filterwarnings("ignore:Dep031")  # the client deprecates graphql_raw_query; the call is the point here
def test_a_refused_graphql_call_leaves_the_connection_usable(client: weaviate.WeaviateClient, name: str) -> None:
    # The 422 is sent without needing the body; its bytes must not be read as the next request.
    coll = client.collections.create(name, properties=[Property(name="title", data_type=DataType.TEXT)])
    with pytest.raises(Exception, match="422|GraphQL"):
        client.graphql_raw_query("{ Get { " + name + " { title } } }")
    assert coll.config.get().name == name
    assert coll.config.get().properties[0].name == "title"


@pytest.mark.parametrize(
    "method, path",
    [
        ("POST", "/v1/graphql"),
        ("POST", "/v1/batch/objects"),
        ("POST", "/v1/backups/filesystem"),
        ("POST", "/v1/schema/X/tenants"),
        ("POST", "/v1/objects/X/00000000-0000-0000-0000-000000000001/references/r"),
        ("POST", "/v1/nowhere"),
        ("PUT", "/v1/meta"),
    ],
)
def test_every_refusal_consumes_the_body(client: weaviate.WeaviateClient, method: str, path: str) -> None:
    with httpx.Client(base_url=_url(client)) as http:
        refused = http.request(method, path, content=b'{"query": "' + b"x" * 5000 + b'"}')
        assert 400 <= refused.status_code < 500 or refused.status_code == 501
        assert http.get("/v1/meta").status_code == 200  # same keep-alive connection


def test_deeply_nested_json_is_a_400(client: weaviate.WeaviateClient) -> None:
    for depth in (100, 100_000):
        body = "[" * depth + "]" * depth
        reply = httpx.post(f"{_url(client)}/v1/schema", content=body)
        assert reply.status_code == 400, depth
        assert "nested" in reply.json()["message"]


@pytest.mark.parametrize("query", ["limit=-1", "offset=-1", "limit=10001", "offset=9999&limit=2"])
def test_listing_rejects_negative_and_oversized_pages(client: weaviate.WeaviateClient, query: str) -> None:
    reply = httpx.get(f"{_url(client)}/v1/objects?{query}")
    assert reply.status_code == 422
    assert reply.json()["error"][0]["message"]


def _open_idle(server: lite.LiteServer, n: int) -> list[socket.socket]:
    return [socket.create_connection((server.host, server.http_port)) for _ in range(n)]


def _connection_threads(server: lite.LiteServer) -> int:
    return sum(1 for t in threading.enumerate() if t.name == f"lite-http-{server.http_port}")


@pytest.mark.timeout(60)
def test_connections_beyond_the_cap_get_503_and_threads_stay_bounded() -> None:
    with lite.start(limits=ServerLimits(max_connections=4, idle_timeout_s=30)) as server:
        idle = _open_idle(server, 4)
        try:
            extra = _open_idle(server, 20)
            for s in extra:
                s.settimeout(10)
                assert s.recv(4096).startswith(b"HTTP/1.1 503"), "a connection over the cap is answered 503"
                s.close()
            assert _connection_threads(server) <= 4
        finally:
            for s in idle:
                s.close()
        deadline = time.monotonic() + 20
        while time.monotonic() < deadline:  # closed sockets free their slots
            try:
                if httpx.get(f"{server.url}/v1/.well-known/ready", timeout=5).status_code == 200:
                    break
            except httpx.TransportError:
                pass
            time.sleep(0.1)
        assert httpx.get(f"{server.url}/v1/.well-known/ready", timeout=5).status_code == 200


@pytest.mark.timeout(60)
def test_idle_and_trickling_connections_are_closed() -> None:
    with lite.start(limits=ServerLimits(idle_timeout_s=0.5)) as server:
        idle, partial = _open_idle(server, 2)
        partial.sendall(b"GET /v1/meta HTTP/1.1\r\nHost: x\r\n")  # headers never finished
        for s in (idle, partial):
            s.settimeout(20)
            assert s.recv(4096) == b"", "the server closed the connection"
            s.close()
        assert httpx.get(f"{server.url}/v1/meta").status_code == 200


def test_an_oversized_body_is_a_413_and_closes_the_connection() -> None:
    with lite.start(limits=ServerLimits(max_body_bytes=1000)) as server, httpx.Client(base_url=server.url) as http:
        reply = http.post("/v1/schema", content=json.dumps({"class": "X" + "x" * 2000}))
        assert reply.status_code == 413
        assert reply.headers.get("connection") == "close"
        assert http.get("/v1/meta").status_code == 200  # a fresh connection
