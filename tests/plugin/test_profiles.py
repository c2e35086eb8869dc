"""The interest model against the lite server through weaviate-client: train, build, read, record."""

from __future__ import annotations

from pathlib import Path

import pytest
import weaviate
from weaviate.classes.query import Filter

from weaviate_recsys.errors import ModelNotTrained, UnknownUser
from weaviate_recsys.plugin import (
    build_profiles,
    get_profile,
    load_model,
    parse_shard,
    profile_from_text,
    record,
    train_domains,
)
from weaviate_recsys.plugin.storage import clear_model_cache
from weaviate_recsys.schema import item_uuid, user_uuid
from weaviate_recsys.settings import Settings

from _profile_fixtures import EMB, load_fixture


@pytest.fixture(scope="module")
def built(client: weaviate.WeaviateClient, tmp_path_factory: pytest.TempPathFactory) -> Settings:
    settings = load_fixture(client, tmp_path_factory.mktemp("p"), "Prof")
    train_domains(client, settings)
    report = build_profiles(client, settings=settings, embedder=EMB)
    assert report.write_failures == 0
    return settings


def test_training_predicts_missing_domains_and_fills_item_keywords(
    client: weaviate.WeaviateClient, built: Settings
) -> None:
    items = client.collections.use("ProfItem")
    w4 = items.query.fetch_object_by_id(item_uuid("w4")).properties
    assert w4["domain"] == "Writing" and w4["domain_predicted"] is True and 0 < w4["domain_probability"] <= 1
    w1 = items.query.fetch_object_by_id(item_uuid("w1")).properties
    assert w1.get("domain_predicted") is not True
    assert "gel pens" in w1["keywords"]


def test_the_model_lives_in_weaviate_and_reloads_in_a_fresh_process_state(
    client: weaviate.WeaviateClient, built: Settings
) -> None:
    domains = client.collections.use("ProfDomain")
    rows = domains.query.fetch_objects(filters=Filter.by_property("kind").equal("domain"), include_vector=True).objects
    assert sorted(o.properties["name"] for o in rows) == ["Paper", "Printers", "Writing"]
    assert all(o.vector.get("centroid") for o in rows)
    clear_model_cache()
    model = load_model(client, built)
    assert model.classifier is not None and model.classifier.classes_ == ["Paper", "Printers", "Writing"]
    assert "laser printer" in model.extractor.surfaces_


def test_profiles_are_stored_on_user_and_user_interest(client: weaviate.WeaviateClient, built: Settings) -> None:
    user = client.collections.use("ProfUser").query.fetch_object_by_id(user_uuid("pen-fan"), include_vector=True)
    assert user.properties["domains"][0] == "Writing"
    assert "Printers" not in user.properties["domains"]  # the dislike counts against
    assert user.properties["event_count"] == 4
    assert len(user.vector["interest"]) == 64
    rows = (
        client.collections.use("ProfUserInterest")
        .query.fetch_objects(filters=Filter.by_property("user_id").equal("pen-fan"), include_vector=True)
        .objects
    )
    assert [o.properties["domain"] for o in rows] == ["Writing"]
    assert rows[0].vector["interest"] and "gel pens" in rows[0].properties["keywords"]


def test_get_profile_reads_the_whole_profile(client: weaviate.WeaviateClient, built: Settings) -> None:
    p = get_profile(client, "printer-fan", built)
    assert p.stored and p.status == "complete"
    assert p.domains[0][0] in {"Printers", "Paper"} and {d for d, _ in p.domains} == {"Printers", "Paper"}
    assert "laser printer" in dict(p.keywords)
    assert set(p.domain_vectors) == {"Printers", "Paper"} and p.counts.by_domain["Printers"] == 2


def test_stated_interests_alone_give_a_profile(client: weaviate.WeaviateClient, built: Settings) -> None:
    p = get_profile(client, "stated-only", built)
    assert p.event_count == 0 and p.domains and p.interest_vector is not None
    assert "laser printer" in dict(p.keywords)


def test_own_text_and_ratings_count(client: weaviate.WeaviateClient, built: Settings) -> None:
    p = get_profile(client, "events-only", built)  # a user with no User object, only events
    assert p.domains[0][0] == "Paper"
    assert "notebook" in dict(p.keywords)


def test_a_user_with_nothing_has_an_empty_profile_with_a_reason(
    client: weaviate.WeaviateClient, built: Settings
) -> None:
    p = get_profile(client, "nobody", built)
    assert p.status == "empty" and p.domains == [] and "No interactions" in p.notes[0]


def test_unknown_user_is_a_clear_error(client: weaviate.WeaviateClient, built: Settings) -> None:
    with pytest.raises(UnknownUser, match="load users"):
        get_profile(client, "who-is-this", built)


def test_rebuilding_writes_nothing_when_nothing_changed(client: weaviate.WeaviateClient, built: Settings) -> None:
    report = build_profiles(client, settings=built, embedder=EMB)
    assert report.unchanged == report.users - len(report.unknown_users) and report.user_interest_objects == 0
    assert report.unknown_item_events == 1


def test_shards_split_the_users_exactly(client: weaviate.WeaviateClient, built: Settings) -> None:
    a = build_profiles(client, settings=built, embedder=EMB, shard=parse_shard("0/2"))
    b = build_profiles(client, settings=built, embedder=EMB, shard="1/2")
    assert a.users + b.users == 5 and a.users > 0 and b.users > 0


def test_record_updates_only_that_user_and_matches_a_full_build(
    client: weaviate.WeaviateClient, built: Settings
) -> None:
    users = client.collections.use("ProfUser")
    before_other = users.query.fetch_object_by_id(user_uuid("printer-fan")).properties["profile_updated_at"]
    prof = record(client, {"user_id": "pen-fan", "item_id": "p1", "kind": "purchase", "seq": 4}, built, EMB)
    assert "Paper" in dict(prof.domains) and prof.event_count == 5
    assert users.query.fetch_object_by_id(user_uuid("printer-fan")).properties["profile_updated_at"] == before_other
    stored = get_profile(client, "pen-fan", built)
    assert stored.domains == prof.domains and stored.keywords == prof.keywords
    again = build_profiles(client, ["pen-fan"], settings=built, embedder=EMB)
    assert again.unchanged == 1  # the incremental update equals a full rebuild of that user


def test_record_of_a_new_user_with_text_and_stale_domains_are_deleted(
    client: weaviate.WeaviateClient, built: Settings
) -> None:
    p = record(client, {"user_id": "newcomer", "kind": "comment", "text": "gel pens please", "seq": 0}, built, EMB)
    assert p.domains and p.keywords
    rows = (
        client.collections.use("ProfUserInterest")
        .query.fetch_objects(filters=Filter.by_property("user_id").equal("newcomer"))
        .objects
    )
    assert {o.properties["domain"] for o in rows} == {d for d, _ in p.domains}
    p2 = record(client, {"user_id": "newcomer", "item_id": "l2", "kind": "purchase", "seq": 1}, built, EMB)
    p3 = record(client, {"user_id": "newcomer", "item_id": "l3", "kind": "purchase", "seq": 2}, built, EMB)
    rows = (
        client.collections.use("ProfUserInterest")
        .query.fetch_objects(filters=Filter.by_property("user_id").equal("newcomer"))
        .objects
    )
    assert {o.properties["domain"] for o in rows} == {d for d, _ in p3.domains}
    assert p3.domains[0][0] == "Printers" and p2.event_count == 2


def test_other_vectors_on_user_survive_a_rebuild(client: weaviate.WeaviateClient, built: Settings) -> None:
    users = client.collections.use("ProfUser")
    users.data.update(uuid=user_uuid("printer-fan"), vector={"behavior": [0.5] * 8})
    record(client, {"user_id": "printer-fan", "item_id": "w1", "kind": "view", "seq": 9}, built, EMB)
    obj = users.query.fetch_object_by_id(user_uuid("printer-fan"), include_vector=True)
    assert obj.vector["behavior"] == [0.5] * 8 and obj.vector["interest"]
    assert obj.properties["content_hash"]  # the loader's property is kept too


def test_building_before_training_says_what_to_do(client: weaviate.WeaviateClient, tmp_path: Path) -> None:
    settings = load_fixture(client, tmp_path, "Untrained")
    with pytest.raises(ModelNotTrained, match="domains train"):
        build_profiles(client, settings=settings, embedder=EMB)


def test_domains_are_discovered_when_no_item_has_one(client: weaviate.WeaviateClient, tmp_path: Path) -> None:
    from _profile_fixtures import ITEMS

    items = [{k: v for k, v in it.items() if k != "domain"} for it in ITEMS]
    settings = load_fixture(client, tmp_path, "Disc", items=items)
    report = train_domains(client, settings, n_domains=3)
    assert report.discovered and len(report.domains) == 3
    assert all(" / " in d.name or d.name for d in report.domains)
    assert report.predicted_items == len(items)
    b = build_profiles(client, settings=settings, embedder=EMB)
    assert b.complete >= 3


def test_one_domain_catalog(client: weaviate.WeaviateClient, tmp_path: Path) -> None:
    from _profile_fixtures import ITEMS

    items = [{**it, "domain": "Office"} for it in ITEMS]
    settings = load_fixture(client, tmp_path, "One", items=items)
    report = train_domains(client, settings)
    assert [d.name for d in report.domains] == ["Office"] and report.metrics.note
    build_profiles(client, settings=settings, embedder=EMB)
    assert get_profile(client, "pen-fan", settings).domains == [("Office", 1.0)]


def test_record_rejects_an_invalid_interaction_with_the_field_named(
    client: weaviate.WeaviateClient, built: Settings
) -> None:
    from weaviate_recsys.errors import ConfigurationError

    with pytest.raises(ConfigurationError, match="kind"):
        record(client, {"user_id": "pen-fan", "item_id": "w1", "kind": "teleport"}, built, EMB)


def test_large_model_parameters_are_chunked_and_reassembled(client: weaviate.WeaviateClient, built: Settings) -> None:
    from weaviate_recsys.plugin import DomainClassifier, KeywordExtractor
    from weaviate_recsys.plugin.storage import save_model

    words = [f"term{chr(97 + i % 26)}{chr(97 + i // 26 % 26)}{chr(97 + i // 676 % 26)}" for i in range(9000)]
    ex = KeywordExtractor().fit([" ".join(words[i : i + 30]) for i in range(0, 9000, 3)])
    clf = load_model(client, built).classifier
    assert clf is not None
    version = save_model(client, Settings(prefix="Big", data_dir=built.data_dir), clf, ex, [])
    model = load_model(client, Settings(prefix="Big", data_dir=built.data_dir))
    assert model.version == version and model.extractor.terms_ == ex.terms_
    from weaviate_recsys.plugin.storage import model_part_uuid

    stored = client.collections.use("BigDomain").query.fetch_object_by_id(model_part_uuid("model", "keywords", version))
    assert len(stored.properties["parameters"]) > 1  # over 60,000 characters: several chunks
    assert DomainClassifier.from_params(clf.to_params()).classes_ == clf.classes_


def _object_count(client: weaviate.WeaviateClient, name: str) -> int:
    return int(client.collections.use(name).aggregate.over_all(total_count=True).total_count or 0)


def test_a_training_that_fails_midway_leaves_readers_on_the_previous_complete_model(
    client: weaviate.WeaviateClient, built: Settings
) -> None:
    from weaviate_recsys.errors import WeaviateRejected
    from weaviate_recsys.plugin.storage import save_model

    trained = load_model(client, built)
    assert trained.classifier is not None
    # One object per batch: the model spans many batches, as a large catalog's does.
    settings = Settings(prefix="Atomic", data_dir=built.data_dir, write_batch_size=1)

    def domains(tag: str, bad: str | None = None) -> list[dict[str, object]]:
        return [
            {
                "name": n,
                "keywords": [f"{tag}-{n}"],
                "keyword_weights": [1.0],
                "centroid": [0.0] * (3 if n == bad else 4),
            }
            for n in ("Paper", "Printers", "Writing", "Zines")
        ]

    first = save_model(client, settings, trained.classifier, trained.extractor, domains("old"))
    clear_model_cache()
    # A domain whose centroid has the wrong dimension: Weaviate rejects that one object, the others are stored.
    with pytest.raises(WeaviateRejected, match="rejected 1 objects of the domain model"):
        save_model(client, settings, trained.classifier, trained.extractor, domains("new", bad="Printers"))
    clear_model_cache()
    model = load_model(client, settings)
    assert model.version == first
    assert model.domain_names == ["Paper", "Printers", "Writing", "Zines"]
    assert sorted(model.domain_centroids) == model.domain_names
    stored = client.collections.use("AtomicDomain").query.fetch_objects(
        filters=Filter.by_property("version").equal(model.version), limit=100
    )
    assert {tuple(o.properties.get("keywords") or []) for o in stored.objects if o.properties["kind"] == "domain"} == {
        (f"old-{n}",) for n in model.domain_names
    }
    # The next training that succeeds is the one model stored: no parts of the failed or replaced versions stay.
    latest = save_model(client, settings, trained.classifier, trained.extractor, domains("newest")[:2])
    clear_model_cache()
    assert sorted(load_model(client, settings).domain_centroids) == ["Paper", "Printers"]
    rows = client.collections.use("AtomicDomain").query.fetch_objects(limit=100).objects
    assert {o.properties["version"] for o in rows} == {latest} and len(rows) == 4  # classifier, keywords, 2 domains


def test_profile_from_text_is_classified_keyworded_and_embedded_without_writes(
    client: weaviate.WeaviateClient,
    built: Settings,
) -> None:
    before = (_object_count(client, "ProfUser"), _object_count(client, "ProfUserInterest"))
    p = profile_from_text(client, "A fast laser printer and black toner", built, EMB)
    assert not p.stored and p.status == "complete" and p.user_id == ""
    assert p.domains[0][0] == "Printers"
    assert "laser printer" in dict(p.keywords) and "toner" in dict(p.domain_keywords["Printers"])
    assert p.interest_vector is not None and set(p.domain_vectors) == {d for d, _ in p.domains}
    assert (_object_count(client, "ProfUser"), _object_count(client, "ProfUserInterest")) == before


def test_profile_from_text_equals_the_profile_of_a_user_who_stated_it(
    client: weaviate.WeaviateClient, built: Settings
) -> None:
    stored = get_profile(client, "stated-only", built)
    p = profile_from_text(client, "I want a laser printer and toner", built, EMB, user_id="stated-only")
    assert p.user_id == "stated-only"
    assert p.domains == stored.domains and p.keywords == stored.keywords
    assert p.domain_keywords == stored.domain_keywords


def test_profile_from_text_of_nothing_is_empty_with_a_reason(client: weaviate.WeaviateClient, built: Settings) -> None:
    p = profile_from_text(client, "   ", built, EMB)
    assert p.status == "empty" and p.domains == [] and "No text" in p.notes[0]


def test_profile_from_text_before_training_uses_the_nearest_items_domains(
    client: weaviate.WeaviateClient, tmp_path: Path
) -> None:
    settings = load_fixture(client, tmp_path, "TextUntrained")
    p = profile_from_text(client, "Color laser printer", settings, EMB)
    assert p.domains and p.domains[0][0] == "Printers"
    assert {"color", "laser", "printer"} <= set(dict(p.keywords))
    assert "domains train" in p.notes[0]


def test_recommend_for_text_serves_the_classified_domains(client: weaviate.WeaviateClient, built: Settings) -> None:
    from weaviate_recsys.plugin import Recommender

    rec = Recommender(client, built, embedder=EMB)
    plan = rec.plan_for_text("laser printer toner", 3)
    assert plan.basis == "text"
    out = rec.recommend_for_text("laser printer toner", 3)
    assert out and out[0].domain == "Printers" and out[0].reasons.domain == "Printers"
    assert out[0].reasons.source == "text"


def test_objects_weaviate_rejects_are_reported_with_its_reason_not_as_a_lost_connection(
    client: weaviate.WeaviateClient, built: Settings
) -> None:
    """When Weaviate rejects every object of a write, the client raises instead of returning errors; the
    writer must still name each object and Weaviate's reason (it is bad data, not a connection problem)."""
    from weaviate_recsys.plugin.storage import Names, write_objects

    names = Names.of(built)
    # a wrong type: rejected whether or not auto-schema would add an unknown property
    bad = [(user_uuid(f"ghost-{i}"), {"user_id": f"ghost-{i}", "event_count": "many"}, None) for i in range(3)]
    for batch_size in (1, 500):  # one object alone, and a batch
        failures = write_objects(client, names.user, bad, batch_size=batch_size)
        assert [f.uuid for f in failures] == [u for u, _, _ in bad]
        assert all("event_count" in f.reason for f in failures)
    mixed = write_objects(client, names.user, [bad[0], (user_uuid("ghost-ok"), {"user_id": "ghost-ok"}, None)])
    assert [f.uuid for f in mixed] == [bad[0][0]]
    client.collections.get(names.user).data.delete_by_id(user_uuid("ghost-ok"))


def test_a_rebuild_updates_a_user_whose_only_change_is_their_interest_vector(
    client: weaviate.WeaviateClient, tmp_path: Path
) -> None:
    settings = load_fixture(client, tmp_path, "VecOnly")
    train_domains(client, settings)
    build_profiles(client, settings=settings, embedder=EMB)
    users, interests = client.collections.use("VecOnlyUser"), client.collections.use("VecOnlyUserInterest")
    printers = Filter.by_property("user_id").equal("printer-fan") & Filter.by_property("domain").equal("Printers")
    before = users.query.fetch_object_by_id(user_uuid("printer-fan"), include_vector=True)
    before_printers = interests.query.fetch_objects(filters=printers, include_vector=True).objects[0]

    # The toner printer-fan put in their cart gets another content vector; its text and domain stay the same,
    # so printer-fan's domains, keywords and event count do too.
    client.collections.use("VecOnlyItem").data.update(uuid=item_uuid("l3"), vector={"content": [1.0] + [0.0] * 63})
    report = build_profiles(client, settings=settings, embedder=EMB)

    after = users.query.fetch_object_by_id(user_uuid("printer-fan"), include_vector=True)
    after_printers = interests.query.fetch_objects(filters=printers, include_vector=True).objects[0]
    for key in ("domains", "keywords", "event_count"):
        assert after.properties[key] == before.properties[key]
    assert after.vector["interest"] != pytest.approx(before.vector["interest"], abs=1e-4)
    assert after_printers.vector["interest"] != pytest.approx(before_printers.vector["interest"], abs=1e-4)
    assert report.unchanged < report.users - len(report.unknown_users)


def test_a_store_from_before_short_term_interests_keeps_working_and_gets_them_on_the_next_build(
    client: weaviate.WeaviateClient, tmp_path: Path
) -> None:
    from weaviate_recsys.loaders import load_interactions, load_items
    from weaviate_recsys.plugin import Recommender
    from weaviate_recsys.schema import register_schema
    from weaviate_recsys.schema.contracts import (
        DOMAIN,
        RECENT_INTEREST_VECTOR,
        USER,
        USER_INTEREST,
        CollectionContract,
    )

    from _profile_fixtures import INTERACTIONS, ITEMS, write_jsonl

    older_user = CollectionContract(
        stem=USER.stem,
        description=USER.description,
        properties=tuple(p for p in USER.properties if not p.name.startswith("recent_")),
        vectors=tuple(v for v in USER.vectors if v.name != RECENT_INTEREST_VECTOR),
    )
    settings = Settings(prefix="Older", data_dir=tmp_path)
    register_schema(client, prefix="Older", contracts=[older_user, DOMAIN, USER_INTEREST])
    load_items(client, [write_jsonl(tmp_path / "items.jsonl", ITEMS)], settings, EMB)
    load_interactions(client, [write_jsonl(tmp_path / "inter.jsonl", INTERACTIONS)], settings, EMB)
    users = client.collections.use("OlderUser")
    users.data.insert(
        {
            "user_id": "pen-fan",
            "domains": ["Writing"],
            "domain_weights": [1.0],
            "keywords": ["gel pens"],
            "keyword_weights": [1.0],
            "event_count": 4,
            "profile_updated_at": "2026-01-01T00:00:00Z",
        },
        uuid=user_uuid("pen-fan"),
        vector={"interest": EMB.embed_batch(["gel pens"])[0].tolist()},
    )
    assert RECENT_INTEREST_VECTOR not in (users.config.get().vector_config or {})

    before = get_profile(client, "pen-fan", settings)
    assert before.stored and before.domains == [("Writing", 1.0)] and before.short_term is None
    with Recommender(client, settings, embedder=EMB) as rec:
        assert rec.recommend("pen-fan", 3)

    train_domains(client, settings)
    build_profiles(client, settings=settings, embedder=EMB)
    assert RECENT_INTEREST_VECTOR in (users.config.get().vector_config or {})
    after = get_profile(client, "pen-fan", settings)
    assert after.short_term is not None and after.short_term.interest_vector is not None
    assert after.short_term.domains and after.short_term.keywords
