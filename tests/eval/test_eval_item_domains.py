"""Item domains in an evaluation: the same rule as a load, for the Weaviate catalog and for subtopic recall."""

from __future__ import annotations

import numpy as np

from weaviate_recsys.eval.data import build_eval_data, item_domains
from weaviate_recsys.eval.split import split_data
from weaviate_recsys.eval.weaviate_methods import load_catalog
from weaviate_recsys.schema import collection_name, item_uuid

from _weaviate_for_tests import connect_for_tests

MOVIES = [
    {"item_id": "1", "title": "Toy Story", "categories": "Adventure|Animation|Children|Comedy|Fantasy"},
    {"item_id": "2", "title": "Jumanji", "categories": "Adventure|Children|Fantasy"},
    {"item_id": "3", "title": "Grumpier Old Men", "categories": "Comedy|Romance"},
    {"item_id": "4", "title": "Father of the Bride", "categories": "Comedy"},
    {"item_id": "5", "title": "Pirates", "categories": "Adventure|Comedy"},
    {"item_id": "6", "title": "Some Film", "categories": "(no genres listed)"},
    {"item_id": "7", "title": "Chair", "categories": ["Office", "Furniture", "Chairs"]},
]
ROWS = [{"user_id": "u", "item_id": str(n), "seq": n} for n in range(1, 8)]


def test_a_flat_set_of_genres_gets_the_rules_label_and_no_subdomain() -> None:
    data = build_eval_data("ml", MOVIES, ROWS)
    rarest = item_domains(data.items, 1, "rarest")
    assert rarest[0] == ("Animation", None)  # Toy Story: its rarest genre, not the alphabetically first
    assert rarest[2] == ("Romance", None)
    assert rarest[5] == (None, None)  # "(no genres listed)" is no domain
    assert rarest[6] == ("Office", "Furniture")  # a path keeps its levels
    assert item_domains(data.items, 1, "first")[0] == ("Adventure", None)
    assert item_domains(data.items, 1, "commonest")[0] == ("Comedy", None)
    assert data.items[0].domain(2) == "Adventure"  # a flat set has no second level: the level is a path's


def test_the_loaded_catalog_carries_the_same_domains_as_subtopic_recall_uses() -> None:
    data = build_eval_data("ml", MOVIES, ROWS)
    split = split_data(data, "leave-last:1")
    vectors = np.eye(len(MOVIES), 8, dtype=np.float32)
    expected = item_domains(split.training.items, 1, "rarest")
    with connect_for_tests() as client:
        catalog = load_catalog(client, data, split, vectors, prefix="EvalDom", domain_rule="rarest")
        items = client.collections.get(collection_name("Item", catalog.prefix))
        stored = [
            (p.get("domain"), p.get("subdomain"))
            for p in (items.query.fetch_object_by_id(item_uuid(i.item_id)).properties for i in split.training.items)
        ]
    assert stored == expected
