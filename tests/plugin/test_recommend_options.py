"""One options model for every list the Recommender makes: the same dict serves `plan` and `recommend`."""

from __future__ import annotations

import pytest
import weaviate

from weaviate_recsys.loaders import HashingEmbedder
from weaviate_recsys.plugin.recommend import ListOptions, Recommender, TextListOptions

from _recommend_fixtures import build_all

EMBEDDER = HashingEmbedder(dim=64)


@pytest.fixture(scope="module")
def rec(client: weaviate.WeaviateClient, tmp_path_factory: pytest.TempPathFactory) -> Recommender:
    settings = build_all(client, tmp_path_factory.mktemp("files"), "Opt", EMBEDDER)
    return Recommender(client, settings, embedder=EMBEDDER)


def test_one_options_dict_shapes_the_plan_and_the_list(rec: Recommender) -> None:
    options: ListOptions = {"domains": ["desk"], "exclude": ["d1"], "alpha": 0.5, "exploration": 0.0}
    plan = rec.plan("pen-fan", 2, **options)
    assert {q.domain for q in plan.queries if q.kind == "hybrid"} == {"Desk"}
    recs = rec.recommend("pen-fan", 2, **options)
    assert recs and {r.domain for r in recs} == {"Desk"} and "d1" not in {r.item_id for r in recs}


def test_text_lists_take_the_same_options_but_exploration(rec: Recommender) -> None:
    options: TextListOptions = {"domains": ["Writing"], "exclude": ["w1"]}
    recs = rec.recommend_for_text("gel pen", 2, **options)
    assert recs and {r.domain for r in recs} == {"Writing"} and "w1" not in {r.item_id for r in recs}
    with pytest.raises(TypeError, match="unexpected option.*exploration"):
        rec.plan_for_text("gel pen", 2, exploration=0.5)  # type: ignore[call-arg]


def test_a_misspelt_option_is_refused(rec: Recommender) -> None:
    with pytest.raises(TypeError, match="unexpected option.*domain; the options are domains"):
        rec.recommend("pen-fan", 2, domain=["Desk"])  # type: ignore[call-arg]


def test_keyword_repeat_from_settings_weights_each_query_by_the_profiles_keyword_weights(
    client: weaviate.WeaviateClient, rec: Recommender
) -> None:
    heavy = Recommender(client, rec.settings.model_copy(update={"keyword_repeat": 3}), embedder=EMBEDDER)
    plain_queries = [q for q in rec.plan("pen-fan", 4).queries if q.kind == "hybrid" and q.keywords]
    heavy_queries = [q for q in heavy.plan("pen-fan", 4).queries if q.kind == "hybrid" and q.keywords]
    assert plain_queries and [q.keywords for q in heavy_queries] == [q.keywords for q in plain_queries]
    for plain, weighted in zip(plain_queries, heavy_queries):
        assert plain.query == " ".join(plain.keywords)
        assert weighted.query is not None and weighted.query.startswith(" ".join([weighted.keywords[0]] * 3) + " ")


def test_min_domain_slots_from_settings_reach_the_plan(client: weaviate.WeaviateClient, rec: Recommender) -> None:
    spread = Recommender(client, rec.settings.model_copy(update={"min_domain_slots": 3}), embedder=EMBEDDER)
    plain = {n: s for n, s in rec.plan("pen-fan", 10).quotas.items() if n.startswith("interest:")}
    even = {n: s for n, s in spread.plan("pen-fan", 10).quotas.items() if n.startswith("interest:")}
    assert plain == {"interest:Writing": 4, "interest:Paper": 2}  # by weight
    assert even == {"interest:Writing": 3, "interest:Paper": 3}  # three each first: nothing left to share
