"""Recommendation methods under evaluation: the `Method` interface and the in-memory baselines.

A method is a configured component: a pydantic config, ``fit(training)`` on the training part of a
split, then ``recommend(users, k)`` returning each user's top-k item ids from the catalog minus that
user's training items. Methods backed by Weaviate (``weaviate_methods``) and the project's recommender
implement the same interface, so the harness runs them all on the same split and candidates.

Score-based baselines share `ScoringMethod`: ``score_users`` returns a dense users x items matrix,
training items are masked, and ties are broken by catalog order, so results are deterministic.
"""

from __future__ import annotations

from abc import ABC, abstractmethod
from collections.abc import Sequence
from typing import ClassVar

import numpy as np
import scipy.sparse as sp
from pydantic import BaseModel, ConfigDict, Field

from ..errors import EvaluationError, ModelNotTrained
from .split import TrainingSet

__all__ = [
    "Method",
    "ScoringMethod",
    "MostPopular",
    "MostPopularConfig",
    "ItemKNN",
    "ItemKNNConfig",
    "EASE",
    "EASEConfig",
    "ContentVector",
    "ContentVectorConfig",
    "recency_weights",
]


class Method(ABC):
    """A recommender as the evaluation sees it.

    Subclasses set ``name`` (the key in reports) and implement `fit` and `recommend`.
    """

    name: str = ""

    @abstractmethod
    def fit(self, training: TrainingSet) -> Method:
        """Learn from the training part only; returns self."""

    @abstractmethod
    def recommend(self, users: Sequence[str], k: int) -> list[list[str]]:
        """Top-``k`` item ids per user, best first, never one of the user's training items."""

    def close(self) -> None:  # noqa: B027 (a default no-op, not a method every method must write)
        """Release resources (connections, collections); the default holds none."""


class ScoringMethod(Method):
    """A method that scores every catalog item for a batch of users."""

    training: TrainingSet | None = None
    batch_size: ClassVar[int] = 512

    @abstractmethod
    def score_users(self, rows: np.ndarray) -> np.ndarray:
        """Scores (len(rows) x n_items) for training-matrix rows ``rows``; higher is better."""

    def _trained(self) -> TrainingSet:
        if self.training is None:
            raise ModelNotTrained(f"{self.name}: call fit() on a training set before recommend().")
        return self.training

    def recommend(self, users: Sequence[str], k: int) -> list[list[str]]:
        training = self._trained()
        out: list[list[str]] = []
        for start in range(0, len(users), self.batch_size):
            batch = list(users[start : start + self.batch_size])
            out.extend(self._recommend_batch(training, batch, k))
        return out

    def _recommend_batch(self, training: TrainingSet, users: list[str], k: int) -> list[list[str]]:
        known = [training.user_row.get(u) for u in users]
        rows = np.array([r for r in known if r is not None], dtype=np.int64)
        scores = np.zeros((len(users), training.n_items), dtype=np.float64)
        if len(rows):
            scores[[n for n, r in enumerate(known) if r is not None]] = self.score_users(rows)
        for n, user in enumerate(users):
            seen = training.histories.get(user)
            if seen:
                scores[n, seen] = -np.inf
        # A stable sort on the negated scores breaks ties by catalog order.
        order = np.argsort(-scores, axis=1, kind="stable")[:, :k]
        result = []
        for n in range(len(users)):
            top = order[n]
            top = top[np.isfinite(scores[n, top])]
            result.append([training.item_ids[i] for i in top])
        return result


class MostPopularConfig(BaseModel):
    """Most-popular has nothing to configure; the config exists for a uniform interface."""

    model_config = ConfigDict(extra="forbid")


class MostPopular(ScoringMethod):
    """Items ranked by how many training users interacted with them."""

    name = "most-popular"

    def __init__(self, config: MostPopularConfig | None = None) -> None:
        self.config = config or MostPopularConfig()

    def fit(self, training: TrainingSet) -> MostPopular:
        self.training = training
        self.popularity = training.popularity().astype(np.float64)
        return self

    def score_users(self, rows: np.ndarray) -> np.ndarray:
        return np.tile(self.popularity, (len(rows), 1))


class ItemKNNConfig(BaseModel):
    """Item-kNN settings.

    Attributes:
        neighbors: keep only each candidate item's top-N most similar items; None uses them all (this is
            the variant that reproduces the reference numbers of the data sets' README).
    """

    model_config = ConfigDict(extra="forbid")
    neighbors: int | None = Field(default=None, ge=1)


class ItemKNN(ScoringMethod):
    """Item-based kNN: cosine similarity of items' co-occurrence, summed over the user's history.

    ``sim(i, j) = |U_i & U_j| / sqrt(|U_i| |U_j|)`` with ``sim(i, i) = 0``; ``score(u, j) = sum over the
    user's training items i of sim(i, j)``.
    """

    name = "item-knn"

    def __init__(self, config: ItemKNNConfig | None = None) -> None:
        self.config = config or ItemKNNConfig()

    def fit(self, training: TrainingSet) -> ItemKNN:
        x = training.matrix.astype(np.float32)
        co = (x.T @ x).tocsr()
        co.setdiag(0)
        co.eliminate_zeros()
        norms = np.sqrt(np.asarray(x.sum(axis=0)).ravel())
        norms[norms == 0] = 1.0
        inv = sp.diags(1.0 / norms)
        sim = (inv @ co @ inv).tocsc().astype(np.float32)
        if self.config.neighbors is not None:
            sim = _keep_top_per_column(sim, self.config.neighbors)
        self.similarity = sim.tocsr()
        self.training = training
        return self

    def score_users(self, rows: np.ndarray) -> np.ndarray:
        x = self._trained().matrix[rows]
        return np.asarray((x @ self.similarity).todense(), dtype=np.float64)


def _keep_top_per_column(matrix: sp.csc_matrix, n: int) -> sp.csc_matrix:
    """Keep the ``n`` largest entries of each column (the candidate's nearest neighbours)."""
    matrix = matrix.tocsc()
    data, indices, indptr = matrix.data, matrix.indices, matrix.indptr
    keep = np.zeros(len(data), dtype=bool)
    for col in range(matrix.shape[1]):
        lo, hi = indptr[col], indptr[col + 1]
        if hi - lo <= n:
            keep[lo:hi] = True
        else:
            top = np.argsort(-data[lo:hi], kind="stable")[:n]
            keep[lo + top] = True
    pruned = sp.csc_matrix((np.where(keep, data, 0), indices, indptr), shape=matrix.shape)
    pruned.eliminate_zeros()
    return pruned


class EASEConfig(BaseModel):
    """EASE settings.

    Attributes:
        l2: the ridge penalty lambda; the harness tunes it on the validation split.
    """

    model_config = ConfigDict(extra="forbid")
    l2: float = Field(default=500.0, gt=0)


class EASE(ScoringMethod):
    """EASE (Steck, WWW 2019): a closed-form item-item linear model with a zero diagonal.

    ``P = (X^T X + lambda I)^-1``, ``B = -P / diag(P)`` with ``diag(B) = 0``; ``score(u) = x_u B``.
    Memory and time grow with the square and cube of the catalog size (fine up to ~20k items).
    """

    name = "ease"
    max_items: ClassVar[int] = 20_000

    def __init__(self, config: EASEConfig | None = None) -> None:
        self.config = config or EASEConfig()

    def fit(self, training: TrainingSet) -> EASE:
        # Items nobody has in training have an all-zero Gram row: their weights are exactly zero, so the
        # inverse is taken over the active items only (the cost is cubic in their number).
        active = np.flatnonzero(training.popularity() > 0)
        if len(active) > self.max_items:
            raise EvaluationError(
                f"EASE needs a dense {len(active)} x {len(active)} matrix; leave it out (--methods) "
                f"for catalogs with over {self.max_items} interacted items."
            )
        x = training.matrix[:, active].astype(np.float64)
        gram = np.asarray((x.T @ x).todense())
        gram[np.diag_indices_from(gram)] += self.config.l2
        p = np.linalg.inv(gram)
        b = p / (-np.diag(p))
        b[np.diag_indices_from(b)] = 0.0
        self.active = active
        self.weights = b.astype(np.float32)
        self.training = training
        return self

    def score_users(self, rows: np.ndarray) -> np.ndarray:
        training = self._trained()
        x = training.matrix[rows][:, self.active]
        scores = np.zeros((len(rows), training.n_items), dtype=np.float64)
        scores[:, self.active] = x @ self.weights
        return scores


def recency_weights(n: int, decay: float) -> np.ndarray:
    """Weights for ``n`` items in time order: the last gets 1, each step back multiplies by ``decay``."""
    return decay ** np.arange(n - 1, -1, -1, dtype=np.float64)


class ContentVectorConfig(BaseModel):
    """Content-vector settings.

    Attributes:
        decay: recency weight per step back in the user's history (1.0: the plain mean).
    """

    model_config = ConfigDict(extra="forbid")
    decay: float = Field(default=1.0, gt=0, le=1)


class ContentVector(ScoringMethod):
    """Pure content: cosine between an item's vector and the user's (recency-weighted) mean item vector."""

    name = "content-vector"

    def __init__(
        self, item_vectors: np.ndarray, config: ContentVectorConfig | None = None, name: str | None = None
    ) -> None:
        self.config = config or ContentVectorConfig()
        self.item_vectors = np.asarray(item_vectors, dtype=np.float32)
        if name:
            self.name = name

    def fit(self, training: TrainingSet) -> ContentVector:
        if self.item_vectors.shape[0] != training.n_items:
            raise EvaluationError(
                f"{self.name}: {self.item_vectors.shape[0]} item vectors for {training.n_items} items; "
                "embed the same catalog the split was made from."
            )
        self.user_vectors = user_mean_vectors(training, self.item_vectors, self.config.decay)
        self.training = training
        return self

    def score_users(self, rows: np.ndarray) -> np.ndarray:
        return np.asarray(self.user_vectors[rows] @ self.item_vectors.T, dtype=np.float64)


def user_mean_vectors(training: TrainingSet, item_vectors: np.ndarray, decay: float = 1.0) -> np.ndarray:
    """Each training user's recency-weighted mean item vector, L2-normalised (rows follow ``user_ids``)."""
    out = np.zeros((len(training.user_ids), item_vectors.shape[1]), dtype=np.float32)
    for row, user in enumerate(training.user_ids):
        history = training.histories[user]
        weights = recency_weights(len(history), decay)
        vector = weights @ item_vectors[history]
        norm = np.linalg.norm(vector)
        out[row] = vector / norm if norm > 0 else vector
    return out
