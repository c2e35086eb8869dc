"""Semantic interests: a user's interest vector, overall and per domain.

The interest vector is the event-weighted mean of the vectors of what the user interacted with and of
their own texts; disliked things have negative weights and are subtracted. The result is L2-normalised,
so it can be used directly as a cosine query vector. A user whose evidence is only negative gets no
vector (a direction *away* from dislikes is not a good query), and the profile says so.
"""

from __future__ import annotations

from typing import TYPE_CHECKING

import numpy as np

from .._lazy import LazyModule

if TYPE_CHECKING:
    import scipy.sparse as sp
else:
    sp = LazyModule("scipy.sparse")  # imported when a matrix is first built

__all__ = ["normalize_rows", "interest_vectors"]

#: Below this norm a mean vector is treated as "no direction" (e.g. a like and a dislike that cancel).
_MIN_NORM = 1e-9


def normalize_rows(m: np.ndarray) -> tuple[np.ndarray, np.ndarray]:
    """L2-normalised rows and a mask of rows that had a direction (norm above a tiny threshold)."""
    m = np.asarray(m, dtype=np.float64)
    norms = np.linalg.norm(m, axis=1, keepdims=True)
    ok = norms[:, 0] > _MIN_NORM
    out = np.zeros_like(m)
    np.divide(m, norms, out=out, where=norms > _MIN_NORM)
    return out, ok


def interest_vectors(
    weights: sp.csr_matrix, vectors: np.ndarray, has_vector: np.ndarray
) -> tuple[np.ndarray, np.ndarray]:
    """Weighted, normalised mean vector per row of ``weights``.

    Args:
        weights: (users x documents) event weights (negative for dislikes).
        vectors: (documents x dim) unit vectors; rows without a vector may hold anything.
        has_vector: (documents,) bool, False for documents without a vector (ignored).

    Returns:
        ``(vectors, ok)``: (users x dim) float32 unit vectors and a mask of users who got one. A user gets
        none when they have no document with a vector, or their positive evidence does not outweigh the
        negative (no positive weight at all).
    """
    w = sp.csr_matrix(weights, dtype=np.float64)
    if not has_vector.all():
        w = w @ sp.diags(has_vector.astype(np.float64))
    vec = np.where(has_vector[:, None], vectors, 0.0)
    mean = np.asarray(w @ vec)
    out, ok = normalize_rows(mean)
    positive = np.asarray(w.maximum(0).sum(axis=1)).ravel() > 0
    ok &= positive
    out[~ok] = 0.0
    return out.astype(np.float32), ok
