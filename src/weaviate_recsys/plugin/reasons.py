"""Why an item was recommended: the interest it serves, matched keywords, and the parts of its score.

The keyword and vector parts come from Weaviate's own ``explain_score`` for hybrid queries
(docs/lite-server.md §4.6), so they are exactly what the server added up, not a re-computation:

* relativeScore fusion: one line per result set, ``Hybrid (Result Set <set>) Document <uuid>: original
  score <v>, normalized score: <n>``; ``<v>`` is the raw BM25 score (keyword set) or ``1 - distance``
  (vector set) and ``<n>`` is that set's contribution to the fused score.
* ranked fusion: ``Hybrid (Result Set <set>) Document <uuid> contributed <c> to the score``.

A result set named ``keyword,...`` is the keyword leg; ``vector,...`` is the vector leg. A leg that did
not find the item contributes 0. Anything unparsable leaves the parts unknown (None) instead of guessing.
"""

from __future__ import annotations

import re
import threading
from collections.abc import Iterable
from functools import lru_cache
from typing import Literal

import snowballstemmer
from pydantic import BaseModel, Field

__all__ = ["KeywordMatcher", "PopularityBasis", "ScoreParts", "Reasons", "parse_explain_score", "matched_keywords", "describe"]

#: How a recommendation was found.
Source = Literal["interest", "overall", "exploration", "text", "popular", "similar", "cold_items"]
#: What "popular" means for a popularity-based result: the catalog's ``popularity`` values, the stored
#: interactions (recency-weighted counts; when no item has a popularity), or nothing (neither exists).
PopularityBasis = Literal["catalog", "interactions", "none"]

_NUMBER = r"([-+]?(?:\d+\.?\d*|\.\d+)(?:[eE][-+]?\d+)?|NaN|[-+]?Inf)"
_RELATIVE = re.compile(
    r"Hybrid \(Result Set (?P<set>[^)]*)\) Document (?P<uuid>[0-9a-fA-F-]+): original score "
    + _NUMBER
    + r", normalized score: "
    + _NUMBER
)
_RANKED = re.compile(
    r"Hybrid \(Result Set (?P<set>[^)]*)\) Document (?P<uuid>[0-9a-fA-F-]+) contributed " + _NUMBER + r" to the score"
)
_TOKEN = re.compile(r"[^\W_]+", re.UNICODE)
# The Snowball English stemmer from the small `snowballstemmer` package, not NLTK's: matching runs on every
# recommendation, and importing NLTK costs about a second of CPU per process. Both sides of a match (the
# user's keywords, the item's keywords and title) go through this one stemmer, so they agree.
# A stemmer object keeps its working state between calls: one call at a time.
_STEMMER = snowballstemmer.stemmer("english")
_STEMMER_LOCK = threading.Lock()


class ScoreParts(BaseModel):
    """The parts of a hybrid score, as reported by Weaviate.

    Attributes:
        keyword: the keyword (BM25) leg's contribution to the fused hybrid score.
        vector: the vector leg's contribution to the fused hybrid score.
        bm25: the raw BM25 score (None when the keyword leg did not find the item or under ranked fusion).
        similarity: the raw vector similarity, ``1 - distance`` (cosine similarity for cosine vectors).
    """

    keyword: float | None = None
    vector: float | None = None
    bm25: float | None = None
    similarity: float | None = None


class Reasons(BaseModel):
    """Why one item is in a user's list.

    Attributes:
        source: how it was found: a profile interest (a domain), the user's ``overall`` interest (recent history
            across domains, no domain filter), exploration outside the profile, free text (cold
            start), popularity (cold start / backfill), item similarity, or ``cold_items``: an item nobody has
            interacted with yet (no behaviour vector), found by its content within the user's domains.
        domain: the interest domain the item serves (the query's domain filter); for queries not bound to a
            domain (overall, exploration, text), the item's own domain.
        domain_weight: that interest's weight in the profile (1 for the overall interest, the share for
            exploration).
        matched_keywords: the user's keywords found in the item's keywords or title (the user's wording).
        hybrid_score: the score of the Weaviate query that found the item (before cross-domain fusion).
        parts: the keyword and vector parts of ``hybrid_score`` (None when not requested).
        popularity: the item's popularity, for popularity-based results: its catalog ``popularity``, or its
            recency-weighted interaction count (see ``popularity_basis``).
        popularity_basis: where ``popularity`` came from: ``catalog``, ``interactions`` (the catalog has no
            popularity values) or ``none`` (neither: the order says nothing about popularity).
    """

    source: Source
    domain: str | None = None
    domain_weight: float | None = None
    matched_keywords: list[str] = Field(default_factory=list)
    hybrid_score: float | None = None
    parts: ScoreParts | None = None
    popularity: float | None = None
    popularity_basis: PopularityBasis | None = None


def _num(text: str) -> float:
    return float(text.replace("Inf", "inf"))


def parse_explain_score(explain: str | None) -> ScoreParts | None:
    """Split a hybrid ``explain_score`` string into its keyword and vector parts.

    Args:
        explain: the string from ``obj.metadata.explain_score``.

    Returns:
        The parts; a leg missing from the string contributed 0. None when the string has no hybrid line
        at all (empty, or not a hybrid explanation), so callers can tell "unknown" from "zero".
    """
    if not explain:
        return None
    parts = ScoreParts()
    found = False
    for m in _RELATIVE.finditer(explain):
        found = True
        original, normalised = _num(m.group(3)), _num(m.group(4))
        if m.group("set").startswith("keyword"):
            parts.keyword = (parts.keyword or 0.0) + normalised
            parts.bm25 = original
        elif m.group("set").startswith("vector"):
            parts.vector = (parts.vector or 0.0) + normalised
            parts.similarity = original
    for m in _RANKED.finditer(explain):
        found = True
        contribution = _num(m.group(3))
        if m.group("set").startswith("keyword"):
            parts.keyword = (parts.keyword or 0.0) + contribution
        elif m.group("set").startswith("vector"):
            parts.vector = (parts.vector or 0.0) + contribution
    if not found:
        return None
    if parts.keyword is None:
        parts.keyword = 0.0
    if parts.vector is None:
        parts.vector = 0.0
    return parts


@lru_cache(maxsize=65536)
def _stem(token: str) -> str:
    with _STEMMER_LOCK:
        return str(_STEMMER.stemWord(token))


@lru_cache(maxsize=16384)
def _stems(text: str) -> tuple[str, ...]:
    return tuple(_stem(t) for t in _TOKEN.findall(text.lower()))


class KeywordMatcher:
    """A user's keywords, stemmed once, matched against many items (a recommendation matches ten or more).

    Matching is on Snowball stems, so "pens" matches "pen"; a phrase ("gel pens") matches when all of its
    words occur in the item (the item's keywords and title together). Each keyword appears once, in the
    user's surface form and order.
    """

    def __init__(self, user_keywords: Iterable[str]) -> None:
        self._keywords: list[tuple[str, frozenset[str]]] = []
        for kw in dict.fromkeys(user_keywords):
            stems = frozenset(_stems(kw))
            if stems:
                self._keywords.append((kw, stems))

    def match(self, item_keywords: Iterable[str], title: str | None) -> list[str]:
        """The keywords that the item's keywords or title also contain."""
        if not self._keywords:
            return []
        item_stems: set[str] = set()
        for kw in item_keywords:
            item_stems.update(_stems(kw))
        if title:
            item_stems.update(_stems(title))
        if not item_stems:
            return []
        return [kw for kw, stems in self._keywords if stems <= item_stems]


def matched_keywords(user_keywords: Iterable[str], item_keywords: Iterable[str], title: str | None) -> list[str]:
    """The user's keywords that the item's keywords or title also contain, in the user's order (see
    `KeywordMatcher`, which does this for many items with one stemming of the user's keywords)."""
    return KeywordMatcher(user_keywords).match(item_keywords, title)


def describe(reasons: Reasons | None, parts: bool = True) -> str:
    """One short human line for a table's "why" column (``parts``: include the keyword/vector split)."""
    if reasons is None:
        return ""
    if reasons.source == "interest":
        head = f"interest {reasons.domain}"
        if reasons.domain_weight is not None:
            head += f" ({reasons.domain_weight:.0%})"
    elif reasons.source == "overall":
        head = "recent interests" + (f", {reasons.domain}" if reasons.domain else "")
    elif reasons.source == "exploration":
        head = "explore" + (f" {reasons.domain}" if reasons.domain else "")
    elif reasons.source == "text":
        head = "matches your text" + (f" in {reasons.domain}" if reasons.domain else "")
    elif reasons.source == "similar":
        head = "similar item"
    elif reasons.source == "cold_items":
        head = "new item" + (f" in {reasons.domain}" if reasons.domain else "")
    elif reasons.popularity_basis == "none":
        head = "no popularity data" + (f", from {reasons.domain}" if reasons.domain else "")
    elif reasons.popularity_basis == "interactions" and not reasons.popularity:
        head = "no interactions yet" + (f", from {reasons.domain}" if reasons.domain else "")
    else:
        head = "popular" + (f" in {reasons.domain}" if reasons.domain else "")
        if reasons.popularity_basis == "interactions":
            head += " (by interactions)"
    bits = [head]
    if reasons.matched_keywords:
        bits.append("keywords: " + ", ".join(reasons.matched_keywords[:4]))
    if parts and reasons.parts is not None and reasons.parts.keyword is not None and reasons.parts.vector is not None:
        bits.append(f"kw {reasons.parts.keyword:.2f} + vec {reasons.parts.vector:.2f}")
    return "; ".join(bits)
