"""The keyword measure: do a user's keywords occur in their held-out item, more than generic keywords do?"""

from __future__ import annotations

import pytest

from weaviate_recsys.eval.data import build_eval_data
from weaviate_recsys.eval.keyword_quality import fit_product_extractor, keyword_quality, product_keywords
from weaviate_recsys.eval.split import split_data
from weaviate_recsys.eval.weaviate_methods import training_interactions
from weaviate_recsys.settings import Settings

TOPICS = {
    "pens": ["gel pen", "fountain pen", "ballpoint refill", "ink cartridge"],
    "lamps": ["desk lamp", "led bulb", "dimmable light", "lamp shade"],
    "chairs": ["office chair", "lumbar support", "mesh back", "chair wheels"],
}


@pytest.fixture(scope="module")
def world():  # type: ignore[no-untyped-def]
    items, rows = [], []
    topics = list(TOPICS)
    for n in range(24):
        words = TOPICS[topics[n % 3]]
        items.append(
            {
                "item_id": f"i{n}",
                "title": f"{words[n % 4]} {words[(n + 1) % 4]}",
                "categories": ["Office", topics[n % 3]],
            }
        )
    for u in range(9):  # each user stays in one topic: their next item shares their keywords
        mine = [n for n in range(24) if n % 3 == u % 3]
        for s, n in enumerate(mine[u // 3 : u // 3 + 5]):
            rows.append({"user_id": f"u{u}", "item_id": f"i{n}", "seq": s})
    data = build_eval_data("syn", items, rows)
    return data, split_data(data, "leave-last:1")


def test_topical_keywords_beat_someone_elses_and_the_popular_ones(world) -> None:  # type: ignore[no-untyped-def]
    data, split = world
    keywords, extractor = product_keywords(data, split, Settings())
    q = keyword_quality(split, data, keywords, extractor, k=3)
    assert q.users == len(split.users) == 9
    assert q.keywords.precision > q.baselines["other-item"].precision
    assert q.keywords.precision > q.baselines["other-user"].precision
    assert q.keywords.precision > q.baselines["popular"].precision
    assert q.lift["other-item"] > 1.5


def test_keywords_unrelated_to_the_next_item_score_no_better_than_chance(world) -> None:  # type: ignore[no-untyped-def]
    data, split = world
    extractor, _ = fit_product_extractor(data, split)
    # Everyone gets the lamp words, whatever they bought: only lamp buyers' next items contain them.
    keywords = {u: ["desk lamp", "led bulb", "lamp shade"] for u in split.users}
    q = keyword_quality(split, data, keywords, extractor, k=3)
    assert q.lift["popular"] == 1.0
    assert q.keywords.hit_rate == pytest.approx(3 / 9)


def test_a_users_own_words_about_the_held_out_item_do_not_count_as_its_text() -> None:
    items = [{"item_id": f"i{n}", "title": f"plain thing number {n}"} for n in range(4)]
    rows = [
        {"user_id": "a", "item_id": "i0", "seq": 0},
        {"user_id": "a", "item_id": "i1", "seq": 1},
        {"user_id": "a", "item_id": "i1", "seq": 2, "kind": "tag", "text": "surreal"},
        {"user_id": "a", "item_id": "i2", "seq": 3},
        {"user_id": "a", "item_id": "i2", "seq": 4, "kind": "tag", "text": "surreal"},
        {"user_id": "b", "item_id": "i0", "seq": 0},
        {"user_id": "b", "item_id": "i3", "seq": 1},
        {"user_id": "c", "item_id": "i3", "seq": 0, "kind": "tag", "text": "surreal"},
    ]
    data = build_eval_data("tags", items, rows)
    split = split_data(data, "leave-last:1")
    extractor, _ = fit_product_extractor(data, split)
    # a's "surreal" on i2 (held out) is a's own later word; c called i3 (b's held-out item) surreal.
    q = keyword_quality(split, data, {"a": ["surreal"], "b": ["surreal"]}, extractor, k=1)
    assert q.users == 2
    assert q.keywords.precision == 0.5


def test_the_evaluation_loads_the_users_earlier_text_without_its_item() -> None:
    items = [{"item_id": f"i{n}", "title": f"film {n}"} for n in range(3)]
    rows = [
        {"user_id": "a", "item_id": "i0", "timestamp": 10},
        {"user_id": "a", "item_id": "i0", "timestamp": 11, "kind": "tag", "text": "dark comedy"},
        {"user_id": "a", "item_id": "i1", "timestamp": 20},
        {"user_id": "a", "item_id": "i1", "timestamp": 21, "kind": "tag", "text": "written after the cutoff"},
    ]
    data = build_eval_data("tags", items, rows)
    split = split_data(data, "leave-last:1")
    rows_loaded = [props for _, props, _ in training_interactions(data, split)]
    texts = [p for p in rows_loaded if "text" in p]
    assert [p["text"] for p in texts] == ["dark comedy"]
    assert "item_id" not in texts[0] and texts[0]["user_id"] == "a"
