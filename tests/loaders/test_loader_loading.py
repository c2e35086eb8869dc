"""Loads against the lite server through the real weaviate-client."""

from __future__ import annotations

import json
from pathlib import Path

import numpy as np
import pytest
from weaviate.classes.query import Filter

from weaviate_recsys.errors import ConfigurationError, LoadError, SchemaConflict
from weaviate_recsys.loaders import HashingEmbedder, load_interactions, load_items, load_users
from weaviate_recsys.schema import collection_name, interaction_uuid, item_uuid, user_uuid

from _loader_helpers import CountingEmbedder, snapshot

ITEMS = [
    {
        "item_id": "p1",
        "title": "Fountain pen",
        "description": "Steel nib, blue ink",
        "brand": "Lamy",
        "categories": ["Office", "Writing", "Pens"],
        "tags": ["ink"],
    },
    {"item_id": "p2", "title": "Gel pen", "categories": "Office > Writing > Pens", "popularity": 3},
    {"item_id": "t1", "title": "Dome tent", "categories": ["Outdoor", "Camping"], "created_at": "2021-05-01"},
]


def jsonl(path: Path, rows: list[dict]) -> Path:
    path.write_text("".join(json.dumps(r) + "\n" for r in rows), encoding="utf-8")
    return path


def reconciles(result) -> bool:
    return result.read == result.written + result.unchanged + result.rejected


def test_items_jsonl_load(client, settings, embedder, tmp_path):
    path = jsonl(tmp_path / "items.jsonl", ITEMS)
    result = load_items(client, [path], settings, embedder)
    assert (result.read, result.written, result.unchanged, result.rejected) == (3, 3, 0, 0)
    assert result.rows_per_s > 0 and result.rejects_paths == []
    items = client.collections.get(collection_name("Item", settings.prefix))
    obj = items.query.fetch_object_by_id(item_uuid("p1"), include_vector=True)
    assert obj.properties["domain"] == "Office" and obj.properties["subdomain"] == "Writing"
    assert obj.properties["domain_predicted"] is False
    assert obj.properties["categories"] == ["Office", "Writing", "Pens"]
    assert len(obj.vector["content"]) == 16
    np.testing.assert_allclose(obj.vector["content"], embedder.embed_batch([embedder.texts[0]])[0], rtol=1e-5)
    tent = items.query.fetch_object_by_id(item_uuid("t1"))
    assert tent.properties["created_at"].year == 2021
    assert items.aggregate.over_all(total_count=True).total_count == 3


def test_csv_and_tsv_loads(client, settings, embedder, tmp_path):
    csv_path = tmp_path / "movies.csv"
    csv_path.write_text('movieId,title,genres\n1,Toy Story (1995),Adventure|Animation\n2,"Heat, (1995)",Action\n')
    result = load_items(client, [csv_path], settings, embedder, mapping={"item_id": "movieId", "categories": "genres"})
    assert (result.read, result.written) == (2, 2)
    items = client.collections.get(collection_name("Item", settings.prefix))
    props = items.query.fetch_object_by_id(item_uuid("2")).properties
    assert props["title"] == "Heat, (1995)" and props["domain"] == "Action"

    tsv_path = tmp_path / "users.tsv"
    tsv_path.write_text("user_id\tname\tstated_interests\nu1\tAnn\tI like tea\nu2\tBob\t\n")
    result = load_users(client, [tsv_path], settings)
    assert (result.read, result.written) == (2, 2)
    users = client.collections.get(collection_name("User", settings.prefix))
    u1 = users.query.fetch_object_by_id(user_uuid("u1"), include_vector=True)
    assert u1.properties["stated_interests"] == "I like tea"
    assert not u1.vector  # the interest vector is the interest model's to write


def test_interactions_with_mapping_timestamps_and_text(client, settings, embedder, tmp_path):
    ratings = tmp_path / "ratings.csv"
    ratings.write_text("userId,movieId,rating,timestamp\n1,10,4.0,964982703\n1,11,3.5,964982704\n")
    tags = tmp_path / "tags.csv"
    tags.write_text("userId,movieId,tag,timestamp\n1,10,funny,1445714994\n")
    mapping = {"user_id": "userId", "item_id": "movieId"}
    r1 = load_interactions(client, [ratings], settings, embedder, mapping=mapping, set_values={"kind": "rating"})
    r2 = load_interactions(
        client, [tags], settings, embedder, mapping={**mapping, "text": "tag"}, set_values={"kind": "comment"}
    )
    assert (r1.written, r2.written) == (2, 1)
    coll = client.collections.get(collection_name("Interaction", settings.prefix))
    rating = coll.query.fetch_objects(
        filters=Filter.by_property("kind").equal("rating") & Filter.by_property("item_id").equal("10"),
        include_vector=True,
    ).objects[0]
    assert rating.properties["rating"] == 4.0
    assert rating.properties["timestamp"].isoformat() == "2000-07-30T18:45:03+00:00"
    assert not rating.vector  # no text, no text vector
    tag = coll.query.fetch_objects(filters=Filter.by_property("kind").equal("comment"), include_vector=True).objects[0]
    assert tag.properties["text"] == "funny" and len(tag.vector["text"]) == 16
    ts = rating.properties["timestamp"]
    assert str(rating.uuid) == interaction_uuid("1", "10", "rating", ts)


def test_several_files_and_stdin(client, settings, tmp_path):
    import io

    a = jsonl(tmp_path / "a.jsonl", [{"user_id": "u1"}])
    b = jsonl(tmp_path / "b.jsonl", [{"user_id": "u2"}])
    result = load_users(client, [a, b, "-"], settings, stdin=io.BytesIO(b'{"user_id": "u3"}\n'))
    assert (result.read, result.written) == (3, 3)
    with pytest.raises(LoadError, match="only once"):
        load_users(client, ["-", "-"], settings)


def test_every_bad_row_class_is_reported_and_the_good_rows_load(client, embedder, tmp_path, monkeypatch):
    from weaviate_recsys.settings import Settings

    monkeypatch.chdir(tmp_path)
    settings = Settings(prefix="Bad", max_text_length=50)
    path = tmp_path / "events.jsonl"
    path.write_text(
        '{"user_id": "u1", "item_id": "i1", "kind": "view", "seq": 0}\n'  # 1 good
        '{"user_id": "u1", "item_id": "i2", "kind": "view", "seq": \n'  # 2 malformed JSON
        '{"item_id": "i3", "kind": "view"}\n'  # 3 missing user_id
        '{"user_id": "u1", "item_id": "i3", "kind": "view", "rating": "high"}\n'  # 4 ill-typed rating
        '{"user_id": "u1", "item_id": "i4", "kind": "teleport"}\n'  # 5 unknown kind
        '{"user_id": "u1", "item_id": "i5", "kind": "view", "timestamp": "noon"}\n'  # 6 bad timestamp
        '{"user_id": "u1", "item_id": "i6", "kind": "review", "text": "' + "x" * 51 + '"}\n'  # 7 over-long
        '{"user_id": "u1", "item_id": "i1", "kind": "view", "seq": 0}\n'  # 8 duplicate of 1
        '{"user_id": "u2", "item_id": "i1", "kind": "review", "text": "great"}\n'  # 9 good
    )
    result = load_interactions(client, [path], settings, embedder)
    assert (result.read, result.written, result.unchanged, result.rejected) == (9, 2, 0, 7)
    assert reconciles(result)
    where = {e.line: (e.field, e.reason) for e in result.errors}
    assert all(e.file == str(path) for e in result.errors)
    assert where[2][0] is None and where[2][1].startswith("malformed JSON")
    assert where[3][0] == "user_id"
    assert where[4][0] == "rating" and "expected a number" in where[4][1]
    assert where[5][0] == "kind" and "unknown kind 'teleport'" in where[5][1]
    assert where[6][0] == "timestamp"
    assert where[7][0] == "text" and "longer than the limit of 50" in where[7][1]
    assert where[8][0] == "seq" and f"first at {path}:1" in where[8][1]
    rejects = Path(str(path) + ".rejects.jsonl")
    assert result.rejects_paths == [str(rejects)]
    lines = [json.loads(line) for line in rejects.read_text().splitlines()]
    assert sorted(r["line"] for r in lines) == [2, 3, 4, 5, 6, 7, 8]
    bad_json = next(r for r in lines if r["line"] == 2)
    assert bad_json["raw"].startswith('{"user_id": "u1"') and bad_json["row"] is None
    assert next(r for r in lines if r["line"] == 5)["row"]["kind"] == "teleport"
    # Fixing the file and loading again removes the stale rejects file.
    path.write_text('{"user_id": "u1", "item_id": "i1", "kind": "view", "seq": 0}\n')
    again = load_interactions(client, [path], settings, embedder)
    assert (again.unchanged, again.rejected) == (1, 0) and not rejects.exists()


def test_duplicate_item_in_a_second_file(client, settings, embedder, tmp_path):
    a = jsonl(tmp_path / "a.jsonl", [ITEMS[0]])
    b = jsonl(tmp_path / "b.jsonl", [{**ITEMS[0], "title": "Other"}])
    result = load_items(client, [a, b], settings, embedder, rejects=tmp_path / "all.rejects.jsonl")
    assert (result.written, result.rejected) == (1, 1)
    assert result.errors[0].file == str(b) and result.errors[0].field == "item_id"
    assert result.rejects_paths == [str(tmp_path / "all.rejects.jsonl")]


def test_rerun_skips_unchanged_rows_without_embedding(client, settings, embedder, tmp_path):
    path = jsonl(tmp_path / "items.jsonl", ITEMS)
    load_items(client, [path], settings, embedder)
    name = collection_name("Item", settings.prefix)
    before = snapshot(client, name)
    embedder.texts.clear()
    again = load_items(client, [path], settings, embedder)
    assert (again.read, again.written, again.unchanged, again.rejected) == (3, 0, 3, 0)
    assert embedder.texts == []
    assert snapshot(client, name) == before


def test_changed_rows_are_merged_keeping_other_components_fields(client, settings, embedder, tmp_path):
    path = jsonl(tmp_path / "items.jsonl", ITEMS)
    load_items(client, [path], settings, embedder)
    items = client.collections.get(collection_name("Item", settings.prefix))
    items.data.update(
        uuid=item_uuid("p1"), properties={"keywords": ["nib", "ink"]}, vector={"behavior": [1.0] + [0.0] * 7}
    )
    changed = [{**ITEMS[0], "title": "Fountain pen, fine nib", "brand": None}, ITEMS[1], ITEMS[2]]
    jsonl(path, changed)
    embedder.texts.clear()
    result = load_items(client, [path], settings, embedder)
    assert (result.written, result.unchanged) == (1, 2)
    assert len(embedder.texts) == 1 and embedder.texts[0].startswith("Fountain pen, fine nib")
    obj = items.query.fetch_object_by_id(item_uuid("p1"), include_vector=True)
    assert obj.properties["title"] == "Fountain pen, fine nib"
    assert obj.properties["brand"] is None  # removed from the source, so removed from the object
    assert obj.properties["keywords"] == ["nib", "ink"]  # the interest model's field survives
    assert obj.vector["behavior"][0] == 1.0
    np.testing.assert_allclose(
        obj.vector["content"], HashingEmbedder(16).embed_batch([embedder.texts[0]])[0], rtol=1e-5
    )


def test_another_model_re_embeds(client, settings, tmp_path):
    path = jsonl(tmp_path / "items.jsonl", ITEMS[:1])
    load_items(client, [path], settings, CountingEmbedder(16))

    class Other(CountingEmbedder):
        def __init__(self):
            super().__init__(16)
            self.name = "other-16"

    other = Other()
    result = load_items(client, [path], settings, other)
    assert result.written == 1 and len(other.texts) == 1


def test_interrupted_load_rerun_equals_uninterrupted(client, embedder, tmp_path):
    from weaviate_recsys.settings import Settings

    rows = [{"item_id": f"i{n}", "title": f"Item number {n}", "categories": ["A", f"B{n % 3}"]} for n in range(60)]
    path = jsonl(tmp_path / "items.jsonl", rows)
    reference = Settings(prefix="Whole")
    load_items(client, [path], reference, embedder, batch_size=10)

    interrupted = Settings(prefix="Broken")
    calls = {"n": 0}

    def crash_after_two_batches(done: int, total: int | None) -> None:
        calls["n"] += 1
        if calls["n"] == 2:
            raise KeyboardInterrupt("simulated kill")

    with pytest.raises(KeyboardInterrupt):
        load_items(client, [path], interrupted, embedder, progress=crash_after_two_batches, batch_size=10)
    partial = client.collections.get(collection_name("Item", "Broken")).aggregate.over_all(total_count=True)
    assert 0 < partial.total_count < 60
    rerun = load_items(client, [path], interrupted, embedder, batch_size=10)
    assert rerun.unchanged == partial.total_count and rerun.written == 60 - partial.total_count
    assert reconciles(rerun)
    assert snapshot(client, collection_name("Item", "Broken")) == snapshot(client, collection_name("Item", "Whole"))


class PoisonedVectors(CountingEmbedder):
    """Texts starting with "Poison" get an 8-dimensional vector, which Weaviate rejects after a 16-dim row."""

    def embed_batch(self, texts):
        vectors = list(super().embed_batch(texts))
        return [v[:8] if t.startswith("Poison") else v for t, v in zip(texts, vectors)]


def test_rows_weaviate_rejects_are_retried_then_reported(client, settings, tmp_path):
    rows = [
        {"item_id": "ok1", "title": "Fine"},
        {"item_id": "bad", "title": "Poison"},
        {"item_id": "ok2", "title": "Also fine"},
    ]
    path = jsonl(tmp_path / "items.jsonl", rows)
    result = load_items(client, [path], settings, PoisonedVectors(16), batch_size=1)
    assert (result.read, result.written, result.rejected) == (3, 2, 1)
    assert reconciles(result)
    error = result.errors[0]
    assert (error.file, error.line) == (str(path), 2) and "Weaviate rejected" in error.reason
    items = client.collections.get(collection_name("Item", settings.prefix))
    assert items.aggregate.over_all(total_count=True).total_count == 2
    assert json.loads(Path(result.rejects_paths[0]).read_text().splitlines()[0])["line"] == 2


def test_a_batch_weaviate_rejects_whole_is_reported_row_by_row(client, settings, tmp_path):
    rows = [
        {"item_id": "ok1", "title": "Fine"},
        {"item_id": "bad1", "title": "Poison one"},
        {"item_id": "bad2", "title": "Poison two"},
        {"item_id": "bad3", "title": "Poison three"},
        {"item_id": "ok2", "title": "Also fine"},
    ]
    path = jsonl(tmp_path / "items.jsonl", rows)
    result = load_items(client, [path], settings, PoisonedVectors(16), batch_size=2)
    assert (result.read, result.written, result.rejected) == (5, 2, 3)
    assert reconciles(result)
    assert sorted(e.line for e in result.errors) == [2, 3, 4]
    # Each row gets its own reason, which names its own object, not the joined reasons of its batch.
    bad = {2: "bad1", 3: "bad2", 4: "bad3"}
    for e in result.errors:
        assert "Weaviate rejected" in e.reason and "vector" in e.reason
        assert [item_uuid(i) in e.reason for i in bad.values()] == [i == bad[e.line] for i in bad.values()]


def test_progress_reports_bytes_up_to_the_total(client, settings, embedder, tmp_path):
    path = jsonl(tmp_path / "items.jsonl", ITEMS)
    seen: list[tuple[int, int | None]] = []
    load_items(client, [path], settings, embedder, progress=lambda d, t: seen.append((d, t)), batch_size=1)
    size = path.stat().st_size
    assert seen[-1] == (size, size)
    assert [d for d, _ in seen] == sorted(d for d, _ in seen)


def test_dimension_change_is_refused(client, settings, tmp_path):
    path = jsonl(tmp_path / "items.jsonl", ITEMS[:1])
    load_items(client, [path], settings, HashingEmbedder(16))
    jsonl(path, [{**ITEMS[0], "title": "changed"}])
    with pytest.raises(SchemaConflict, match=r"holds 16-dimensional vectors.*produces 32"):
        load_items(client, [path], settings, HashingEmbedder(32))


def test_usage_errors_write_nothing(client, settings, tmp_path):
    path = tmp_path / "r.csv"
    path.write_text("userId,movieId\n1,2\n")
    with pytest.raises(ConfigurationError, match="no column for user_id"):
        load_interactions(client, [path], settings, set_values={"kind": "view"})
    with pytest.raises(LoadError, match="no such file"):
        load_users(client, [tmp_path / "missing.jsonl"], settings)
    assert not client.collections.exists(collection_name("Interaction", settings.prefix))
