"""Interest vectors: weighted means, negatives subtracted, unit length."""

from __future__ import annotations

import numpy as np
import scipy.sparse as sp

from weaviate_recsys.plugin.semantic import interest_vectors


def test_weighted_mean_is_normalised_and_dislikes_push_away() -> None:
    vecs = np.array([[1.0, 0.0], [0.0, 1.0], [0.0, 1.0]])
    w = sp.csr_matrix(np.array([[1.0, 0.0, 0.0], [1.0, 1.0, -0.5]]))
    out, ok = interest_vectors(w, vecs, np.array([True, True, True]))
    assert ok.all()
    assert np.allclose(out[0], [1.0, 0.0])
    assert np.allclose(np.linalg.norm(out, axis=1), 1.0)
    assert out[1][0] > out[1][1]  # the liked-and-disliked direction is weakened


def test_only_negative_or_vectorless_evidence_gives_no_vector() -> None:
    vecs = np.array([[1.0, 0.0], [0.0, 1.0]])
    w = sp.csr_matrix(np.array([[-1.0, 0.0], [0.0, 1.0], [0.0, 0.0]]))
    out, ok = interest_vectors(w, vecs, np.array([True, False]))
    assert ok.tolist() == [False, False, False]
    assert not out.any()
