"""Schema calls through the real client: create/get/list/exists/delete/add property/update and
the class JSON ``config.get()`` parses (docs/lite-server.md §2.1-§2.2)."""

from __future__ import annotations

import httpx
import pytest
import weaviate
from weaviate.classes.config import (
    Configure,
    DataType,
    Property,
    Reconfigure,
    StopwordsPreset,
    Tokenization,
    VectorDistances,
)
from weaviate.classes.query import MetadataQuery
from weaviate.exceptions import UnexpectedStatusCodeError


def test_create_and_config_get_is_complete(client: weaviate.WeaviateClient, name: str) -> None:
    client.collections.create(
        name,
        description="test",
        properties=[
            Property(name="title", data_type=DataType.TEXT),
            Property(
                name="Body", data_type=DataType.TEXT, tokenization=Tokenization.WHITESPACE, index_filterable=False
            ),
            Property(name="tags", data_type=DataType.TEXT_ARRAY, tokenization=Tokenization.FIELD),
            Property(name="count", data_type=DataType.INT, index_range_filters=True),
            Property(
                name="meta",
                data_type=DataType.OBJECT,
                nested_properties=[Property(name="author", data_type=DataType.TEXT)],
            ),
        ],
        inverted_index_config=Configure.inverted_index(
            bm25_b=0.7,
            bm25_k1=1.25,
            stopwords_preset=StopwordsPreset.NONE,
            stopwords_additions=["foo"],
            index_null_state=True,
        ),
        vector_config=[
            Configure.Vectors.self_provided(name="main"),
            Configure.Vectors.self_provided(
                name="alt", vector_index_config=Configure.VectorIndex.hnsw(distance_metric=VectorDistances.DOT)
            ),
            Configure.Vectors.self_provided(
                name="flat", vector_index_config=Configure.VectorIndex.flat(distance_metric=VectorDistances.L2_SQUARED)
            ),
            Configure.Vectors.self_provided(name="dyn", vector_index_config=Configure.VectorIndex.dynamic()),
        ],
    )
    cfg = client.collections.get(name).config.get()
    assert cfg.name == name and cfg.description == "test"
    props = {p.name: p for p in cfg.properties}
    assert list(props) == ["title", "body", "tags", "count", "meta"]  # first letter lower-cased
    assert props["title"].tokenization == Tokenization.WORD and props["title"].index_searchable
    assert props["body"].tokenization == Tokenization.WHITESPACE and not props["body"].index_filterable
    assert props["count"].index_range_filters and not props["count"].index_searchable
    assert props["meta"].nested_properties[0].name == "author"
    inv = cfg.inverted_index_config
    assert (inv.bm25.b, inv.bm25.k1) == (0.7, 1.25)
    assert inv.stopwords.preset == StopwordsPreset.NONE and inv.stopwords.additions == ["foo"]
    assert inv.index_null_state and not inv.index_timestamps
    vc = cfg.vector_config
    assert vc["main"].vector_index_config.distance_metric == VectorDistances.COSINE
    assert vc["alt"].vector_index_config.distance_metric == VectorDistances.DOT
    assert vc["flat"].vector_index_config.distance_metric == VectorDistances.L2_SQUARED
    assert vc["dyn"].vector_index_config.distance_metric == VectorDistances.COSINE
    assert cfg.replication_config.factor == 1 and cfg.sharding_config.desired_count == 1
    assert not cfg.multi_tenancy_config.enabled
    simple = client.collections.list_all(simple=True)[name]
    assert [p.name for p in simple.properties] == list(props)
    assert name in client.collections.list_all(simple=False)


def test_exists_delete_and_duplicate(client: weaviate.WeaviateClient, name: str) -> None:
    assert not client.collections.exists(name)
    client.collections.create(name)
    assert client.collections.exists(name)
    with pytest.raises(UnexpectedStatusCodeError) as e:
        client.collections.create(name)
    assert e.value.status_code == 422 and "already exists" in str(e.value)
    client.collections.delete(name)
    assert not client.collections.exists(name)
    client.collections.delete(name)  # absent: still fine (200, §2.2)


def test_add_property_then_use_it(client: weaviate.WeaviateClient, name: str) -> None:
    coll = client.collections.create(name, properties=[Property(name="a", data_type=DataType.TEXT)])
    coll.data.insert({"a": "old doc"})
    coll.config.add_property(Property(name="b", data_type=DataType.TEXT))
    coll.data.insert({"a": "x", "b": "new words"})
    assert [p.name for p in coll.config.get().properties] == ["a", "b"]
    res = coll.query.bm25("words", query_properties=["b"])
    assert [o.properties["b"] for o in res.objects] == ["new words"]
    r = httpx.post(
        f"{client.lite_server.url}/v1/schema/{name}/properties",  # type: ignore[attr-defined]
        json={"name": "B", "dataType": ["int"]},
    )
    assert r.status_code == 422 and "already exists" in r.text


def test_update_bm25_and_stopwords_changes_scores(client: weaviate.WeaviateClient, name: str) -> None:
    coll = client.collections.create(name, properties=[Property(name="t", data_type=DataType.TEXT)])
    coll.data.insert_many([{"t": "the cat"}, {"t": "a cat sat on the mat"}, {"t": "dog"}])
    before = [o.metadata.score for o in coll.query.bm25("cat", return_metadata=MetadataQuery(score=True)).objects]
    coll.config.update(inverted_index_config=Reconfigure.inverted_index(bm25_k1=2.0, bm25_b=0.1))
    cfg = coll.config.get().inverted_index_config
    assert (cfg.bm25.k1, cfg.bm25.b) == (2.0, 0.1)
    after = [o.metadata.score for o in coll.query.bm25("cat", return_metadata=MetadataQuery(score=True)).objects]
    assert after != before
    assert coll.query.bm25("the").objects == []  # "the" is an en stopword
    coll.config.update(inverted_index_config=Reconfigure.inverted_index(stopwords_removals=["the"]))
    assert len(coll.query.bm25("the").objects) == 2


@pytest.mark.parametrize(
    "body, message",
    [
        ({"class": "X1", "vectorizer": "text2vec-openai"}, "no modules"),
        ({"class": "X2", "multiTenancyConfig": {"enabled": True}}, "multi-tenancy"),
        ({"class": "X3", "properties": [{"name": "p", "dataType": ["geoCoordinates"]}]}, "not supported"),
        ({"class": "X4", "properties": [{"name": "p", "dataType": ["int"], "tokenization": "word"}]}, "Tokenization"),
        ({"class": "X5", "properties": [{"name": "p", "dataType": ["text"], "tokenization": "gse"}]}, "tokenization"),
        ({"class": "1bad"}, "not a valid class name"),
        (
            {
                "class": "X6",
                "vectorConfig": {
                    "v": {
                        "vectorizer": {"none": {}},
                        "vectorIndexType": "hnsw",
                        "vectorIndexConfig": {"distance": "nope"},
                    }
                },
            },
            "distance",
        ),
    ],
)
def test_invalid_class_bodies_are_422(client: weaviate.WeaviateClient, body, message) -> None:
    r = httpx.post(f"{client.lite_server.url}/v1/schema", json=body)  # type: ignore[attr-defined]
    assert r.status_code == 422
    assert message in r.json()["error"][0]["message"]


def test_filter_on_property_added_after_many_objects(client: weaviate.WeaviateClient, name: str) -> None:
    from weaviate.classes.query import Filter

    coll = client.collections.create(
        name,
        properties=[Property(name="a", data_type=DataType.INT)],
        inverted_index_config=Configure.inverted_index(index_null_state=True),
    )
    coll.data.insert_many([{"a": i} for i in range(1500)])
    coll.config.add_property(Property(name="b", data_type=DataType.INT))
    coll.data.insert({"a": -1, "b": 7})
    assert [o.properties["a"] for o in coll.query.fetch_objects(filters=Filter.by_property("b").equal(7)).objects] == [
        -1
    ]
    assert coll.aggregate.over_all(total_count=True, filters=Filter.by_property("b").is_none(True)).total_count == 1500
