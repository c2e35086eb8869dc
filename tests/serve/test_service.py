"""Every endpoint over HTTP, including bad input answered with the right status and a JSON error."""

from __future__ import annotations

import threading
from typing import Any

import pytest
from _service_fixtures import EMB, KEY
from fastapi.testclient import TestClient

from weaviate_recsys.serve import create_app
from weaviate_recsys.settings import Settings


def _error(response: Any, status: int) -> dict[str, Any]:
    assert response.status_code == status, response.text
    assert response.headers["content-type"].startswith("application/json")
    body = response.json()["error"]
    assert body["status"] == status and body["message"]
    return dict(body)


def test_recommendations_for_a_known_user(api: TestClient) -> None:
    r = api.get("/users/u000/recommendations", params={"k": 5})
    assert r.status_code == 200, r.text
    body = r.json()
    assert body["user_id"] == "u000" and body["k"] == 5
    assert 1 <= len(body["items"]) <= 5
    first = body["items"][0]
    assert first["item_id"] and first["reasons"]["source"]
    assert len({i["item_id"] for i in body["items"]}) == len(body["items"])


def test_recommendations_honour_exclude_and_domain(api: TestClient) -> None:
    first = api.get("/users/u000/recommendations", params={"k": 3}).json()["items"]
    excluded = first[0]["item_id"]
    again = api.get("/users/u000/recommendations", params={"k": 3, "exclude": [excluded]}).json()["items"]
    assert excluded not in [i["item_id"] for i in again]
    domain = first[0]["domain"]
    only = api.get("/users/u000/recommendations", params={"k": 5, "domain": domain}).json()["items"]
    assert only and {i["domain"] for i in only} == {domain}


def test_unknown_user_is_a_404_with_the_library_message(api: TestClient) -> None:
    body = _error(api.get("/users/nobody-at-all/recommendations"), 404)
    assert body["type"] == "UnknownUser" and "nobody-at-all" in body["message"]
    _error(api.get("/users/nobody-at-all/profile"), 404)


def test_unknown_user_with_cold_start_gets_popular_items(api: TestClient) -> None:
    r = api.get("/users/nobody-at-all/recommendations", params={"k": 3, "cold_start": True})
    assert r.status_code == 200, r.text
    assert [i["reasons"]["source"] for i in r.json()["items"]] == ["popular"] * 3


@pytest.mark.parametrize("k", ["0", "1000000", "-1", "ten"])
def test_k_out_of_range_is_a_422(api: TestClient, k: str) -> None:
    body = _error(api.get("/users/u000/recommendations", params={"k": k}), 422)
    assert body["type"] == "ValidationError" and body["message"].startswith("Invalid request: k:")
    _error(api.get("/items/EL0001/similar", params={"k": k}), 422)
    _error(api.get("/items/EL0001/audience", params={"k": k}), 422)


def test_diversity_out_of_range_is_a_422(api: TestClient) -> None:
    body = _error(api.get("/users/u000/recommendations", params={"diversity": 2}), 422)
    assert "diversity" in body["message"]


def test_missing_or_wrong_key_is_a_401(api: TestClient) -> None:
    no_key = api.get("/users/u000/recommendations", headers={"Authorization": ""})
    assert _error(no_key, 401)["message"].startswith("Missing API key")
    assert no_key.headers["www-authenticate"] == "Bearer"
    wrong = api.get("/users/u000/profile", headers={"Authorization": "Bearer not-the-key"})
    assert _error(wrong, 401)["message"].startswith("Wrong API key")
    _error(api.post("/interactions", json={"user_id": "u000", "kind": "view"}, headers={"Authorization": ""}), 401)


def test_health_endpoints_need_no_key(api: TestClient) -> None:
    assert api.get("/healthz", headers={"Authorization": ""}).json() == {"status": "ok", "detail": None}
    ready = api.get("/readyz", headers={"Authorization": ""})
    assert ready.status_code == 200 and ready.json()["status"] == "ready"


def test_profile_shows_domains_keywords_counts_and_history(api: TestClient) -> None:
    r = api.get("/users/u000/profile", params={"history": 3})
    assert r.status_code == 200, r.text
    p = r.json()
    assert p["user_id"] == "u000" and p["event_count"] > 0
    weights = [d["weight"] for d in p["domains"]]
    assert weights and weights == sorted(weights, reverse=True) and 0 < sum(weights) <= 1 + 1e-6
    assert p["keywords"] and "interest_vector" not in p
    recent = p["short_term"]
    assert recent["domains"] and recent["keywords"] and "interest_vector" not in recent
    assert p["vector_dims"]["recent_interest"] == p["vector_dims"]["interest"]
    assert len(p["history"]) == 3 and p["history"][0]["title"]
    stamps = [h["timestamp"] for h in p["history"]]
    assert stamps == sorted(stamps, reverse=True)


def test_posting_an_interaction_updates_the_users_profile(api: TestClient) -> None:
    before = api.get("/users/u001/profile").json()
    r = api.post(
        "/interactions",
        json={"user_id": "u001", "item_id": "EL0001", "kind": "purchase", "timestamp": "2026-06-01T00:00:00Z"},
    )
    assert r.status_code == 201, r.text
    after = r.json()["profile"]
    assert after["event_count"] == before["event_count"] + 1
    assert after["history"][0]["item_id"] == "EL0001"
    assert api.get("/users/u001/profile").json()["event_count"] == after["event_count"]


@pytest.mark.parametrize(
    "body",
    [
        {"item_id": "EL0001", "kind": "view"},  # no user
        {"user_id": "u001", "item_id": "EL0001", "kind": "view", "colour": "red"},  # unknown field
        {"user_id": "u001", "item_id": "EL0001", "kind": "view", "timestamp": "yesterday"},
    ],
)
def test_a_bad_interaction_is_a_422_naming_the_field(api: TestClient, body: dict[str, Any]) -> None:
    assert _error(api.post("/interactions", json=body), 422)["details"]


def test_a_malformed_body_is_a_422(api: TestClient) -> None:
    r = api.post("/interactions", content=b"{not json", headers={"Content-Type": "application/json"})
    assert _error(r, 422)["type"] == "ValidationError"
    _error(api.post("/recommendations/text", json={"k": 3}), 422)  # no text


def test_an_unknown_interaction_kind_is_a_422_with_the_library_message(api: TestClient) -> None:
    body = _error(api.post("/interactions", json={"user_id": "u001", "item_id": "EL0001", "kind": "teleport"}), 422)
    assert body["type"] == "ConfigurationError" and "kind" in body["message"]


def test_text_recommendations(api: TestClient) -> None:
    r = api.post("/recommendations/text", json={"text": "wireless headphones with deep bass", "k": 4})
    assert r.status_code == 200, r.text
    items = r.json()["items"]
    assert 1 <= len(items) <= 4 and items[0]["reasons"]["source"] in ("text", "interest", "overall")


def test_similar_items_and_audience(api: TestClient) -> None:
    similar = api.get("/items/EL0001/similar", params={"k": 4})
    assert similar.status_code == 200, similar.text
    items = similar.json()["items"]
    assert len(items) == 4 and "EL0001" not in [i["item_id"] for i in items]
    assert all(i["reasons"]["found_by"] in ("behavior", "content") for i in items)  # which signal found each
    audience = api.get("/items/EL0001/audience", params={"k": 3})
    assert audience.status_code == 200, audience.text
    assert audience.json()["users"] and audience.json()["users"][0]["user_id"]


def test_unknown_item_is_a_404(api: TestClient) -> None:
    assert _error(api.get("/items/NOPE/similar"), 404)["type"] == "UnknownItem"
    _error(api.get("/items/NOPE/audience"), 404)


def test_openapi_docs_list_every_endpoint(api: TestClient) -> None:
    assert api.get("/docs").status_code == 200
    paths = api.get("/openapi.json").json()["paths"]
    for path in [
        "/users/{user_id}/recommendations",
        "/users/{user_id}/profile",
        "/interactions",
        "/recommendations/text",
        "/items/{item_id}/similar",
        "/items/{item_id}/audience",
        "/healthz",
        "/readyz",
    ]:
        assert path in paths


def test_unreachable_weaviate_is_a_503(tmp_path: Any) -> None:
    settings = Settings(url="http://127.0.0.1:9", grpc_port=10, data_dir=tmp_path)
    with TestClient(create_app(settings)) as http:
        assert http.get("/healthz").status_code == 200
        ready = http.get("/readyz")
        assert ready.status_code == 503 and ready.json()["status"] == "unavailable"
        body = _error(http.get("/users/u000/recommendations"), 503)
        assert body["type"] == "ConnectionFailed" and "127.0.0.1:9" in body["message"]


def test_without_configured_keys_no_key_is_needed(sample_store: Any) -> None:
    client, settings = sample_store
    with TestClient(create_app(settings.model_copy(update={"serve_api_keys": []}), client=client)) as http:
        assert http.get("/users/u000/profile").status_code == 200


def test_a_posted_interaction_refreshes_the_cached_profile_at_once(sample_store: Any) -> None:
    client, settings = sample_store
    cached = settings.model_copy(update={"serve_cache_seconds": 3600})
    with TestClient(
        create_app(cached, client=client, embedder=None), headers={"Authorization": f"Bearer {KEY}"}
    ) as http:
        before = http.get("/users/u002/profile").json()["event_count"]
        r = http.post(
            "/interactions",
            json={"user_id": "u002", "item_id": "EL0002", "kind": "view", "timestamp": "2026-06-02T00:00:00Z"},
        )
        assert r.status_code == 201, r.text
        assert http.get("/users/u002/profile").json()["event_count"] == before + 1
        recs = http.get("/users/u002/recommendations", params={"k": 20}).json()["items"]
        assert "EL0002" not in [i["item_id"] for i in recs]  # now seen, so not recommended again


def test_endpoints_that_do_not_embed_never_load_the_model(sample_store: Any) -> None:
    client, settings = sample_store
    app = create_app(settings, client=client, embedder=None)
    with TestClient(app, headers={"Authorization": f"Bearer {KEY}"}) as http:
        for path in [
            "/users/u000/recommendations",
            "/users/u000/profile",
            "/items/EL0001/similar",
            "/items/EL0001/audience",
        ]:
            assert http.get(path).status_code == 200
    assert app.state.recsys.embedder.loaded is False


def test_weaviate_going_away_while_serving_is_a_503(tmp_path: Any) -> None:
    from weaviate_recsys import lite

    server = lite.spawn()
    settings = Settings(url=f"http://{server.host}:{server.http_port}", grpc_port=server.grpc_port, data_dir=tmp_path)
    try:
        with TestClient(create_app(settings)) as http:
            assert http.get("/readyz").status_code == 200
            assert _error(http.get("/users/u000/recommendations"), 409)["type"] == "SchemaMissing"
            server.stop()
            # The readiness probe finds it gone, so requests are answered at once instead of after the
            # client's retries.
            assert http.get("/readyz").status_code == 503
            for path in ["/users/u000/recommendations", "/items/x/similar", "/users/u000/profile"]:
                assert _error(http.get(path), 503)["type"] == "ConnectionFailed"
            assert http.get("/healthz").status_code == 200
    finally:
        server.stop()


def test_one_query_thread_serves_the_same_list_without_a_query_pool(sample_store: Any) -> None:
    client, settings = sample_store

    def query_threads() -> set[threading.Thread]:
        return {t for t in threading.enumerate() if t.name.startswith("recsys-query")}

    lists = {}
    for threads in (1, 8):
        before = query_threads()
        app = create_app(settings.model_copy(update={"serve_query_threads": threads}), client=client, embedder=EMB)
        with TestClient(app, headers={"Authorization": f"Bearer {KEY}"}) as http:
            r = http.get("/users/u001/recommendations", params={"k": 5})
            assert r.status_code == 200, r.text
            lists[threads] = r.json()["items"]
            started = query_threads() - before
        assert bool(started) == (threads > 1)
    assert lists[1] == lists[8]
