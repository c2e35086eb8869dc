"""Ranking helpers shared by the searches: order by value, ties by a key looked up only when needed; the
distinct doc ids of several result lists."""

from __future__ import annotations

from collections.abc import Callable

import numpy as np

__all__ = ["by_value_then_key", "dense_unique"]


def by_value_then_key(values: np.ndarray, docs: list[int], k: int, key_of: Callable[[int], str] | None) -> list[int]:
    """Positions of the k smallest values, ties ordered by key_of(doc) (doc id when None).

    Keys are looked up only for tied values: a UUID per candidate would cost more than the ranking.
    """
    order = np.argsort(values, kind="stable")
    ordered = values[order]
    if k < len(order):
        # keep every value tied with the k-th, so that the key decides which of them make it
        cut = int(np.searchsorted(ordered, ordered[k - 1], side="right"))
        order, ordered = order[:cut], ordered[:cut]
    positions = order.tolist()
    tied = (ordered[1:] == ordered[:-1]).nonzero()[0].tolist()
    if not tied:
        return positions[:k]
    key = key_of if key_of is not None else (lambda d: d)
    # tied[i] = t: positions t and t + 1 share a value; consecutive t's form one run, sorted by key
    i, n = 0, len(tied)
    while i < n:
        start = end = tied[i]
        while i < n and tied[i] == end:
            end += 1
            i += 1
        positions[start : end + 1] = sorted(positions[start : end + 1], key=lambda j: key(docs[j]))
    return positions[:k]


def dense_unique(docs: np.ndarray) -> tuple[np.ndarray, np.ndarray]:
    """`np.unique(docs, return_inverse=True)` for non-negative doc ids, through a mark array when the ids
    are small next to their count (a collection's doc ids), which is several times cheaper."""
    top = int(docs.max()) + 1 if len(docs) else 0
    if len(docs) == 0 or int(docs.min()) < 0 or top > 16 * len(docs) + 4096:
        return np.unique(docs, return_inverse=True)
    mark = np.zeros(top, dtype=bool)
    mark[docs] = True
    uniq = mark.nonzero()[0]
    slot = np.empty(top, dtype=np.int64)  # only the slots of the given docs are read
    slot[uniq] = np.arange(len(uniq))
    return uniq, slot[docs]
