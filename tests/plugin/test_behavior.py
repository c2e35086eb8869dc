"""Behaviour vectors: the in-memory fit, `train_behavior` through the client, the users' matching
vectors from the interest model, the multi-target recommender queries and `behavior train` on the CLI."""

from __future__ import annotations

import json
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import numpy as np
import pytest
from click.testing import CliRunner

from weaviate_recsys import lite
from weaviate_recsys.cli import main
from weaviate_recsys.loaders import HashingEmbedder, load_interactions, load_items, load_users
from weaviate_recsys.plugin import Recommender, build_profiles, get_profile, record, train_domains
from weaviate_recsys.plugin.behavior import BehaviorConfig, fit_behavior, train_behavior
from weaviate_recsys.plugin.query_plan import hybrid_kwargs
from weaviate_recsys.schema import register_schema
from weaviate_recsys.schema.identity import item_uuid, user_uuid
from weaviate_recsys.settings import Settings

from _weaviate_for_tests import connect_for_tests

EMB = HashingEmbedder(dim=32)

# Two co-purchase clusters whose titles share no words: only behaviour can tell that a1..a4 go together.
# "fresh" (same domain as a1..a4) has no interactions: a cold item.
ITEMS = [
    {"item_id": "a1", "title": "Walnut bookshelf", "domain": "Home", "tags": ["wood"], "popularity": 3},
    {"item_id": "a2", "title": "Linen curtains", "domain": "Home", "tags": ["fabric"], "popularity": 2},
    {"item_id": "a3", "title": "Ceramic vase", "domain": "Home", "tags": ["pottery"], "popularity": 5},
    {"item_id": "a4", "title": "Brass floor lamp", "domain": "Home", "tags": ["light"], "popularity": 1},
    {"item_id": "b1", "title": "Trail running shoes", "domain": "Sport", "tags": ["run"], "popularity": 4},
    {"item_id": "b2", "title": "Yoga mat", "domain": "Sport", "tags": ["yoga"], "popularity": 6},
    {"item_id": "b3", "title": "Water bottle steel", "domain": "Sport", "tags": ["hydration"], "popularity": 7},
    {"item_id": "b4", "title": "Cycling gloves", "domain": "Sport", "tags": ["bike"], "popularity": 8},
    {"item_id": "fresh", "title": "Oak side table", "domain": "Home", "tags": ["wood"], "popularity": 0},
]
CLUSTERS = {"a": ["a1", "a2", "a3", "a4"], "b": ["b1", "b2", "b3", "b4"]}


def _interactions() -> list[dict[str, Any]]:
    rng = np.random.default_rng(3)
    rows = []
    for u in range(12):
        cluster = CLUSTERS["a" if u % 2 == 0 else "b"]
        for s, item in enumerate(rng.choice(cluster, 3, replace=False)):
            rows.append({"user_id": f"u{u}", "item_id": str(item), "kind": "purchase", "seq": s})
    return rows


def _write(path: Path, rows: list[dict[str, Any]]) -> Path:
    path.write_text("".join(json.dumps(r) + "\n" for r in rows))
    return path


def _load(client: Any, tmp: Path, prefix: str) -> Settings:
    settings = Settings(prefix=prefix, data_dir=tmp, behavior_dim=4)
    register_schema(client, prefix=prefix)
    assert load_items(client, [_write(tmp / "items.jsonl", ITEMS)], settings, EMB).rejected == 0
    users = [{"user_id": f"u{u}"} for u in range(12)]
    assert load_users(client, [_write(tmp / "users.jsonl", users)], settings, EMB).rejected == 0
    assert load_interactions(client, [_write(tmp / "inter.jsonl", _interactions())], settings, EMB).rejected == 0
    return settings


def _cos(a: Any, b: Any) -> float:
    a, b = np.asarray(a, dtype=np.float64), np.asarray(b, dtype=np.float64)
    return float(a @ b / (np.linalg.norm(a) * np.linalg.norm(b)))


# --- the fit, in memory ---------------------------------------------------------------------------


def _pairs() -> tuple[list[str], list[str]]:
    rows = _interactions()
    return [r["user_id"] for r in rows], [r["item_id"] for r in rows]


@pytest.mark.parametrize("method", ["cooccurrence", "user_item"])
def test_items_bought_together_are_closer_than_items_that_never_are(method: str) -> None:
    users, items = _pairs()
    emb = fit_behavior(users, items, config=BehaviorConfig(method=method, dim=4))  # type: ignore[arg-type]
    assert sorted(emb.item_ids) == sorted(CLUSTERS["a"] + CLUSTERS["b"])
    assert np.allclose(np.linalg.norm(emb.vectors, axis=1), 1.0, atol=1e-5)
    within = min(_cos(emb.vector("a1"), emb.vector(x)) for x in ("a2", "a3", "a4"))
    across = max(_cos(emb.vector("a1"), emb.vector(x)) for x in CLUSTERS["b"])
    assert within > across + 0.3


def test_the_fit_is_reproducible_and_ignores_negative_evidence() -> None:
    users, items = _pairs()
    first = fit_behavior(users, items, config=BehaviorConfig(dim=4, seed=1))
    again = fit_behavior(users, items, config=BehaviorConfig(dim=4, seed=1))
    assert np.array_equal(first.vectors, again.vectors)
    with_dislike = fit_behavior(
        [*users, "u0"], [*items, "b1"], [1.0] * len(users) + [-0.6], BehaviorConfig(dim=4, seed=1)
    )
    assert np.allclose(with_dislike.vectors, first.vectors, atol=1e-6)
    assert int(first.events[first.index["a1"]]) == items.count("a1")


def test_misaligned_inputs_are_an_error() -> None:
    from weaviate_recsys.errors import ConfigurationError

    with pytest.raises(ConfigurationError, match="one entry per interaction"):
        fit_behavior(["u1", "u2"], ["a1"])


# --- through Weaviate -------------------------------------------------------------------------------


@pytest.fixture(scope="module")
def trained(tmp_path_factory: pytest.TempPathFactory) -> Iterator[tuple[Any, Settings, Any]]:
    with connect_for_tests() as client:
        settings = _load(client, tmp_path_factory.mktemp("behavior"), "Beh")
        train_domains(client, settings)
        report = train_behavior(client, settings)
        build_profiles(client, settings=settings, embedder=EMB)
        yield client, settings, report


def _item(client: Any, settings: Settings, item_id: str) -> Any:
    coll = client.collections.get(f"{settings.prefix}Item")
    return coll.query.fetch_object_by_id(item_uuid(item_id), include_vector=True)


def test_train_writes_behaviour_vectors_and_keeps_everything_else(trained: tuple[Any, Settings, Any]) -> None:
    client, settings, report = trained
    assert report.items == 9 and report.items_with_vector == 8 and report.items_without_vector == 1
    assert report.used_interactions == 36 and report.write_failures == 0
    a1 = _item(client, settings, "a1")
    assert len(a1.vector["behavior"]) == 4 and a1.properties["behavior_events"] > 0
    # The loaders' properties and the content vector survive the re-write.
    assert a1.properties["title"] == "Walnut bookshelf" and a1.properties["domain"] == "Home"
    assert a1.properties["tags"] == ["wood"] and a1.properties["content_hash"]
    assert np.allclose(a1.vector["content"], EMB.embed_batch([_item_text("a1")])[0], atol=1e-5)
    fresh = _item(client, settings, "fresh")
    assert "behavior" not in fresh.vector and fresh.properties.get("behavior_events") is None
    assert len(fresh.vector["content"]) == 32


def _item_text(item_id: str) -> str:
    from weaviate_recsys.loaders import ItemRecord, item_text

    return item_text(ItemRecord.model_validate(next(i for i in ITEMS if i["item_id"] == item_id)))


def test_training_again_rewrites_nothing(trained: tuple[Any, Settings, Any]) -> None:
    client, settings, _ = trained
    again = train_behavior(client, settings)
    assert again.written == 0 and again.unchanged == 9


def test_users_get_the_mean_behaviour_of_their_items(trained: tuple[Any, Settings, Any]) -> None:
    client, settings, _ = trained
    profile = get_profile(client, "u0", settings)
    assert profile.behavior_vector is not None and len(profile.behavior_vector) == 4
    a_items = np.mean([_item(client, settings, i).vector["behavior"] for i in CLUSTERS["a"]], axis=0)
    b_items = np.mean([_item(client, settings, i).vector["behavior"] for i in CLUSTERS["b"]], axis=0)
    assert _cos(profile.behavior_vector, a_items) > _cos(profile.behavior_vector, b_items)
    users = client.collections.get(f"{settings.prefix}User")
    stored = users.query.fetch_object_by_id(user_uuid("u0"), include_vector=True)
    assert np.allclose(stored.vector["behavior"], profile.behavior_vector, atol=1e-6)


def test_record_moves_the_users_behaviour_vector(trained: tuple[Any, Settings, Any]) -> None:
    client, settings, _ = trained
    before = get_profile(client, "u2", settings).behavior_vector
    assert before is not None
    b_mean = np.mean([_item(client, settings, i).vector["behavior"] for i in CLUSTERS["b"]], axis=0)
    for s, item in enumerate(CLUSTERS["b"], start=10):
        after = record(client, {"user_id": "u2", "item_id": item, "kind": "purchase", "seq": s}, settings, EMB)
    assert after.behavior_vector is not None
    assert _cos(after.behavior_vector, b_mean) > _cos(before, b_mean) + 0.1
    assert np.allclose(get_profile(client, "u2", settings).behavior_vector, after.behavior_vector, atol=1e-6)


def test_the_plan_searches_content_and_behaviour_with_manual_weights(trained: tuple[Any, Settings, Any]) -> None:
    client, settings, _ = trained
    rec = Recommender(client, settings.model_copy(update={"behavior_weight": 0.6}), embedder=EMB)
    plan = rec.plan("u4", k=4)
    interest = [q for q in plan.queries if q.kind == "hybrid" and q.source == "interest"]
    assert interest and all(set(q.vectors) == {"content", "behavior"} for q in interest)
    assert interest[0].target_weights == pytest.approx({"content": 0.4, "behavior": 0.6})
    kwargs = hybrid_kwargs(interest[0])
    assert kwargs["target_vector"].combination.name == "MANUAL_WEIGHTS"
    assert set(kwargs["vector"]) == {"content", "behavior"}
    dumped = plan.model_dump(mode="json")
    assert dumped["queries"][0]["target_weights"] == {"content": pytest.approx(0.4), "behavior": pytest.approx(0.6)}
    # Items without a behaviour vector get their own content-only query (the multi-target one drops them).
    cold = [q for q in plan.queries if q.name == "cold-items"]
    assert len(cold) == 1 and set(cold[0].vectors) == {"content"} and cold[0].target_weights is None
    assert plan.quotas["cold-items"] == 1
    assert {"path": ["behavior_events"], "operator": "IsNull", "valueBoolean": True} in cold[0].filters["operands"]


def test_cold_items_stay_reachable_next_to_the_behaviour_search(trained: tuple[Any, Settings, Any]) -> None:
    client, settings, _ = trained
    # Vector legs only: a weighted multi-target search never returns an item without a behaviour vector, so
    # only the cold-items query can reach one (a keyword leg may reach it anyway).
    rec = Recommender(client, settings.model_copy(update={"alpha": 1.0}), embedder=EMB)
    out = rec.recommend("u0", k=5)
    ids = [r.item_id for r in out]
    assert "fresh" in ids  # the cold item, through the cold-items query
    assert next(r for r in out if r.item_id == "fresh").reasons.source == "cold_items"
    seen = {r["item_id"] for r in _interactions() if r["user_id"] == "u0"}
    assert not seen & set(ids)
    # Behaviour ranks u0's unseen cluster item above the other cluster, whose titles are equally unrelated.
    unseen_a = [i for i in CLUSTERS["a"] if i not in seen]
    warm = [r.item_id for r in out if r.reasons.source == "interest"]
    assert warm[0] in unseen_a


def test_a_caching_recommender_still_finds_cold_items(trained: tuple[Any, Settings, Any]) -> None:
    client, settings, _ = trained
    plain = [r.model_dump() for r in Recommender(client, settings, embedder=EMB).recommend("u0", k=5)]
    cached = Recommender(client, settings, embedder=EMB, item_cache_seconds=3600)
    assert [r.model_dump() for r in cached.recommend("u0", k=5)] == plain
    assert "fresh" in [r["item_id"] for r in plain]


def test_without_cold_items_a_caching_recommender_skips_their_query_and_lists_the_same(
    tmp_path: Path,
) -> None:
    """Once every item has a behaviour vector the cold-items query finds nothing: a recommender with an item
    cache learns that once per cache period and leaves the query out, with the same list."""
    with connect_for_tests() as client:
        settings = _load(client, tmp_path, "BehWarm")
        more = [{"user_id": f"u{u}", "item_id": "fresh", "kind": "purchase", "seq": 9} for u in (0, 2, 4)]
        load_interactions(client, [_write(tmp_path / "more.jsonl", more)], settings, EMB)
        train_domains(client, settings)
        train_behavior(client, settings)
        build_profiles(client, settings=settings, embedder=EMB)
        plain = Recommender(client, settings, embedder=EMB)
        cached = Recommender(client, settings, embedder=EMB, item_cache_seconds=3600)
        for user in ("u1", "u3"):
            assert "cold-items" in plain.plan(user, k=5).quotas
            expected = [r.model_dump() for r in plain.recommend(user, k=5)]
            assert [r.model_dump() for r in cached.recommend(user, k=5)] == expected
        assert cached._item_cache is not None
        assert cached._item_cache.fact("has_cold_items", lambda: True) is False


def test_behavior_weight_zero_is_the_content_only_recommender(trained: tuple[Any, Settings, Any]) -> None:
    client, settings, _ = trained
    rec = Recommender(client, settings.model_copy(update={"behavior_weight": 0.0}), embedder=EMB)
    plan = rec.plan("u0", k=5)
    assert all(set(q.vectors) <= {"content"} for q in plan.queries if q.kind == "hybrid")
    assert "cold-items" not in plan.quotas
    assert len(rec.recommend("u0", k=5)) == 5


def test_users_without_behaviour_get_content_only_queries(trained: tuple[Any, Settings, Any]) -> None:
    client, settings, _ = trained
    rec = Recommender(client, settings, embedder=EMB)
    plan = rec.plan_for_text("walnut bookshelf", k=3)
    assert all("behavior" not in q.vectors for q in plan.queries if q.kind == "hybrid")
    assert "cold-items" not in plan.quotas


# --- CLI ----------------------------------------------------------------------------------------------


def test_cli_behavior_train(tmp_path: Path) -> None:
    db = tmp_path / "db"
    client = lite.connect(data_dir=db)
    try:
        _load(client, tmp_path, "")
    finally:
        client.close()
    res = CliRunner().invoke(
        main, ["behavior", "train", "--data-dir", str(db), "--quiet", "--format", "json", "--dim", "3"]
    )
    assert res.exit_code == 0, res.output
    report = json.loads(res.output)
    assert report["items_with_vector"] == 8 and report["items_without_vector"] == 1 and report["dim"] == 3
    res = CliRunner().invoke(main, ["behavior", "train", "--data-dir", str(db), "--quiet", "--dim", "3"])
    assert res.exit_code == 0, res.output
    assert "for 8 of 9 items" in res.output and "0 items (0 cleared), 9 unchanged" in res.output
