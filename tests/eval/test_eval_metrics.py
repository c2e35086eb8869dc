"""Every metric against values computed by hand."""

from __future__ import annotations

import math

import numpy as np
import pytest

from weaviate_recsys.eval import metrics as m


def test_hit_rate_counts_any_relevant_item_in_the_top_k() -> None:
    assert m.hit_rate([5, 3, 9], {9}, 3) == 1.0
    assert m.hit_rate([5, 3, 9], {9}, 2) == 0.0


def test_recall_divides_hits_by_relevant_items() -> None:
    assert m.recall([1, 2, 3, 4], {2, 4, 7}, 4) == pytest.approx(2 / 3)
    assert m.recall([1, 2, 3, 4], {2, 4, 7}, 2) == pytest.approx(1 / 3)


def test_ndcg_single_relevant_item_at_rank_three() -> None:
    # DCG = 1/log2(3 + 1) = 0.5; ideal DCG = 1/log2(2) = 1.
    assert m.ndcg([4, 5, 6], {6}, 10) == pytest.approx(0.5)


def test_ndcg_two_relevant_items_against_the_ideal_list() -> None:
    # Hits at ranks 1 and 3: 1 + 1/2; ideal with two relevant items: 1 + 1/log2(3).
    expected = (1 + 0.5) / (1 + 1 / math.log2(3))
    assert m.ndcg([1, 2, 3], {1, 3}, 3) == pytest.approx(expected)


def test_ndcg_ideal_is_capped_at_k() -> None:
    # Three relevant items but k = 1: the ideal list has one hit, so a hit on top scores 1.
    assert m.ndcg([1, 2], {1, 2, 3}, 1) == pytest.approx(1.0)


def test_mrr_uses_the_first_hit_within_k() -> None:
    assert m.mrr([8, 7, 6, 5], {6, 5}, 4) == pytest.approx(1 / 3)
    assert m.mrr([8, 7, 6, 5], {6, 5}, 2) == 0.0


def test_catalog_coverage_counts_distinct_items_in_all_lists() -> None:
    # Top-2 lists {0,1} and {1,3}: 3 distinct items of 10.
    assert m.catalog_coverage([[0, 1, 2], [1, 3, 4]], 10, 2) == pytest.approx(0.3)


def test_intra_list_diversity_is_one_minus_mean_pairwise_cosine() -> None:
    vectors = np.array([[1.0, 0.0], [0.0, 2.0], [1.0, 1.0]])
    # Cosines: (0,1) = 0, (0,2) = 1/sqrt2, (1,2) = 1/sqrt2; mean = sqrt2/3.
    assert m.intra_list_diversity([0, 1, 2], vectors, 3) == pytest.approx(1 - math.sqrt(2) / 3)
    assert m.intra_list_diversity([0, 1, 2], vectors, 2) == pytest.approx(1.0)
    assert m.intra_list_diversity([0], vectors, 3) is None


def test_novelty_is_mean_negative_log2_popularity_share() -> None:
    popularity = np.array([8, 2, 0])
    # 16 training users: shares 1/2, 1/8 and (never seen -> one user) 1/16.
    assert m.novelty([0, 1], popularity, 16, 10) == pytest.approx((1 + 3) / 2)
    assert m.novelty([2], popularity, 16, 10) == pytest.approx(4.0)


def test_summarize_averages_over_users_at_each_k() -> None:
    lists = [[0, 1], [2, 3]]
    relevant = [{1}, {9}]
    out = m.summarize(lists, relevant, [1, 2], n_items=4, popularity=np.array([4, 2, 1, 1]), n_train_users=4)
    assert out["hr@1"] == 0.0
    assert out["hr@2"] == pytest.approx(0.5)
    assert out["ndcg@2"] == pytest.approx((1 / math.log2(3)) / 2)
    assert out["mrr@2"] == pytest.approx(0.25)
    assert out["recall@2"] == pytest.approx(0.5)
    assert out["coverage@1"] == pytest.approx(0.5)
    assert out["coverage@2"] == pytest.approx(1.0)
    # Shares 1, 1/2 (user 1) and 1/4, 1/4 (user 2): novelty (0 + 1)/2 and (2 + 2)/2.
    assert out["novelty@2"] == pytest.approx((0.5 + 2.0) / 2)
    assert out["diversity@2"] is None  # no item vectors given


def test_summarize_of_an_empty_group_is_all_none() -> None:
    out = m.summarize([], [], [10], n_items=4, popularity=np.zeros(4), n_train_users=0)
    assert set(out) == {f"{name}@10" for name in m.METRIC_NAMES}
    assert all(v is None for v in out.values())
