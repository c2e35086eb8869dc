"""How much a user's keywords (micro interests) say about what they pick next.

The measure: for every evaluated user, take their top-K keywords as built from the training part, and count
how many of them occur in the text of the user's held-out items. An item's text here is everything said
about it -- title, categories, brand, tags, description -- plus what *other* users wrote about it (MovieLens
tags, reviews); the user's own words about a held-out item are left out, since they were written after the
keywords were built.

A count means little alone: frequent words occur in many items. So the same count is taken for two
baselines that hold no knowledge of the user:

- ``popular``: everyone gets the K keywords that appear most often across all users' keyword lists;
- ``other-user``: every user gets another user's keywords (a fixed-seed derangement), which keeps the
  keywords' distribution but removes the link to the user;
- ``other-item``: the user's own keywords against another user's held-out items (the same derangement),
  a next item drawn as people pick them, but not by this user.

``lift`` over a baseline is ``precision / baseline precision``. Lift over ``other-item`` is the keywords'
power to tell this user's next item from anyone's (generic words that occur everywhere score 1);
precision against ``popular`` says whether they also occur often enough to match anything.

`product_keywords` computes keywords the way the recommender does (the extractor fitted as
``train_domains`` fits it, profiles by `compute_profiles`, with the same events the evaluation loads into
Weaviate), without a server, so the measure can be run in seconds on any split.
"""

from __future__ import annotations

import math
from collections import Counter
from collections.abc import Mapping, Sequence
from datetime import datetime

import numpy as np
from pydantic import BaseModel, Field

from ..plugin.keywords import KeywordExtractor, KeywordExtractorConfig
from ..plugin.profile_model import CatalogView, InterestModel, UserEvidence, compute_profiles
from ..plugin.training import item_keyword_text
from ..settings import Settings
from .data import EvalData, EvalItem
from .split import Split

__all__ = [
    "KeywordScore",
    "KeywordQuality",
    "keyword_quality",
    "product_keywords",
    "fit_product_extractor",
    "item_match_text",
]


class KeywordScore(BaseModel):
    """How well one set of keyword lists matches the held-out items."""

    precision: float = Field(description="Mean share of a user's top-K keywords found in their held-out items' text.")
    hit_rate: float = Field(description="Share of users with at least one keyword in their held-out items' text.")
    keywords_per_user: float = Field(description="Mean number of keywords a user has (at most K).")


class KeywordQuality(BaseModel):
    """The keyword measure on one split (see the module docstring)."""

    k: int
    users: int = Field(description="Evaluated users (held-out items and at least one keyword).")
    users_without_keywords: int
    keywords: KeywordScore
    baselines: dict[str, KeywordScore]
    lift: dict[str, float] = Field(description="precision / baseline precision, per baseline.")
    examples: dict[str, list[str]] = Field(default_factory=dict, description="A few users' top keywords.")


def item_match_text(item: EvalItem) -> str:
    """Everything an item's record says about it (categories included: they are what the item is)."""
    parts = [item.title, " . ".join(item.categories), item.brand, " . ".join(item.tags), item.description]
    return " . ".join(p for p in parts if p)


def _terms(extractor: KeywordExtractor, text: str | None) -> set[str]:
    return {term for term, _ in extractor.analyzer.terms(text, extractor.phrases_)}


def _keyword_term(extractor: KeywordExtractor, surface_to_term: Mapping[str, str], keyword: str) -> str | None:
    """The vocabulary term a shown keyword stands for (its stem, or its phrase of stems)."""
    term = surface_to_term.get(keyword)
    if term is not None:
        return term
    found = [t for t, _ in extractor.analyzer.terms(keyword, extractor.phrases_)]
    return max(found, key=len) if found else None


def keyword_quality(
    split: Split,
    data: EvalData,
    keywords: Mapping[str, Sequence[str]],
    extractor: KeywordExtractor,
    k: int = 10,
    seed: int = 0,
    examples: int = 3,
) -> KeywordQuality:
    """Score users' keyword lists against their held-out items (see the module docstring).

    Args:
        split: the split whose held-out items are the targets (use a validation split to tune).
        data: the evaluation data (item records and user texts about items).
        keywords: user id -> keywords, best first (only the first ``k`` count).
        extractor: a fitted extractor; its analyzer turns keywords and item text into comparable terms.
        k: keywords per user.
        seed: the derangement of the ``other-user`` baseline.
        examples: how many users' keywords to include in the result, for reading.
    """
    surface_to_term: dict[str, str] = {}
    for term, surface in zip(extractor.terms_, extractor.surfaces_):
        surface_to_term.setdefault(surface, term)
    items = split.training.items
    index = {item.item_id: n for n, item in enumerate(items)}
    base_terms: dict[int, set[str]] = {}
    # Who wrote which word about an item: held-out items are matched against other people's words only.
    said: dict[int, dict[str, set[str]]] = {}
    targets = {i for held in split.test.values() for i in held}
    for t in data.user_texts:
        if t.item_id is None:
            continue
        i = index.get(t.item_id)
        if i is None or i not in targets:
            continue
        by_term = said.setdefault(i, {})
        for term in _terms(extractor, t.text):
            by_term.setdefault(term, set()).add(t.user_id)

    def in_item(term: str, i: int, user: str) -> bool:
        if i not in base_terms:
            base_terms[i] = _terms(extractor, item_match_text(items[i]))
        if term in base_terms[i]:
            return True
        writers = said.get(i, {}).get(term, set())
        return bool(writers - {user})

    users: list[str] = []
    lists: list[list[str]] = []
    without = 0
    for user in split.users:
        terms = [
            t for t in (_keyword_term(extractor, surface_to_term, kw) for kw in list(keywords.get(user, ()))[:k]) if t
        ]
        terms = list(dict.fromkeys(terms))
        if not terms:
            without += 1
            continue
        users.append(user)
        lists.append(terms)

    def score(assigned: Sequence[Sequence[str]], targets_of: Sequence[Sequence[int]] | None = None) -> KeywordScore:
        if not users:
            return KeywordScore(precision=0.0, hit_rate=0.0, keywords_per_user=0.0)
        precisions, hits = [], 0
        for n, (user, terms) in enumerate(zip(users, assigned)):
            held = split.test[user] if targets_of is None else targets_of[n]
            found = sum(1 for t in terms if any(in_item(t, i, user) for i in held))
            precisions.append(found / k)
            hits += found > 0
        return KeywordScore(
            precision=round(float(np.mean(precisions)), 6),
            hit_rate=round(hits / len(users), 6),
            keywords_per_user=round(float(np.mean([len(a) for a in assigned])), 3),
        )

    own = score(lists)
    counts = Counter(t for terms in lists for t in terms)
    popular_terms = [t for t, _ in sorted(counts.items(), key=lambda kv: (-kv[1], kv[0]))][:k]
    baselines = {"popular": score([popular_terms] * len(users))}
    if len(users) > 1:
        # A random derangement: user n is paired with the next user in a random cycle, never with themselves.
        cycle = np.random.default_rng(seed).permutation(len(users))
        partner = np.empty(len(users), dtype=np.int64)
        partner[cycle] = np.roll(cycle, -1)
        baselines["other-user"] = score([lists[p] for p in partner])
        baselines["other-item"] = score(lists, [split.test[users[p]] for p in partner])
    lift = {
        name: round(own.precision / b.precision, 3) if b.precision > 0 else math.inf for name, b in baselines.items()
    }
    shown = {
        users[n]: [extractor.surfaces_[extractor.vocabulary_[t]] for t in lists[n]]
        for n in range(min(examples, len(users)))
    }
    return KeywordQuality(
        k=k,
        users=len(users),
        users_without_keywords=without,
        keywords=own,
        baselines=baselines,
        lift=lift,
        examples=shown,
    )


def fit_product_extractor(
    data: EvalData, split: Split, config: KeywordExtractorConfig | None = None
) -> tuple[KeywordExtractor, list[str]]:
    """The extractor ``train_domains`` would fit on this training part: items' keyword text plus user text.

    Returns:
        the fitted extractor and the items' keyword texts (catalog order).
    """
    item_texts = [
        item_keyword_text(
            {
                "title": it.title,
                "tags": list(it.tags),
                "categories": list(it.categories),
                "brand": it.brand,
                "description": it.description,
            }
        )
        for it in split.training.items
    ]
    user_texts = [t for texts in split.training.user_texts.values() for t in texts]
    return KeywordExtractor(config).fit(item_texts + user_texts), item_texts


def product_keywords(
    data: EvalData,
    split: Split,
    settings: Settings | None = None,
    extractor: KeywordExtractor | None = None,
    item_texts: Sequence[str] | None = None,
) -> tuple[dict[str, list[str]], KeywordExtractor]:
    """Every training user's overall keywords as the recommender builds them, computed in memory.

    The events are the ones the evaluation loads into Weaviate (`training_interactions`): training positives
    with their kind, rating and time, and the users' own earlier text. Domains and vectors are left out (the
    keywords do not depend on them).

    Returns:
        user id -> keywords (best first), and the extractor used.
    """
    from ..plugin.profiles import DEFAULT_EXTRA_KIND_WEIGHT
    from ..plugin.storage import to_unix
    from .weaviate_methods import training_interactions

    settings = settings or Settings()
    if extractor is None or item_texts is None:
        extractor, item_texts = fit_product_extractor(data, split)
    items = split.training.items
    n_items = len(items)
    catalog = CatalogView(
        item_ids=[it.item_id for it in items],
        domain_index=np.full(n_items, -1, dtype=np.int64),
        vectors=np.zeros((n_items, 0), dtype=np.float32),
        has_vector=np.zeros(n_items, dtype=bool),
        terms=extractor.term_matrix(list(item_texts)),
    )
    model = InterestModel(extractor=extractor, classifier=None, domain_names=[])
    rows = [props for _, props, _ in training_interactions(data, split)]
    user_ids = list(dict.fromkeys(str(p["user_id"]) for p in rows))
    upos = {u: n for n, u in enumerate(user_ids)}
    n = len(rows)

    def unix(value: datetime | None) -> float:
        return to_unix(value) if value is not None else math.nan

    ev = UserEvidence(
        user_ids=user_ids,
        user=np.array([upos[str(p["user_id"])] for p in rows], dtype=np.int64),
        item=np.array([catalog.index.get(p.get("item_id") or "", -1) for p in rows], dtype=np.int64),
        unknown=np.zeros(n, dtype=bool),
        kind_weight=np.array([settings.kind_weights.get(str(p.get("kind")), DEFAULT_EXTRA_KIND_WEIGHT) for p in rows]),
        rating=np.array([p.get("rating", math.nan) for p in rows], dtype=np.float64),
        timestamp=np.array([unix(p.get("timestamp")) for p in rows], dtype=np.float64),
        seq=np.array([p.get("seq", math.nan) for p in rows], dtype=np.float64),
        text=[p.get("text") for p in rows],
        text_vectors=np.zeros((n, 0), dtype=np.float32),
        has_text_vector=np.zeros(n, dtype=bool),
        stated=[None] * len(user_ids),
        stated_vectors=np.zeros((len(user_ids), 0), dtype=np.float32),
        has_stated_vector=np.zeros(len(user_ids), dtype=bool),
    )
    if not n:
        return {}, extractor
    batch = compute_profiles(model, catalog, ev, settings)
    return {u: [kw for kw, _ in batch.keywords[i]] for i, u in enumerate(batch.user_ids)}, extractor
