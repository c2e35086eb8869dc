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
    tied = np.flatnonzero(ordered[1:] == ordered[:-1])
    if not len(tied):
        return positions[:k]
    key = key_of if key_of is not None else (lambda d: d)
    start = 0
    out: list[int] = []
    n = len(positions)
    while start < n:
        end = start + 1
        while end < n and ordered[end] == ordered[start]:
            end += 1
        run = positions[start:end]
        out.extend(sorted(run, key=lambda j: key(docs[j])) if len(run) > 1 else run)
        start = end
    return out[:k]
