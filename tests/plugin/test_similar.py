"""Similar items: behaviour and content together where an item has a behaviour vector, content alone where it
has not, and each result saying which signal found it (through the real client on the lite server)."""

from __future__ import annotations

import json
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import numpy as np
import pytest

from weaviate_recsys.loaders import HashingEmbedder, load_interactions, load_items
from weaviate_recsys.plugin import Recommender
from weaviate_recsys.plugin.behavior import train_behavior
from weaviate_recsys.schema import register_schema
from weaviate_recsys.settings import Settings

from _weaviate_for_tests import connect_for_tests

EMB = HashingEmbedder(dim=32)

# Two clusters of items people use together, whose texts share no words: only behaviour can tell that a1..a4
# go together. "fresh" is in the same shop but nobody has used it yet (no behaviour vector).
ITEMS = [
    {"item_id": "a1", "title": "Walnut bookshelf", "domain": "Home", "tags": ["wood"]},
    {"item_id": "a2", "title": "Linen curtains", "domain": "Home", "tags": ["fabric"]},
    {"item_id": "a3", "title": "Ceramic vase", "domain": "Home", "tags": ["pottery"]},
    {"item_id": "a4", "title": "Brass floor lamp", "domain": "Home", "tags": ["light"]},
    {"item_id": "b1", "title": "Trail running shoes", "domain": "Sport", "tags": ["run"]},
    {"item_id": "b2", "title": "Yoga mat", "domain": "Sport", "tags": ["yoga"]},
    {"item_id": "b3", "title": "Water bottle steel", "domain": "Sport", "tags": ["hydration"]},
    {"item_id": "b4", "title": "Cycling gloves", "domain": "Sport", "tags": ["bike"]},
    {"item_id": "fresh", "title": "Oak side table", "domain": "Home", "tags": ["wood"]},
]
CLUSTER_A = ["a1", "a2", "a3", "a4"]


def _interactions() -> list[dict[str, Any]]:
    rng = np.random.default_rng(3)
    rows = []
    for u in range(12):
        cluster = CLUSTER_A if u % 2 == 0 else ["b1", "b2", "b3", "b4"]
        for s, item in enumerate(rng.choice(cluster, 3, replace=False)):
            rows.append({"user_id": f"u{u}", "item_id": str(item), "kind": "purchase", "seq": s})
    return rows


def _write(path: Path, rows: list[dict[str, Any]]) -> Path:
    path.write_text("".join(json.dumps(r) + "\n" for r in rows))
    return path


@pytest.fixture(scope="module")
def trained(tmp_path_factory: pytest.TempPathFactory) -> Iterator[tuple[Any, Settings]]:
    tmp = tmp_path_factory.mktemp("similar")
    with connect_for_tests() as client:
        settings = Settings(prefix="Sim", data_dir=tmp, behavior_dim=4)
        register_schema(client, prefix="Sim")
        assert load_items(client, [_write(tmp / "items.jsonl", ITEMS)], settings, EMB).rejected == 0
        rows = _interactions()
        assert load_interactions(client, [_write(tmp / "inter.jsonl", rows)], settings, EMB).rejected == 0
        train_behavior(client, settings)
        yield client, settings


def test_items_used_together_are_similar_through_their_behaviour(trained: tuple[Any, Settings]) -> None:
    client, settings = trained
    out = Recommender(client, settings).similar_items("a1", 4)
    ids = [r.item_id for r in out]
    # The three items people use with a1, although no word of theirs matches, plus the one item nobody has used
    # yet (its cold slot), found by content.
    assert set(ids) == {"a2", "a3", "a4", "fresh"}
    assert {r.item_id: r.reasons.found_by for r in out} == {
        "a2": "behavior",
        "a3": "behavior",
        "a4": "behavior",
        "fresh": "content",
    }
    behaviour = next(r for r in out if r.reasons.found_by == "behavior")
    assert "who uses them together" in behaviour.reasons.summary
    assert all(r.reasons.source == "similar" for r in out)


def test_content_alone_misses_the_items_used_together(trained: tuple[Any, Settings]) -> None:
    client, settings = trained
    content_only = Recommender(client, settings.model_copy(update={"behavior_weight": 0.0}))
    out = content_only.similar_items("a1", 4)
    assert {r.reasons.found_by for r in out} == {"content"}
    assert not set(CLUSTER_A[1:]) <= {r.item_id for r in out}


def test_an_item_nobody_used_gets_its_content_neighbours(trained: tuple[Any, Settings]) -> None:
    client, settings = trained
    out = Recommender(client, settings).similar_items("fresh", 3)
    assert len(out) == 3 and "fresh" not in {r.item_id for r in out}
    assert {r.reasons.found_by for r in out} == {"content"}
    assert "by what it is" in out[0].reasons.summary


def test_application_filters_apply_to_both_searches(trained: tuple[Any, Settings]) -> None:
    from weaviate.classes.query import Filter

    client, settings = trained
    out = Recommender(client, settings).similar_items("a1", 8, filters=Filter.by_property("domain").equal("Sport"))
    assert out and {r.domain for r in out} == {"Sport"}
    assert {r.reasons.found_by for r in out} == {"behavior"}  # the only cold item is not in Sport


def test_a_short_behaviour_list_is_filled_with_cold_items(trained: tuple[Any, Settings]) -> None:
    client, settings = trained
    out = Recommender(client, settings).similar_items("a1", 20)
    ids = [r.item_id for r in out]
    assert len(ids) == len(set(ids)) == len(ITEMS) - 1  # every other item, once
