"""Plan building (pure) and the plain-data filter round trip."""

import datetime as dt
import json
import pathlib
import uuid

import pytest
from weaviate.classes.query import Filter, HybridFusion

from weaviate_recsys.errors import ConfigurationError
from weaviate_recsys.plugin.query_plan import (
    OVERALL_WEIGHT,
    REFILL_MARGIN,
    DomainInterest,
    HybridQueryPlan,
    PlanOptions,
    PopularityQueryPlan,
    RecommendationPlan,
    fetch_kwargs,
    filter_from_data,
    filter_to_data,
    hybrid_kwargs,
    plan,
)


def _interests() -> list[DomainInterest]:
    return [
        DomainInterest("Writing", 0.6, ["gel pens", "ink", "pen"], [0.1, 0.2, 0.3]),
        DomainInterest("Paper", 0.4, ["notebook", "paper"], [0.3, 0.2, 0.1]),
    ]


def test_one_hybrid_query_per_domain_with_slots_keywords_boosts_and_filters() -> None:
    p = plan(_interests(), 10, PlanOptions(collection="Item", user_id="u1", alpha=0.6, exclude_items=["i1", "i2"]))
    assert [q.name for q in p.queries if not getattr(q, "only_if_short", False)] == [
        "interest:Writing",
        "interest:Paper",
    ]
    writing = p.queries[0]
    assert isinstance(writing, HybridQueryPlan)
    assert writing.slots == 6 and p.queries[1].slots == 4
    assert writing.limit >= writing.slots
    assert writing.query == "gel pens ink pen"
    assert writing.alpha == 0.6
    assert writing.vectors == {"content": [0.1, 0.2, 0.3]}
    assert writing.query_properties == ["title^2", "keywords^2", "tags^1.5", "description"]
    assert writing.filters == {
        "operator": "And",
        "operands": [
            {"path": ["domain"], "operator": "Equal", "valueText": "Writing"},
            {"path": ["item_id"], "operator": "ContainsNone", "valueTextArray": ["i1", "i2"]},
        ],
    }
    assert p.quotas == {"interest:Writing": 6, "interest:Paper": 4}
    assert p.excluded_items == 2


def test_a_domain_query_fetches_its_slots_and_a_few_refills() -> None:
    # Beyond its slots a domain query only refills other domains' empty slots; the backfill query covers the rest.
    p = plan(_interests(), 20, PlanOptions(collection="Item"))
    assert [(q.slots, q.limit) for q in p.queries[:2]] == [(12, 12 + REFILL_MARGIN), (8, 8 + REFILL_MARGIN)]
    assert p.queries[-1].name == "backfill" and p.queries[-1].only_if_short
    assert [q.limit for q in plan(_interests(), 2, PlanOptions(collection="Item")).queries[:2]] == [
        2,
        2,
    ]  # never more than k
    # Without quotas, or with MMR choosing from a pool, any domain may fill the whole list.
    assert all(
        q.limit >= 20
        for q in plan(_interests(), 20, PlanOptions(collection="Item", slot_allocation="by_score")).queries
    )
    assert all(q.limit >= 20 for q in plan(_interests(), 20, PlanOptions(collection="Item", diversity=0.5)).queries)


def test_plan_is_json_and_round_trips() -> None:
    p = plan(
        _interests(),
        5,
        PlanOptions(collection="Item", filters=filter_to_data(Filter.by_property("popularity").greater_than(1.5))),
    )
    text = json.dumps(p.model_dump(mode="json"))
    again = RecommendationPlan.model_validate_json(text)
    assert again == p


def test_query_keywords_are_capped_and_a_keywordless_interest_is_vector_only() -> None:
    p = plan(
        [DomainInterest("A", 1.0, ["k1", "k2", "k3"], [1.0, 0.0])], 3, PlanOptions(collection="Item", query_keywords=2)
    )
    assert p.queries[0].query == "k1 k2"
    p = plan([DomainInterest("A", 1.0, [], [1.0, 0.0])], 3, PlanOptions(collection="Item", alpha=0.3))
    q = p.queries[0]
    assert isinstance(q, HybridQueryPlan) and q.query is None and q.alpha == 1.0


def test_keyword_repeat_weights_the_bm25_query_by_the_keywords_weights() -> None:
    ink = DomainInterest("A", 1.0, ["ink", "pen", "paper"], [1.0, 0.0], keyword_weights=[0.9, 0.45, 0.05])

    def query(**options: int) -> str | None:
        q = plan([ink], 3, PlanOptions(collection="Item", **options)).queries[0]
        assert isinstance(q, HybridQueryPlan)
        assert q.keywords == ["ink", "pen", "paper"][: options.get("query_keywords", 3)]  # each once, for reasons
        return q.query

    assert query() == "ink pen paper"  # the default: every keyword once
    assert query(keyword_repeat=4) == "ink ink ink ink pen pen paper"  # the lightest keyword still counts once
    assert query(keyword_repeat=4, query_keywords=2) == "ink ink ink ink pen pen"
    unweighted = DomainInterest("A", 1.0, ["ink", "pen"], [1.0, 0.0])
    q = plan([unweighted], 3, PlanOptions(collection="Item", keyword_repeat=4)).queries[0]
    assert isinstance(q, HybridQueryPlan) and q.query == "ink ink ink ink pen pen pen pen"  # equal weights


def test_a_vectorless_interest_is_keyword_only_and_an_empty_one_is_popular_in_its_domain() -> None:
    q = plan([DomainInterest("A", 1.0, ["pen"], None)], 3, PlanOptions(collection="Item")).queries[0]
    assert isinstance(q, HybridQueryPlan) and q.alpha == 0.0 and q.vectors == {}
    q = plan([DomainInterest("A", 1.0, [], None)], 3, PlanOptions(collection="Item")).queries[0]
    assert isinstance(q, PopularityQueryPlan) and q.domain == "A"


def test_exploration_queries_outside_the_profile_domains() -> None:
    overall = DomainInterest(None, 1.0, ["pen"], [0.5, 0.5, 0.0])
    p = plan(_interests(), 10, PlanOptions(collection="Item", exploration=0.2, exploration_interest=overall))
    explore = [q for q in p.queries if q.name == "exploration"][0]
    assert explore.slots == 2 and explore.source == "exploration"
    assert explore.filters == {"path": ["domain"], "operator": "ContainsNone", "valueTextArray": ["Writing", "Paper"]}
    assert sum(p.quotas.values()) == 10


def test_no_interests_means_popular_items_overall_or_in_named_domains() -> None:
    p = plan([], 4, PlanOptions(collection="Item"))
    assert p.basis == "popular"
    assert [type(q) for q in p.queries] == [PopularityQueryPlan]
    p = plan([], 4, PlanOptions(collection="Item", popular_domains=["A", "B"]))
    names = [q.name for q in p.queries]
    assert names == ["popular:A", "popular:B", "backfill"]
    assert p.queries[0].filters == {"path": ["domain"], "operator": "Equal", "valueText": "A"}


def test_min_domain_slots_give_each_domain_query_a_slot() -> None:
    interests = [DomainInterest("Writing", 0.9, ["pen"], None), DomainInterest("Paper", 0.1, ["paper"], None)]
    assert plan(interests, 4, PlanOptions(collection="Item")).quotas == {"interest:Writing": 4, "interest:Paper": 0}
    p = plan(interests, 4, PlanOptions(collection="Item", min_domain_slots=1))
    assert p.quotas == {"interest:Writing": 3, "interest:Paper": 1}
    assert [q.name for q in p.queries if not getattr(q, "only_if_short", False)] == [
        "interest:Writing",
        "interest:Paper",
    ]


def test_a_domain_with_no_slot_is_not_queried() -> None:
    p = plan(
        [DomainInterest("A", 0.9, ["x"], None), DomainInterest("B", 0.1, ["y"], None)],
        2,
        PlanOptions(collection="Item"),
    )
    assert p.quotas == {"interest:A": 2, "interest:B": 0}
    assert [q.name for q in p.queries] == ["interest:A", "backfill"]


def test_diversity_asks_for_more_candidates_and_the_content_vectors() -> None:
    q = plan(_interests(), 10, PlanOptions(collection="Item", diversity=0.5)).queries[0]
    assert q.limit >= 20 and q.include_vectors == ["content"]


def test_an_overall_share_adds_one_unfiltered_query_with_the_overall_interest() -> None:
    overall = DomainInterest(None, 1.0, ["pen", "notebook"], [0.2, 0.2, 0.2])
    p = plan(
        _interests(), 10, PlanOptions(collection="Item", exclude_items=["i1"], overall=0.3, overall_interest=overall)
    )
    q = next(q for q in p.queries if q.name == "overall")
    assert isinstance(q, HybridQueryPlan) and q.source == "overall" and q.domain is None
    assert q.slots == 3 and q.limit == 3 + REFILL_MARGIN and q.weight == OVERALL_WEIGHT
    assert q.query == "pen notebook" and q.vectors == {"content": [0.2, 0.2, 0.2]}
    # No domain filter: only the exclusions (and the application's filter) apply.
    assert q.filters == {"path": ["item_id"], "operator": "ContainsNone", "valueTextArray": ["i1"]}
    # The domains share what is left, in proportion to their weights.
    assert p.quotas == {"overall": 3, "interest:Writing": 4, "interest:Paper": 3}
    assert all(q.name != "overall" for q in plan(_interests(), 10, PlanOptions(collection="Item", overall=0.3)).queries)
    assert all(
        q.name != "overall"
        for q in plan(_interests(), 10, PlanOptions(collection="Item", overall_interest=overall)).queries
    )
    # An interest without a domain already spans the catalog: no second query for the same thing.
    p = plan(
        [DomainInterest(None, 1.0, ["pen"], None)],
        10,
        PlanOptions(collection="Item", overall=0.3, overall_interest=overall),
    )
    assert all(q.name != "overall" for q in p.queries) and p.quotas == {"interest:0": 10}
    # The whole list to the overall interest: the domain queries have no slot left and are not run.
    p = plan(_interests(), 10, PlanOptions(collection="Item", overall=1.0, overall_interest=overall))
    assert [q.name for q in p.queries if not getattr(q, "only_if_short", False)] == ["overall"]


def test_bad_arguments_are_configuration_errors() -> None:
    with pytest.raises(ConfigurationError):
        plan(_interests(), 10, PlanOptions(collection="Item", overall=1.5))
    with pytest.raises(ConfigurationError):
        plan(_interests(), 10, PlanOptions(collection="Item", alpha=1.5))
    with pytest.raises(ConfigurationError):
        plan(_interests(), -1, PlanOptions(collection="Item"))


def test_hybrid_kwargs_match_the_plan() -> None:
    q = plan(_interests(), 10, PlanOptions(collection="Item")).queries[0]
    kw = hybrid_kwargs(q)
    assert kw["query"] == q.query and kw["alpha"] == q.alpha and kw["limit"] == q.limit
    assert kw["vector"] == [0.1, 0.2, 0.3] and kw["target_vector"] == "content"
    assert kw["fusion_type"] == HybridFusion.RELATIVE_SCORE
    assert filter_to_data(kw["filters"]) == q.filters


def test_multi_target_plan_uses_manual_weights() -> None:
    interest = DomainInterest("A", 1.0, ["x"], [1.0, 0.0], extra_vectors={"behavior": [0.0, 1.0]})
    q = plan([interest], 3, PlanOptions(collection="Item", target_weights={"content": 0.6, "behavior": 0.4})).queries[0]
    assert isinstance(q, HybridQueryPlan)
    assert q.vectors == {"content": [1.0, 0.0], "behavior": [0.0, 1.0]}
    assert q.target_weights == {"content": 0.6, "behavior": 0.4}
    kw = hybrid_kwargs(q)
    assert kw["vector"] == q.vectors
    assert kw["target_vector"].weights == {"content": 0.6, "behavior": 0.4}


def _behavior_interests() -> list[DomainInterest]:
    return [
        DomainInterest("A", 0.7, ["x"], [1.0, 0.0], extra_vectors={"behavior": [0.0, 1.0]}),
        DomainInterest("B", 0.3, ["y"], [0.0, 1.0], extra_vectors={"behavior": [1.0, 0.0]}),
    ]


def test_a_behaviour_plan_keeps_one_content_only_query_for_items_without_behaviour() -> None:
    overall = DomainInterest(None, 1.0, ["x", "y"], [0.6, 0.8], extra_vectors={"behavior": [0.0, 1.0]})
    p = plan(
        _behavior_interests(),
        10,
        PlanOptions(
            collection="Item",
            target_weights={"content": 0.4, "behavior": 0.6},
            cold_items=0.1,
            cold_interest=overall,
            exclude_items=["seen"],
        ),
    )
    assert p.quotas == {"interest:A": 6, "interest:B": 3, "cold-items": 1}
    cold = next(q for q in p.queries if q.name == "cold-items")
    assert isinstance(cold, HybridQueryPlan) and cold.source == "cold_items"
    assert cold.vectors == {"content": [0.6, 0.8]} and cold.target_weights is None and cold.query == "x y"
    operands = cold.filters["operands"]  # type: ignore[index]
    assert {"path": ["domain"], "operator": "ContainsAny", "valueTextArray": ["A", "B"]} in operands
    assert {"path": ["behavior_events"], "operator": "IsNull", "valueBoolean": True} in operands
    assert {"path": ["item_id"], "operator": "ContainsNone", "valueTextArray": ["seen"]} in operands
    assert hybrid_kwargs(cold)["target_vector"] == "content"


def test_no_cold_items_query_without_behaviour_in_the_plan() -> None:
    overall = DomainInterest(None, 1.0, ["x"], [0.6, 0.8])
    content_only = plan(
        _behavior_interests(),
        10,
        PlanOptions(collection="Item", target_weights=None, cold_items=0.1, cold_interest=overall),
    )
    assert "cold-items" not in content_only.quotas and sum(content_only.quotas.values()) == 10
    no_user_behaviour = [DomainInterest("A", 1.0, ["x"], [1.0, 0.0])]
    p = plan(
        no_user_behaviour,
        10,
        PlanOptions(
            collection="Item", target_weights={"content": 0.4, "behavior": 0.6}, cold_items=0.1, cold_interest=overall
        ),
    )
    assert "cold-items" not in p.quotas and p.queries[0].vectors == {"content": [1.0, 0.0]}  # type: ignore[union-attr]


def test_fetch_kwargs_sort_by_popularity_descending() -> None:
    q = plan([], 3, PlanOptions(collection="Item")).queries[0]
    assert isinstance(q, PopularityQueryPlan)
    kw = fetch_kwargs(q)
    assert kw["limit"] == 3 and kw["filters"] is None


@pytest.mark.parametrize(
    "f",
    [
        Filter.by_property("brand").equal("Acme"),
        Filter.by_property("popularity").greater_or_equal(2.5),
        Filter.by_property("in_stock").equal(True),
        Filter.by_property("count").less_than(3),
        Filter.by_property("tags").contains_any(["red", "blue"]),
        Filter.by_property("created_at").greater_than(dt.datetime(2024, 1, 2, 3, 4, 5, tzinfo=dt.UTC)),
        Filter.by_id().equal(uuid.UUID("12345678-1234-5678-1234-567812345678")),
        Filter.by_property("title", length=True).greater_than(3),
        Filter.by_property("price").less_than(10.0)
        & (Filter.by_property("brand").equal("A") | Filter.by_property("brand").equal("B")),
        Filter.not_(Filter.by_property("brand").like("Ac*")),
        Filter.by_property("description").is_none(True),
    ],
)
def test_filters_round_trip_to_the_same_wire_request(f) -> None:  # type: ignore[no-untyped-def]
    from weaviate.collections.filters import _FilterToGRPC

    data = filter_to_data(f)
    json.dumps(data)
    back = filter_from_data(data)
    assert _FilterToGRPC.convert(back) == _FilterToGRPC.convert(f)


def test_reference_filters_are_refused_with_a_hint() -> None:
    f = Filter.by_ref("owner").by_property("name").equal("x")
    with pytest.raises(ConfigurationError, match="own properties"):
        filter_to_data(f)


def test_by_score_allocation_leaves_domain_queries_without_quotas() -> None:
    p = plan(_interests(), 10, PlanOptions(collection="Item", slot_allocation="by_score"))
    assert [q.name for q in p.queries if not getattr(q, "only_if_short", False)] == [
        "interest:Writing",
        "interest:Paper",
    ]
    assert p.quotas == {}
    assert all(q.limit >= 10 for q in p.queries if isinstance(q, HybridQueryPlan))  # any domain can fill the list
    with pytest.raises(ConfigurationError, match="slot_allocation"):
        plan(_interests(), 10, PlanOptions(collection="Item", slot_allocation="evenly"))  # type: ignore[arg-type]


_SNAPSHOT = pathlib.Path(__file__).parent / "data" / "query_plan_snapshot.json"


def _snapshot_plans() -> dict[str, RecommendationPlan]:
    """Representative plans covering every query kind: per-domain hybrid (multi-target, keyword-less popular
    fallback), overall, exploration, cold items, text with zero weights, popular per domain, and backfill."""
    b = "behavior"
    interests = [
        DomainInterest("Writing", 0.5, ["gel pens", "ink", " ", "pen"], [0.1, 0.2], {b: [0.5, 0.5]}),
        DomainInterest("Paper", 0.3, ["notebook"], [0.3, 0.1], {b: [0.2, 0.4]}),
        DomainInterest("Desk", 0.2, [], None),
    ]
    overall = DomainInterest(None, 1.0, ["pen", "paper"], [0.2, 0.2], {b: [0.3, 0.3]})
    text = [DomainInterest(None, 0.0, ["desk lamp"], [0.4, 0.1]), DomainInterest(None, 0.0, [], [0.0, 0.0])]
    return {
        "profile": plan(
            interests,
            10,
            PlanOptions(
                collection="Item",
                user_id="u1",
                alpha=0.6,
                query_keywords=2,
                boosts={"title": 2.0, "keywords": 1.0, "tags": 0.0},
                exploration=0.2,
                exploration_interest=overall,
                fusion_type="ranked",
                exclude_items=["i1", "i2", "i1"],
                filters={"path": ["popularity"], "operator": "GreaterThan", "valueNumber": 1.5},
                target_weights={"content": 0.7, b: 0.3},
                cold_items=0.1,
                cold_interest=overall,
                overall=0.2,
                overall_interest=overall,
            ),
        ),
        "text_by_score_diverse": plan(
            text,
            8,
            PlanOptions(
                collection="Item",
                basis="text",
                source="text",
                diversity=0.3,
                fusion="reciprocal_rank",
                slot_allocation="by_score",
                popular_domains=["Desk"],
                overall=0.5,
                overall_interest=overall,
            ),
        ),
        "popular_domains": plan(
            [], 5, PlanOptions(collection="Item", diversity=0.5, popular_domains=["A", "B", "A"], exclude_items=["i9"])
        ),
        "popular_no_backfill": plan([], 3, PlanOptions(collection="Item", backfill=False)),
    }


def test_plans_for_fixed_inputs_match_the_recorded_queries() -> None:
    # The recorded JSON is the plan these inputs have always produced: a change to it changes what
    # every recommendation asks Weaviate, so it must be deliberate.
    expected = json.loads(_SNAPSHOT.read_text())
    got = {name: p.model_dump(mode="json") for name, p in _snapshot_plans().items()}
    assert got == expected


def test_plan_options_default_to_the_settings_defaults() -> None:
    # A plan built with default options searches the way a Recommender with default settings does.
    from weaviate_recsys.settings import Settings

    options = PlanOptions(collection="Item")
    for name in (
        "alpha",
        "query_keywords",
        "keyword_repeat",
        "boosts",
        "exploration",
        "diversity",
        "fusion",
        "slot_allocation",
    ):
        assert getattr(options, name) == Settings.model_fields[name].get_default(call_default_factory=True), name
