"""Subtopic recall: how many of the domains of a user's held-out items the top-k list covers."""

from __future__ import annotations

import numpy as np
import pytest

from weaviate_recsys.eval import metrics as m
from weaviate_recsys.eval.data import EvalItem, build_eval_data
from weaviate_recsys.eval.harness import evaluate
from weaviate_recsys.eval.methods import MostPopular
from weaviate_recsys.eval.split import split_data

#: Items 0-2 are office furniture, 3-4 paper, 5 ink, 6 has no domain.
DOMAINS = ["furniture", "furniture", "furniture", "paper", "paper", "ink", None]


def test_a_list_covering_both_next_interests_beats_one_stacked_on_a_single_interest() -> None:
    held_out = {0, 3}  # the user's next items: one chair, one ream of paper
    stacked = [1, 2, 0]
    covering = [1, 4, 5]
    assert m.subtopic_recall(stacked, held_out, DOMAINS, 3) == pytest.approx(0.5)
    assert m.subtopic_recall(covering, held_out, DOMAINS, 3) == pytest.approx(1.0)
    # NDCG prefers the list that hits the exact item; subtopic recall rewards the interests covered.
    assert m.ndcg(stacked, held_out, 3) > m.ndcg(covering, held_out, 3)


def test_the_cut_off_applies_first_and_duplicate_domains_count_once() -> None:
    held_out = {0, 1, 3, 5}  # three domains: furniture (twice), paper, ink
    assert m.subtopic_recall([2, 4, 5], held_out, DOMAINS, 1) == pytest.approx(1 / 3)
    assert m.subtopic_recall([2, 4, 5], held_out, DOMAINS, 2) == pytest.approx(2 / 3)
    assert m.subtopic_recall([2, 4, 5], held_out, DOMAINS, 3) == pytest.approx(1.0)


def test_items_without_a_domain_neither_count_nor_cover() -> None:
    assert m.subtopic_recall([0, 1], {6}, DOMAINS, 10) is None
    assert m.subtopic_recall([6], {3, 6}, DOMAINS, 10) == 0.0
    assert m.subtopic_recall([], {3}, DOMAINS, 10) == 0.0


def test_summarize_averages_over_users_with_a_domain_and_reports_none_without_domains() -> None:
    lists = [[1, 2], [4, 0], [5]]
    relevant = [{0, 3}, {3}, {6}]  # the third user's held-out item has no domain: skipped
    kwargs = dict(n_items=7, popularity=np.ones(7), n_train_users=3)
    out = m.summarize(lists, relevant, [2], item_domains=DOMAINS, **kwargs)  # type: ignore[arg-type]
    assert out["subtopic-recall@2"] == pytest.approx((0.5 + 1.0) / 2)
    assert m.summarize(lists, relevant, [2], **kwargs)["subtopic-recall@2"] is None  # type: ignore[arg-type]


def test_an_item_domain_is_its_category_at_the_level() -> None:
    item = EvalItem("i0", categories=("Office Products", "Office Furniture", "Chairs"))
    assert item.domain(1) == "Office Products" and item.domain(2) == "Office Furniture"
    assert item.domain(4) is None


def test_evaluate_reports_subtopic_recall_when_given_domains() -> None:
    items = [{"item_id": f"i{n}", "categories": [DOMAINS[n] or ""] if DOMAINS[n] else []} for n in range(7)]
    rows = [
        {"user_id": u, "item_id": f"i{i}", "seq": s}
        for u, seq in {"a": [0, 1, 3], "b": [0, 4, 2], "c": [1, 5]}.items()
        for s, i in enumerate(seq)
    ]
    data = build_eval_data("office", items, rows)
    split = split_data(data, "leave-last:1")
    report = evaluate(split, [MostPopular()], [1], item_domains=[i.domain(1) for i in data.items])
    # Popularity: i0 (2 users), i1 (2), then i4 ... Held out: a -> i3 (paper), b -> i2 (furniture), c -> i5 (ink).
    # Top 1 for a: i4 (paper, i0 and i1 seen); for b: i1 (furniture); for c: i0 (furniture).
    assert report.methods["most-popular"].overall["subtopic-recall@1"] == pytest.approx(2 / 3)
