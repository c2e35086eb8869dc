"""Macro interests: how much each event counts, and a user's probability distribution over domains.

An event's weight is ``kind weight x rating factor x recency``:

- kind weight from ``Settings.kind_weights`` (purchase > cart > click > view; dislike negative);
- rating factor: ratings are read relative to the user's own mean, so a 3 from a generous rater is a bad
  grade. ``factor = clip(0.5 + (r - mean) / spread, -1, 2)`` with ``spread = max(std, 0.5)``: a rating half a
  spread below the mean is neutral, lower ratings count *against* the item's domain, and a user who gives
  every item the same rating gets the same factor everywhere (which normalisation then cancels);
- recency: ``0.5 ** (age / half_life)``, age measured back from the user's latest event, over timestamps
  (``half_life_days``) where the event has one, else over ``seq`` (``half_life_steps``), else 1. With
  ``timestamped_by="events"`` an event with a timestamp is aged by how many of the user's events came after it
  (``half_life_steps``, as events without timestamps are), and with ``"both"`` by both.

All functions work on whole arrays of events at once (numpy), so all users are computed together.
"""

from __future__ import annotations

from collections.abc import Sequence
from typing import TYPE_CHECKING

import numpy as np

from .._lazy import LazyModule

if TYPE_CHECKING:
    import scipy.sparse as sp

    from ..settings import ShortTermDecay
else:
    sp = LazyModule("scipy.sparse")  # imported when a matrix is first built

__all__ = [
    "DomainWeight",
    "rating_factors",
    "recency_weights",
    "later_events",
    "event_weights",
    "user_column_matrix",
    "normalize_distribution",
    "blend_distributions",
    "top_domains",
]

#: ``(domain, weight)``.
DomainWeight = tuple[str, float]

_SECONDS_PER_DAY = 86_400.0


def _group_max(groups: np.ndarray, values: np.ndarray, n_groups: int) -> np.ndarray:
    """Per-group max of the non-NaN values (NaN where a group has none)."""
    out = np.full(n_groups, -np.inf)
    ok = ~np.isnan(values)
    np.maximum.at(out, groups[ok], values[ok])
    out[np.isinf(out)] = np.nan
    return out


def rating_factors(user: np.ndarray, rating: np.ndarray, n_users: int) -> np.ndarray:
    """The rating factor of each event (1 where the event has no rating)."""
    rating = np.asarray(rating, dtype=np.float64)
    out = np.ones(len(rating))
    rated = ~np.isnan(rating)
    if not rated.any():
        return out
    u = user[rated]
    r = rating[rated]
    cnt = np.bincount(u, minlength=n_users).astype(np.float64)
    mean = np.bincount(u, weights=r, minlength=n_users) / np.maximum(cnt, 1)
    var = np.bincount(u, weights=(r - mean[u]) ** 2, minlength=n_users) / np.maximum(cnt, 1)
    spread = np.maximum(np.sqrt(var), 0.5)
    out[rated] = np.clip(0.5 + (r - mean[u]) / spread[u], -1.0, 2.0)
    return out


def later_events(user: np.ndarray, moment: np.ndarray) -> np.ndarray:
    """For each event, how many events of the same user have a strictly later ``moment`` (events at the same
    moment share a count)."""
    n = len(user)
    out = np.zeros(n)
    if n == 0:
        return out
    order = np.lexsort((moment, user))
    u, m = user[order], moment[order]
    new_user = np.r_[True, u[1:] != u[:-1]]
    new_moment = new_user | np.r_[True, m[1:] != m[:-1]]
    # The last position of each user's run and of each (user, moment) run, for every sorted event.
    user_last = np.r_[np.flatnonzero(new_user)[1:] - 1, n - 1][np.cumsum(new_user) - 1]
    moment_last = np.r_[np.flatnonzero(new_moment)[1:] - 1, n - 1][np.cumsum(new_moment) - 1]
    out[order] = user_last - moment_last
    return out


def recency_weights(
    user: np.ndarray,
    timestamp: np.ndarray,
    seq: np.ndarray,
    n_users: int,
    half_life_days: float,
    half_life_steps: float,
    timestamped_by: ShortTermDecay = "days",
) -> np.ndarray:
    """Recency decay of each event relative to its user's latest event.

    Args:
        user: user index of each event.
        timestamp: Unix seconds (NaN when unknown).
        seq: order within the user (NaN when unknown).
        n_users: number of users (max index + 1).
        half_life_days: half-life over timestamps.
        half_life_steps: half-life over seq steps.
        timestamped_by: what ages an event with a timestamp: the days before the user's latest event, the
            number of the user's events after it (``half_life_steps``), or both (the product).
    """
    timestamp = np.asarray(timestamp, dtype=np.float64)
    seq = np.asarray(seq, dtype=np.float64)
    out = np.ones(len(user))
    has_ts = ~np.isnan(timestamp)
    if has_ts.any():
        if timestamped_by in ("days", "both"):
            latest = _group_max(user, timestamp, n_users)
            age_days = (latest[user[has_ts]] - timestamp[has_ts]) / _SECONDS_PER_DAY
            out[has_ts] = 0.5 ** (np.maximum(age_days, 0.0) / half_life_days)
        if timestamped_by in ("events", "both"):
            out[has_ts] *= 0.5 ** (later_events(user[has_ts], timestamp[has_ts]) / half_life_steps)
    use_seq = ~has_ts & ~np.isnan(seq)
    if use_seq.any():
        latest_seq = _group_max(user[use_seq], seq[use_seq], n_users)
        steps = latest_seq[user[use_seq]] - seq[use_seq]
        out[use_seq] = 0.5 ** (np.maximum(steps, 0.0) / half_life_steps)
    return out


def event_weights(
    user: np.ndarray,
    kind_weight: np.ndarray,
    rating: np.ndarray,
    timestamp: np.ndarray,
    seq: np.ndarray,
    n_users: int,
    half_life_days: float,
    half_life_steps: float,
    timestamped_by: ShortTermDecay = "days",
) -> np.ndarray:
    """``kind weight x rating factor x recency`` for every event (see the module docstring)."""
    return (
        np.asarray(kind_weight, dtype=np.float64)
        * rating_factors(user, rating, n_users)
        * recency_weights(user, timestamp, seq, n_users, half_life_days, half_life_steps, timestamped_by)
    )


def user_column_matrix(
    user: np.ndarray, column: np.ndarray, values: np.ndarray, n_users: int, n_columns: int
) -> sp.csr_matrix:
    """Sparse (users x columns) sum of event values; events with a negative column index are skipped."""
    ok = column >= 0
    m = sp.csr_matrix((np.asarray(values, dtype=np.float64)[ok], (user[ok], column[ok])), shape=(n_users, n_columns))
    m.sum_duplicates()
    return m


def normalize_distribution(scores: np.ndarray) -> np.ndarray:
    """Clip negatives (domains a user turned against get 0) and make each row sum to 1 (zero rows stay 0)."""
    s = np.clip(np.asarray(scores, dtype=np.float64), 0.0, None)
    total = s.sum(axis=1, keepdims=True)
    np.divide(s, total, out=s, where=total > 0)
    return s


def blend_distributions(
    behavior: np.ndarray, text: np.ndarray, behavior_weight: float, text_weight: float
) -> np.ndarray:
    """``behavior_weight * behavior + text_weight * text``, per user, renormalised.

    A user with only one kind of evidence gets that distribution alone (the other weight is not wasted
    on an empty signal). Both inputs must already be normalised rows (or zero rows).
    """
    has_b = behavior.sum(axis=1, keepdims=True) > 0
    has_t = text.sum(axis=1, keepdims=True) > 0
    wb = np.where(has_b, behavior_weight, 0.0)
    wt = np.where(has_t, text_weight, 0.0)
    # Both weights zero but evidence present (e.g. macro_text_weight=0 and text-only user): fall back to equal.
    both_zero = (wb + wt) == 0
    wb = np.where(both_zero & has_b, 1.0, wb)
    wt = np.where(both_zero & has_t, 1.0, wt)
    out = wb * behavior + wt * text
    return normalize_distribution(out)


def top_domains(
    distribution: np.ndarray, names: Sequence[str], min_weight: float, max_domains: int
) -> list[DomainWeight]:
    """The domains above ``min_weight``, heaviest first, at most ``max_domains``.

    When a user's interest is spread so thin that no domain reaches ``min_weight``, the single heaviest
    domain is kept: a profile with evidence is never silently empty.
    """
    d = np.asarray(distribution, dtype=np.float64)
    if d.size == 0 or d.max() <= 0:
        return []
    order = np.lexsort((np.arange(len(d)), -d))
    picked = [int(i) for i in order[:max_domains] if d[i] >= min_weight and d[i] > 0]
    if not picked:
        picked = [int(order[0])]
    return [(names[i], round(float(d[i]), 6)) for i in picked]
