"""Slot allocation: how many of the k recommendations each interest (and exploration) gets.

Slots are proportional to the interest weights, rounded with the largest-remainder (Hamilton) method, so
the slots always add up to exactly ``k`` and no interest is ever more than one slot away from its exact
share. An exploration share is one more claimant in the same allocation, which keeps the rounding fair
between the two.
"""

from __future__ import annotations

import math
from collections.abc import Mapping

__all__ = ["EXPLORATION", "allocate_slots", "plan_slots"]

#: The key under which `plan_slots` returns the exploration slots.
EXPLORATION = "__exploration__"


def allocate_slots(weights: Mapping[str, float], k: int) -> dict[str, int]:
    """Split ``k`` slots over the keys of ``weights`` in proportion to the weights (largest remainder).

    Non-positive weights get nothing unless every weight is non-positive, in which case the slots are
    split evenly (a profile whose weights are all zero still deserves recommendations). Ties on the
    remainder go to the larger weight, then to the earlier key, so the result is deterministic.

    Args:
        weights: claimant -> weight; the order of keys breaks the last ties.
        k: total number of slots (>= 0).

    Returns:
        claimant -> slots, same keys and order as ``weights``, values summing to ``k`` (0 for no keys).

    Raises:
        ValueError: ``k`` is negative or a weight is not finite.
    """
    if k < 0:
        raise ValueError(f"k must be >= 0 (got {k})")
    keys = list(weights)
    if not keys:
        return {}
    values = [float(weights[key]) for key in keys]
    if any(not math.isfinite(v) for v in values):
        raise ValueError(f"weights must be finite (got {dict(weights)})")
    positive = [max(v, 0.0) for v in values]
    total = sum(positive)
    if total <= 0.0:
        positive = [1.0] * len(keys)
        total = float(len(keys))
    quotas = [k * v / total for v in positive]
    slots = [math.floor(q) for q in quotas]
    left = k - sum(slots)
    order = sorted(range(len(keys)), key=lambda i: (-(quotas[i] - slots[i]), -positive[i], i))
    for i in order[:left]:
        slots[i] += 1
    return dict(zip(keys, slots))


def _floor_slots(domain_weights: Mapping[str, float], k: int, min_slots: int) -> dict[str, int]:
    """``min_slots`` for each domain with a positive weight (every domain when none has), heaviest first, as
    far as ``k`` goes."""
    positive = [d for d, w in domain_weights.items() if float(w) > 0] or list(domain_weights)
    order = sorted(positive, key=lambda d: -float(domain_weights[d]))  # stable: ties keep the profile's order
    floors: dict[str, int] = {}
    left = k
    for d in order:
        floors[d] = min(min_slots, left)
        left -= floors[d]
    return floors


def plan_slots(
    domain_weights: Mapping[str, float], k: int, exploration: float = 0.0, min_slots: int = 0
) -> dict[str, int]:
    """Slots per domain plus an exploration share, allocated together by largest remainder.

    The domain weights are normalised to sum to ``1 - exploration`` and exploration claims
    ``exploration``; so with k=10 and exploration=0.1 one slot goes to exploration. With no domains at
    all, every slot is exploration (the caller serves those from outside the profile).

    Args:
        domain_weights: the profile's domains and weights, best first.
        k: total number of slots.
        exploration: share of slots for domains outside the profile, 0..1.
        min_slots: slots each domain gets first (heaviest domains first while slots last); the rest is
            allocated as without it. 0: in proportion to the weights only.

    Returns:
        domain -> slots, plus `EXPLORATION` -> slots when ``exploration > 0`` or there are no domains.
    """
    if not 0.0 <= exploration <= 1.0:
        raise ValueError(f"exploration must be between 0 and 1 (got {exploration})")
    if min_slots < 0:
        raise ValueError(f"min_slots must be >= 0 (got {min_slots})")
    if not domain_weights:
        return {EXPLORATION: k}
    if min_slots > 0:
        floors = _floor_slots(domain_weights, k, min_slots)
        rest = plan_slots(domain_weights, k - sum(floors.values()), exploration)
        return {key: n + floors.get(key, 0) for key, n in rest.items()}
    if exploration <= 0.0:
        return allocate_slots(domain_weights, k)
    positive = {d: max(float(w), 0.0) for d, w in domain_weights.items()}
    total = sum(positive.values())
    if total <= 0.0:
        positive = {d: 1.0 for d in domain_weights}
        total = float(len(positive))
    claims = {d: (1.0 - exploration) * w / total for d, w in positive.items()}
    claims[EXPLORATION] = exploration
    return allocate_slots(claims, k)
