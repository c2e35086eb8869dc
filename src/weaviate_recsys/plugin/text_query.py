"""Free-text requests that keep every part: the request's key phrases, each served by a query of its own.

A request such as "how do I stake ada with a hardware wallet" asks for two things at once. Its embedding and
its classified domains lean to whichever part dominates the text (staking), so a plan built from them alone
can fill the list with one part and lose the other. `aspects_of` finds the parts: the runs of content words
between stop words and clause breaks (the candidate phrases of RAKE, Rose et al. 2010: "stake ada",
"hardware wallet"), with the catalog analyzer's tokens and stop words (`text_processing.TextAnalyzer`) plus
the words people use to ask ("want", "recommend"...).

`Recommender.recommend_for_text` then

* puts every key phrase first in each text interest's BM25 keywords, next to the full text's vector, so no
  part of the request is missing from the keyword leg; and
* when the request has two or more parts, adds one hybrid query per part (`aspect_interests`): its phrase as
  the BM25 query and its own embedding as the vector, without a domain filter (a part may belong to another
  domain than the one the whole text is classified into). Together they hold ``ASPECT_SHARE`` of the slots,
  one equal share each, so every part gets at least a slot; an item that serves several parts is found by
  each of their queries and fills whichever quota still has room.
"""

from __future__ import annotations

from collections.abc import Sequence
from functools import lru_cache
from typing import Any

import numpy as np

from .query_plan import DomainInterest

__all__ = ["ASPECT_SHARE", "MAX_ASPECTS", "REQUEST_WORDS", "aspects_of", "aspect_interests", "with_key_phrases"]

#: Share of a text list's slots for the per-part queries of a request with several parts.
ASPECT_SHARE = 0.5
#: Most parts of one request that get a query of their own (the first ones, in the request's order).
MAX_ASPECTS = 4
#: Words people ask with that say nothing about what they want (besides the shipped stop words).
REQUEST_WORDS = frozenset(
    {
        "want",
        "wants",
        "wanted",
        "need",
        "needs",
        "looking",
        "look",
        "find",
        "finding",
        "recommend",
        "recommendation",
        "recommendations",
        "suggest",
        "suggestion",
        "suggestions",
        "best",
        "good",
        "great",
        "love",
        "like",
        "please",
        "help",
        "know",
        "something",
        "anything",
        "thing",
        "things",
        "way",
        "ways",
        "use",
        "using",
        "buy",
        "get",
        "getting",
    }
)


@lru_cache(maxsize=1)
def _analyzer() -> Any:
    from .text_processing import TextAnalyzer

    return TextAnalyzer(extra_stopwords=REQUEST_WORDS)


def aspects_of(text: str | None, max_aspects: int = MAX_ASPECTS) -> list[str]:
    """The parts of a request: its runs of content words, in order, each once (by their stems).

    >>> aspects_of("How do I stake ADA with a hardware wallet?")
    ['stake ada', 'hardware wallet']
    """
    analyzer = _analyzer()
    out: list[str] = []
    seen: set[tuple[str, ...]] = set()
    for segment in analyzer.segments(text):
        run: list[str] = []
        for token in [*segment, None]:
            if token is not None:
                run.append(token)
                continue
            if run:
                key = tuple(analyzer.stem(t) for t in run)
                if key not in seen:
                    seen.add(key)
                    out.append(" ".join(run))
                run = []
    return out[:max_aspects]


def with_key_phrases(interests: Sequence[DomainInterest], phrases: Sequence[str]) -> list[DomainInterest]:
    """The interests with the request's key phrases first in their keywords (each keyword once)."""
    out = []
    for i in interests:
        keywords = list(dict.fromkeys([*phrases, *i.keywords]))
        out.append(DomainInterest(i.domain, i.weight, keywords, i.vector, dict(i.extra_vectors)))
    return out


def aspect_interests(
    aspects: Sequence[str], vectors: Sequence[Sequence[float]] | np.ndarray, interests: Sequence[DomainInterest]
) -> list[DomainInterest]:
    """One interest per part of a request with several parts, weighted to hold `ASPECT_SHARE` of the slots.

    Args:
        aspects: the parts (`aspects_of`); fewer than two gives no extra interest.
        vectors: each part's embedding, in the same order.
        interests: the whole text's interests, whose weights the parts' weights are scaled to.

    Returns:
        Interests without a domain (no domain filter), the part as their only keyword.
    """
    if len(aspects) < 2:
        return []
    total = sum(max(i.weight, 0.0) for i in interests)
    share = ASPECT_SHARE * total / (1.0 - ASPECT_SHARE) if total > 0 else 1.0
    each = share / len(aspects)
    out = []
    for phrase, vec in zip(aspects, vectors):
        v = np.asarray(vec, dtype=np.float64).reshape(-1)
        out.append(DomainInterest(None, each, [phrase], v.tolist() if v.size and np.any(v) else None))
    return out
