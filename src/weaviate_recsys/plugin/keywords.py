"""Micro interests: weighted keywords by TF-IDF over stems and collocation phrases.

One `KeywordExtractor` is fitted on the whole catalog plus user content (reviews, comments, stated
interests), so IDF reflects everything people and products say. The same fitted extractor fills
``Item.keywords`` and turns a user's weighted document (their own text plus the text of what they
interacted with) into their keywords. It is plain data (`to_dict` / `from_dict`), stored in Weaviate
next to the domain classifier so every process extracts the same keywords.
"""

from __future__ import annotations

import math
from collections import Counter, defaultdict
from collections.abc import Iterable, Sequence
from typing import TYPE_CHECKING, Any

import numpy as np
from pydantic import BaseModel, ConfigDict, Field

from .._lazy import LazyModule
from .text_processing import PHRASE_SEPARATOR, TextAnalyzer, find_phrases, most_common_surface

if TYPE_CHECKING:
    import scipy.sparse as sp
else:
    sp = LazyModule("scipy.sparse")  # imported when a matrix is first built

__all__ = ["KeywordExtractorConfig", "KeywordExtractor", "Keyword"]

#: ``(keyword as shown, weight)``.
Keyword = tuple[str, float]


class KeywordExtractorConfig(BaseModel):
    """How terms are found and weighted.

    ``min_df`` and ``max_df`` only apply once the corpus is large enough for document frequencies to mean
    something (at least ``10 * min_df`` documents for ``min_df``, 10 documents for ``max_df``), so a tiny
    catalog still gets keywords.
    """

    model_config = ConfigDict(extra="forbid")

    min_df: int = Field(default=2, ge=1, description="Drop terms found in fewer documents (typos, model numbers).")
    max_df: float = Field(default=0.5, gt=0, le=1, description="Drop terms found in more than this share of documents.")
    max_terms: int = Field(default=50_000, ge=1, description="Keep the most frequent terms only.")
    phrases: bool = Field(default=True, description="Add bigram collocations as terms.")
    phrase_min_count: int = Field(default=3, ge=1)
    phrase_min_score: float = Field(default=10.83, ge=0, description="Minimum log-likelihood ratio (p < 0.001).")
    max_phrases: int = Field(default=5000, ge=0)
    sublinear_tf: bool = Field(default=True, description="1 + log(tf), so repetition counts less than breadth.")
    phrase_weight: float = Field(
        default=1.0,
        ge=0,
        description="Multiplies a phrase's weight when keywords are ranked: a phrase that occurs as such "
        '("laser printer", "dark comedy") says more than either of its words.',
    )
    idf_power: float = Field(
        default=1.0,
        ge=0,
        description="Keyword weight = tf x idf ** idf_power: above 1, words common across the catalog lose more.",
    )
    min_token_length: int = Field(default=2, ge=1, description="Shorter tokens are no terms.")
    extra_stopwords: list[str] = Field(default_factory=list)
    top_k: int = Field(default=20, ge=1, description="Keywords per document unless a call says otherwise.")


class KeywordExtractor:
    """TF-IDF keyword extraction: ``fit`` on a corpus, then score any weighted set of documents.

    Args:
        config: the extractor's configuration (defaults when None).
    """

    def __init__(self, config: KeywordExtractorConfig | None = None) -> None:
        self.config = config or KeywordExtractorConfig()
        self.analyzer = TextAnalyzer(
            extra_stopwords=self.config.extra_stopwords, min_token_length=self.config.min_token_length
        )
        self.terms_: list[str] = []
        self.surfaces_: list[str] = []
        self.idf_: np.ndarray = np.zeros(0, dtype=np.float64)
        self.vocabulary_: dict[str, int] = {}
        self.phrases_: frozenset[str] = frozenset()
        self.n_documents_: int = 0
        self._rank_cache: tuple[np.ndarray, np.ndarray] | None = None

    # --- fitting --------------------------------------------------------------------------------

    @property
    def fitted(self) -> bool:
        return bool(self.terms_)

    def fit(self, documents: Iterable[str | None]) -> KeywordExtractor:
        """Learn the vocabulary, phrases, surface forms and IDF from a corpus.

        Empty and ``None`` documents count as documents (they are items without text) but add no terms.
        """
        docs = [d or "" for d in documents]
        cfg = self.config
        phrases: dict[str, int] = {}
        if cfg.phrases and cfg.max_phrases > 0:
            phrases = find_phrases(
                self.analyzer,
                docs,
                min_count=cfg.phrase_min_count,
                min_score=cfg.phrase_min_score,
                max_phrases=cfg.max_phrases,
            )
        phrase_set = frozenset(phrases)
        df: Counter[str] = Counter()
        tf_total: Counter[str] = Counter()
        surfaces: dict[str, Counter[str]] = defaultdict(Counter)
        for d in docs:
            seen: set[str] = set()
            for term, surface in self.analyzer.terms(d, phrase_set):
                surfaces[term][surface] += 1
                tf_total[term] += 1
                seen.add(term)
            df.update(seen)
        n = len(docs)
        min_df = cfg.min_df if n >= 10 * cfg.min_df else 1
        max_df = cfg.max_df * n if n >= 10 else float("inf")
        kept = [t for t, c in df.items() if c >= min_df and c <= max_df]
        kept.sort(key=lambda t: (-tf_total[t], t))
        kept = sorted(kept[: cfg.max_terms])
        self.terms_ = kept
        self.vocabulary_ = {t: i for i, t in enumerate(kept)}
        self.surfaces_ = [most_common_surface(surfaces[t]) for t in kept]
        # Smoothed IDF, as scikit-learn's TfidfVectorizer: ln((1 + n) / (1 + df)) + 1. Rounded as `to_dict`
        # stores it, so the fitted extractor and the one reloaded from Weaviate give identical weights.
        self.idf_ = np.round(np.array([math.log((1 + n) / (1 + df[t])) + 1.0 for t in kept], dtype=np.float64), 6)
        self.phrases_ = frozenset(t for t in kept if PHRASE_SEPARATOR in t)
        self.n_documents_ = n
        return self

    # --- term vectors ---------------------------------------------------------------------------

    def term_counts(self, text: str | None) -> dict[int, float]:
        """Raw counts of known terms in one text, by vocabulary index.

        A word inside a recognised phrase counts for the phrase, not again on its own: each occurrence of
        "cardioid pattern" takes one occurrence away from "cardioid" and from "pattern". So a phrase's words
        only become keywords of their own when they also occur outside it (their independent weight),
        instead of filling top-K slots with "cardioid, cardioid pattern, pattern". IDF is unaffected (a
        word's rarity is still measured over every occurrence).
        """
        counts: dict[int, float] = {}
        voc = self.vocabulary_
        phrases: list[str] = []
        for term, _ in self.analyzer.terms(text, self.phrases_):
            j = voc.get(term)
            if j is not None:
                counts[j] = counts.get(j, 0.0) + 1.0
                if PHRASE_SEPARATOR in term:
                    phrases.append(term)
        if phrases:
            for phrase in phrases:
                for word in phrase.split(PHRASE_SEPARATOR):
                    j = voc.get(word)
                    if j is not None and j in counts:
                        counts[j] -= 1.0
            counts = {j: c for j, c in counts.items() if c > 0}
        return counts

    def term_matrix(self, texts: Sequence[str | None], normalize: bool = True) -> sp.csr_matrix:
        """One row of term frequencies per text (sublinear and L2-normalised when ``normalize``).

        Normalising makes each document count once however long it is, so a user's document is a
        weighted sum of documents, not of words.
        """
        indptr = [0]
        indices: list[int] = []
        data: list[float] = []
        for text in texts:
            c = self.term_counts(text)
            if c:
                idx = np.fromiter(c.keys(), dtype=np.int64, count=len(c))
                val = np.fromiter(c.values(), dtype=np.float64, count=len(c))
                if normalize:
                    if self.config.sublinear_tf:
                        val = 1.0 + np.log(val)
                    val = val / np.linalg.norm(val)
                indices.extend(idx.tolist())
                data.extend(val.tolist())
            indptr.append(len(indices))
        return sp.csr_matrix(
            (np.asarray(data, dtype=np.float64), np.asarray(indices, dtype=np.int64), np.asarray(indptr)),
            shape=(len(texts), len(self.terms_)),
        )

    # --- keywords -------------------------------------------------------------------------------

    def top_keywords(self, tf: sp.csr_matrix, top_k: int | None = None) -> list[list[Keyword]]:
        """Top-K keywords of each row of an (aggregated) term-frequency matrix.

        Rows are multiplied by IDF and L2-normalised over their positive part; negative entries (terms
        that only come from disliked items) are never keywords. All rows are ranked at once (one sort).
        IDF and phrase weighting follow the config (``idf_power``, ``phrase_weight``).
        """
        k = top_k or self.config.top_k
        m = sp.csr_matrix(tf, dtype=np.float64, copy=True)
        n = m.shape[0]
        if m.nnz == 0:
            return [[] for _ in range(n)]
        m.data *= self._rank_weights()[m.indices]
        m.data[m.data < 0] = 0.0
        m.eliminate_zeros()
        m.sort_indices()
        rows = np.repeat(np.arange(n), np.diff(m.indptr))
        norms = np.sqrt(np.bincount(rows, weights=m.data * m.data, minlength=n))
        vals = m.data / norms[rows]
        # One stable float sort: the row number orders rows, (1 - value) < 1 orders within a row by weight,
        # and stability keeps ties in term order (indices are sorted), so results are reproducible.
        order = np.argsort(rows + (1.0 - vals) * 0.999, kind="stable")
        rank = np.arange(len(order)) - m.indptr[rows[order]]
        keep = order[rank < k]
        surfaces = self.surfaces_
        kept_rows = rows[keep].tolist()
        kept_terms = m.indices[keep].tolist()
        kept_vals = np.round(vals[keep], 6).tolist()
        out: list[list[Keyword]] = [[] for _ in range(n)]
        for r, j, v in zip(kept_rows, kept_terms, kept_vals):
            out[r].append((surfaces[j], v))
        return out

    def _rank_weights(self) -> np.ndarray:
        """Per term, what its frequency is multiplied by to rank keywords: IDF (to ``idf_power``), times
        ``phrase_weight`` for phrases. Computed once per fitted vocabulary."""
        cached = self._rank_cache
        if cached is not None and cached[0] is self.idf_:
            return cached[1]
        cfg = self.config
        w = self.idf_ if cfg.idf_power == 1.0 else self.idf_**cfg.idf_power
        if cfg.phrase_weight != 1.0 and self.terms_:
            is_phrase = np.fromiter((PHRASE_SEPARATOR in t for t in self.terms_), dtype=bool, count=len(self.terms_))
            w = np.where(is_phrase, w * cfg.phrase_weight, w)
        self._rank_cache = (self.idf_, w)
        return w

    def transform(self, documents: str | Sequence[tuple[str | None, float]], top_k: int | None = None) -> list[Keyword]:
        """Top-K ``(keyword, weight)`` of one weighted document.

        Args:
            documents: a text, or ``(text, weight)`` pairs whose normalised term vectors are summed with
                those weights (a negative weight subtracts, as for a disliked item).
            top_k: how many keywords (default: the config's ``top_k``).
        """
        self._require_fitted()
        pairs = [(documents, 1.0)] if isinstance(documents, str) else list(documents)
        if not pairs:
            return []
        tf = self.term_matrix([t for t, _ in pairs])
        w = np.array([wt for _, wt in pairs], dtype=np.float64)
        row = sp.csr_matrix(w[None, :] @ tf)
        return self.top_keywords(row, top_k)[0]

    def _require_fitted(self) -> None:
        if not self.fitted:
            from ..errors import ModelNotTrained

            raise ModelNotTrained(
                "The keyword extractor has no vocabulary: fit it on a catalog with some text first "
                "(run `weaviate-recsys domains train`)."
            )

    # --- persistence ----------------------------------------------------------------------------

    def to_dict(self) -> dict[str, Any]:
        """Plain JSON-able data (config, terms, surface forms, IDF)."""
        return {
            "config": self.config.model_dump(),
            "terms": self.terms_,
            "surfaces": self.surfaces_,
            "idf": [round(float(x), 6) for x in self.idf_],
            "n_documents": self.n_documents_,
        }

    @classmethod
    def from_dict(cls, data: dict[str, Any]) -> KeywordExtractor:
        """Rebuild a fitted extractor from `to_dict` output."""
        ex = cls(KeywordExtractorConfig.model_validate(data["config"]))
        ex.terms_ = list(data["terms"])
        ex.surfaces_ = list(data["surfaces"])
        ex.idf_ = np.asarray(data["idf"], dtype=np.float64)
        ex.vocabulary_ = {t: i for i, t in enumerate(ex.terms_)}
        ex.phrases_ = frozenset(t for t in ex.terms_ if PHRASE_SEPARATOR in t)
        ex.n_documents_ = int(data["n_documents"])
        return ex
