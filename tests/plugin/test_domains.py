"""The domain classifier (every estimator, persistence, one class) and domain discovery."""

from __future__ import annotations

import json

import numpy as np
import pytest

from weaviate_recsys.errors import ConfigurationError, ModelNotTrained
from weaviate_recsys.plugin.domains import (
    ESTIMATORS,
    DomainClassifier,
    DomainClassifierConfig,
    default_domain_count,
    discover_domains,
)
from weaviate_recsys.plugin.keywords import KeywordExtractor


def _blobs(n_per: int = 30, dim: int = 16, seed: int = 0) -> tuple[np.ndarray, list[str]]:
    rng = np.random.default_rng(seed)
    centers = np.eye(dim)[:3] * 3
    X = np.vstack([c + rng.normal(scale=0.5, size=(n_per, dim)) for c in centers])
    X /= np.linalg.norm(X, axis=1, keepdims=True)
    y = [d for d in ("Pens", "Paper", "Printers") for _ in range(n_per)]
    return X, y


@pytest.mark.parametrize("estimator", ESTIMATORS)
def test_every_estimator_learns_separable_domains_and_reports_cv(estimator: str) -> None:
    X, y = _blobs()
    clf = DomainClassifier(DomainClassifierConfig(estimator=estimator)).fit(X, y)
    labels, probs = clf.predict(X)
    assert np.mean(np.array(labels) == np.array(y)) > 0.95
    assert np.all((probs > 0) & (probs <= 1))
    assert clf.metrics_.macro_f1 is not None and clf.metrics_.macro_f1 > 0.9
    assert clf.metrics_.folds == 5


def test_logistic_probabilities_equal_scikit_learns_predict_proba() -> None:
    from sklearn.linear_model import LogisticRegression

    X, y = _blobs()
    cfg = DomainClassifierConfig()
    ours = DomainClassifier(cfg).fit(X, y, evaluate=False)
    ref = LogisticRegression(C=cfg.C, class_weight=cfg.class_weight, max_iter=cfg.max_iter, random_state=0).fit(X, y)
    assert np.allclose(ours.predict_proba(X), ref.predict_proba(X), atol=1e-6)


def test_binary_logistic_matches_scikit_learn_too() -> None:
    from sklearn.linear_model import LogisticRegression

    X, y = _blobs()
    X, y = X[:60], y[:60]
    cfg = DomainClassifierConfig()
    ours = DomainClassifier(cfg).fit(X, y, evaluate=False)
    ref = LogisticRegression(C=cfg.C, class_weight=cfg.class_weight, max_iter=cfg.max_iter, random_state=0).fit(X, y)
    assert np.allclose(ours.predict_proba(X), ref.predict_proba(X), atol=1e-6)


def test_parameters_round_trip_through_json() -> None:
    X, y = _blobs()
    clf = DomainClassifier().fit(X, y)
    again = DomainClassifier.from_params(json.loads(json.dumps(clf.to_params())))
    assert again.classes_ == clf.classes_
    assert np.allclose(again.predict_proba(X), clf.predict_proba(X), atol=1e-5)
    assert again.metrics_ == clf.metrics_


def test_a_single_domain_is_accepted_and_says_so() -> None:
    X, _ = _blobs()
    clf = DomainClassifier().fit(X, ["Office"] * len(X))
    labels, probs = clf.predict(X[:3])
    assert labels == ["Office"] * 3 and np.allclose(probs, 1.0)
    assert clf.metrics_.macro_f1 is None and "one domain" in (clf.metrics_.note or "")


def test_tiny_classes_are_trained_on_but_left_out_of_cv() -> None:
    X, y = _blobs(n_per=10)
    y[-1] = "Lonely"
    clf = DomainClassifier().fit(X, y)
    assert clf.metrics_.folds == 5 and clf.metrics_.evaluated_items == len(y) - 1
    assert "not evaluated" in (clf.metrics_.note or "")
    assert "Lonely" in clf.classes_


def test_folds_shrink_when_every_class_is_small() -> None:
    X, y = _blobs(n_per=3)
    clf = DomainClassifier().fit(X, y)
    assert clf.metrics_.folds == 3 and clf.metrics_.macro_f1 is not None


def test_wrong_dimension_and_untrained_use_give_clear_errors() -> None:
    X, y = _blobs()
    clf = DomainClassifier().fit(X, y)
    with pytest.raises(ConfigurationError, match="dimensions"):
        clf.predict_proba(np.ones((1, 3)))
    with pytest.raises(ModelNotTrained, match="domains train"):
        DomainClassifier().predict_proba(X)


def test_discovery_clusters_and_names_domains_by_their_terms() -> None:
    texts = ["gel pens blue"] * 10 + ["laser printer toner"] * 10 + ["spiral notebook paper"] * 10
    X, _ = _blobs(n_per=10)
    ex = KeywordExtractor().fit(texts)
    found = discover_domains(X, ex.term_matrix(texts, normalize=False), ex.surfaces_, n_domains=3)
    assert len(set(found.labels)) == 3
    names = {found.labels[0], found.labels[10], found.labels[20]}
    assert any("gel" in n for n in names) and any("printer" in n or "toner" in n for n in names)
    assert len(set(found.names)) == len(found.names)


def test_default_domain_count_is_bounded() -> None:
    assert default_domain_count(3) == 2 and default_domain_count(2420) == 30 and default_domain_count(200) == 10
