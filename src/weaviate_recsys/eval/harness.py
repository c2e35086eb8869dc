"""Run several methods on one split with the same candidates, and tune on the validation split.

`evaluate` fits each method on the training part, asks it for every evaluated user's top ``max(k)``
items, keeps only catalog items the user did not have in training (so every method ranks the same
candidates), and computes the metrics overall and on two slices: cold users (few training
interactions) and cold items (held-out items nobody had in training).
"""

from __future__ import annotations

import time
from collections.abc import Callable, Sequence
from typing import Any

import numpy as np
from pydantic import BaseModel, Field

from ..errors import EvaluationError
from ..progress import Progress
from . import metrics as m
from .methods import Method
from .split import Split, validation_split

__all__ = [
    "MethodResult",
    "HistoryBucket",
    "EvaluationReport",
    "HISTORY_BUCKETS",
    "evaluate",
    "rank_lists",
    "tune_on_validation",
]


#: Training-history length buckets (inclusive bounds) for "NDCG by user history length".
HISTORY_BUCKETS: tuple[tuple[int, int | None], ...] = ((1, 3), (4, 5), (6, 10), (11, 20), (21, 50), (51, None))

Metrics = dict[str, float | None]


class MethodResult(BaseModel):
    """One method's metrics, overall and per slice, plus what the contract leaves out."""

    overall: Metrics
    cold_users: Metrics
    cold_items: Metrics
    fit_s: float = 0.0
    recommend_s: float = 0.0
    filtered: int = Field(default=0, description="Recommended items dropped: training items, unknown ids, repeats.")
    config: dict[str, Any] = Field(default_factory=dict)


class HistoryBucket(BaseModel):
    label: str
    users: int
    ndcg: dict[str, float | None]


class EvaluationReport(BaseModel):
    """The result of one evaluation run. ``contract()`` is the stable ``report.json`` shape."""

    dataset: str
    split: str
    k: list[int]
    methods: dict[str, MethodResult]
    users: dict[str, int] = Field(default_factory=dict, description="Evaluated users overall and per slice.")
    items: int = 0
    training_interactions: int = 0
    test_interactions: int = 0
    dropped_test_items: int = 0
    tuning: dict[str, Any] = Field(default_factory=dict)
    by_history: list[HistoryBucket] = Field(default_factory=list)
    seconds: float = 0.0
    notes: list[str] = Field(default_factory=list, description="What the run left out and why (e.g. plots).")

    def contract(self) -> dict[str, Any]:
        """``{"dataset", "split", "k", "methods": {NAME: {"overall", "cold_users", "cold_items"}}}``."""
        return {
            "dataset": self.dataset,
            "split": self.split,
            "k": list(self.k),
            "methods": {
                name: {"overall": r.overall, "cold_users": r.cold_users, "cold_items": r.cold_items}
                for name, r in self.methods.items()
            },
        }


def rank_lists(
    method: Method,
    split: Split,
    users: Sequence[str],
    k: int,
    *,
    batch_size: int = 256,
    progress: Callable[[int], None] | None = None,
) -> tuple[list[list[int]], int]:
    """Each user's top-``k`` as item indices, restricted to the shared candidates; and how many were dropped."""
    training = split.training
    lists: list[list[int]] = []
    filtered = 0
    for start in range(0, len(users), batch_size):
        batch = list(users[start : start + batch_size])
        recommended = method.recommend(batch, k)
        if len(recommended) != len(batch):
            raise EvaluationError(
                f"{method.name} returned {len(recommended)} lists for {len(batch)} users; a method must answer every user."
            )
        for user, item_ids in zip(batch, recommended):
            seen = set(training.histories.get(user, ()))
            kept: list[int] = []
            for item_id in item_ids:
                index = training.item_row.get(item_id)
                if index is None or index in seen or index in kept:
                    filtered += 1
                    continue
                kept.append(index)
            lists.append(kept[:k])
        if progress:
            progress(len(batch))
    return lists, filtered


def _bucket_label(lo: int, hi: int | None) -> str:
    return f"{lo}+" if hi is None else (f"{lo}" if lo == hi else f"{lo}-{hi}")


def evaluate(
    split: Split,
    methods: Sequence[Method],
    ks: Sequence[int] = (10, 20),
    *,
    dataset: str = "",
    item_vectors: np.ndarray | None = None,
    item_domains: Sequence[str | None] | None = None,
    cold_user_max: int = 3,
    progress: Progress | None = None,
    tuning: dict[str, Any] | None = None,
) -> EvaluationReport:
    """Fit and evaluate ``methods`` on ``split``.

    Args:
        split: the train/test split; methods see only ``split.training``.
        methods: unfitted methods with distinct names.
        ks: cut-offs; every method is asked for ``max(ks)`` items.
        dataset: the data set's name in the report.
        item_vectors: content vectors in catalog order, for intra-list diversity (None: not reported).
        item_domains: each item's domain in catalog order, for subtopic recall (None: not reported).
        cold_user_max: users with at most this many training items form the cold-user slice.
        progress: called with ``(users done, total)`` over all methods' users.
        tuning: what was tuned on the validation split, recorded in the report.

    Raises:
        EvaluationError: duplicate method names, or a method that does not answer every user.
    """
    started = time.perf_counter()
    ks = sorted({int(k) for k in ks})
    if not ks or ks[0] < 1:
        raise EvaluationError("Cut-offs k must be whole numbers >= 1 (e.g. -k 10 20).")
    names = [method.name for method in methods]
    if len(set(names)) != len(names):
        raise EvaluationError(f"Method names must be distinct, got {names}.")
    training = split.training
    users = split.users
    relevant = [set(split.test[u]) for u in users]
    history_len = np.array([len(training.histories[u]) for u in users])
    cold_items = split.cold_items()
    popularity = training.popularity()
    cold_user_idx = [n for n in range(len(users)) if history_len[n] <= cold_user_max]
    cold_item_idx = [n for n in range(len(users)) if relevant[n] & cold_items]
    total = len(users) * len(methods)
    done = 0
    if progress:
        progress(0, total)

    def advance(n: int) -> None:
        nonlocal done
        done += n
        if progress:
            progress(done, total)

    def summarize(lists: list[list[int]], truth: list[set[int]]) -> Metrics:
        return m.summarize(
            lists,
            truth,
            ks,
            n_items=training.n_items,
            popularity=popularity,
            n_train_users=len(training.user_ids),
            item_vectors=item_vectors,
            item_domains=item_domains,
        )

    results: dict[str, MethodResult] = {}
    buckets = [
        (lo, hi, [n for n in range(len(users)) if lo <= history_len[n] and (hi is None or history_len[n] <= hi)])
        for lo, hi in HISTORY_BUCKETS
    ]
    by_history = [HistoryBucket(label=_bucket_label(lo, hi), users=len(idx), ndcg={}) for lo, hi, idx in buckets]
    for method in methods:
        t0 = time.perf_counter()
        method.fit(training)
        t1 = time.perf_counter()
        try:
            lists, filtered = rank_lists(method, split, users, max(ks), progress=advance)
        finally:
            method.close()
        t2 = time.perf_counter()
        results[method.name] = MethodResult(
            overall=summarize(lists, relevant),
            cold_users=summarize([lists[n] for n in cold_user_idx], [relevant[n] for n in cold_user_idx]),
            cold_items=summarize([lists[n] for n in cold_item_idx], [relevant[n] & cold_items for n in cold_item_idx]),
            fit_s=round(t1 - t0, 3),
            recommend_s=round(t2 - t1, 3),
            filtered=filtered,
            config=_config_of(method),
        )
        k0 = ks[0]
        for bucket, (_, _, idx) in zip(by_history, buckets):
            bucket.ndcg[method.name] = float(np.mean([m.ndcg(lists[n], relevant[n], k0) for n in idx])) if idx else None
    return EvaluationReport(
        dataset=dataset,
        split=str(split.spec),
        k=ks,
        methods=results,
        users={"overall": len(users), "cold_users": len(cold_user_idx), "cold_items": len(cold_item_idx)},
        items=training.n_items,
        training_interactions=int(training.matrix.nnz),
        test_interactions=int(sum(len(r) for r in relevant)),
        dropped_test_items=split.dropped_test_items,
        tuning=tuning or {},
        by_history=by_history,
        seconds=round(time.perf_counter() - started, 3),
    )


def _config_of(method: Method) -> dict[str, Any]:
    config = getattr(method, "config", None)
    return config.model_dump(mode="json") if isinstance(config, BaseModel) else {}


def tune_on_validation(
    split: Split,
    build: Callable[[Any], Method],
    grid: Sequence[Any],
    *,
    metric: str = "ndcg@10",
    validation: Split | None = None,
) -> tuple[Any, dict[str, float | None]]:
    """Pick the grid value whose method scores best on the validation split carved from ``split``'s training.

    Ties go to the earlier grid value. Returns ``(best value, {str(value): score})``; the test part is
    never looked at.
    """
    if not grid:
        raise EvaluationError("Tuning needs at least one candidate value.")
    validation = validation or validation_split(split)
    name, _, k_text = metric.partition("@")
    k = int(k_text or 10)
    users = validation.users
    relevant = [set(validation.test[u]) for u in users]
    scores: dict[str, float | None] = {}
    best, best_score = grid[0], -np.inf
    for value in grid:
        method = build(value)
        method.fit(validation.training)
        try:
            lists, _ = rank_lists(method, validation, users, k)
        finally:
            method.close()
        result = m.summarize(
            lists,
            relevant,
            [k],
            n_items=validation.training.n_items,
            popularity=validation.training.popularity(),
            n_train_users=len(validation.training.user_ids),
        )
        score = result.get(f"{name}@{k}")
        scores[str(value)] = score
        if score is not None and score > best_score:
            best, best_score = value, score
    return best, scores
