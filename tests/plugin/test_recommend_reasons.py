"""Reasons: explain_score parsing (docs/lite-server.md §4.6) and keyword matching."""

from weaviate_recsys.plugin.reasons import Reasons, ScoreParts, describe, matched_keywords, parse_explain_score

U = "0b4a8a4e-6d1b-5d2a-9c1e-1e2b3c4d5e6f"


def test_relative_score_in_both_legs() -> None:
    s = (
        f"\nHybrid (Result Set keyword,bm25) Document {U}: original score 2.5, normalized score: 0.25 - "
        f"\nHybrid (Result Set vector,hybridVector) Document {U}: original score 0.7, normalized score: 0.45000002"
    )
    parts = parse_explain_score(s)
    assert parts == ScoreParts(keyword=0.25, vector=0.45000002, bm25=2.5, similarity=0.7)


def test_relative_score_in_one_leg_gives_zero_for_the_other() -> None:
    s = f"\nHybrid (Result Set vector,nearVector) Document {U}: original score 0.9, normalized score: 0.75"
    parts = parse_explain_score(s)
    assert parts is not None
    assert parts.vector == 0.75 and parts.similarity == 0.9
    assert parts.keyword == 0.0 and parts.bm25 is None


def test_exponent_numbers() -> None:
    s = f"\nHybrid (Result Set keyword,bm25) Document {U}: original score 1.234567e+06, normalized score: 1e-05"
    parts = parse_explain_score(s)
    assert parts is not None and parts.bm25 == 1234567.0 and parts.keyword == 1e-05


def test_ranked_fusion_contributions() -> None:
    s = (
        f"\nHybrid (Result Set vector,hybridVector) Document {U} contributed 0.012295082 to the score"
        f"\nHybrid (Result Set keyword,bm25) Document {U} contributed 0.004166667 to the score"
    )
    parts = parse_explain_score(s)
    assert parts is not None and parts.vector == 0.012295082 and parts.keyword == 0.004166667


def test_unknown_or_empty_explanations_are_none_not_zero() -> None:
    assert parse_explain_score("") is None
    assert parse_explain_score(None) is None
    assert parse_explain_score(", BM25F_pen_frequency:1, BM25F_pen_propLength:3") is None


def test_matched_keywords_use_stems_and_phrases_and_keep_the_users_words() -> None:
    got = matched_keywords(["gel pens", "stapler", "Pens", "ink"], ["gel pen", "black ink"], "Pilot G2 Gel Pen")
    assert got == ["gel pens", "Pens", "ink"]


def test_a_phrase_matches_only_when_all_its_words_occur() -> None:
    assert matched_keywords(["gel ink", "ink refill", "gel"], ["gel pen"], "Pilot G2 Gel Pen") == ["gel"]


def test_matched_keywords_from_the_title_alone_and_nothing_to_match() -> None:
    assert matched_keywords(["notebook"], [], "Spiral Notebooks, 3-pack") == ["notebook"]
    assert matched_keywords(["notebook"], [], None) == []


def test_describe_is_one_readable_line() -> None:
    r = Reasons(source="interest", domain="Writing", domain_weight=0.6, matched_keywords=["pen"],
                parts=ScoreParts(keyword=0.2, vector=0.5))
    assert describe(r) == "interest Writing (60%); keywords: pen; kw 0.20 + vec 0.50"
    assert describe(Reasons(source="popular")) == "popular"
