"""Ranking helpers shared by the searches: order by value, ties by a key looked up only when needed."""

from __future__ import annotations

from collections.abc import Callable

import numpy as np

__all__ = ["by_value_then_key"]


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
    tied = np.flatnonzero(ordered[1:] == ordered[:-1]).tolist()
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
