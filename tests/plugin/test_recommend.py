"""Recommender end to end on the lite server: profiles built by the interest model, real weaviate-client."""

from __future__ import annotations

import json
from collections.abc import Iterator

import pytest
from weaviate.classes.query import Filter

from weaviate_recsys.errors import ConfigurationError, UnknownItem, UnknownUser
from weaviate_recsys.loaders import HashingEmbedder, load_items
from weaviate_recsys.plugin import RecommendationPlan, Recommender, get_profile
from weaviate_recsys.schema import ITEM, collection_name

from _recommend_fixtures import ITEMS, build_all
from _weaviate_for_tests import connect_for_tests

EMB = HashingEmbedder(dim=64)
DOMAIN = {i["item_id"]: i["domain"] for i in ITEMS}


@pytest.fixture(scope="module")
def rec(tmp_path_factory: pytest.TempPathFactory) -> Iterator[Recommender]:
    with connect_for_tests() as client:
        settings = build_all(client, tmp_path_factory.mktemp("catalog"), "RecE", EMB)
        yield Recommender(client, settings, embedder=EMB)


def test_a_users_list_follows_their_domains_and_skips_what_they_have_seen(rec: Recommender) -> None:
    profile = get_profile(rec.client, "pen-fan", rec.settings)
    top_domain = profile.domains[0][0]
    assert top_domain == "Writing"
    out = rec.recommend("pen-fan", k=5)
    assert len(out) == 5
    ids = {r.item_id for r in out}
    assert ids.isdisjoint({"w1", "w2", "w3", "p2"})
    assert out[0].domain == "Writing"
    assert all(r.reasons.domain_weight is not None for r in out if r.reasons.source == "interest")
    # With hard quotas (coverage_tradeoff 0) the top domain gets its largest-remainder share give or take the
    # rounding, or every unseen Writing item (w4, w5, w6); soft quotas may trade a slot of it for relevance.
    hard = Recommender(rec.client, rec.settings.model_copy(update={"coverage_tradeoff": 0.0}), embedder=EMB)
    writing = [r for r in hard.recommend("pen-fan", k=5) if r.reasons.domain == "Writing"]
    assert len(writing) >= min(3, 5 * profile.domains[0][1] - 1)


def test_which_interaction_kinds_exclude_is_a_setting(rec: Recommender) -> None:
    only_purchases = Recommender(
        rec.client, rec.settings.model_copy(update={"exclude_kinds": ["purchase"]}), embedder=EMB
    )
    ids = {r.item_id for r in only_purchases.recommend("pen-fan", k=20)}
    assert "w2" in ids  # only viewed
    assert ids.isdisjoint({"w1", "w3", "p2"})


def test_recommend_runs_exactly_the_plan(rec: Recommender) -> None:
    p = rec.plan("pen-fan", 5)
    data = json.loads(json.dumps(p.model_dump(mode="json")))
    assert data["basis"] == "profile"
    assert data["queries"][0]["filters"]["operands"][0] == {
        "path": ["domain"],
        "operator": "Equal",
        "valueText": "Writing",
    }
    assert sorted(data["queries"][0]["filters"]["operands"][-1]["valueTextArray"]) == ["p2", "w1", "w2", "w3"]
    replayed = rec.execute(RecommendationPlan.model_validate(data))
    direct = rec.recommend("pen-fan", 5)
    assert [(r.item_id, r.score) for r in replayed] == [(r.item_id, r.score) for r in direct]


def test_arguments_override_settings_in_the_plan(rec: Recommender) -> None:
    p = rec.plan("pen-fan", 5, alpha=0.25, diversity=0.3)
    hybrid = [q for q in p.queries if q.kind == "hybrid" and q.query is not None]
    assert hybrid and all(q.alpha == 0.25 for q in hybrid)
    assert p.diversity == 0.3


def test_explicit_exclusions_and_application_filters(rec: Recommender) -> None:
    out = rec.recommend("pen-fan", k=10, exclude=["w4"], filters=Filter.by_property("popularity").greater_than(25.0))
    assert out and "w4" not in {r.item_id for r in out}
    assert rec.recommend("pen-fan", k=10, filters=Filter.by_property("popularity").greater_than(1e6)) == []


def test_domains_restrict_the_list(rec: Recommender) -> None:
    out = rec.recommend("pen-fan", k=3, domains=["Desk"])
    assert [DOMAIN[r.item_id] for r in out] == ["Desk"] * 3


def test_a_user_who_has_seen_a_whole_domain_gets_other_items(rec: Recommender) -> None:
    profile = get_profile(rec.client, "paper-fan", rec.settings)
    assert profile.domains[0][0] == "Paper"
    out = rec.recommend("paper-fan", k=5)
    assert len(out) == 5
    assert all(DOMAIN[r.item_id] != "Paper" for r in out)


def test_k_larger_than_the_catalog(rec: Recommender) -> None:
    # The catalog as stored now (other tests of this module add items to it), less what pen-fan has seen.
    items = rec.client.collections.use(collection_name(ITEM.stem, rec.settings.prefix))
    catalog = {str(o.properties["item_id"]) for o in items.iterator(return_properties=["item_id"])}
    eligible = catalog - {"w1", "w2", "w3", "p2"}
    out = rec.recommend("pen-fan", k=500)
    assert sorted(r.item_id for r in out) == sorted(eligible)


def test_unknown_user_is_an_error_unless_cold_start_is_asked(rec: Recommender) -> None:
    with pytest.raises(UnknownUser, match="cold"):
        rec.recommend("ghost", k=3)
    out = rec.recommend("ghost", k=3, cold_start=True)
    assert [r.item_id for r in out] == ["w4", "p3", "p4"]
    assert {r.reasons.source for r in out} == {"popular"}
    out = rec.recommend("ghost", k=2, cold_start=True, domains=["Desk"])
    assert [r.item_id for r in out] == ["d1", "d2"]


def test_a_new_user_is_served_from_stated_interests(rec: Recommender) -> None:
    p = rec.plan("newbie", 3)
    assert p.basis == "stated_interests"
    out = rec.recommend("newbie", k=3)
    assert out and DOMAIN[out[0].item_id] == "Writing"
    assert out[0].reasons.source == "text"


def test_a_user_with_nothing_known_gets_popular_items(rec: Recommender) -> None:
    out = rec.recommend("blank", k=3)
    assert [r.item_id for r in out] == ["w4", "p3", "p4"]


def test_recommend_for_text(rec: Recommender) -> None:
    out = rec.recommend_for_text("notebook journal", 3)
    assert out and DOMAIN[out[0].item_id] == "Paper"
    assert out[0].reasons.matched_keywords


def test_audience_ranks_the_users_interested_in_the_items_domain(rec: Recommender) -> None:
    members = rec.audience("w4", 5)
    assert members and members[0].user_id in {"pen-fan", "newbie"}
    assert all(m.domain == "Writing" for m in members)
    assert [m.score for m in members] == sorted((m.score for m in members), reverse=True)
    assert "paper-fan" not in {m.user_id for m in members}
    with pytest.raises(UnknownItem):
        rec.audience("nope")


def test_a_new_item_is_recommendable_as_soon_as_it_is_loaded(rec: Recommender, tmp_path) -> None:  # type: ignore[no-untyped-def]
    before = {r.item_id for r in rec.recommend("pen-fan", k=30)}
    assert "w9" not in before
    path = tmp_path / "new.jsonl"
    path.write_text(
        json.dumps({"item_id": "w9", "title": "Gel pen ink refills", "domain": "Writing", "tags": ["gel pen", "ink"]})
        + "\n"
    )
    assert load_items(rec.client, [path], rec.settings, EMB).written == 1
    after = rec.recommend("pen-fan", k=30)
    assert "w9" in {r.item_id for r in after}


def test_without_the_domain_filter_one_query_covers_the_whole_catalog(rec: Recommender) -> None:
    no_macro = Recommender(rec.client, rec.settings.model_copy(update={"domain_filter": False}), embedder=EMB)
    data = no_macro.plan("pen-fan", 5).model_dump(mode="json")
    interest_queries = [q for q in data["queries"] if q["source"] == "interest"]
    assert len(interest_queries) == 1 and interest_queries[0]["domain"] is None
    assert '"domain"' not in json.dumps(interest_queries[0]["filters"])
    out = no_macro.recommend("pen-fan", k=5)
    assert len(out) == 5
    assert {r.item_id for r in out}.isdisjoint({"w1", "w2", "w3", "p2"})


def test_an_overall_share_adds_the_users_whole_interest_next_to_their_domains(rec: Recommender) -> None:
    mixed = Recommender(rec.client, rec.settings.model_copy(update={"overall_share": 0.4}), embedder=EMB)
    data = mixed.plan("pen-fan", 5).model_dump(mode="json")
    overall = [q for q in data["queries"] if q["source"] == "overall"]
    assert len(overall) == 1 and overall[0]["slots"] == 2 and overall[0]["domain"] is None
    assert '"domain"' not in json.dumps(overall[0]["filters"])
    assert sum(slots for name, slots in data["quotas"].items() if name.startswith("interest:")) == 3
    out = mixed.recommend("pen-fan", k=5)
    assert len(out) == 5 and {r.item_id for r in out}.isdisjoint({"w1", "w2", "w3", "p2"})
    assert any(r.reasons.source == "overall" for r in out)
    # Domains the application names, or no domain filters at all: no separate overall query.
    assert all(q.source != "overall" for q in mixed.plan("pen-fan", 5, domains=["Desk"]).queries)
    no_macro = Recommender(rec.client, mixed.settings.model_copy(update={"domain_filter": False}), embedder=EMB)
    assert [q.source for q in no_macro.plan("pen-fan", 5).queries if q.kind == "hybrid"] == ["interest"]


def test_one_read_of_a_user_serves_several_lists(rec: Recommender) -> None:
    snapshot = rec.read_user("pen-fan")
    assert snapshot.profile is not None and snapshot.profile.domains[0][0] == "Writing"
    assert set(snapshot.seen) == {"w1", "w2", "w3", "p2"}
    no_macro = Recommender(rec.client, rec.settings.model_copy(update={"domain_filter": False}), embedder=EMB)
    for recommender, kwargs in [(rec, {}), (rec, {"domains": ["Desk"]}), (rec, {"alpha": 0.0}), (no_macro, {})]:
        fresh = recommender.recommend("pen-fan", k=5, **kwargs)
        from_snapshot = recommender.recommend("pen-fan", k=5, snapshot=snapshot, **kwargs)
        assert [(r.item_id, r.score) for r in from_snapshot] == [(r.item_id, r.score) for r in fresh]
    assert rec.plan("pen-fan", 5, snapshot=snapshot) == rec.plan("pen-fan", 5)


def test_a_snapshot_serves_only_its_user_and_scope(rec: Recommender) -> None:
    snapshot = rec.read_user("pen-fan")
    with pytest.raises(ConfigurationError, match="read_user"):
        rec.recommend("blank", k=3, snapshot=snapshot)
    purchases_only = Recommender(
        rec.client, rec.settings.model_copy(update={"exclude_kinds": ["purchase"]}), embedder=EMB
    )
    with pytest.raises(ConfigurationError, match="exclude_kinds"):
        purchases_only.recommend("pen-fan", k=3, snapshot=snapshot)
    ghost = rec.read_user("ghost")
    assert ghost.profile is None
    with pytest.raises(UnknownUser, match="cold"):
        rec.recommend("ghost", k=3, snapshot=ghost)
    assert [r.item_id for r in rec.recommend("ghost", k=3, cold_start=True, snapshot=ghost)] == ["w4", "p3", "p4"]
