"""Bad input gets a Weaviate-shaped error, the server keeps serving, and nothing stored changes
(docs/lite-server.md §1.2, §7)."""

from __future__ import annotations

import math
import os
import socket
import uuid

import grpc
import httpx
import numpy as np
import pytest
import weaviate
from weaviate.classes.config import Configure, DataType, Property
from weaviate.classes.data import DataObject
from weaviate.classes.query import MetadataQuery
from weaviate.exceptions import UnexpectedStatusCodeError, WeaviateInsertManyAllFailedError, WeaviateQueryError
from weaviate.proto.v1 import base_pb2, search_get_pb2, weaviate_pb2_grpc

SEED = {uuid.UUID(int=i + 1): {"title": f"doc {i}", "n": i} for i in range(5)}


@pytest.fixture(scope="module")
def client(strict_client: weaviate.WeaviateClient) -> weaviate.WeaviateClient:
    """The errors below are Weaviate's with auto-schema off: unknown collections and properties are rejected."""
    return strict_client


@pytest.fixture(scope="module")
def coll(client: weaviate.WeaviateClient):
    c = client.collections.create(
        "Guarded",
        properties=[Property(name="title", data_type=DataType.TEXT), Property(name="n", data_type=DataType.INT)],
        vector_config=[Configure.Vectors.self_provided(name="v")],
    )
    c.data.insert_many(
        [DataObject(properties=p, uuid=u, vector={"v": [1.0, float(i)]}) for i, (u, p) in enumerate(SEED.items())]
    )
    return c


@pytest.fixture(autouse=True)
def unchanged(coll):
    """Every test here must leave the stored objects exactly as they were."""
    yield
    objs = coll.query.fetch_objects(limit=100, include_vector=True).objects
    assert {o.uuid: o.properties for o in objs} == SEED
    assert {o.uuid: o.vector["v"] for o in objs} == {u: [1.0, float(i)] for i, u in enumerate(SEED)}


def _url(client) -> str:
    return client.lite_server.url


def test_unknown_collection(client: weaviate.WeaviateClient, coll) -> None:
    ghost = client.collections.get("Ghost")
    with pytest.raises(UnexpectedStatusCodeError) as e:
        ghost.data.insert({"title": "x"})
    assert e.value.status_code == 422 and "not found in schema" in str(e.value)
    with pytest.raises(WeaviateInsertManyAllFailedError, match="not present in schema"):
        ghost.data.insert_many([{"title": "x"}])
    with pytest.raises(WeaviateQueryError, match="could not find class Ghost"):
        ghost.query.fetch_objects()


def test_wrong_types_and_unknown_property_over_rest(coll) -> None:
    with pytest.raises(UnexpectedStatusCodeError) as e:
        coll.data.insert({"n": "five"})
    assert e.value.status_code == 422 and "invalid integer property 'n'" in str(e.value)
    with pytest.raises(UnexpectedStatusCodeError) as e:
        coll.data.insert({"title": "x", "nope": 1})
    assert "no such prop with name 'nope'" in str(e.value)
    with pytest.raises(UnexpectedStatusCodeError) as e:
        coll.data.update(uuid.UUID(int=1), properties={"n": 1.5})
    assert e.value.status_code == 422


def test_bad_vectors(client: weaviate.WeaviateClient, coll) -> None:
    with pytest.raises(WeaviateInsertManyAllFailedError) as e:  # every object fails: the client raises
        coll.data.insert_many(
            [
                DataObject(properties={"title": "nan"}, vector={"v": np.array([math.nan, 1.0], dtype=np.float32)}),
                DataObject(properties={"title": "inf"}, vector={"v": [math.inf, 1.0]}),
                DataObject(properties={"title": "long"}, vector={"v": [1.0, 2.0, 3.0]}),
                DataObject(properties={"title": "unknown"}, vector={"zz": [1.0, 2.0]}),
            ]
        )
    for message in ("NaN or infinite", "vector dimensions do not match", "does not have configuration for vector zz"):
        assert message in str(e.value)
    r = httpx.post(f"{_url(client)}/v1/objects", content=b'{"class":"Guarded","properties":{},"vectors":{"v":[NaN,1]}}')
    assert r.status_code == 422
    with pytest.raises(UnexpectedStatusCodeError) as e:
        coll.data.insert({"title": "x"}, vector={"v": [1.0]})
    assert e.value.status_code == 500 and "vector dimensions do not match" in str(e.value)  # §7: REST 500
    with pytest.raises(WeaviateQueryError, match="vector lengths don't match"):
        coll.query.near_vector([1.0, 2.0, 3.0])


def test_invalid_uuids(client: weaviate.WeaviateClient, coll) -> None:
    url = _url(client)
    r = httpx.post(f"{url}/v1/objects", json={"class": "Guarded", "id": "not-a-uuid", "properties": {}})
    assert r.status_code == 422 and "invalid UUID" in r.json()["error"][0]["message"]
    assert httpx.get(f"{url}/v1/objects/Guarded/not-a-uuid").status_code == 404
    assert httpx.delete(f"{url}/v1/objects/Guarded/not-a-uuid").status_code == 404


def test_malformed_json_and_oversized_body(client: weaviate.WeaviateClient, coll) -> None:
    url = _url(client)
    r = httpx.post(f"{url}/v1/objects", content=b"{not json", headers={"content-type": "application/json"})
    assert r.status_code == 400
    r = httpx.post(f"{url}/v1/schema", content=b'["a list"]')
    assert r.status_code == 422
    server = client.lite_server  # type: ignore[attr-defined]
    with socket.create_connection((server.host, server.http_port), timeout=5) as s:
        s.sendall(b"POST /v1/objects HTTP/1.1\r\nHost: x\r\nContent-Length: 999999999999\r\n\r\n")
        reply = s.recv(4096)
    assert reply.startswith(b"HTTP/1.1 413")


def _raw_search(client, request: search_get_pb2.SearchRequest) -> None:
    server = client.lite_server
    with grpc.insecure_channel(f"{server.host}:{server.grpc_port}") as ch:
        weaviate_pb2_grpc.WeaviateStub(ch).Search(request, timeout=10)


@pytest.mark.parametrize(
    "filters, message",
    [
        (base_pb2.Filters(operator=7), "requires at least one operand"),
        (
            base_pb2.Filters(operator=99, value_text="x", target=base_pb2.FilterTarget(property="title")),
            "unknown filter operator",
        ),
        (
            base_pb2.Filters(operator=15, filters=[base_pb2.Filters(operator=1), base_pb2.Filters(operator=1)]),
            "exactly one operand",
        ),
        (base_pb2.Filters(operator=1, value_text="x"), "needs a target property"),
        (base_pb2.Filters(operator=1, target=base_pb2.FilterTarget(property="title")), "has no value"),
        (base_pb2.Filters(operator=9, target=base_pb2.FilterTarget(property="title")), "WithinGeoRange"),
    ],
)
def test_malformed_filters_are_unknown_status(client, coll, filters, message) -> None:
    with pytest.raises(grpc.RpcError) as e:
        _raw_search(client, search_get_pb2.SearchRequest(collection="Guarded", filters=filters))
    assert e.value.code() == grpc.StatusCode.UNKNOWN  # never UNAVAILABLE (§1.2)
    assert "invalid 'where' filter" in e.value.details() and message in e.value.details()


def test_query_errors(client, coll) -> None:
    with pytest.raises(grpc.RpcError) as e:
        _raw_search(client, search_get_pb2.SearchRequest(collection="Guarded", limit=9000, offset=2000))
    assert "query maximum results exceeded" in e.value.details()
    with pytest.raises(grpc.RpcError) as e:
        _raw_search(client, search_get_pb2.SearchRequest(collection="Guarded", after="nonsense"))
    assert "after" in e.value.details()
    with pytest.raises(WeaviateQueryError, match="cannot be set with after"):
        coll.query.fetch_objects(after=uuid.UUID(int=1), offset=1)
    with pytest.raises(WeaviateQueryError, match="cannot provide distance and certainty"):
        coll.query.near_vector([1.0, 0.0], distance=0.1, certainty=0.5)


def test_garbage_bytes_on_both_ports(client: weaviate.WeaviateClient, coll) -> None:
    server = client.lite_server  # type: ignore[attr-defined]
    for port in (server.http_port, server.grpc_port):
        for payload in (os.urandom(4096), b"\x00" * 100 + b"\r\n\r\n", b"GET / HTTP/9.9\r\n\r\n"):
            with socket.create_connection((server.host, port), timeout=5) as s:
                try:
                    s.sendall(payload)
                    s.recv(1024)
                except OSError:
                    pass
    assert coll.query.bm25("doc", return_metadata=MetadataQuery(score=True)).objects
    assert client.is_ready()


def test_oversized_grpc_message_is_rejected(client: weaviate.WeaviateClient, coll) -> None:
    server = client.lite_server  # type: ignore[attr-defined]
    big = search_get_pb2.SearchRequest(collection="Guarded", after="x" * (105 * 1024 * 1024))
    with grpc.insecure_channel(
        f"{server.host}:{server.grpc_port}", options=[("grpc.max_send_message_length", 200 * 1024 * 1024)]
    ) as ch:
        with pytest.raises(grpc.RpcError) as e:
            weaviate_pb2_grpc.WeaviateStub(ch).Search(big, timeout=30)
    assert e.value.code() == grpc.StatusCode.RESOURCE_EXHAUSTED
