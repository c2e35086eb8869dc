"""Reasons: explain_score parsing (docs/lite-server.md §4.6) and keyword matching."""

import numpy as np
from hypothesis import given
from hypothesis import strategies as st

from weaviate_recsys.plugin.history import HistoryEntry
from weaviate_recsys.plugin.reasons import (
    LikedItem,
    Reasons,
    ScoreParts,
    because_you_liked,
    describe,
    format_score_parts,
    matched_keywords,
    parse_explain_score,
    score_contributions,
    summarize,
)

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


def test_a_phrase_must_be_contiguous_in_one_field() -> None:
    texts = ["red gel", "gel pen red", "pen gel ink"]
    assert matched_keywords(["red gel pen", "gel pen", "pen gel ink", "red pen"], texts) == ["gel pen", "pen gel ink"]
    # Every adjacent pair of "gel pen gel" occurs, but never the three words in a row.
    assert matched_keywords(["gel pen gel"], ["gel pen", "pen gel"]) == []


_WORDS = st.sampled_from(["gel", "pen", "ink", "red", "black"])


@given(
    keywords=st.lists(st.lists(_WORDS, min_size=1, max_size=3).map(" ".join), min_size=1, max_size=4),
    fields=st.lists(st.lists(_WORDS, max_size=6).map(" ".join), min_size=1, max_size=3),
)
def test_a_keyword_matches_exactly_when_its_words_run_together_in_a_field(
    keywords: list[str], fields: list[str]
) -> None:
    def occurs(kw: str) -> bool:
        words = kw.split()
        return any(
            f.split()[i : i + len(words)] == words for f in fields for i in range(len(f.split()) - len(words) + 1)
        )

    expected = [kw for kw in dict.fromkeys(keywords) if occurs(kw)]
    assert matched_keywords(keywords, fields) == expected


def test_matched_keywords_from_the_title_alone_and_nothing_to_match() -> None:
    assert matched_keywords(["notebook"], [], "Spiral Notebooks, 3-pack") == ["notebook"]
    assert matched_keywords(["notebook"], [], None) == []


def test_describe_is_one_readable_line() -> None:
    r = Reasons(
        source="interest",
        domain="Writing",
        domain_weight=0.6,
        matched_keywords=["pen"],
        parts=ScoreParts(keyword=0.2, vector=0.5),
    )
    assert describe(r) == "your interest in Writing (60%); keywords: pen"
    assert describe(Reasons(source="popular")) == "popular"


# --- reasons a person reads ------------------------------------------------------------------------


def test_score_parts_add_up_to_the_fused_score() -> None:
    # Domain weight 0.6 x hybrid (0.2 keyword + 0.5 vector) = 0.42: the parts keep Weaviate's shares.
    parts = score_contributions(0.42, ScoreParts(keyword=0.2, vector=0.5))
    assert [p.name for p in parts] == ["keywords", "similarity"]
    assert abs(sum(p.value for p in parts) - 0.42) < 1e-12
    assert abs(parts[0].value - 0.12) < 1e-12
    assert [p.value for p in score_contributions(0.3, None, popularity=True)] == [0.3]
    assert score_contributions(0.3, None) == []


@given(st.floats(0, 5), st.floats(0, 1), st.floats(0, 1))
def test_shown_parts_add_up_to_the_shown_score(score: float, keyword: float, vector: float) -> None:
    text = format_score_parts(score, score_contributions(score, ScoreParts(keyword=keyword, vector=vector)))
    if " = " in text:
        shown, total = text.split(" = ")
        units = [round(float(p.split()[1]) * 1000) for p in shown.split(" + ")]
        assert sum(units) == round(float(total) * 1000)
        assert float(total) == round(score, 3)


def test_a_phrase_must_occur_as_a_phrase_in_the_items_text() -> None:
    assert matched_keywords(["gel pens"], ["Gel ink and ballpoint pens"]) == []
    assert matched_keywords(["gel pens", "ink"], ["Smooth gel pen with blue ink"]) == ["gel pens", "ink"]
    # Only the item's own text counts: a keyword in no field is never shown.
    assert matched_keywords(["stapler"], ["Desk organizer", "tray"], "Organizer") == []


def _liked(item_id: str, content: list[float], behavior: list[float] | None = None) -> HistoryEntry:
    return HistoryEntry(
        item_id=item_id,
        kind="purchase",
        kind_weight=1.0,
        title=f"Item {item_id}",
        content_vector=content,
        behavior_vector=behavior,
    )


def test_because_you_liked_names_the_nearest_liked_items() -> None:
    liked = [_liked("far", [0.0, 1.0]), _liked("near", [1.0, 0.1]), _liked("nearer", [1.0, 0.0])]
    got = because_you_liked([1.0, 0.0], None, liked)
    assert [(b.item_id, b.by) for b in got] == [("nearer", "content"), ("near", "content")]
    assert because_you_liked([1.0, 0.0], None, liked, exclude="nearer")[0].item_id == "near"
    assert because_you_liked([-1.0, 0.0], None, liked) == []  # nothing near enough: no reason invented


def test_because_you_liked_by_behaviour_when_that_is_nearer() -> None:
    got = because_you_liked([1.0, 0.0], [0.0, 1.0], [_liked("x", [0.0, 1.0], [0.0, 2.0])])
    assert got[0].by == "behavior" and abs(got[0].similarity - 1.0) < 1e-9


def test_because_you_liked_reads_float32_arrays_as_the_same_numbers_as_lists() -> None:
    # The item cache keeps vectors as float32 arrays; the liked items' similarities must not depend on that.
    rng = np.random.default_rng(3)
    content = [rng.standard_normal(8).astype(np.float32) for _ in range(4)]
    behavior = [rng.standard_normal(6).astype(np.float32) for _ in range(4)]
    as_arrays = [LikedItem(f"i{n}", f"Item i{n}", c, b) for n, (c, b) in enumerate(zip(content, behavior))]
    as_lists = [_liked(f"i{n}", c.tolist(), b.tolist()) for n, (c, b) in enumerate(zip(content, behavior))]
    for c, b in zip(content, behavior):
        want = because_you_liked(c.tolist(), b.tolist(), as_lists, min_similarity=-1.0)
        assert because_you_liked(c, b, as_arrays, min_similarity=-1.0) == want
        assert len(want) == 2


def test_summary_names_the_users_interest_and_the_items_domain_apart() -> None:
    r = Reasons(source="interest", domain="Paper", interest="Paper", domain_weight=0.54)
    assert summarize(r, "Paper") == "your interest in Paper (54%)"
    overall = Reasons(source="overall", domain="Desk", matched_keywords=["stapler"])
    assert summarize(overall, "Desk") == "your recent interests; in Desk; keywords: stapler"
    r.because = because_you_liked([1.0, 0.0], None, [_liked("p1", [1.0, 0.0])])
    assert summarize(r, "Paper").startswith("because you liked Item p1; your interest in Paper")
