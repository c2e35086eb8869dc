"""API keys as Weaviate checks them; ``lite serve`` refuses to expose data without one; secrets stay hidden."""

from __future__ import annotations

import grpc
import httpx
import pytest
import weaviate
from click.testing import CliRunner
from weaviate.classes.config import DataType, Property
from weaviate.classes.init import Auth
from weaviate.proto.v1 import health_weaviate_pb2, search_get_pb2

import weaviate_recsys.lite as lite
from weaviate_recsys.cli import main
from weaviate_recsys.connection import describe_target, open_client, redact_url
from weaviate_recsys.errors import ConnectionFailed
from weaviate_recsys.settings import Settings

KEY = "s3cret-key"


@pytest.fixture(scope="module")
def server() -> lite.LiteServer:
    with lite.start(api_keys=["other", KEY]) as s:
        yield s


def _connect(server: lite.LiteServer, key: str | None) -> weaviate.WeaviateClient:
    return weaviate.connect_to_local(
        host=server.host,
        port=server.http_port,
        grpc_port=server.grpc_port,
        auth_credentials=Auth.api_key(key) if key else None,
        skip_init_checks=True,
    )


def test_the_client_with_a_key_works_over_rest_and_grpc(server: lite.LiteServer) -> None:
    with weaviate.connect_to_local(
        host=server.host, port=server.http_port, grpc_port=server.grpc_port, auth_credentials=Auth.api_key(KEY)
    ) as c:  # with the init checks
        coll = c.collections.create("Keyed", properties=[Property(name="a", data_type=DataType.TEXT)])
        coll.data.insert_many([{"a": "x"}, {"a": "y"}])
        assert len(coll.query.fetch_objects().objects) == 2


@pytest.mark.parametrize("headers", [{}, {"Authorization": "Bearer wrong"}, {"Authorization": f"Basic {KEY}"}])
def test_rest_without_a_valid_key_is_401_but_probes_stay_open(server: lite.LiteServer, headers) -> None:
    for path in ("/v1/meta", "/v1/schema", "/v1/objects", "/v1/nodes"):
        reply = httpx.get(server.url + path, headers=headers)
        assert reply.status_code == 401, path
        assert "API key" in reply.json()["message"]
    for path in ("/v1/.well-known/ready", "/v1/.well-known/live"):
        assert httpx.get(server.url + path, headers=headers).status_code == 200
    assert httpx.get(server.url + "/v1/meta", headers={"Authorization": f"Bearer {KEY}"}).status_code == 200


def test_grpc_without_a_valid_key_is_unauthenticated(server: lite.LiteServer) -> None:
    with grpc.insecure_channel(f"{server.host}:{server.grpc_port}") as channel:
        search = channel.unary_unary(
            "/weaviate.v1.Weaviate/Search",
            request_serializer=search_get_pb2.SearchRequest.SerializeToString,
            response_deserializer=search_get_pb2.SearchReply.FromString,
        )
        for metadata in ((), (("authorization", "Bearer nope"),)):
            with pytest.raises(grpc.RpcError) as e:
                search(search_get_pb2.SearchRequest(collection="Keyed"), metadata=metadata, timeout=10)
            assert e.value.code() == grpc.StatusCode.UNAUTHENTICATED
        health = channel.unary_unary(
            "/grpc.health.v1.Health/Check",
            request_serializer=health_weaviate_pb2.WeaviateHealthCheckRequest.SerializeToString,
            response_deserializer=health_weaviate_pb2.WeaviateHealthCheckResponse.FromString,
        )(health_weaviate_pb2.WeaviateHealthCheckRequest(), timeout=10)
        assert health.status == health_weaviate_pb2.WeaviateHealthCheckResponse.SERVING


def test_a_client_without_a_key_or_with_a_wrong_one_is_refused(server: lite.LiteServer) -> None:
    for key in (None, "wrong"):
        with pytest.raises(Exception, match="401"):
            _connect(server, key)


def test_the_products_api_key_setting_reaches_the_server(server: lite.LiteServer) -> None:
    settings = Settings(url=server.url, grpc_port=server.grpc_port, api_key=KEY)
    with open_client(settings) as c:
        assert c.collections.exists("Keyed") in (True, False)
        assert c.collections.create("ViaProduct").name == "ViaProduct"


def test_url_credentials_and_keys_are_never_echoed() -> None:
    assert redact_url("http://admin:pw@example.org:8080/x") == "http://***@example.org:8080/x"
    assert redact_url("http://example.org") == "http://example.org"
    settings = Settings(url="http://admin:hunter2@127.0.0.1:9", grpc_port=9, api_key="topsecret")
    assert "hunter2" not in describe_target(settings) and "admin" not in describe_target(settings)
    with pytest.raises(ConnectionFailed) as e:
        with open_client(settings):
            pass
    assert "hunter2" not in str(e.value) and "topsecret" not in str(e.value)
    assert "***@127.0.0.1:9" in str(e.value)
    result = CliRunner().invoke(main, ["items", "count", "--url", "ftp://admin:hunter2@h"])
    assert "hunter2" not in result.output


def test_serve_refuses_a_public_interface_without_a_key(tmp_path) -> None:
    result = CliRunner().invoke(main, ["lite", "serve", "--host", "0.0.0.0", "--data-dir", str(tmp_path)])
    assert result.exit_code == 2
    assert "--api-key" in result.output and "--insecure" in result.output


def test_serve_insecure_warns_and_keys_come_from_weaviates_variable(tmp_path, monkeypatch) -> None:
    seen: dict[str, object] = {}

    def fake_serve(data_dir, **kwargs):  # stands in for the blocking server loop only
        seen.update(kwargs)

    monkeypatch.setattr(lite, "serve", fake_serve)
    result = CliRunner().invoke(main, ["lite", "serve", "--host", "0.0.0.0", "--insecure", "--data-dir", str(tmp_path)])
    assert result.exit_code == 0, result.output
    assert "Warning" in result.output and "without authentication" in result.output
    monkeypatch.setenv("AUTHENTICATION_APIKEY_ALLOWED_KEYS", "k1, k2")
    result = CliRunner().invoke(main, ["lite", "serve", "--host", "0.0.0.0", "--data-dir", str(tmp_path)])
    assert result.exit_code == 0, result.output
    assert seen["api_keys"] == ["k1", "k2"] and "k1" not in result.output
