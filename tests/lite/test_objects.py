"""Object calls through the real client: insert/get/exists/replace/update/delete, batches, fetch
ordering and pagination, return shapes (docs/lite-server.md §2.3-§2.7, §5.3)."""

from __future__ import annotations

import datetime as dt
import time
import uuid

import httpx
import pytest
import weaviate
from weaviate.classes.config import Configure, DataType, Property
from weaviate.classes.data import DataObject
from weaviate.classes.query import Filter, MetadataQuery, Sort
from weaviate.exceptions import UnexpectedStatusCodeError, WeaviateInsertManyAllFailedError

ALL_TYPES = [
    Property(name="title", data_type=DataType.TEXT),
    Property(name="tags", data_type=DataType.TEXT_ARRAY),
    Property(name="count", data_type=DataType.INT),
    Property(name="counts", data_type=DataType.INT_ARRAY),
    Property(name="price", data_type=DataType.NUMBER),
    Property(name="prices", data_type=DataType.NUMBER_ARRAY),
    Property(name="active", data_type=DataType.BOOL),
    Property(name="flags", data_type=DataType.BOOL_ARRAY),
    Property(name="published", data_type=DataType.DATE),
    Property(name="dates", data_type=DataType.DATE_ARRAY),
    Property(name="ref", data_type=DataType.UUID),
    Property(name="refs", data_type=DataType.UUID_ARRAY),
    Property(
        name="meta",
        data_type=DataType.OBJECT,
        nested_properties=[
            Property(name="author", data_type=DataType.TEXT),
            Property(name="pages", data_type=DataType.INT),
        ],
    ),
]

D1 = dt.datetime(2024, 1, 2, 3, 4, 5, tzinfo=dt.UTC)
D2 = dt.datetime(2023, 6, 7, 8, 9, 10, 123456, tzinfo=dt.UTC)
VALUES = {
    "title": "Hello World",
    "tags": ["a", "b c"],
    "count": 3,
    "counts": [1, -2, 3],
    "price": 9.5,
    "prices": [1.25, 2.0],
    "active": True,
    "flags": [True, False],
    "published": D1,
    "dates": [D1, D2],
    "ref": uuid.UUID(int=7),
    "refs": [uuid.UUID(int=8), uuid.UUID(int=9)],
    "meta": {"author": "Ann", "pages": 12},
}


@pytest.fixture
def typed(client: weaviate.WeaviateClient, name: str):
    return client.collections.create(
        name, properties=ALL_TYPES, vector_config=[Configure.Vectors.self_provided(name="main")]
    )


def test_insert_and_fetch_every_type(typed) -> None:
    uid = typed.data.insert(VALUES, vector={"main": [0.1, 0.2]})
    obj = typed.query.fetch_object_by_id(uid, include_vector=True)
    assert obj is not None
    assert obj.properties == VALUES
    assert obj.vector == {"main": pytest.approx([0.1, 0.2])}
    assert obj.metadata.creation_time is not None and obj.metadata.last_update_time is not None


def test_batch_round_trip_every_type(typed) -> None:
    res = typed.data.insert_many([DataObject(properties=VALUES, vector={"main": [1.0, 0.0]})])
    assert not res.errors
    obj = typed.query.fetch_object_by_id(res.uuids[0])
    assert obj.properties == VALUES  # gRPC Struct doubles coerced back to int (§2.4)


def test_missing_properties_come_back_as_none(typed) -> None:
    uid = typed.data.insert({"title": "only"})
    assert typed.query.fetch_object_by_id(uid).properties["count"] is None


def test_return_properties_and_metadata(typed) -> None:
    typed.data.insert(VALUES, vector={"main": [0.5, 0.5]})
    res = typed.query.fetch_objects(
        return_properties=["title", "count"],
        return_metadata=MetadataQuery(creation_time=True, score=True),
        include_vector=["main"],
    )
    obj = res.objects[0]
    assert obj.properties == {"title": "Hello World", "count": 3}
    assert obj.metadata.score == 0.0 and obj.metadata.creation_time is not None  # §2.7 fill rules
    assert obj.vector == {"main": [0.5, 0.5]}


def test_duplicate_insert_is_422(typed) -> None:
    uid = typed.data.insert({"title": "x"})
    with pytest.raises(UnexpectedStatusCodeError) as e:
        typed.data.insert({"title": "y"}, uuid=uid)
    assert e.value.status_code == 422
    assert "already exists" in str(e.value)


def test_exists_replace_update_delete(typed) -> None:
    uid = typed.data.insert({"title": "one", "count": 1, "price": 2.0}, vector={"main": [1.0, 0.0]})
    assert typed.data.exists(uid)
    before = typed.query.fetch_object_by_id(uid)
    time.sleep(0.01)
    typed.data.update(uid, properties={"count": 5})
    after = typed.query.fetch_object_by_id(uid, include_vector=True)
    assert after.properties["title"] == "one" and after.properties["count"] == 5  # PATCH merges
    assert after.metadata.creation_time == before.metadata.creation_time
    assert after.metadata.last_update_time > before.metadata.last_update_time
    assert after.vector == {"main": [1.0, 0.0]}
    typed.data.update(uid, vector={"main": [0.0, 1.0]})
    assert typed.query.fetch_object_by_id(uid, include_vector=True).vector == {"main": [0.0, 1.0]}
    typed.data.replace(uid, properties={"title": "two"})
    replaced = typed.query.fetch_object_by_id(uid, include_vector=True)
    assert replaced.properties["title"] == "two" and replaced.properties["count"] is None
    assert replaced.vector == {}  # PUT replaces everything, vectors included
    assert typed.data.delete_by_id(uid) is True
    assert typed.data.exists(uid) is False
    assert typed.data.delete_by_id(uid) is False
    with pytest.raises(UnexpectedStatusCodeError) as e:
        typed.data.replace(uid, properties={"title": "ghost"})
    assert e.value.status_code == 404


def test_insert_many_reports_errors_by_index(typed) -> None:
    res = typed.data.insert_many(
        [
            {"title": "ok"},
            {"title": 5},
            DataObject(properties={"title": "ok2"}, vector={"main": [1.0, 2.0]}),
            {"count": "x"},
        ]
    )
    assert sorted(res.errors) == [1, 3]
    assert "invalid text property 'title'" in res.errors[1].message
    assert "invalid integer property 'count'" in res.errors[3].message
    assert typed.aggregate.over_all(total_count=True).total_count == 2
    with pytest.raises(WeaviateInsertManyAllFailedError):
        typed.data.insert_many([{"count": "x"}])


def test_batch_failed_objects_keep_index_and_uuid(typed) -> None:
    good = [uuid.UUID(int=i + 1) for i in range(4)]
    bad = uuid.UUID(int=99)
    with typed.batch.fixed_size(batch_size=10) as batch:
        batch.add_object({"title": "a"}, uuid=good[0], vector={"main": [1.0, 0.0]})
        batch.add_object({"title": "b"}, uuid=good[1], vector={"main": [1.0, 0.0, 0.0]})  # wrong length
        batch.add_object({"count": 1.5}, uuid=bad)
        batch.add_object({"title": "d"}, uuid=good[3])
    failed = {uuid.UUID(str(f.original_uuid)): f.message for f in typed.batch.failed_objects}
    assert set(failed) == {good[1], bad}
    assert "vector dimensions do not match" in failed[good[1]]
    assert "requires an integer" in failed[bad]
    assert typed.aggregate.over_all(total_count=True).total_count == 2


def test_batch_is_upsert(typed) -> None:
    uid = uuid.UUID(int=5)
    typed.data.insert_many([DataObject(properties={"title": "v1"}, uuid=uid)])
    typed.data.insert_many([DataObject(properties={"title": "v2"}, uuid=uid)])
    assert typed.query.fetch_object_by_id(uid).properties["title"] == "v2"
    assert typed.aggregate.over_all(total_count=True).total_count == 1


def test_batch_replacements_search_like_a_fresh_collection(client: weaviate.WeaviateClient, name: str) -> None:
    """A batch mixing new objects and replacements (same vector, new vector, new text) is indexed in bulk:
    keyword, vector and filtered searches must see exactly what a collection holding only the final
    versions sees."""
    import numpy as np

    rng = np.random.default_rng(3)
    words = ["red", "pen", "gel", "ink", "desk", "lamp", "paper", "clip"]

    def obj(i: int, version: int) -> DataObject:
        text = " ".join(words[(i * 3 + version + j) % len(words)] for j in range(1 + (i + version) % 4))
        vec = rng.standard_normal(8).tolist() if (version and i % 3) else [float(i % 5 + 1)] + [0.5] * 7
        return DataObject(
            properties={"title": text, "count": i % 4 + version}, uuid=uuid.UUID(int=i + 1), vector={"main": vec}
        )

    def make(suffix: str):
        return client.collections.create(
            name + suffix, properties=ALL_TYPES[:3], vector_config=[Configure.Vectors.self_provided(name="main")]
        )

    updated, fresh = make("A"), make("B")
    first = [obj(i, 0) for i in range(60)]
    updated.data.insert_many(first)
    # build the lazily made keyword and filter postings, which removals must then keep in step
    updated.query.bm25("pen ink", limit=3)
    updated.query.fetch_objects(filters=Filter.by_property("title").equal("desk"), limit=1)
    final = {o.uuid: o for o in first}
    for i in list(range(0, 60, 2)) + list(range(60, 75)):  # replace every other one, add 15 new
        final[uuid.UUID(int=i + 1)] = obj(i, 1)
    updated.data.insert_many([o for u, o in final.items() if u.int - 1 in range(0, 75, 2) or u.int > 60])
    fresh.data.insert_many(list(final.values()))

    probes = ([1.0] + [0.5] * 7, rng.standard_normal(8).tolist())

    def seen(coll) -> list:  # every hit (ties are ordered by internal doc id, which replacements change)
        out = []
        for q in ("pen ink", "red desk lamp", "clip"):
            out.append(
                sorted(
                    (-o.metadata.score, o.uuid.int)
                    for o in coll.query.bm25(q, limit=100, return_metadata=["score"]).objects
                )
            )
        for v in probes:
            out.append(
                sorted(
                    (o.metadata.distance, o.uuid.int)
                    for o in coll.query.near_vector(
                        v, target_vector="main", limit=100, return_metadata=["distance"]
                    ).objects
                )
            )
        for flt in (
            Filter.by_property("count").equal(2),
            Filter.by_property("title").equal("clip"),
            Filter.by_property("title").like("des*"),
        ):
            out.append(sorted(o.uuid.int for o in coll.query.fetch_objects(filters=flt, limit=100).objects))
        out.append(coll.aggregate.over_all(total_count=True).total_count)
        return out

    assert seen(updated) == seen(fresh)


def test_fetch_order_limit_offset_after_and_iterator(client: weaviate.WeaviateClient, name: str) -> None:
    coll = client.collections.create(name, properties=[Property(name="n", data_type=DataType.INT)])
    ids = [uuid.UUID(int=(i * 7919) % 1000 + 1) for i in range(250)]
    coll.data.insert_many([DataObject(properties={"n": i}, uuid=u) for i, u in enumerate(ids)])
    page = coll.query.fetch_objects()
    assert len(page.objects) == 10  # default limit (§2.6)
    by_uuid = sorted(ids, key=str)
    assert [o.uuid for o in page.objects] == by_uuid[:10]  # unfiltered: uuid order (§5.3)
    page = coll.query.fetch_objects(limit=5, offset=3)
    assert [o.uuid for o in page.objects] == by_uuid[3:8]
    page = coll.query.fetch_objects(limit=3, after=by_uuid[10])
    assert [o.uuid for o in page.objects] == by_uuid[11:14]
    filtered = coll.query.fetch_objects(filters=Filter.by_property("n").greater_or_equal(240), limit=20)
    assert [o.properties["n"] for o in filtered.objects] == list(range(240, 250))  # insertion order
    assert [o.uuid for o in coll.iterator()] == by_uuid
    sorted_desc = coll.query.fetch_objects(sort=Sort.by_property("n", ascending=False), limit=3)
    assert [o.properties["n"] for o in sorted_desc.objects] == [249, 248, 247]


def test_rest_get_object_shape(client: weaviate.WeaviateClient, typed) -> None:
    uid = typed.data.insert({"title": "t", "published": D2}, vector={"main": [1.0, 2.0]})
    server = client.lite_server  # type: ignore[attr-defined]
    r = httpx.get(f"{server.url}/v1/objects/{typed.name}/{uid}", params={"include": "vector"})
    body = r.json()
    assert r.status_code == 200
    assert body["id"] == str(uid) and body["class"] == typed.name
    assert body["properties"]["published"] == "2023-06-07T08:09:10.123456Z"  # RFC3339Nano (§2.7)
    assert body["vectors"] == {"main": [1.0, 2.0]}
    assert httpx.get(f"{server.url}/v1/objects/{typed.name}/{uuid.UUID(int=1)}").status_code == 404


def test_legacy_unnamed_vector(client: weaviate.WeaviateClient, name: str) -> None:
    r = httpx.post(f"{client.lite_server.url}/v1/schema", json={"class": name, "vectorizer": "none"})  # type: ignore[attr-defined]
    assert r.status_code == 200 and r.json()["vectorIndexType"] == "hnsw"
    coll = client.collections.get(name)
    uid = coll.data.insert({}, vector=[1.0, 0.0])
    obj = coll.query.near_vector([1.0, 0.0], include_vector=True, return_metadata=MetadataQuery(distance=True)).objects[
        0
    ]
    assert obj.uuid == uid and obj.vector == {"default": [1.0, 0.0]} and obj.metadata.distance == 0.0


def test_client_level_dynamic_batch(client: weaviate.WeaviateClient, name: str) -> None:
    coll = client.collections.create(name, properties=[Property(name="t", data_type=DataType.TEXT)])
    with client.batch.dynamic() as batch:
        for i in range(30):
            batch.add_object(collection=name, properties={"t": f"doc {i}"})
        batch.add_object(collection=name, properties={"t": 5})
    failed = client.batch.failed_objects
    assert len(failed) == 1 and "invalid text property 't'" in failed[0].message
    assert coll.aggregate.over_all(total_count=True).total_count == 30
