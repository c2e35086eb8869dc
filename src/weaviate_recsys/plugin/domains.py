"""Macro domains: a classifier from content vectors to domains, and domain discovery when none are given.

The classifier is trained on item content vectors with scikit-learn and evaluated by stratified
cross-validation. Every supported estimator is linear in the vector (nearest centroid included, since
``-|x - c|^2 = 2 x.c - |c|^2 + const``), so the trained model is just ``classes``, ``coef`` and ``intercept``:
plain numbers stored in Weaviate and used the same way after loading, in any process. Probabilities are
the softmax of the decision scores (for logistic regression that *is* ``predict_proba``; for the other
estimators it is a monotone confidence, not a calibrated probability).

When no item has a domain, `discover_domains` clusters item vectors with k-means and names each cluster
by its top class-based TF-IDF terms (c-TF-IDF, Grootendorst 2022: term frequency within the cluster's
concatenated documents times ``log(1 + A / f_t)``, A = average words per cluster, f_t = the term's
frequency over all clusters).
"""

from __future__ import annotations

import math
import warnings
from collections import Counter
from collections.abc import Sequence
from typing import TYPE_CHECKING, Any, Literal

import numpy as np
from pydantic import BaseModel, ConfigDict, Field

from .._lazy import LazyModule
from ..errors import ConfigurationError, ModelNotTrained

if TYPE_CHECKING:
    import scipy.sparse as sp
else:
    sp = LazyModule("scipy.sparse")  # imported when a matrix is first built

__all__ = [
    "ESTIMATORS",
    "DomainClassifierConfig",
    "DomainClassifier",
    "ClassifierMetrics",
    "DiscoveredDomains",
    "discover_domains",
    "default_domain_count",
    "softmax",
]

#: Estimators `DomainClassifier` can train (all linear in the content vector).
ESTIMATORS = ("logistic", "linear_svc", "ridge", "sgd", "nearest_centroid")


class DomainClassifierConfig(BaseModel):
    """Which estimator and how it is trained and evaluated."""

    model_config = ConfigDict(extra="forbid")

    estimator: Literal["logistic", "linear_svc", "ridge", "sgd", "nearest_centroid"] = "logistic"
    C: float = Field(default=10.0, gt=0, description="Inverse regularisation (logistic, linear_svc); ridge uses 1/C.")
    class_weight: Literal["balanced"] | None = Field(
        default="balanced", description="'balanced' so rare domains are not ignored (macro-F1 counts them equally)."
    )
    max_iter: int = Field(default=2000, ge=10)
    cv_folds: int = Field(default=5, ge=2, description="Stratified cross-validation folds (fewer for tiny classes).")
    label_free_items: int = Field(
        default=1000,
        ge=0,
        description="Held-out items whose text is embedded again without its category labels for the label-free "
        "accuracy (0: not measured).",
    )
    seed: int = 0


class ClassifierMetrics(BaseModel):
    """Cross-validated quality of a domain classifier (None where it could not be measured).

    ``measured_on`` says which vectors the held-out items were classified from: the stored content vectors
    (whose text may hold the very category labels the domains come from, which makes the task easy) or vectors
    of the items' text without those labels (what an item without categories, or a user's text, looks like).
    """

    folds: int | None = None
    accuracy: float | None = None
    macro_f1: float | None = None
    evaluated_items: int = 0
    measured_on: str | None = None
    note: str | None = None


def softmax(scores: np.ndarray) -> np.ndarray:
    """Row-wise softmax, numerically stable."""
    z = scores - scores.max(axis=1, keepdims=True)
    np.exp(z, out=z)
    z /= z.sum(axis=1, keepdims=True)
    return z


def _make_estimator(cfg: DomainClassifierConfig) -> Any:
    from sklearn.linear_model import LogisticRegression, RidgeClassifier, SGDClassifier
    from sklearn.neighbors import NearestCentroid
    from sklearn.svm import LinearSVC

    if cfg.estimator == "logistic":
        return LogisticRegression(C=cfg.C, class_weight=cfg.class_weight, max_iter=cfg.max_iter, random_state=cfg.seed)
    if cfg.estimator == "linear_svc":
        return LinearSVC(C=cfg.C, class_weight=cfg.class_weight, max_iter=cfg.max_iter, random_state=cfg.seed)
    if cfg.estimator == "ridge":
        return RidgeClassifier(alpha=1.0 / cfg.C, class_weight=cfg.class_weight)
    if cfg.estimator == "sgd":
        return SGDClassifier(
            loss="log_loss", class_weight=cfg.class_weight, max_iter=cfg.max_iter, random_state=cfg.seed
        )
    if cfg.estimator == "nearest_centroid":
        return NearestCentroid()
    raise ConfigurationError(f"Unknown estimator {cfg.estimator!r}; choose one of {', '.join(ESTIMATORS)}.")


def _linear_form(est: Any, n_classes: int) -> tuple[np.ndarray, np.ndarray]:
    """``(coef, intercept)`` with one row per class, whatever the estimator."""
    if hasattr(est, "centroids_") and not hasattr(est, "coef_"):
        c = np.asarray(est.centroids_, dtype=np.float64)
        return 2.0 * c, -(c * c).sum(axis=1)
    coef = np.asarray(est.coef_, dtype=np.float64)
    intercept = np.atleast_1d(np.asarray(est.intercept_, dtype=np.float64))
    if coef.shape[0] == 1 and n_classes == 2:
        # Binary estimators keep one row for the positive class; [-w/2, w/2] gives the same softmax
        # as the sigmoid of w (softmax of (-s/2, s/2) = sigmoid(s)).
        coef = np.vstack([-coef[0] / 2, coef[0] / 2])
        intercept = np.array([-intercept[0] / 2, intercept[0] / 2])
    return coef, intercept


def _scores(truth: list[str], predicted: list[str], folds: int, note: str | None) -> ClassifierMetrics:
    from sklearn.metrics import accuracy_score, f1_score

    return ClassifierMetrics(
        folds=folds,
        accuracy=round(float(accuracy_score(truth, predicted)), 4),
        macro_f1=round(float(f1_score(truth, predicted, average="macro")), 4),
        evaluated_items=len(truth),
        note=note,
    )


class DomainClassifier:
    """Content vector -> domain probabilities.

    Args:
        config: estimator and evaluation settings (defaults when None).
    """

    def __init__(self, config: DomainClassifierConfig | None = None) -> None:
        self.config = config or DomainClassifierConfig()
        self.classes_: list[str] = []
        self.coef_: np.ndarray = np.zeros((0, 0))
        self.intercept_: np.ndarray = np.zeros(0)
        self.metrics_: ClassifierMetrics = ClassifierMetrics()
        self.label_free_metrics_: ClassifierMetrics | None = None

    @property
    def fitted(self) -> bool:
        return bool(self.classes_)

    @property
    def dim(self) -> int:
        return int(self.coef_.shape[1]) if self.coef_.ndim == 2 else 0

    def fit(
        self,
        X: np.ndarray,
        y: Sequence[str],
        evaluate: bool = True,
        label_free: tuple[Sequence[int], np.ndarray] | None = None,
    ) -> DomainClassifier:
        """Train on labelled vectors; with ``evaluate``, measure accuracy and macro-F1 by stratified CV first.

        ``label_free`` is ``(rows, vectors)``: for these rows of ``X``, vectors of their text without the label
        text. Each fold's classifier, trained on the other folds' ``X``, then also classifies its held-out rows
        from these vectors, giving ``label_free_metrics_``.

        A single class is accepted (every vector gets that domain with probability 1); there is nothing to
        cross-validate then, and the metrics say so.

        Raises:
            ConfigurationError: no labelled vectors, or X and y differ in length.
        """
        X = np.asarray(X, dtype=np.float64)
        labels = [str(v) for v in y]
        if X.ndim != 2 or X.shape[0] == 0:
            raise ConfigurationError("No labelled item vectors to train the domain classifier on; load items first.")
        if X.shape[0] != len(labels):
            raise ConfigurationError(f"{X.shape[0]} vectors but {len(labels)} labels.")
        classes = sorted(set(labels))
        if len(classes) == 1:
            self.classes_ = classes
            self.coef_ = np.zeros((1, X.shape[1]))
            self.intercept_ = np.zeros(1)
            self.metrics_ = ClassifierMetrics(
                evaluated_items=0, note=f"Only one domain ({classes[0]!r}): every item and user belongs to it."
            )
            return self
        if evaluate:
            self.metrics_, self.label_free_metrics_ = self._cross_validate(X, labels, label_free)
        est = _make_estimator(self.config)
        with warnings.catch_warnings():
            warnings.simplefilter("ignore")  # convergence chatter; the CV metrics say how good it is
            est.fit(X, labels)
        est_classes = [str(c) for c in est.classes_]
        coef, intercept = _linear_form(est, len(est_classes))
        self.classes_ = est_classes
        self.coef_, self.intercept_ = coef, intercept
        return self

    def _cross_validate(
        self, X: np.ndarray, labels: list[str], label_free: tuple[Sequence[int], np.ndarray] | None = None
    ) -> tuple[ClassifierMetrics, ClassifierMetrics | None]:
        from sklearn.model_selection import StratifiedKFold

        counts = Counter(labels)
        # Stratified folds need every evaluated class in every fold: classes with fewer items than folds are
        # trained on but not evaluated; only when fewer than two classes are left do the folds shrink.
        folds = self.config.cv_folds
        evaluated = {c for c, n in counts.items() if n >= folds}
        if len(evaluated) < 2:
            folds = max(2, min(sorted(counts.values(), reverse=True)[:2]))
            evaluated = {c for c, n in counts.items() if n >= folds}
        if len(evaluated) < 2:
            note = "Too few items per domain to cross-validate (need 2 domains with 2+ items)."
            return ClassifierMetrics(note=note), (ClassifierMetrics(note=note) if label_free else None)
        keep = np.nonzero(np.array([c in evaluated for c in labels]))[0]
        y = np.array(labels, dtype=object)
        pred = np.empty(len(labels), dtype=object)
        free_rows = np.asarray(list(label_free[0]) if label_free else [], dtype=np.int64)
        free_vectors = np.asarray(label_free[1], dtype=np.float64) if label_free else np.zeros((0, X.shape[1]))
        free_pos = {int(r): n for n, r in enumerate(free_rows)}
        free_pred: dict[int, str] = {}
        cv = StratifiedKFold(n_splits=folds, shuffle=True, random_state=self.config.seed)
        for train, test in cv.split(X[keep], y[keep]):
            est = _make_estimator(self.config)
            with warnings.catch_warnings():
                warnings.simplefilter("ignore")
                est.fit(X[keep[train]], list(y[keep[train]]))
            pred[keep[test]] = est.predict(X[keep[test]])
            held = [int(r) for r in keep[test] if int(r) in free_pos]
            if held:
                found = est.predict(free_vectors[[free_pos[r] for r in held]])
                free_pred.update(zip(held, (str(v) for v in found)))
        skipped = len(labels) - len(keep)
        left_out = (
            f"{skipped} items of {len(counts) - len(evaluated)} domains with fewer than {folds} items were "
            "not evaluated (trained on, though)."
            if skipped
            else None
        )
        metrics = _scores(list(y[keep]), [str(v) for v in pred[keep]], folds, left_out)
        if label_free is None:
            return metrics, None
        rows = sorted(free_pred)
        if not rows:
            return metrics, ClassifierMetrics(note="No held-out item had text without its labels to classify.")
        return metrics, _scores([labels[r] for r in rows], [free_pred[r] for r in rows], folds, None)

    def decision_scores(self, X: np.ndarray) -> np.ndarray:
        """Linear decision scores, shape (n, n_classes)."""
        self._require_fitted()
        X = np.atleast_2d(np.asarray(X, dtype=np.float64))
        if X.shape[1] != self.dim:
            raise ConfigurationError(
                f"Vectors have {X.shape[1]} dimensions but the domain classifier was trained on {self.dim}: "
                "embed with the same model as the items, or retrain with `weaviate-recsys domains train`."
            )
        return X @ self.coef_.T + self.intercept_

    def predict_proba(self, X: np.ndarray) -> np.ndarray:
        """Domain probabilities, shape (n, n_classes), columns in ``classes_`` order."""
        return softmax(self.decision_scores(X))

    def predict(self, X: np.ndarray) -> tuple[list[str], np.ndarray]:
        """Most likely domain of each vector and its probability."""
        p = self.predict_proba(X)
        best = p.argmax(axis=1)
        return [self.classes_[i] for i in best], p[np.arange(len(best)), best]

    def _require_fitted(self) -> None:
        if not self.fitted:
            raise ModelNotTrained("The domain classifier is not trained: run `weaviate-recsys domains train`.")

    def to_params(self) -> dict[str, Any]:
        """Plain JSON-able parameters (estimator, classes, coef, intercept, metrics)."""
        return {
            "config": self.config.model_dump(),
            "classes": self.classes_,
            "coef": [[round(float(v), 7) for v in row] for row in self.coef_],
            "intercept": [round(float(v), 7) for v in self.intercept_],
            "metrics": self.metrics_.model_dump(),
            "label_free_metrics": self.label_free_metrics_.model_dump() if self.label_free_metrics_ else None,
        }

    @classmethod
    def from_params(cls, params: dict[str, Any]) -> DomainClassifier:
        """Rebuild a trained classifier from `to_params` output."""
        clf = cls(DomainClassifierConfig.model_validate(params["config"]))
        clf.classes_ = [str(c) for c in params["classes"]]
        clf.coef_ = np.asarray(params["coef"], dtype=np.float64).reshape(len(clf.classes_), -1)
        clf.intercept_ = np.asarray(params["intercept"], dtype=np.float64)
        clf.metrics_ = ClassifierMetrics.model_validate(params.get("metrics") or {})
        free = params.get("label_free_metrics")
        clf.label_free_metrics_ = ClassifierMetrics.model_validate(free) if free else None
        return clf


class DiscoveredDomains(BaseModel):
    """Result of `discover_domains`: one label per item and each cluster's name and top terms."""

    labels: list[str]
    names: list[str]
    terms: dict[str, list[str]]


def default_domain_count(n_items: int) -> int:
    """A k for k-means when the caller gives none: about sqrt(n/2), between 2 and 30."""
    return max(2, min(30, round(math.sqrt(n_items / 2))))


def discover_domains(
    vectors: np.ndarray,
    term_counts: sp.csr_matrix,
    surfaces: Sequence[str],
    n_domains: int | None = None,
    seed: int = 0,
    name_terms: int = 3,
) -> DiscoveredDomains:
    """Cluster item vectors with k-means and name each cluster by its top c-TF-IDF terms.

    Args:
        vectors: item content vectors (n, d); rows of zeros (items without a vector) are allowed.
        term_counts: raw term counts per item (n, V), e.g. ``KeywordExtractor.term_matrix(texts, normalize=False)``.
        surfaces: display form of each term column.
        n_domains: number of clusters (default `default_domain_count`); capped at the number of distinct vectors.
        seed: k-means seed.
        name_terms: how many terms make a name ("toner / ink / cartridge").

    Returns:
        labels per item (cluster names), the names in cluster order, and each name's top terms.
    """
    from sklearn.cluster import KMeans

    X = np.asarray(vectors, dtype=np.float64)
    n = X.shape[0]
    if n == 0:
        raise ConfigurationError("No items to discover domains from; load items first.")
    k = n_domains or default_domain_count(n)
    distinct = len(np.unique(np.round(X, 6), axis=0))
    k = max(1, min(k, distinct))
    if k == 1:
        assign = np.zeros(n, dtype=np.int64)
    else:
        with warnings.catch_warnings():
            warnings.simplefilter("ignore")
            assign = KMeans(n_clusters=k, n_init=4, random_state=seed).fit_predict(X)
    # c-TF-IDF over clusters.
    onehot = sp.csr_matrix((np.ones(n), (assign, np.arange(n))), shape=(k, n))
    class_tf = (onehot @ sp.csr_matrix(term_counts)).toarray()
    totals = class_tf.sum(axis=1, keepdims=True)
    totals[totals == 0] = 1.0
    tf = class_tf / totals
    avg_words = max(float(class_tf.sum()) / k, 1.0)
    f_t = class_tf.sum(axis=0)
    idf = np.log(1.0 + avg_words / np.maximum(f_t, 1e-12))
    ctfidf = tf * idf
    names: list[str] = []
    terms: dict[str, list[str]] = {}
    used: set[str] = set()
    for c in range(k):
        order = [j for j in np.argsort(-ctfidf[c], kind="stable") if ctfidf[c, j] > 0][: max(name_terms * 4, 12)]
        top = [surfaces[j] for j in order]
        picked: list[str] = []
        for t in top:  # skip a unigram already inside a picked phrase, so names are not "gel pen / gel / pen"
            if any(t in p.split(" ") or p in t.split(" ") for p in picked):
                continue
            picked.append(t)
            if len(picked) == name_terms:
                break
        name = " / ".join(picked) if picked else f"domain {c + 1}"
        extra = iter(t for t in top if t not in picked)
        while name in used:
            nxt = next(extra, None)
            name = f"{name} / {nxt}" if nxt else f"{name} ({c + 1})"
        used.add(name)
        names.append(name)
        terms[name] = top[:10]
    return DiscoveredDomains(labels=[names[a] for a in assign], names=names, terms=terms)
