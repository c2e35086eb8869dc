"""Chronological per-user splits: ``leave-last:N`` and ``time:F``, and validation carved from training.

Each user's positives are put in time order (timestamp when every row of the user has one, else ``seq``
when every row has one, else file order; ties keep file order). ``leave-last:N`` holds out each user's
last N items; ``time:F`` keeps the first ``floor(F * n)`` items of each user for training (at least one)
and holds out the rest. A user whose history is too short to hold anything out keeps all of it in
training and is not evaluated. Test items the user also has in training are dropped from the test part,
because the protocol ranks the catalog minus the user's training items (they could never be hit).

The validation split applies the same rule to the training part only, so tuning never sees test data.
"""

from __future__ import annotations

import math
import re
from collections import defaultdict
from dataclasses import dataclass, field
from typing import Literal

import numpy as np
import scipy.sparse as sp
from pydantic import BaseModel, Field

from ..errors import ConfigurationError, EvaluationError
from .data import EvalData, EvalItem

__all__ = ["SplitSpec", "TrainingSet", "Split", "split_data", "validation_split"]

_SPEC = re.compile(r"^(leave-last|time):([0-9]*\.?[0-9]+)$")

# An event in a user's history: (sort key, item index). The key is a tuple so mixed sources compare safely.
_Event = tuple[tuple[float, int], int]


class SplitSpec(BaseModel):
    """A split rule such as ``leave-last:1`` or ``time:0.8``."""

    method: Literal["leave-last", "time"] = "leave-last"
    value: float = Field(default=1, gt=0)

    @classmethod
    def parse(cls, text: str) -> SplitSpec:
        """Parse ``leave-last:N`` (N >= 1 items) or ``time:F`` (0 < F < 1 share kept for training).

        Raises:
            ConfigurationError: the text is not one of these forms.
        """
        match = _SPEC.match(text.strip())
        if not match:
            raise ConfigurationError(
                f"Unknown split {text!r}; use leave-last:N (e.g. leave-last:1) or time:F (e.g. time:0.8)."
            )
        method, raw = match.group(1), float(match.group(2))
        if method == "leave-last" and (raw < 1 or raw != int(raw)):
            raise ConfigurationError(f"leave-last needs a whole number of items >= 1 (got {match.group(2)}).")
        if method == "time" and not 0 < raw < 1:
            raise ConfigurationError(f"time needs a training share strictly between 0 and 1 (got {match.group(2)}).")
        return cls.model_validate({"method": method, "value": raw})

    def __str__(self) -> str:
        return f"leave-last:{int(self.value)}" if self.method == "leave-last" else f"time:{self.value:g}"

    def n_train(self, n: int) -> int:
        """How many of a user's ``n`` chronologically ordered items go to training."""
        if self.method == "leave-last":
            return max(n - int(self.value), 0)
        return min(max(math.floor(self.value * n), 1), n - 1) if n > 1 else n


@dataclass
class TrainingSet:
    """What methods may learn from: the catalog, training histories and training-period user text.

    Attributes:
        items: the full catalog; item index = position.
        user_ids: every user with at least one training item; matrix row = position.
        matrix: binary users x items CSR matrix of training interactions.
        histories: user id -> training item indices in time order (first occurrence kept).
        user_texts: user id -> texts written before the user's test period (or timeless).
    """

    items: list[EvalItem]
    user_ids: list[str]
    matrix: sp.csr_matrix
    histories: dict[str, list[int]]
    user_texts: dict[str, list[str]] = field(default_factory=dict)

    def __post_init__(self) -> None:
        self.user_row = {u: n for n, u in enumerate(self.user_ids)}
        self.item_ids = [item.item_id for item in self.items]
        self.item_row = {item_id: n for n, item_id in enumerate(self.item_ids)}

    @property
    def n_items(self) -> int:
        return len(self.items)

    def popularity(self) -> np.ndarray:
        """Number of training users per item."""
        return np.asarray(self.matrix.sum(axis=0)).ravel()


@dataclass
class Split:
    """A training set plus each evaluated user's held-out items (indices, time order)."""

    spec: SplitSpec
    training: TrainingSet
    test: dict[str, list[int]]
    train_events: dict[str, list[_Event]] = field(repr=False, default_factory=dict)
    texts: dict[str, list[tuple[tuple[float, int] | None, str, int | None]]] = field(repr=False, default_factory=dict)
    dropped_test_items: int = 0

    @property
    def users(self) -> list[str]:
        """Evaluated users, in a stable order."""
        return list(self.test)

    def cold_items(self) -> set[int]:
        """Items without any training interaction."""
        return set(np.flatnonzero(self.training.popularity() == 0).tolist())


def _user_keys(data: EvalData) -> dict[str, str]:
    """The time basis per user: 'timestamp' if every row has one, else 'seq' if every row has one, else 'order'."""
    has_ts: dict[str, bool] = defaultdict(lambda: True)
    has_seq: dict[str, bool] = defaultdict(lambda: True)
    for x in data.interactions:
        has_ts[x.user_id] &= x.timestamp is not None
        has_seq[x.user_id] &= x.seq is not None
    return {u: "timestamp" if has_ts[u] else ("seq" if has_seq[u] else "order") for u in has_ts}


def split_data(data: EvalData, spec: SplitSpec | str) -> Split:
    """Split ``data`` chronologically per user (see the module docstring for the rules).

    Raises:
        EvaluationError: no user has enough history to hold anything out.
    """
    spec = SplitSpec.parse(spec) if isinstance(spec, str) else spec
    index = data.item_index()
    basis = _user_keys(data)
    events: dict[str, list[_Event]] = defaultdict(list)
    for x in data.interactions:
        b = basis[x.user_id]
        primary = x.timestamp if b == "timestamp" else (x.seq if b == "seq" else x.order)
        assert primary is not None  # _user_keys picks a basis every row of this user has
        events[x.user_id].append(((float(primary), x.order), index[x.item_id]))
    texts: dict[str, list[tuple[tuple[float, int] | None, str, int | None]]] = defaultdict(list)
    for t in data.user_texts:
        b = basis.get(t.user_id, "order")
        primary = t.timestamp if b == "timestamp" else (t.seq if b == "seq" else None)
        key = None if primary is None else (float(primary), t.order)
        if key is None and t.order >= 0:
            key = (math.inf, t.order)  # text with no comparable time: treated as written after everything
        texts[t.user_id].append((key, t.text, index.get(t.item_id) if t.item_id else None))
    return _split_events(spec, data.items, {u: sorted(ev) for u, ev in events.items()}, texts)


def validation_split(split: Split) -> Split:
    """Carve a validation split from ``split``'s training part with the same rule (for tuning only)."""
    return _split_events(split.spec, split.training.items, split.train_events, split.texts)


def _split_events(
    spec: SplitSpec,
    items: list[EvalItem],
    events: dict[str, list[_Event]],
    texts: dict[str, list[tuple[tuple[float, int] | None, str, int | None]]],
) -> Split:
    histories: dict[str, list[int]] = {}
    test: dict[str, list[int]] = {}
    cutoff: dict[str, tuple[float, int]] = {}
    dropped = 0
    train_events: dict[str, list[_Event]] = {}
    for user, ev in events.items():
        n_train = spec.n_train(len(ev))
        if n_train == 0:  # too short to hold anything out and keep something: all of it trains
            n_train = len(ev)
        train_items = list(dict.fromkeys(item for _, item in ev[:n_train]))
        if not train_items:
            continue
        histories[user] = train_items
        train_events[user] = ev[:n_train]
        if n_train == len(ev):
            continue
        seen = set(train_items)
        held = [item for _, item in ev[n_train:]]
        kept = list(dict.fromkeys(item for item in held if item not in seen))
        dropped += len(held) - len(kept)
        if kept:
            test[user] = kept
            cutoff[user] = ev[n_train][0]
    if not test:
        raise EvaluationError(
            f"No user has enough history for the split {spec}; every user needs more interactions than it holds out."
        )
    user_ids = list(histories)
    rows = np.repeat(np.arange(len(user_ids)), [len(histories[u]) for u in user_ids])
    cols = np.fromiter((i for u in user_ids for i in histories[u]), dtype=np.int64, count=len(rows))
    matrix = sp.csr_matrix((np.ones(len(rows), dtype=np.float32), (rows, cols)), shape=(len(user_ids), len(items)))
    user_texts: dict[str, list[str]] = {}
    for user, rows_ in texts.items():
        held_items = set(test.get(user, ()))
        limit = cutoff.get(user)
        kept_texts = [
            text
            for key, text, item in rows_
            if (key is None or limit is None or key < limit) and (item is None or item not in held_items)
        ]
        if kept_texts:
            user_texts[user] = kept_texts
    training = TrainingSet(items=items, user_ids=user_ids, matrix=matrix, histories=histories, user_texts=user_texts)
    # The training events travel along so a validation split can be carved from them.
    return Split(
        spec=spec,
        training=training,
        test=test,
        train_events=train_events,
        texts=dict(texts),
        dropped_test_items=dropped,
    )
