"""The project's recommender through the evaluation's Method interface (lite server, real client)."""

from __future__ import annotations

import numpy as np
import pytest

from weaviate_recsys.eval.data import build_eval_data
from weaviate_recsys.eval.recommender_method import MultiGranularity
from weaviate_recsys.eval.split import split_data
from weaviate_recsys.eval.weaviate_methods import load_catalog
from weaviate_recsys.loaders import HashingEmbedder

from _weaviate_for_tests import connect_for_tests

TOPICS = {
    "pens": "gel pen ink ballpoint refill",
    "paper": "copy paper ream sheets letter",
    "chairs": "office chair ergonomic lumbar mesh",
    "lamps": "desk lamp led dimmable bulb",
}


def _synthetic() -> tuple:
    rng = np.random.default_rng(7)
    topics = list(TOPICS)
    items = []
    for n in range(40):
        words = TOPICS[topics[n % 4]].split()
        items.append(
            {
                "item_id": f"i{n}",
                "title": " ".join(rng.choice(words, 2)),
                "description": " ".join(rng.choice(words, 6)),
                "categories": ["Office", topics[n % 4]],
            }
        )
    rows = []
    for u in range(12):
        for s, n in enumerate(rng.choice([n for n in range(40) if n % 4 == u % 4], 4, replace=False)):
            rows.append({"user_id": f"u{u}", "item_id": f"i{n}", "seq": s})
    data = build_eval_data("syn", items, rows)
    split = split_data(data, "leave-last:1")
    vectors = rng.normal(size=(40, 8)).astype(np.float32)
    vectors += 3 * np.eye(8, dtype=np.float32)[np.arange(40) % 4]
    vectors /= np.linalg.norm(vectors, axis=1, keepdims=True)
    return data, split, vectors


@pytest.mark.slow
def test_multi_granularity_trains_on_the_training_part_and_never_returns_training_items() -> None:
    data, split, vectors = _synthetic()
    with connect_for_tests() as client:
        catalog = load_catalog(client, data, split, vectors, prefix="EvalMg", domain_level=2, interactions=True)
        method = MultiGranularity(client, catalog, embedder=HashingEmbedder(dim=8)).fit(split.training)
        try:
            lists = method.recommend(split.users, 5)
        finally:
            method.close()
    assert method.fit_reports["profiles"]["built"] == 12
    for user, recommended in zip(split.users, lists):
        seen = {split.training.item_ids[i] for i in split.training.histories[user]}
        assert len(recommended) == 5
        assert not seen & set(recommended)
    # Each user buys within one topic: most held-out items are found (chance would be ~5/36 per user).
    hits = sum(split.training.item_ids[split.test[u][0]] in r for u, r in zip(split.users, lists))
    assert hits >= 6


@pytest.mark.slow
def test_ablations_reuse_the_full_methods_profiles_and_switch_one_part_off() -> None:
    from weaviate_recsys.eval.registry import ABLATIONS

    data, split, vectors = _synthetic()
    fitted: dict = {}
    with connect_for_tests() as client:
        catalog = load_catalog(client, data, split, vectors, prefix="EvalAb", domain_level=2, interactions=True)
        full = MultiGranularity(client, catalog, embedder=HashingEmbedder(dim=8), fitted=fitted).fit(split.training)
        full.close()
        for name, (overrides, _) in ABLATIONS.items():
            method = MultiGranularity(
                client, catalog, embedder=HashingEmbedder(dim=8), name=name, overrides=overrides, fitted=fitted
            ).fit(split.training)
            try:
                assert method.fit_reports["reused"] is True
                for key, value in overrides.items():
                    assert getattr(method.settings, key) == value
                lists = method.recommend(split.users, 5)
            finally:
                method.close()
            for user, recommended in zip(split.users, lists):
                seen = {split.training.item_ids[i] for i in split.training.histories[user]}
                assert recommended and not seen & set(recommended), name


@pytest.mark.slow
def test_the_full_method_and_its_ablations_read_each_user_once(monkeypatch) -> None:  # type: ignore[no-untyped-def]
    from weaviate_recsys.eval.registry import ABLATIONS
    from weaviate_recsys.plugin import Recommender

    reads: list[str] = []
    read_user = Recommender.read_user
    monkeypatch.setattr(Recommender, "read_user", lambda self, user: reads.append(user) or read_user(self, user))
    data, split, vectors = _synthetic()
    fitted: dict = {}
    snapshots: dict = {}
    with connect_for_tests() as client:
        catalog = load_catalog(client, data, split, vectors, prefix="EvalSnap", domain_level=2, interactions=True)
        for name, overrides in [("multi-granularity", {})] + [(n, o) for n, (o, _) in ABLATIONS.items()]:
            shared = MultiGranularity(
                client,
                catalog,
                embedder=HashingEmbedder(dim=8),
                name=name,
                overrides=overrides,
                fitted=fitted,
                snapshots=snapshots,
            ).fit(split.training)
            alone = MultiGranularity(
                client, catalog, embedder=HashingEmbedder(dim=8), name=name, overrides=overrides, fitted=fitted
            ).fit(split.training)
            try:
                assert shared.recommend(split.users, 5) == alone.recommend(split.users, 5), name
            finally:
                shared.close()
                alone.close()
    # Once per user for the shared family, once per user and method for the methods reading alone.
    assert len(reads) == len(split.users) * (1 + 1 + len(ABLATIONS))
