"""Top-k ranking metrics. Lists and relevant sets hold item indices; ``k`` cuts the list first.

Accuracy metrics are per user and averaged over users by `summarize`:
- HR@k: 1 when any relevant item is in the top k.
- Recall@k: relevant items in the top k / relevant items.
- NDCG@k: binary gains, DCG = sum 1/log2(rank + 1) over hits (rank from 1), divided by the DCG of an
  ideal list (min(k, |relevant|) hits on top).
- MRR@k: 1/rank of the first hit in the top k, else 0.

Beyond accuracy:
- coverage@k: distinct items in all users' top k / catalog size.
- diversity@k (intra-list): 1 - mean pairwise cosine of the item vectors in a user's top k (users with
  fewer than two items are skipped), averaged over users.
- novelty@k: mean over a user's top k of -log2(popularity share), share = training users of the item /
  training users; an item nobody had in training counts as one user, so the value stays finite.
- subtopic-recall@k (S-recall over domains, Zhai et al., SIGIR 2003): of the distinct domains of the user's
  held-out items, the share that at least one top-k item belongs to. It rewards a list that covers each of
  the user's next interests over one that stacks items of a single interest; with ``leave-last:1`` it is a
  hit rate at the domain level. Users none of whose held-out items has a domain are skipped; not reported
  without item domains.
"""

from __future__ import annotations

import math
from collections.abc import Collection, Sequence

import numpy as np

__all__ = [
    "METRIC_NAMES",
    "hit_rate",
    "recall",
    "ndcg",
    "mrr",
    "catalog_coverage",
    "intra_list_diversity",
    "novelty",
    "subtopic_recall",
    "summarize",
]

#: Metric names in report order; each is reported as ``name@k``.
METRIC_NAMES = ("ndcg", "hr", "recall", "mrr", "coverage", "diversity", "novelty", "subtopic-recall")


def hit_rate(ranked: Sequence[int], relevant: Collection[int], k: int) -> float:
    return 1.0 if any(item in relevant for item in ranked[:k]) else 0.0


def recall(ranked: Sequence[int], relevant: Collection[int], k: int) -> float:
    if not relevant:
        return 0.0
    return sum(1 for item in ranked[:k] if item in relevant) / len(relevant)


def ndcg(ranked: Sequence[int], relevant: Collection[int], k: int) -> float:
    dcg = sum(1.0 / math.log2(rank + 2) for rank, item in enumerate(ranked[:k]) if item in relevant)
    ideal = sum(1.0 / math.log2(rank + 2) for rank in range(min(k, len(relevant))))
    return dcg / ideal if ideal else 0.0


def mrr(ranked: Sequence[int], relevant: Collection[int], k: int) -> float:
    for rank, item in enumerate(ranked[:k]):
        if item in relevant:
            return 1.0 / (rank + 1)
    return 0.0


def catalog_coverage(lists: Sequence[Sequence[int]], n_items: int, k: int) -> float:
    if n_items <= 0:
        return 0.0
    return len({item for ranked in lists for item in ranked[:k]}) / n_items


def intra_list_diversity(ranked: Sequence[int], item_vectors: np.ndarray, k: int) -> float | None:
    """1 - mean pairwise cosine of the top-k items' vectors; None for lists shorter than two."""
    top = list(ranked[:k])
    m = len(top)
    if m < 2:
        return None
    vectors = np.asarray(item_vectors[top], dtype=np.float64)
    norms = np.linalg.norm(vectors, axis=1)
    norms[norms == 0] = 1.0
    unit = vectors / norms[:, None]
    gram = unit @ unit.T
    mean_cos = (gram.sum() - np.trace(gram)) / (m * (m - 1))
    return float(1.0 - mean_cos)


def novelty(ranked: Sequence[int], popularity: np.ndarray, n_users: int, k: int) -> float | None:
    """Mean -log2(popularity share) of the top-k items; None for an empty list."""
    top = list(ranked[:k])
    if not top or n_users <= 0:
        return None
    counts = np.maximum(np.asarray(popularity, dtype=np.float64)[top], 1.0)
    return float(np.mean(-np.log2(counts / n_users)))


def subtopic_recall(
    ranked: Sequence[int], relevant: Collection[int], item_domains: Sequence[str | None], k: int
) -> float | None:
    """Share of the relevant items' distinct domains covered by the top k; None when no relevant item has one."""
    wanted = {item_domains[item] for item in relevant} - {None}
    if not wanted:
        return None
    covered = {item_domains[item] for item in ranked[:k]}
    return len(wanted & covered) / len(wanted)


def _mean(values: list[float | None]) -> float | None:
    kept = [v for v in values if v is not None]
    return float(np.mean(kept)) if kept else None


def summarize(
    lists: Sequence[Sequence[int]],
    relevant: Sequence[Collection[int]],
    ks: Sequence[int],
    *,
    n_items: int,
    popularity: np.ndarray,
    n_train_users: int,
    item_vectors: np.ndarray | None = None,
    item_domains: Sequence[str | None] | None = None,
) -> dict[str, float | None]:
    """All metrics at every k for a group of users (``lists[u]`` ranked for ``relevant[u]``).

    Returns ``{"ndcg@10": ..., ...}``; values are None when the group is empty or a metric has no
    input (diversity without item vectors, subtopic recall without item domains).
    """
    out: dict[str, float | None] = {}
    for k in ks:
        if not lists:
            out.update({f"{name}@{k}": None for name in METRIC_NAMES})
            continue
        out[f"ndcg@{k}"] = _mean([ndcg(r, t, k) for r, t in zip(lists, relevant)])
        out[f"hr@{k}"] = _mean([hit_rate(r, t, k) for r, t in zip(lists, relevant)])
        out[f"recall@{k}"] = _mean([recall(r, t, k) for r, t in zip(lists, relevant)])
        out[f"mrr@{k}"] = _mean([mrr(r, t, k) for r, t in zip(lists, relevant)])
        out[f"coverage@{k}"] = catalog_coverage(lists, n_items, k)
        out[f"diversity@{k}"] = (
            _mean([intra_list_diversity(r, item_vectors, k) for r in lists]) if item_vectors is not None else None
        )
        out[f"novelty@{k}"] = _mean([novelty(r, popularity, n_train_users, k) for r in lists])
        out[f"subtopic-recall@{k}"] = (
            _mean([subtopic_recall(r, t, item_domains, k) for r, t in zip(lists, relevant)])
            if item_domains is not None
            else None
        )
    return out
