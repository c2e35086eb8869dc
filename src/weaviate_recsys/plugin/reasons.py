"""Why an item was recommended: the interest it serves, matched keywords, and the parts of its score.

The keyword and vector parts come from Weaviate's own ``explain_score`` for hybrid queries
(docs/lite-server.md §4.6), so they are exactly what the server added up, not a re-computation:

* relativeScore fusion: one line per result set, ``Hybrid (Result Set <set>) Document <uuid>: original
  score <v>, normalized score: <n>``; ``<v>`` is the raw BM25 score (keyword set) or ``1 - distance``
  (vector set) and ``<n>`` is that set's contribution to the fused score.
* ranked fusion: ``Hybrid (Result Set <set>) Document <uuid> contributed <c> to the score``.

A result set named ``keyword,...`` is the keyword leg; ``vector,...`` is the vector leg. A leg that did
not find the item contributes 0. Anything unparsable leaves the parts unknown (None) instead of guessing.

What a person reads (`Reasons.summary`, the CLI's "why" column, the service and its page) is built from
four things, each true of the item:

* the user's interest the item serves, named as theirs ("your interest in Paper"), the item's own domain
  shown apart from it;
* "because you liked X": the items in the user's liked history nearest to the recommendation by content
  vector or behaviour vector (`because_you_liked`);
* keywords of the user that occur in the item's own text (title, description, tags, brand, categories), as
  a whole phrase (`KeywordMatcher`);
* the score split into parts on the list's own scale: ``score_parts`` add up to ``Recommendation.score``
  (`score_contributions`), and `format_score_parts` rounds them so the shown parts add up to the shown score.
"""

from __future__ import annotations

import math
import re
import threading
from collections.abc import Iterable, Sequence
from dataclasses import dataclass
from functools import lru_cache
from typing import TYPE_CHECKING, Any, Literal

from pydantic import BaseModel, Field

from .._lazy import LazyModule

if TYPE_CHECKING:
    import numpy as np
else:
    np = LazyModule("numpy")  # only liked-item matching needs it; a client rendering reasons does not

__all__ = [
    "ITEM_TEXT_PROPERTIES",
    "BecauseItem",
    "KeywordMatcher",
    "LikedIndex",
    "LikedItem",
    "PopularityBasis",
    "Reasons",
    "ScoreContribution",
    "ScoreParts",
    "because_you_liked",
    "describe",
    "format_score_parts",
    "item_texts",
    "matched_keywords",
    "parse_explain_score",
    "score_contributions",
    "summarize",
]

#: Least similarity for a liked item to be named in "because you liked" (cosine, content or behaviour).
BECAUSE_MIN_SIMILARITY = 0.3
#: Most liked items a reason names.
BECAUSE_TOP = 2

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
# user's keywords, the item's text) go through this one stemmer, so they agree.
# A stemmer object keeps its working state between calls: one call at a time. Made on the first match, so
# reading and printing reasons (a client of the service) does not import it.
_STEMMER: Any = None
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


class ScoreContribution(BaseModel):
    """One part of a recommendation's score, on the list's scale: the parts add up to the score.

    Attributes:
        name: ``keywords`` (the keyword leg), ``similarity`` (the vector leg: similarity to the user's
            interest, or to the item for similar items) or ``popularity``.
        value: its share of ``Recommendation.score``.
    """

    name: Literal["keywords", "similarity", "popularity"]
    value: float


class BecauseItem(BaseModel):
    """An item the user liked that is near the recommendation.

    Attributes:
        item_id: the liked item.
        title: its title.
        similarity: cosine similarity of the two items' vectors (``by``).
        by: which vectors are near: ``content`` (what the items are) or ``behavior`` (who uses them together).
    """

    item_id: str
    title: str | None = None
    similarity: float
    by: Literal["content", "behavior"]


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
        interest: the user's interest the item serves (a profile domain), None when the query was not one of
            the user's domain interests (overall, exploration, text, popular, similar).
        because: liked items of the user nearest to this one (empty when none is near enough or unknown).
        score_parts: the score's parts on the list's scale; they add up to ``Recommendation.score`` (empty
            when the parts are unknown: not asked to explain).
        summary: the reasons in one sentence, as the CLI table, the service and its page show them.
        found_by: for similar items, the search that found the item: ``behavior`` (the behaviour and content
            vectors together: people use the two items together), ``content`` (the content vector alone: the
            item or the result has no behaviour vector) or ``keywords`` (the item's title, when it has no vector);
            None for other sources.
    """

    source: Source
    domain: str | None = None
    domain_weight: float | None = None
    matched_keywords: list[str] = Field(default_factory=list)
    hybrid_score: float | None = None
    parts: ScoreParts | None = None
    popularity: float | None = None
    popularity_basis: PopularityBasis | None = None
    interest: str | None = None
    because: list[BecauseItem] = Field(default_factory=list)
    score_parts: list[ScoreContribution] = Field(default_factory=list)
    summary: str = ""
    found_by: Literal["behavior", "content", "keywords"] | None = None


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
    # Summed in locals and made into one model at the end (setting a model's fields one by one costs more).
    keyword: float | None = None
    vector: float | None = None
    bm25: float | None = None
    similarity: float | None = None
    found = False
    for m in _RELATIVE.finditer(explain):
        found = True
        original, normalised = _num(m.group(3)), _num(m.group(4))
        if m.group("set").startswith("keyword"):
            keyword = (keyword or 0.0) + normalised
            bm25 = original
        elif m.group("set").startswith("vector"):
            vector = (vector or 0.0) + normalised
            similarity = original
    for m in _RANKED.finditer(explain):
        found = True
        contribution = _num(m.group(3))
        if m.group("set").startswith("keyword"):
            keyword = (keyword or 0.0) + contribution
        elif m.group("set").startswith("vector"):
            vector = (vector or 0.0) + contribution
    if not found:
        return None
    return ScoreParts(
        keyword=0.0 if keyword is None else keyword,
        vector=0.0 if vector is None else vector,
        bm25=bm25,
        similarity=similarity,
    )


@lru_cache(maxsize=65536)
def _stem(token: str) -> str:
    global _STEMMER
    with _STEMMER_LOCK:
        if _STEMMER is None:
            import snowballstemmer

            _STEMMER = snowballstemmer.stemmer("english")
        return str(_STEMMER.stemWord(token))


@lru_cache(maxsize=16384)
def _stems(text: str) -> tuple[str, ...]:
    return tuple(_stem(t) for t in _TOKEN.findall(text.lower()))


@lru_cache(maxsize=8192)
def _text_index(texts: tuple[str, ...]) -> tuple[tuple[tuple[str, ...], ...], dict[str, None], dict[str, None]]:
    """An item's text fields as stem sequences, all their stems and the adjacent stem pairs within a field, as
    ``"stem stem"`` (items recur across lists; the pairs rule out most phrases without scanning the text).

    The stems and pairs are dicts of strings rather than frozensets: the garbage collector does not track a dict
    that holds only strings, and a cache of thousands of sets would be walked by every full collection.
    """
    fields = tuple(_stems(t) for t in texts)
    words = dict.fromkeys(stem for f in fields for stem in f)
    pairs = dict.fromkeys(key for f in fields for key in _pair_keys(f))
    return fields, words, pairs


def _pair_keys(stems: tuple[str, ...]) -> list[str]:
    """Adjacent stems as ``"a b"`` (stems are runs of letters and digits, so a space never occurs in one)."""
    return [f"{a} {b}" for a, b in zip(stems, stems[1:])]


class KeywordMatcher:
    """A user's keywords, stemmed once, matched against many items (a recommendation matches ten or more).

    A keyword matches when it occurs in the item's own text: its words, as Snowball stems ("pens" matches
    "pen"), one after the other within one text field (a phrase "gel pens" matches "Gel Pen, black" but not
    "gel ink pen"). Each keyword appears once, in the user's surface form and order.
    """

    def __init__(self, user_keywords: Iterable[str]) -> None:
        self._keywords: list[tuple[str, tuple[str, ...], list[str]]] = []
        for kw in dict.fromkeys(user_keywords):
            stems = _stems(kw)
            if stems:
                self._keywords.append((kw, stems, _pair_keys(stems)))

    def match(self, texts: Iterable[str | None], title: str | None = None) -> list[str]:
        """The keywords that occur in one of ``texts`` (the item's text fields) or its ``title``."""
        if not self._keywords:
            return []
        fields, words, pairs = _text_index(tuple(t for t in (*texts, title) if t))
        if not fields:
            return []
        out = []
        for kw, stems, pair_keys in self._keywords:
            if not all(stem in words for stem in stems):
                continue
            if not all(key in pairs for key in pair_keys):
                continue  # two of its words are never next to each other in one field
            n = len(stems)
            if n <= 2 or any(f[i : i + n] == stems for f in fields for i in range(len(f) - n + 1)):
                out.append(kw)
        return out


def matched_keywords(user_keywords: Iterable[str], texts: Iterable[str | None], title: str | None = None) -> list[str]:
    """The user's keywords that occur in the item's text fields or title, in the user's order (see
    `KeywordMatcher`, which does this for many items with one stemming of the user's keywords)."""
    return KeywordMatcher(user_keywords).match(texts, title)


def item_texts(properties: dict[str, Any]) -> list[str]:
    """An item's own text fields (title, description, tags, brand, categories): what a keyword must occur in."""
    out: list[str] = []
    for name in ("title", "description", "brand"):
        value = properties.get(name)
        if value:
            out.append(str(value))
    for name in ("tags", "categories"):
        value = properties.get(name) or []
        out.extend(str(v) for v in ([value] if isinstance(value, str) else value) if v)
    return out


#: The Item properties `item_texts` reads.
ITEM_TEXT_PROPERTIES = ["title", "description", "brand", "tags", "categories"]


def score_contributions(score: float, parts: ScoreParts | None, *, popularity: bool = False) -> list[ScoreContribution]:
    """Split ``score`` (the list's fused score) into the parts a person reads; they add up to ``score``.

    A hybrid result's keyword and vector legs are scaled by the same factor that turned its hybrid score
    into the fused score (the interest's weight, or the reciprocal-rank fusion), so their shares stay
    Weaviate's own. A popularity result is all popularity. Unknown parts give no split (an empty list).
    """
    if popularity:
        return [ScoreContribution(name="popularity", value=score)]
    if parts is None or parts.keyword is None or parts.vector is None:
        return []
    keyword, vector = max(parts.keyword, 0.0), max(parts.vector, 0.0)
    total = keyword + vector
    if total <= 0:
        return [ScoreContribution(name="similarity", value=score)]
    kw_share = score * keyword / total
    return [
        ScoreContribution(name="keywords", value=kw_share),
        ScoreContribution(name="similarity", value=score - kw_share),
    ]


def format_score_parts(score: float, parts: Sequence[ScoreContribution], digits: int = 3) -> str:
    """``keywords 0.120 + similarity 0.301 = 0.421``: rounded so the shown parts add up to the shown score.

    Each part is rounded, and the rounding error goes to the largest part (largest-remainder rounding).
    """
    shown_total = round(score, digits)
    if not parts:
        return f"{shown_total:.{digits}f}"
    scale = 10**digits
    units = [math.floor(p.value * scale + 1e-9) for p in parts]
    missing = round(shown_total * scale) - sum(units)
    order = sorted(range(len(parts)), key=lambda i: -(parts[i].value * scale - units[i]))
    for j in range(abs(missing)):
        units[order[j % len(order)]] += 1 if missing > 0 else -1
    shown = " + ".join(f"{p.name} {u / scale:.{digits}f}" for p, u in zip(parts, units, strict=True))
    return f"{shown} = {shown_total:.{digits}f}" if len(parts) > 1 else shown


def _unit(v: Any) -> np.ndarray | None:
    if v is None:
        return None
    arr = np.asarray(v, dtype=np.float64).reshape(-1)
    norm = math.sqrt(arr.dot(arr))  # exactly `np.linalg.norm` of a vector, without its generic dispatch
    return arr / norm if norm > 0 else None


@dataclass(frozen=True, slots=True)
class LikedItem:
    """A liked item as `LikedIndex` reads it: its id, title and vectors (lists of floats or numpy arrays, such
    as the item cache's float32 arrays, taken as they are instead of copied into lists)."""

    item_id: str
    title: str | None = None
    content_vector: Any = None
    behavior_vector: Any = None


class LikedIndex:
    """A user's liked items as unit-vector matrices, built once per list and asked once per recommendation.

    Args:
        liked: the user's liked items (`LikedItem`, or `plugin.history.HistoryEntry` with vectors), newest first.
    """

    def __init__(self, liked: Sequence[Any]) -> None:
        self._entries = [e for e in liked if getattr(e, "item_id", None)]
        self._by = {"content": self._matrix("content_vector"), "behavior": self._matrix("behavior_vector")}

    def _matrix(self, attr: str) -> tuple[np.ndarray, list[int]] | None:
        """The unit rows of the entries' ``attr`` vectors and the entry each row is (zero vectors left out)."""
        rows, where = [], []
        for i, e in enumerate(self._entries):
            v = getattr(e, attr, None)
            if v is not None and len(v):
                rows.append(v)
                where.append(i)
        if not rows or len({len(r) for r in rows}) != 1:
            return None
        m = np.array(rows, dtype=np.float64)  # one conversion for all rows (lists or float32 arrays)
        norms = np.linalg.norm(m, axis=1)
        keep = norms > 0
        return m[keep] / norms[keep, None], np.asarray(where)[keep].tolist()

    def nearest(
        self,
        content: Any,
        behavior: Any,
        *,
        top: int = BECAUSE_TOP,
        min_similarity: float = BECAUSE_MIN_SIMILARITY,
        exclude: str | None = None,
    ) -> list[BecauseItem]:
        """The liked items nearest to a recommendation with these vectors (see `because_you_liked`)."""
        best: dict[int, tuple[float, str]] = {}
        for by, vec in (("content", content), ("behavior", behavior)):
            index = self._by[by]
            if index is None:
                continue
            matrix, where = index
            mine = _unit(vec)
            if mine is None or matrix.shape[1] != mine.shape[0]:
                continue
            # Python floats (the same values), compared and kept without a numpy scalar per liked item.
            for i, sim in zip(where, (matrix @ mine).tolist(), strict=True):
                if sim >= min_similarity and (i not in best or best[i][0] < sim):
                    best[i] = (sim, by)
        out: list[BecauseItem] = []
        for i, (sim, by) in sorted(best.items(), key=lambda kv: -kv[1][0]):
            e = self._entries[i]
            if e.item_id == exclude or any(b.item_id == e.item_id for b in out):
                continue
            out.append(BecauseItem(item_id=e.item_id, title=getattr(e, "title", None), similarity=sim, by=by))  # type: ignore[arg-type]
            if len(out) == top:
                break
        return out


def because_you_liked(
    content: Any,
    behavior: Any,
    liked: Sequence[Any],
    *,
    top: int = BECAUSE_TOP,
    min_similarity: float = BECAUSE_MIN_SIMILARITY,
    exclude: str | None = None,
) -> list[BecauseItem]:
    """The liked items nearest to a recommendation, by content vector or behaviour vector.

    Args:
        content: the recommendation's content vector (or None).
        behavior: its behaviour vector (or None).
        liked: the user's liked items (`plugin.history.HistoryEntry` with vectors), newest first.
        top: most items to name.
        min_similarity: least cosine similarity (by either vector) to be named.
        exclude: an item id never to name (the recommendation itself).

    Returns:
        Up to ``top`` items, nearest first; each with the vector that brought it closer. For many
        recommendations of one user, build a `LikedIndex` once and call its ``nearest``.
    """
    return LikedIndex(liked).nearest(content, behavior, top=top, min_similarity=min_similarity, exclude=exclude)


def summarize(reasons: Reasons, item_domain: str | None = None) -> str:
    """The reasons in one line a person reads, e.g. "because you liked Acme Stapler; your interest in Desk
    (40%); keywords: stapler"."""
    bits = []
    if reasons.because:
        bits.append("because you liked " + " and ".join(b.title or b.item_id for b in reasons.because))
    src = reasons.source
    if src == "interest":
        head = f"your interest in {reasons.interest or reasons.domain}"
        if reasons.domain_weight is not None:
            head += f" ({reasons.domain_weight:.0%})"
    elif src == "overall":
        head = "your recent interests"
    elif src == "exploration":
        head = "something new for you"
    elif src == "text":
        head = "matches your text"
    elif src == "similar":
        head = "similar item"
    elif src == "cold_items":
        head = "new item" + (f" for your interest in {reasons.interest}" if reasons.interest else "")
    elif reasons.popularity_basis == "none":
        head = "no popularity data" + (f", from {reasons.domain}" if reasons.domain else "")
    elif reasons.popularity_basis == "interactions" and not reasons.popularity:
        head = "no interactions yet" + (f", from {reasons.domain}" if reasons.domain else "")
    else:
        head = "popular" + (f" in {reasons.domain}" if reasons.domain else "")
        if reasons.popularity_basis == "interactions":
            head += " (by interactions)"
    bits.append(head)
    named = (reasons.interest or reasons.domain) if src == "interest" else reasons.interest
    if item_domain and src != "popular" and item_domain != named:
        bits.append(f"in {item_domain}")
    if reasons.matched_keywords:
        bits.append("keywords: " + ", ".join(reasons.matched_keywords[:4]))
    return "; ".join(bits)


def describe(reasons: Reasons | None, parts: bool = True, score: float | None = None) -> str:
    """The "why" column of a table: the summary, and with ``parts`` the score's parts adding up to ``score``."""
    if reasons is None:
        return ""
    text = reasons.summary or summarize(reasons)
    if parts and score is not None and reasons.score_parts:
        text += f" [{format_score_parts(score, reasons.score_parts)}]"
    return text
