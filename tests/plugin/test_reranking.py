"""Quota-constrained selection and MMR diversity."""

import numpy as np
import pytest

from weaviate_recsys.plugin.reranking import RankedCandidate, mmr, select_by_coverage, select_with_quotas


def _c(key: str, group: str, rel: float, vec: list[float] | None = None) -> RankedCandidate:
    return RankedCandidate(key=key, group=group, relevance=rel, vector=None if vec is None else np.array(vec))


def test_quotas_decide_membership_and_score_decides_order() -> None:
    cands = [_c("a1", "A", 0.9), _c("a2", "A", 0.8), _c("a3", "A", 0.7), _c("b1", "B", 0.3)]
    picked = select_with_quotas(cands, 3, {"A": 2, "B": 1})
    assert [c.key for c in picked] == ["a1", "a2", "b1"]  # a3 outscores b1 but A's quota is full


def test_free_slots_are_refilled_from_any_group_when_a_group_runs_out() -> None:
    cands = [_c("a1", "A", 0.9), _c("a2", "A", 0.8), _c("a3", "A", 0.7)]
    picked = select_with_quotas(cands, 3, {"A": 1, "B": 2})  # B found nothing (seen everything)
    assert [c.key for c in picked] == ["a1", "a2", "a3"]


def test_an_item_two_queries_found_fills_the_quota_that_still_has_room() -> None:
    b1 = _c("b1", "overall", 0.8)
    b1.also = ("Writing",)
    cands = [_c("a1", "overall", 0.9), _c("a2", "overall", 0.85), b1, _c("w1", "Writing", 0.1)]
    quotas = {"overall": 1, "Writing": 2}
    for diversity in (0.0, 0.3):
        assert {c.key for c in select_with_quotas(cands, 3, quotas, diversity)} == {"a1", "b1", "w1"}
    b1.also = ()  # counted for its own group only, it leaves Writing a slot short and a2 takes the refill
    assert {c.key for c in select_with_quotas(cands, 3, quotas, 0.0)} == {"a1", "a2", "w1"}


def test_fewer_candidates_than_k_returns_them_all() -> None:
    assert len(select_with_quotas([_c("a", "A", 1.0)], 10, {"A": 10})) == 1
    assert select_with_quotas([], 10, {"A": 10}) == []
    assert select_with_quotas([_c("a", "A", 1.0)], 0) == []


def test_diversity_zero_is_relevance_order_without_quotas() -> None:
    cands = [_c("x", "G", 0.2), _c("y", "G", 0.9), _c("z", "G", 0.5)]
    assert [c.key for c in select_with_quotas(cands, 3)] == ["y", "z", "x"]


def test_diversity_skips_a_near_duplicate() -> None:
    cands = [
        _c("red pen", "G", 1.0, [1.0, 0.0]),
        _c("red pen 2", "G", 0.95, [0.99, 0.01]),
        _c("stapler", "G", 0.6, [0.0, 1.0]),
    ]
    plain = [c.key for c in select_with_quotas(cands, 2, diversity=0.0)]
    diverse = [c.key for c in select_with_quotas(cands, 2, diversity=0.5)]
    assert plain == ["red pen", "red pen 2"]
    assert diverse == ["red pen", "stapler"]


@pytest.mark.parametrize("scale", [0.01, 1.0, 100.0])
def test_mmr_trades_relevance_relative_to_the_best_candidate_whatever_the_score_scale(scale: float) -> None:
    # Fused scores come on different scales (relative score fusion up to 1, ranked fusion ~0.03, BM25 any
    # size); similarity is always 0..1, so the same diversity must pick the same items on every scale.
    cands = [
        _c("red pen", "G", 1.0 * scale, [1.0, 0.0]),
        _c("red pen 2", "G", 0.95 * scale, [0.99, 0.01]),
        _c("stapler", "G", 0.6 * scale, [0.0, 1.0]),
    ]
    assert [c.key for c in select_with_quotas(cands, 2, diversity=0.5)] == ["red pen", "stapler"]


def test_full_diversity_still_starts_from_a_candidate_and_candidates_without_vectors_are_never_redundant() -> None:
    cands = [_c("a", "G", 1.0, [1.0, 0.0]), _c("b", "G", 0.1, [1.0, 0.0]), _c("c", "G", 0.05)]
    keys = [c.key for c in select_with_quotas(cands, 3, diversity=1.0)]
    # all start at 0 (nothing selected yet): the earliest wins; then b is identical to a, c has no vector
    assert keys == ["a", "c", "b"]


def test_mmr_helper_returns_indices_in_selection_order() -> None:
    vecs = np.array([[1.0, 0.0], [1.0, 0.0], [0.0, 1.0]])
    assert mmr([1.0, 0.9, 0.5], vecs, 2, 0.7) == [0, 2]


def test_bad_arguments() -> None:
    with pytest.raises(ValueError):
        select_with_quotas([_c("a", "A", 1.0)], 1, diversity=2.0)


def _step_by_step(cands: list[RankedCandidate], k: int, quotas: dict[str, int] | None) -> list[str]:
    """The definition: repeatedly the best available candidate, among the in-quota ones while there are any."""
    left = list(range(len(cands)))
    remaining = dict(quotas or {})
    chosen: list[int] = []
    while left and len(chosen) < k:

        def room(i: int) -> list[str]:
            return [g for g in (cands[i].group, *cands[i].also) if remaining.get(g, 0) > 0]  # type: ignore[misc]

        in_quota = [i for i in left if room(i)] if quotas is not None else []
        pool = in_quota or left
        best = min(pool, key=lambda i: (-cands[i].relevance, i))
        chosen.append(best)
        left.remove(best)
        if room(best):
            remaining[room(best)[0]] -= 1
    return [cands[i].key for i in sorted(chosen, key=lambda i: (-cands[i].relevance, i))]  # type: ignore[misc]


@pytest.mark.parametrize("seed", range(30))
def test_without_diversity_selection_matches_its_step_by_step_definition(seed: int) -> None:
    rng = np.random.default_rng(seed)
    groups = ["a", "b", "c", "x"]
    # Relevance on a coarse grid, so ties (earlier candidate wins) happen.
    cands = [
        _c(f"i{n}", str(rng.choice(groups)), float(rng.integers(0, 6)) / 5) for n in range(int(rng.integers(0, 25)))
    ]
    for c in cands[::3]:  # some were found by a second query too
        c.also = (str(rng.choice(groups)),)
    k = int(rng.integers(0, 15))
    quotas = None if seed % 5 == 0 else {g: int(rng.integers(0, 5)) for g in groups[:3]}
    picked = [c.key for c in select_with_quotas(cands, k, quotas, 0.0)]
    assert picked == _step_by_step(cands, k, quotas)


def test_soft_quotas_let_a_very_relevant_item_exceed_its_share_and_a_strong_tradeoff_keeps_the_shares() -> None:
    cands = [_c("a1", "A", 1.0), _c("a2", "A", 0.95), _c("b1", "B", 0.1)]
    quotas = {"A": 1, "B": 1}
    assert [c.key for c in select_with_quotas(cands, 2, quotas)] == ["a1", "b1"]  # hard quotas
    assert [c.key for c in select_by_coverage(cands, 2, quotas, 0.3)] == ["a1", "a2"]  # b1 too weak for its share
    assert [c.key for c in select_by_coverage(cands, 2, quotas, 0.9)] == ["a1", "b1"]  # the shares win


def test_soft_quotas_count_an_item_for_every_query_that_found_it_and_return_relevance_order() -> None:
    both = _c("x", "A", 0.5)
    both.also = ("B",)
    cands = [_c("a1", "A", 0.6), both, _c("b1", "B", 0.55)]
    picked = select_by_coverage(cands, 2, {"A": 1, "B": 1}, 0.5)
    # x is owed to both A and B, so it goes first and fills A's share; B is still owed, so b1 beats the more
    # relevant a1. The list is in relevance order.
    assert [c.key for c in picked] == ["b1", "x"]
    assert select_by_coverage([], 3, {"A": 1}, 0.5) == [] and select_by_coverage(cands, 0, {}, 0.5) == []
    with pytest.raises(ValueError, match="tradeoff"):
        select_by_coverage(cands, 2, {}, 1.5)
