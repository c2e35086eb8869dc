"""Choosing the final k from the fused candidates: slot quotas plus optional MMR diversity.

One greedy loop does both jobs. At each step it considers only candidates whose group (interest domain,
exploration) still has quota left; once every group with candidates is full or exhausted, any remaining
candidate may take the free slots, so a user who has seen everything in one domain still gets k items.
Among the eligible candidates it takes the one with the best maximal-marginal-relevance value
(Carbonell & Goldstein, 1998)::

    mmr(i) = (1 - diversity) * relevance(i) / max_relevance - diversity * max_{j selected} cos(v_i, v_j)

so ``diversity=0`` is a plain relevance ranking within the quotas and ``diversity=1`` only avoids
redundancy. Relevance is divided by the best candidate's relevance so that it lives on the same 0..1
scale as cosine similarity whatever the fused score's scale is.

`select_by_coverage` is the soft alternative to hard quotas (``coverage_tradeoff`` > 0): relevance and each
group's unfilled share are traded in one score, as xQuAD (Santos, Macdonald & Ounis, WWW 2010) trades
relevance against the coverage of a query's aspects.
"""

from __future__ import annotations

from collections.abc import Hashable, Mapping, Sequence
from dataclasses import dataclass, field
from typing import Any

import numpy as np

__all__ = ["RankedCandidate", "select_with_quotas", "select_by_coverage", "mmr"]


@dataclass
class RankedCandidate:
    """One item competing for a slot.

    Attributes:
        key: the item's id (unique among candidates).
        group: the quota it counts against (a domain name, or the exploration key).
        relevance: the fused score; larger is better, any scale.
        vector: the item's content vector, or None when unknown (then it is never considered redundant).
        also: other groups whose queries found it too: it fills one of their quotas when its own is full (an
            item both a domain query and the overall query found counts for whichever still has room).
    """

    key: Hashable
    group: Hashable
    relevance: float
    vector: np.ndarray | None = field(default=None, repr=False)
    also: tuple[Hashable, ...] = ()


def _open_group(c: RankedCandidate, remaining: Mapping[Hashable, int]) -> Hashable | None:
    """The quota ``c`` would fill now: its own group's, else the first of ``also`` with room; None: no room."""
    if remaining.get(c.group, 0) > 0:
        return c.group
    for g in c.also:
        if remaining.get(g, 0) > 0:
            return g
    return None


def _unit_rows(candidates: Sequence[RankedCandidate]) -> tuple[np.ndarray, np.ndarray]:
    """Stack the vectors as unit rows (zeros where missing) and a mask of which rows are real."""
    dims = {c.vector.shape[-1] for c in candidates if c.vector is not None and np.size(c.vector)}
    if len(dims) != 1:
        return np.zeros((len(candidates), 1), dtype=np.float32), np.zeros(len(candidates), dtype=bool)
    (dim,) = dims
    rows = np.zeros((len(candidates), dim), dtype=np.float32)
    mask = np.zeros(len(candidates), dtype=bool)
    for i, c in enumerate(candidates):
        if c.vector is None or np.shape(c.vector)[-1] != dim:
            continue
        v = np.asarray(c.vector, dtype=np.float32).reshape(-1)
        n = float(np.linalg.norm(v))
        if n > 0:
            rows[i] = v / n
            mask[i] = True
    return rows, mask


def select_with_quotas(
    candidates: Sequence[RankedCandidate],
    k: int,
    quotas: Mapping[Any, int] | None = None,
    diversity: float = 0.0,
) -> list[RankedCandidate]:
    """Pick up to ``k`` candidates honouring per-group quotas, optionally diversified by MMR.

    Args:
        candidates: unique keys; order breaks exact ties (earlier wins).
        k: how many to pick.
        quotas: group -> slots. Groups not listed have no quota of their own and only fill free slots.
            None: no quotas at all (plain MMR / relevance order over everything).
        diversity: 0..1, the MMR trade-off.

    Returns:
        The chosen candidates. With ``diversity == 0`` they are sorted by relevance (the quotas decide
        *which* items, the score decides the order); otherwise in MMR selection order, which is the
        order that makes the list diverse from the top.

    Raises:
        ValueError: diversity outside 0..1 or negative k.
    """
    if not 0.0 <= diversity <= 1.0:
        raise ValueError(f"diversity must be between 0 and 1 (got {diversity})")
    if k < 0:
        raise ValueError(f"k must be >= 0 (got {k})")
    n = len(candidates)
    if n == 0 or k == 0:
        return []
    relevance = np.array([float(c.relevance) for c in candidates], dtype=np.float64)
    if diversity == 0:
        return _by_quota_then_relevance(candidates, relevance, k, quotas)
    # MMR: each step takes the eligible candidate with the best relevance-minus-redundancy trade-off.
    top = float(np.max(np.abs(relevance)))
    rel = relevance / top if top > 0 else np.zeros(n)
    rows, mask = _unit_rows(candidates)
    max_sim = np.zeros(n)
    remaining_quota = dict(quotas) if quotas is not None else None
    available = np.ones(n, dtype=bool)
    chosen: list[int] = []
    while len(chosen) < min(k, n):
        eligible = available.copy()
        if remaining_quota is not None:
            in_quota = np.array([_open_group(c, remaining_quota) is not None for c in candidates]) & available
            if in_quota.any():
                eligible = in_quota
        value = (1.0 - diversity) * rel - diversity * max_sim
        value = np.where(eligible, value, -np.inf)
        best = int(np.argmax(value))
        chosen.append(best)
        available[best] = False
        if remaining_quota is not None:
            group = _open_group(candidates[best], remaining_quota)
            if group is not None:
                remaining_quota[group] -= 1
        if mask[best]:
            sims = rows @ rows[best]
            sims[~mask] = 0.0
            max_sim = np.maximum(max_sim, sims)
    return [candidates[i] for i in chosen]


def _by_quota_then_relevance(
    candidates: Sequence[RankedCandidate],
    relevance: np.ndarray,
    k: int,
    quotas: Mapping[Hashable, int] | None,
) -> list[RankedCandidate]:
    """`select_with_quotas` without diversity, in one pass: best first, each group up to its quota while any
    group still has one, then the best of the rest; the chosen sorted by relevance (ties: earlier wins)."""
    order = sorted(range(len(candidates)), key=lambda i: (-relevance[i], i))
    k = min(k, len(order))
    chosen: list[int] = []
    if quotas is not None:
        remaining = dict(quotas)
        for i in order:
            if len(chosen) == k:
                break
            group = _open_group(candidates[i], remaining)
            if group is not None:
                remaining[group] -= 1
                chosen.append(i)
    taken = set(chosen)
    for i in order:
        if len(chosen) == k:
            break
        if i not in taken:
            chosen.append(i)
    chosen.sort(key=lambda i: (-relevance[i], i))
    return [candidates[i] for i in chosen]


def mmr(relevance: Sequence[float], vectors: np.ndarray, k: int, diversity: float) -> list[int]:
    """Plain MMR over parallel arrays: the indices of the ``k`` picks, in selection order.

    A convenience for callers without groups (for example `similar_items`); the same rule as
    `select_with_quotas` without quotas.
    """
    cands = [
        RankedCandidate(key=i, group=0, relevance=float(r), vector=np.asarray(vectors[i]))
        for i, r in enumerate(relevance)
    ]
    picked = select_with_quotas(cands, k, None, diversity)
    return [int(c.key) for c in picked]  # type: ignore[call-overload]


def select_by_coverage(
    candidates: Sequence[RankedCandidate],
    k: int,
    quotas: Mapping[Any, int],
    tradeoff: float,
) -> list[RankedCandidate]:
    """Pick ``k`` candidates trading relevance for each group's share of the list (xQuAD-style soft quotas).

    Each step takes the candidate maximising ``(1 - tradeoff) * relevance / max_relevance + tradeoff *
    sum_g share(g) * gap(g)`` over the groups ``g`` that found it (its own and ``also``), where ``share(g)`` is
    the group's quota over k and ``gap(g) = 1 - taken(g) / quota(g)`` (0 once full): a group still far from
    its share pulls its items up, a full one no longer does, and a very relevant item may still exceed its
    group's quota. The pick counts for its group with the largest gap. Returned sorted by relevance.
    """
    if not 0.0 <= tradeoff <= 1.0:
        raise ValueError(f"tradeoff must be between 0 and 1 (got {tradeoff})")
    n = len(candidates)
    if n == 0 or k <= 0:
        return []
    relevance = np.array([float(c.relevance) for c in candidates], dtype=np.float64)
    top = float(np.max(np.abs(relevance)))
    rel = relevance / top if top > 0 else np.zeros(n)
    total = max(k, 1)
    quota = {g: int(q) for g, q in quotas.items() if q > 0}
    taken: dict[Hashable, int] = dict.fromkeys(quota, 0)
    groups = [[g for g in (c.group, *c.also) if g in quota] for c in candidates]
    available = np.ones(n, dtype=bool)
    chosen: list[int] = []
    while len(chosen) < min(k, n):
        gap = {g: max(0.0, 1.0 - taken[g] / quota[g]) for g in quota}
        bonus = np.array([sum(quota[g] / total * gap[g] for g in gs) for gs in groups])
        value = np.where(available, (1.0 - tradeoff) * rel + tradeoff * bonus, -np.inf)
        best = int(np.argmax(value))
        chosen.append(best)
        available[best] = False
        if groups[best]:
            g = max(groups[best], key=lambda x: gap[x])
            taken[g] += 1
    chosen.sort(key=lambda i: (-relevance[i], i))
    return [candidates[i] for i in chosen]
