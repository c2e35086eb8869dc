"""What the recommender takes from each time scale of a profile: domains from the long-term interests, the
overall (unfiltered) query from the short-term one."""

from __future__ import annotations

from weaviate_recsys.plugin.profile_model import InterestProfile, ShortTermInterest
from weaviate_recsys.plugin.recommend import interests_from_profile

PAPER = [1.0, 0.0, 0.0]
INK = [0.0, 1.0, 0.0]


def _profile(short_term: ShortTermInterest | None) -> InterestProfile:
    return InterestProfile(
        user_id="u",
        domains=[("Paper", 0.8), ("Ink", 0.2)],
        keywords=[("copy paper", 1.0)],
        domain_keywords={"Paper": [("copy paper", 1.0), ("a4", 0.25)], "Ink": [("ink cartridge", 1.0)]},
        interest_vector=PAPER,
        domain_vectors={"Paper": PAPER, "Ink": INK},
        short_term=short_term,
        event_count=14,
    )


RECENT_INK = ShortTermInterest(
    domains=[("Ink", 0.9), ("Paper", 0.1)], keywords=[("ink cartridge", 1.0), ("toner", 0.5)], interest_vector=INK
)


def test_domain_quotas_follow_the_long_term_interests_and_the_overall_query_the_short_term_one() -> None:
    interests, overall, keywords = interests_from_profile(_profile(RECENT_INK))
    assert [(i.domain, i.weight) for i in interests] == [("Paper", 0.8), ("Ink", 0.2)]
    assert overall is not None and overall.vector == INK and overall.keywords == ["ink cartridge", "toner"]
    assert keywords == ["copy paper"]  # the user's (long-term) keywords, for reasons


def test_the_overall_query_can_use_the_long_term_interest() -> None:
    _, overall, _ = interests_from_profile(_profile(RECENT_INK), overall="long_term")
    assert overall is not None and overall.vector == PAPER and overall.keywords == ["copy paper"]


def test_a_profile_stored_before_short_term_interests_uses_the_long_term_one() -> None:
    _, overall, _ = interests_from_profile(_profile(None))
    assert overall is not None and overall.vector == PAPER


def test_each_interest_carries_its_keywords_weights_for_the_query() -> None:
    interests, overall, _ = interests_from_profile(_profile(RECENT_INK))
    assert [(i.keywords, i.keyword_weights) for i in interests] == [
        (["copy paper", "a4"], [1.0, 0.25]),
        (["ink cartridge"], [1.0]),
    ]
    assert overall is not None and overall.keyword_weights == [1.0, 0.5]


def test_a_named_domain_the_profile_lacks_is_searched_with_the_weighted_overall_keywords() -> None:
    profile = _profile(None)
    profile.keywords = [("copy paper", 1.0), ("stapler", 0.3)]
    interests, _, _ = interests_from_profile(profile, domains=["Paper", "Staplers"])
    filled = next(i for i in interests if i.domain == "Staplers")
    # the weights decide how often each keyword appears in the query when keyword_repeat > 1
    assert (filled.keywords, filled.keyword_weights) == (["copy paper", "stapler"], [1.0, 0.3])
