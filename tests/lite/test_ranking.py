"""Ranking helpers shared by the lite searches."""

import numpy as np
import pytest

from weaviate_recsys.lite.ranking import by_value_then_key, dense_unique


@pytest.mark.parametrize("top", [1, 50, 3000, 10**9])  # dense doc ids, and ids far apart (the sorting path)
def test_dense_unique_is_numpy_unique_with_inverse(top):
    rng = np.random.default_rng(top)
    for size in (0, 1, 7, 200):
        docs = rng.integers(0, top, size=size, dtype=np.int64)
        uniq, slots = dense_unique(docs)
        want_uniq, want_slots = np.unique(docs, return_inverse=True)
        assert uniq.tolist() == want_uniq.tolist()
        assert slots.tolist() == want_slots.tolist()


def test_by_value_then_key_orders_ties_by_key_and_keeps_the_kth_ties():
    values = np.array([0.5, 0.1, 0.5, 0.3, 0.5])
    docs = [10, 11, 12, 13, 14]
    keys = {10: "c", 11: "z", 12: "a", 13: "y", 14: "b"}
    assert by_value_then_key(values, docs, 3, keys.__getitem__) == [1, 3, 2]
    assert by_value_then_key(values, docs, 5, keys.__getitem__) == [1, 3, 2, 4, 0]
