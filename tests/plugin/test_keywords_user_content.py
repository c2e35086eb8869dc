"""A user's own words (tags, reviews) are the strongest micro signal: they lead the keywords."""

from __future__ import annotations

import numpy as np

from weaviate_recsys.plugin.keywords import KeywordExtractor
from weaviate_recsys.plugin.profile_model import CatalogView, InterestModel, UserEvidence, compute_profiles
from weaviate_recsys.settings import Settings

# A MovieLens-like catalog: items have a title and genres only; every title word is in two titles.
WORDS = [
    "rocket", "jungle", "robin", "giant", "quiet", "orange", "blaze", "tomb", "harbor", "meadow",
    "falcon", "canyon", "ember", "glacier", "lantern", "marble", "nomad", "opal", "prism", "quarry",
]  # fmt: skip
TITLES = [f"{WORDS[n % 20].title()} {WORDS[(n * 7 + 3) % 20].title()} ({1990 + n})" for n in range(40)]
GENRES = ["Comedy|Drama", "Action|Sci-Fi", "Drama|Romance", "Animation|Children"]
TAGS = ["superhero", "dark comedy", "dystopia", "time travel", "twist ending", "visually appealing"]


def _profile(settings: Settings) -> list[str]:
    items = [f"{t} . {GENRES[n % 4].replace('|', ' . ')}" for n, t in enumerate(TITLES)]
    # Other people use these tags too (so they are in the vocabulary and not rare by accident).
    others = [t for t in TAGS for _ in range(3)]
    ex = KeywordExtractor().fit(items + others)
    cat = CatalogView(
        item_ids=[f"m{n}" for n in range(40)],
        domain_index=np.full(40, -1),
        vectors=np.zeros((40, 0), dtype=np.float32),
        has_vector=np.zeros(40, dtype=bool),
        terms=ex.term_matrix(items),
    )
    model = InterestModel(extractor=ex, classifier=None, domain_names=[])
    # 30 movies rated 4-5, then 12 tags (each tag twice), with timestamps interleaved.
    events: list[dict] = [
        {"item": n, "kind": "rating", "rating": 4.0 + n % 2, "ts": 1000.0 * n, "text": None} for n in range(30)
    ]
    events += [
        {"item": -1, "kind": "comment", "rating": np.nan, "ts": 1000.0 * (3 * n) + 1, "text": TAGS[n % 6]}
        for n in range(12)
    ]
    n = len(events)
    ev = UserEvidence(
        user_ids=["u"],
        user=np.zeros(n, dtype=np.int64),
        item=np.array([e["item"] for e in events], dtype=np.int64),
        unknown=np.zeros(n, dtype=bool),
        kind_weight=np.array([settings.kind_weights[e["kind"]] for e in events]),
        rating=np.array([e["rating"] for e in events], dtype=float),
        timestamp=np.array([e["ts"] for e in events], dtype=float),
        seq=np.full(n, np.nan),
        text=[e["text"] for e in events],
        text_vectors=np.zeros((n, 0), dtype=np.float32),
        has_text_vector=np.zeros(n, dtype=bool),
        stated=[None],
        stated_vectors=np.zeros((1, 0), dtype=np.float32),
        has_stated_vector=np.zeros(1, dtype=bool),
    )
    return [k for k, _ in compute_profiles(model, cat, ev, settings).keywords[0]]


def test_a_user_with_many_tags_gets_their_tags_as_top_keywords() -> None:
    top = _profile(Settings())
    assert set(TAGS) <= set(top[:10]), top  # next to the genres most of their films share
    assert sum(tag in top[:8] for tag in TAGS) >= 4, top


def test_the_user_content_weight_is_a_setting() -> None:
    def tags_in_top(weight: float) -> int:
        return sum(tag in _profile(Settings(keyword_user_weight=weight))[:8] for tag in TAGS)

    assert tags_in_top(0.0) == 0
    assert tags_in_top(0.0) < tags_in_top(1.0) <= tags_in_top(4.0)
    assert tags_in_top(4.0) == len(TAGS)
