"""The reasons the service returns are true of the item and the user (sample catalog, lite server)."""

from __future__ import annotations

import json

import pytest
from fastapi.testclient import TestClient

from weaviate_recsys.demo import sample_path
from weaviate_recsys.plugin.reasons import _stems

ITEMS = {r["item_id"]: r for r in map(json.loads, sample_path("items").read_text().splitlines())}
INTERACTIONS = [json.loads(line) for line in sample_path("interactions").read_text().splitlines()]


def _item_words(item_id: str) -> set[str]:
    r = ITEMS[item_id]
    text = " ".join(
        [r.get("title", ""), r.get("description", ""), r.get("brand", ""), *r.get("tags", []), *r.get("categories", [])]
    )
    return set(_stems(text))


@pytest.mark.parametrize("user", ["u000", "u004", "u007"])
def test_parts_add_up_to_the_score_and_keywords_are_in_the_item(api: TestClient, user: str) -> None:
    items = api.get(f"/users/{user}/recommendations", params={"k": 10}).json()["items"]
    assert items
    for rec in items:
        reasons = rec["reasons"]
        assert reasons["score_parts"], rec
        assert abs(sum(p["value"] for p in reasons["score_parts"]) - rec["score"]) < 1e-9
        for keyword in reasons["matched_keywords"]:
            assert set(_stems(keyword)) <= _item_words(rec["item_id"]), (keyword, rec["item_id"])
        assert reasons["summary"]


def test_because_you_liked_names_items_the_user_liked(api: TestClient) -> None:
    liked = {r["item_id"] for r in INTERACTIONS if r["user_id"] == "u000" and r["kind"] != "dislike"}
    items = api.get("/users/u000/recommendations", params={"k": 10}).json()["items"]
    named = [b for rec in items for b in rec["reasons"]["because"]]
    assert named, "no recommendation is near anything the user liked"
    for b in named:
        assert b["item_id"] in liked and b["by"] in ("content", "behavior") and b["similarity"] >= 0.3
    with_because = next(rec for rec in items if rec["reasons"]["because"])
    assert with_because["reasons"]["summary"].startswith("because you liked ")


def test_the_interest_is_the_users_and_the_domain_the_items(api: TestClient) -> None:
    items = api.get("/users/u000/recommendations", params={"k": 10}).json()["items"]
    profile_domains = {d["name"] for d in api.get("/users/u000/profile").json()["domains"]}
    for rec in items:
        reasons = rec["reasons"]
        assert rec["domain"] == ITEMS[rec["item_id"]].get("domain", rec["domain"])
        if reasons["source"] == "interest":
            assert reasons["interest"] in profile_domains
            assert f"your interest in {reasons['interest']}".lower() in reasons["summary"].lower()


def test_similar_items_explain_with_parts_that_add_up(api: TestClient) -> None:
    for rec in api.get("/items/EL0001/similar", params={"k": 5}).json()["items"]:
        assert abs(sum(p["value"] for p in rec["reasons"]["score_parts"]) - rec["score"]) < 1e-9
        assert rec["reasons"]["summary"].startswith("similar to ")
