"""The item cache a long-running recommender (the service) keeps: the same lists and reasons as without it, and
an item read again once its time is up."""

from __future__ import annotations

from collections.abc import Iterator
from types import SimpleNamespace

import numpy as np
import pytest

from weaviate_recsys.loaders import HashingEmbedder
from weaviate_recsys.plugin import Recommender
from weaviate_recsys.plugin.item_cache import ItemCache

from _recommend_fixtures import build_all
from _weaviate_for_tests import connect_for_tests

EMB = HashingEmbedder(dim=64)
USERS = ["pen-fan", "paper-fan", "newbie"]


@pytest.fixture(scope="module")
def recommenders(tmp_path_factory: pytest.TempPathFactory) -> Iterator[tuple[Recommender, Recommender]]:
    with connect_for_tests() as client:
        settings = build_all(client, tmp_path_factory.mktemp("catalog"), "RecCache", EMB)
        plain = Recommender(client, settings, embedder=EMB)
        cached = Recommender(client, settings, embedder=EMB, item_cache_seconds=3600)
        yield plain, cached
        plain.close()
        cached.close()


@pytest.mark.parametrize("k", [3, 10])
def test_cached_items_give_the_same_lists_scores_and_reasons(recommenders, k: int) -> None:  # type: ignore[no-untyped-def]
    plain, cached = recommenders
    for user in USERS:
        expected = [r.model_dump() for r in plain.recommend(user, k=k)]
        assert expected
        assert [r.model_dump() for r in cached.recommend(user, k=k)] == expected  # items read, then kept
        assert [r.model_dump() for r in cached.recommend(user, k=k)] == expected  # items from the cache
        kept, missing = cached._item_cache.get_many([r["item_id"] for r in expected])  # type: ignore[union-attr]
        assert not missing and set(kept) == {r["item_id"] for r in expected}


def test_a_recommender_keeps_no_items_unless_asked(recommenders) -> None:  # type: ignore[no-untyped-def]
    plain, _ = recommenders
    assert plain._item_cache is None


def _obj(title: str) -> SimpleNamespace:
    """An object as the client returns it: properties and named vectors as lists of floats."""
    return SimpleNamespace(properties={"item_id": title, "title": title}, vector={"content": [0.1, 0.2, 0.3]})


def test_an_item_is_read_again_once_its_time_is_up() -> None:
    now = [100.0]
    cache = ItemCache(60, clock=lambda: now[0])
    cache.put_many({"a": _obj("first a"), "b": _obj("first b")})
    now[0] = 159.0
    found, missing = cache.get_many(["a", "b", "c"])
    assert {k: v.properties["title"] for k, v in found.items()} == {"a": "first a", "b": "first b"}
    assert missing == ["c"]
    now[0] = 160.0
    assert cache.get_many(["a", "b"]) == ({}, ["a", "b"])
    cache.put_many({"a": _obj("second a")})
    assert cache.get_many(["a"])[0]["a"].properties["title"] == "second a"


def test_kept_vectors_are_float32_arrays_of_the_same_values() -> None:
    kept = ItemCache(60).put_many({"a": _obj("a")})["a"]
    content = kept.vector["content"]
    assert content.dtype == np.float32
    assert content.tolist() == [float(np.float32(x)) for x in (0.1, 0.2, 0.3)]


def test_a_catalog_fact_is_asked_again_once_its_time_is_up() -> None:
    now = [0.0]
    answers = iter([True, False])
    cache = ItemCache(60, clock=lambda: now[0])
    assert cache.fact("has_cold_items", lambda: next(answers)) is True
    now[0] = 59.0
    assert cache.fact("has_cold_items", lambda: next(answers)) is True  # reused, not asked
    now[0] = 60.0
    assert cache.fact("has_cold_items", lambda: next(answers)) is False
    cache.clear()
    assert cache.fact("has_cold_items", lambda: "asked after clear") == "asked after clear"
