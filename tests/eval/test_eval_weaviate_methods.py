"""vector / bm25 / single-hybrid through the real client against the lite server."""

from __future__ import annotations

import numpy as np
import pytest

from weaviate_recsys.eval.data import build_eval_data
from weaviate_recsys.eval.methods import ContentVector
from weaviate_recsys.eval.split import Split, split_data
from weaviate_recsys.eval.weaviate_methods import (
    KeywordSearch,
    SingleHybrid,
    VectorSearch,
    load_catalog,
    user_keywords,
)

from _weaviate_for_tests import connect_for_tests

TOPICS = {
    "pens": "gel pen ink ballpoint refill",
    "paper": "copy paper ream sheets letter",
    "chairs": "office chair ergonomic lumbar mesh",
    "lamps": "desk lamp led dimmable bulb",
}


@pytest.fixture(scope="module")
def world():
    rng = np.random.default_rng(7)
    topics = list(TOPICS)
    items = []
    for n in range(40):
        topic = topics[n % 4]
        words = TOPICS[topic].split()
        items.append(
            {
                "item_id": f"i{n}",
                "title": f"{' '.join(rng.choice(words, 2))} {n}",
                "description": " ".join(rng.choice(words, 6)),
                "categories": ["Office", topic],
            }
        )
    # Each user buys within one topic, so content and keywords point at the held-out item's topic.
    rows = []
    for u in range(12):
        topic_items = [n for n in range(40) if n % 4 == u % 4]
        for s, n in enumerate(rng.choice(topic_items, 4, replace=False)):
            rows.append({"user_id": f"u{u}", "item_id": f"i{n}", "seq": s})
    data = build_eval_data("syn", items, rows)
    split = split_data(data, "leave-last:1")
    vectors = rng.normal(size=(40, 8)).astype(np.float32)
    for n in range(40):  # a shared direction per topic
        vectors[n] += 3 * np.eye(8, dtype=np.float32)[n % 4]
    vectors /= np.linalg.norm(vectors, axis=1, keepdims=True)
    with connect_for_tests() as client:
        catalog = load_catalog(client, data, split, vectors, prefix="EvalTest", interactions=True)
        yield client, catalog, split, vectors


def test_load_writes_items_and_training_interactions_only(world) -> None:
    client, catalog, split, _ = world
    assert catalog.item_count == 40 and catalog.items == "EvalTestItem"
    assert catalog.interaction_count == split.training.matrix.nnz == 36
    assert len(client.collections.get(catalog.interactions)) == 36


def test_vector_search_ranks_like_the_in_memory_content_vector(world) -> None:
    client, catalog, split, vectors = world
    users = split.users
    through_weaviate = VectorSearch(client, catalog, vectors).fit(split.training).recommend(users, 5)
    in_memory = ContentVector(vectors).fit(split.training).recommend(users, 5)
    assert through_weaviate == in_memory


def test_results_never_contain_training_items_and_have_k_items(world) -> None:
    client, catalog, split, vectors = world
    for cls in (VectorSearch, KeywordSearch, SingleHybrid):
        lists = cls(client, catalog, vectors).fit(split.training).recommend(split.users, 5)
        for user, items in zip(split.users, lists):
            seen = {split.training.item_ids[i] for i in split.training.histories[user]}
            assert len(items) == 5, cls.name
            assert not seen & set(items), cls.name


def test_bm25_finds_the_users_topic_from_keywords(world) -> None:
    client, catalog, split, vectors = world
    training: Split = split
    keywords = user_keywords(training.training, 3)
    topic_of = {f"i{n}": n % 4 for n in range(40)}
    lists = KeywordSearch(client, catalog, vectors).fit(training.training).recommend(training.users, 3)
    for user, items in zip(training.users, lists):
        assert keywords[user], user
        assert all(topic_of[i] == int(user[1:]) % 4 for i in items), (user, keywords[user], items)
