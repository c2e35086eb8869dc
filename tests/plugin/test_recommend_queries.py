"""Running recommendation plans against the lite server (no profiles needed: interests given directly)."""

from __future__ import annotations

from collections.abc import Iterator

import numpy as np
import pytest
from weaviate.classes.query import Filter

from weaviate_recsys.errors import UnknownItem
from weaviate_recsys.loaders import HashingEmbedder
from weaviate_recsys.plugin.query_plan import DomainInterest, PlanOptions, filter_to_data, plan
from weaviate_recsys.plugin.recommend import Recommender
from weaviate_recsys.schema import item_uuid

from _recommend_fixtures import ITEMS, load_catalog
from _weaviate_for_tests import connect_for_tests

EMB = HashingEmbedder(dim=64)


@pytest.fixture(scope="module")
def rec(tmp_path_factory: pytest.TempPathFactory) -> Iterator[Recommender]:
    with connect_for_tests() as client:
        settings = load_catalog(client, tmp_path_factory.mktemp("catalog"), "RecQ", EMB, with_users=False)
        yield Recommender(client, settings, embedder=EMB)


def _vec(text: str) -> list[float]:
    return [float(x) for x in EMB.embed_batch([text])[0]]


def _interests() -> list[DomainInterest]:
    return [
        DomainInterest("Writing", 0.6, ["gel pen", "ink"], _vec("Gel pen black 12-pack")),
        DomainInterest("Paper", 0.4, ["notebook"], _vec("Spiral notebook college ruled")),
    ]


def _plan(rec: Recommender, k: int, **kw):  # type: ignore[no-untyped-def]
    return plan(_interests(), k, PlanOptions(collection=rec.item_collection, **kw))


def test_each_domain_gets_its_slots_and_results_carry_reasons(rec: Recommender) -> None:
    out = rec.execute(_plan(rec, 5), user_keywords=["gel pen", "ink", "notebook"])
    assert len(out) == 5
    domains = [r.domain for r in out]
    assert domains.count("Writing") == 3 and domains.count("Paper") == 2
    top = out[0]
    assert top.item_id == "w1"  # nearest vector and best keyword match in the heaviest domain
    assert top.reasons.source == "interest" and top.reasons.domain == "Writing" and top.reasons.domain_weight == 0.6
    assert "gel pen" in top.reasons.matched_keywords
    parts = top.reasons.parts
    assert parts is not None and parts.keyword is not None and parts.vector is not None
    assert parts.keyword > 0 and parts.vector > 0
    assert abs(parts.keyword + parts.vector - top.reasons.hybrid_score) < 1e-5
    assert abs(top.score - 0.6 * top.reasons.hybrid_score) < 1e-9
    assert [r.score for r in out] == sorted((r.score for r in out), reverse=True)


def test_exclusions_and_application_filters_are_honoured(rec: Recommender) -> None:
    f = filter_to_data(Filter.by_property("popularity").greater_than(20.0))
    out = rec.execute(_plan(rec, 10, exclude_items=["w1", "p1"], filters=f))
    ids = {r.item_id for r in out}
    assert ids.isdisjoint({"w1", "p1"})
    pop = {i["item_id"]: i["popularity"] for i in ITEMS}
    assert ids and all(pop[i] > 20 for i in ids)


def test_a_filter_matching_nothing_gives_an_empty_list(rec: Recommender) -> None:
    f = filter_to_data(Filter.by_property("popularity").greater_than(10_000.0))
    assert rec.execute(_plan(rec, 10, filters=f)) == []


def test_k_larger_than_the_catalog_returns_every_eligible_item_once(rec: Recommender) -> None:
    out = rec.execute(_plan(rec, 100))
    ids = [r.item_id for r in out]
    assert len(ids) == len(set(ids)) == len(ITEMS)  # backfill adds the items of other domains


def test_a_domain_with_one_item_and_a_seen_domain_refill_from_elsewhere(rec: Recommender) -> None:
    interests = [DomainInterest("Tech", 0.5, ["label"], _vec("Label maker")), *_interests()]
    out = rec.execute(plan(interests, 6, PlanOptions(collection=rec.item_collection, exclude_items=["t1"])))
    assert len(out) == 6 and "t1" not in {r.item_id for r in out}
    out = rec.execute(plan(interests, 6, PlanOptions(collection=rec.item_collection)))
    assert "t1" in {r.item_id for r in out}


def test_exploration_serves_domains_outside_the_profile(rec: Recommender) -> None:
    overall = DomainInterest(None, 1.0, ["stapler"], _vec("Heavy duty stapler"))
    p = _plan(rec, 10, exploration=0.2, exploration_interest=overall)
    out = rec.execute(p)
    explore = [r for r in out if r.reasons.source == "exploration"]
    assert len(explore) == 2
    assert all(r.domain not in ("Writing", "Paper") for r in explore)
    assert explore[0].item_id == "d1"


def test_the_overall_interest_serves_its_share_from_any_domain(rec: Recommender) -> None:
    overall = DomainInterest(None, 1.0, ["stapler"], _vec("Heavy duty stapler"))
    p = _plan(rec, 5, overall=0.4, overall_interest=overall)
    assert p.quotas == {"overall": 2, "interest:Writing": 2, "interest:Paper": 1}
    # Hard quotas (coverage_tradeoff 0): each query fills exactly its slots.
    hard = Recommender(rec.client, rec.settings.model_copy(update={"coverage_tradeoff": 0.0}), embedder=EMB)
    out = hard.execute(p)
    by_source = [(r.reasons.source, r.reasons.domain) for r in out]
    # Not bound to the profile's domains: the stapler is in Desk, which no domain query searches; as the
    # user's whole interest (weight 1) it leads the list.
    assert out[0].item_id == "d1" and by_source[0] == ("overall", "Desk") and out[0].reasons.domain_weight == 1.0
    assert "stapler" in out[0].reasons.matched_keywords
    assert [s for s, _ in by_source].count("overall") == 2
    assert by_source.count(("interest", "Writing")) == 2 and by_source.count(("interest", "Paper")) == 1
    # Soft quotas: the overall query's items weigh 1 against a domain's weight, so the best of them takes one
    # more slot than its share, from the lightest domain; the list still leads with the stapler.
    soft_rec = Recommender(rec.client, rec.settings.model_copy(update={"coverage_tradeoff": 0.5}), embedder=EMB)
    soft = [(r.reasons.source, r.reasons.domain) for r in soft_rec.execute(p)]
    assert soft[0] == ("overall", "Desk") and [s for s, _ in soft].count("overall") == 3
    assert soft.count(("interest", "Writing")) == 2 and len(soft) == 5
    # Exclusions apply to it like to every query.
    assert "d1" not in {
        r.item_id for r in rec.execute(_plan(rec, 5, overall=0.4, overall_interest=overall, exclude_items=["d1"]))
    }


def test_diversity_reorders_with_vectors(rec: Recommender) -> None:
    plain = rec.execute(_plan(rec, 6))
    diverse = rec.execute(_plan(rec, 6, diversity=0.9))
    assert len(diverse) == 6
    assert {r.domain for r in diverse} == {r.domain for r in plain}
    assert [r.item_id for r in diverse] != [r.item_id for r in plain]


def test_reciprocal_rank_fusion(rec: Recommender) -> None:
    out = rec.execute(_plan(rec, 4, fusion="reciprocal_rank"))
    assert abs(out[0].score - 0.6 / 60) < 1e-9


def test_popular_items_overall_and_within_domains(rec: Recommender) -> None:
    out = rec.execute(plan([], 3, PlanOptions(collection=rec.item_collection)))
    assert [r.item_id for r in out] == ["w4", "p3", "p4"]
    assert all(r.reasons.source == "popular" for r in out)
    out = rec.execute(plan([], 2, PlanOptions(collection=rec.item_collection, popular_domains=["Desk"])))
    assert [r.item_id for r in out] == ["d1", "d2"]


def test_similar_items_exclude_the_item_itself(rec: Recommender) -> None:
    out = rec.similar_items("w1", 3)
    assert len(out) == 3 and "w1" not in {r.item_id for r in out}
    assert out[0].reasons.source == "similar"
    sims = [r.score for r in out]
    assert sims == sorted(sims, reverse=True)
    items = rec.client.collections.get(rec.item_collection)

    def stored(item_id: str) -> np.ndarray:
        obj = items.query.fetch_object_by_id(item_uuid(item_id), include_vector=["content"])
        return np.array(obj.vector["content"])

    assert abs(sims[0] - float(stored("w1") @ stored(out[0].item_id))) < 1e-4
    with pytest.raises(UnknownItem):
        rec.similar_items("nope", 3)


def test_recommend_for_text_without_a_profile_helper_still_matches(rec: Recommender) -> None:
    out = rec.recommend_for_text("gel pen", 3)
    assert out and out[0].item_id in {"w1", "w2"}
    assert rec.recommend_for_text("", 2)[0].reasons.source == "popular"


def test_by_score_allocation_lets_the_best_scores_win_across_domains(rec: Recommender) -> None:
    writing, paper = _interests()
    skewed = [
        DomainInterest("Writing", 0.7, writing.keywords, writing.vector),
        DomainInterest("Paper", 0.3, paper.keywords, paper.vector),
    ]
    proportional = rec.execute(plan(skewed, 3, PlanOptions(collection=rec.item_collection)))
    by_score = rec.execute(plan(skewed, 3, PlanOptions(collection=rec.item_collection, slot_allocation="by_score")))
    assert [r.domain for r in proportional].count("Paper") == 1  # Paper's quota: round(0.3 x 3) = 1
    # without quotas Paper's best (0.3 x its hybrid score) loses to Writing's third item
    assert [r.domain for r in by_score] == ["Writing", "Writing", "Writing"]
    assert [r.score for r in by_score] == sorted((r.score for r in by_score), reverse=True)
    assert min(r.score for r in by_score) >= min(r.score for r in proportional)
    assert sum(r.score for r in by_score) >= sum(r.score for r in proportional)
