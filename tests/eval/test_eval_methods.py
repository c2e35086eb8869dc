"""Baselines on tiny training sets whose scores are worked out by hand."""

from __future__ import annotations

import math

import numpy as np
import pytest

from weaviate_recsys.errors import ModelNotTrained
from weaviate_recsys.eval.data import build_eval_data
from weaviate_recsys.eval.methods import (
    EASE,
    ContentVector,
    ContentVectorConfig,
    EASEConfig,
    ItemKNN,
    ItemKNNConfig,
    MostPopular,
    recency_weights,
)
from weaviate_recsys.eval.split import TrainingSet, split_data


def training_set(histories: dict[str, list[str]], n_items: int) -> TrainingSet:
    """A training set: every history becomes training by giving each user one extra held-out item."""
    items = [{"item_id": f"i{n}"} for n in range(n_items)]
    rows = [
        {"user_id": u, "item_id": item, "seq": s}
        for u, h in histories.items()
        for s, item in enumerate([*h, f"i{n_items - 1}"])
    ]
    return split_data(build_eval_data("tiny", items, rows), "leave-last:1").training


def test_most_popular_ranks_by_training_users_skips_seen_items_and_breaks_ties_by_catalog_order() -> None:
    training = training_set({"a": ["i0", "i1"], "b": ["i1", "i2"], "c": ["i3"]}, 5)
    method = MostPopular().fit(training)
    # Popularity: i1 = 2, then i0, i2, i3 = 1 each (catalog order), i4 (held out everywhere) = 0.
    assert method.recommend(["c"], 3) == [["i1", "i0", "i2"]]
    assert method.recommend(["a"], 10) == [["i2", "i3", "i4"]]


def test_item_knn_sums_cosine_similarities_over_the_history() -> None:
    # Users {0,1}, {0,1,2}, {1,2}: |U0| = 2, |U1| = 3, |U2| = 2; co-occurrence 0-1: 2, 0-2: 1, 1-2: 2.
    training = training_set({"a": ["i0", "i1"], "b": ["i0", "i1", "i2"], "c": ["i1", "i2"], "d": ["i0"]}, 5)
    method = ItemKNN().fit(training)
    sim = method.similarity.toarray()
    # "d" adds one more user of i0: |U0| = 3 now, co-occurrences unchanged.
    assert sim[0, 1] == pytest.approx(2 / math.sqrt(3 * 3))
    assert sim[0, 2] == pytest.approx(1 / math.sqrt(3 * 2))
    assert sim[1, 2] == pytest.approx(2 / math.sqrt(3 * 2))
    assert sim[0, 0] == 0
    scores = method.score_users(np.array([training.user_row["d"]]))[0]
    assert scores[1] == pytest.approx(2 / 3) and scores[2] == pytest.approx(1 / math.sqrt(6))
    assert method.recommend(["d"], 2) == [["i1", "i2"]]


def test_item_knn_with_one_neighbour_keeps_only_each_candidates_nearest_item() -> None:
    training = training_set({"a": ["i0", "i1"], "b": ["i0", "i1", "i2"], "c": ["i1", "i2"], "d": ["i0"]}, 5)
    sim = ItemKNN(ItemKNNConfig(neighbors=1)).fit(training).similarity.toarray()
    # Candidate i2's nearest item is i1 (2/sqrt6 > 1/sqrt6), so i0 no longer votes for i2.
    assert sim[0, 2] == 0 and sim[1, 2] == pytest.approx(2 / math.sqrt(6))


def test_ease_matches_the_closed_form_worked_by_hand() -> None:
    # Users {0,1} and {0}: G = [[2,1],[1,1]]; with lambda = 1, P = inv([[3,1],[1,2]]) = [[2,-1],[-1,3]] / 5.
    # B01 = -P01 / P11 = 1/3, B10 = -P10 / P00 = 1/2.
    training = training_set({"a": ["i0", "i1"], "b": ["i0"]}, 3)
    weights = EASE(EASEConfig(l2=1.0)).fit(training).weights
    assert weights[0, 1] == pytest.approx(1 / 3, rel=1e-6)
    assert weights[1, 0] == pytest.approx(1 / 2, rel=1e-6)
    assert weights[0, 0] == 0 and weights[1, 1] == 0


def test_recency_weights_decay_per_step_back() -> None:
    assert recency_weights(3, 0.8).tolist() == pytest.approx([0.64, 0.8, 1.0])


def test_content_vector_follows_the_recent_items_with_decay() -> None:
    # Item vectors: i0 = x, i1 = y, i2 = mostly x, i3 = mostly y. History i0 then i1.
    vectors = np.array([[1, 0], [0, 1], [0.9, 0.1], [0.1, 0.9], [1, 1]], dtype=np.float32)
    vectors /= np.linalg.norm(vectors, axis=1, keepdims=True)
    training = training_set({"a": ["i0", "i1"]}, 5)
    plain = ContentVector(vectors).fit(training)
    recent = ContentVector(vectors, ContentVectorConfig(decay=0.25)).fit(training)
    # Plain mean is the diagonal: i4 = (1,1) first. Decay 0.25 gives 0.25x + y, unit (0.243, 0.970):
    # cosine 0.991 with i3 against 0.858 with i4.
    assert plain.recommend(["a"], 1) == [["i4"]]
    assert recent.recommend(["a"], 1) == [["i3"]]


def test_recommend_before_fit_says_what_to_do() -> None:
    with pytest.raises(ModelNotTrained, match="fit"):
        MostPopular().recommend(["a"], 3)
