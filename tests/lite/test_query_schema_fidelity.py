"""Query and schema behaviour the official client's integration tests check against real Weaviate."""

from __future__ import annotations

import datetime

import pytest
import requests
import weaviate
from weaviate.classes.config import Configure, DataType, Property, Reconfigure
from weaviate.classes.query import Metrics, QueryNested
from weaviate.exceptions import UnexpectedStatusCodeError, WeaviateQueryError


@pytest.fixture
def nested(client: weaviate.WeaviateClient, name: str):
    coll = client.collections.create(
        name,
        properties=[
            Property(name="title", data_type=DataType.TEXT),
            Property(
                name="nested",
                data_type=DataType.OBJECT,
                nested_properties=[
                    Property(name="a", data_type=DataType.TEXT),
                    Property(name="b", data_type=DataType.INT),
                    Property(
                        name="inner",
                        data_type=DataType.OBJECT_ARRAY,
                        nested_properties=[
                            Property(name="x", data_type=DataType.TEXT),
                            Property(name="y", data_type=DataType.NUMBER),
                        ],
                    ),
                ],
            ),
        ],
    )
    coll.data.insert({"title": "t", "nested": {"a": "A", "b": 2, "inner": [{"x": "X1", "y": 1.5}, {"x": "X2"}]}})
    return coll


def test_query_nested_returns_only_the_named_fields(nested) -> None:
    obj = nested.query.fetch_objects(return_properties=[QueryNested(name="nested", properties=["a"])]).objects[0]
    assert obj.properties == {"nested": {"a": "A"}}
    deeper = QueryNested(name="nested", properties=["b", QueryNested(name="inner", properties=["x"])])
    obj = nested.query.fetch_objects(return_properties=["title", deeper]).objects[0]
    assert obj.properties == {"title": "t", "nested": {"b": 2, "inner": [{"x": "X1"}, {"x": "X2"}]}}


def test_return_properties_naming_an_unknown_property_is_a_query_error(nested) -> None:
    with pytest.raises(WeaviateQueryError, match="no such prop with name 'non_existant'"):
        nested.query.fetch_objects(return_properties=["non_existant"])


@pytest.mark.parametrize(
    "metric",
    [
        Metrics("label").text(count=True, top_occurrences_value=True),
        Metrics("label").text(top_occurrences_value=True),
        Metrics("label").text(count=True),
        Metrics("label").text(),
    ],
)
def test_text_aggregation_always_answers_count_and_top_occurrences(
    client: weaviate.WeaviateClient, name: str, metric
) -> None:
    coll = client.collections.create(name, properties=[Property(name="label", data_type=DataType.TEXT)])
    coll.data.insert_many([{"label": v} for v in ("pen", "pen", "ink")])
    res = coll.aggregate.over_all(return_metrics=metric).properties["label"]
    assert res.count == 3
    assert [(t.value, t.count) for t in res.top_occurrences] == [("pen", 2), ("ink", 1)]


def test_named_vectors_can_be_added_next_to_the_legacy_vector(client: weaviate.WeaviateClient, name: str) -> None:
    coll = client.collections.create(name, vectorizer_config=Configure.Vectorizer.none())
    old = coll.data.insert({}, vector=[1.0, 0.0])
    coll.config.add_vector(vector_config=Configure.Vectors.self_provided(name="vec"))
    config = coll.config.get()
    assert set(config.vector_config or {}) == {"vec"} and config.vector_index_config is not None
    new = coll.data.insert({}, vector={"default": [0.0, 1.0], "vec": [1.0, 2.0, 3.0]})
    got = coll.query.fetch_object_by_id(new, include_vector=True).vector
    assert got["default"] == pytest.approx([0.0, 1.0]) and got["vec"] == pytest.approx([1.0, 2.0, 3.0])
    # with several vectors, a search names its target; the legacy vector is called "default"
    assert [o.uuid for o in coll.query.near_vector([1.0, 0.0], limit=2, target_vector="default").objects] == [old, new]
    assert [o.uuid for o in coll.query.near_vector([1.0, 2.0, 3.0], target_vector="vec").objects] == [new]
    with pytest.raises(UnexpectedStatusCodeError, match="choose another name"):
        coll.config.add_vector(vector_config=Configure.Vectors.self_provided(name="default"))


def test_named_vectors_can_be_added_next_to_named_vectors(client: weaviate.WeaviateClient, name: str) -> None:
    coll = client.collections.create(name, vector_config=[Configure.Vectors.self_provided(name="a")])
    coll.config.add_vector(vector_config=Configure.Vectors.self_provided(name="b"))
    assert set(coll.config.get().vector_config or {}) == {"a", "b"}


def test_flat_quantizer_cannot_be_switched_off_or_swapped(client: weaviate.WeaviateClient, name: str) -> None:
    coll = client.collections.create(
        name,
        vector_index_config=Configure.VectorIndex.flat(quantizer=Configure.VectorIndex.Quantizer.bq(rescore_limit=10)),
    )
    coll.config.update(  # mutable settings of the quantizer still change
        vectorizer_config=Reconfigure.VectorIndex.flat(quantizer=Reconfigure.VectorIndex.Quantizer.bq(rescore_limit=20))
    )
    assert coll.config.get().vector_index_config.quantizer.rescore_limit == 20
    with pytest.raises(UnexpectedStatusCodeError, match="bq is immutable"):
        coll.config.update(
            vectorizer_config=Reconfigure.VectorIndex.flat(
                quantizer=Reconfigure.VectorIndex.Quantizer.bq(enabled=False)
            )
        )
    assert coll.config.get().vector_index_config.quantizer is not None


def test_rq_bits_are_fixed_once_enabled(client: weaviate.WeaviateClient, name: str) -> None:
    coll = client.collections.create(
        name, vector_index_config=Configure.VectorIndex.flat(quantizer=Configure.VectorIndex.Quantizer.rq())
    )
    with pytest.raises(UnexpectedStatusCodeError, match="rq.bits is immutable"):
        coll.config.update(
            vectorizer_config=Reconfigure.VectorIndex.flat(quantizer=Reconfigure.VectorIndex.Quantizer.rq(bits=1))
        )


def test_hnsw_may_switch_a_quantizer_on_once(client: weaviate.WeaviateClient, name: str) -> None:
    coll = client.collections.create(name, vector_index_config=Configure.VectorIndex.hnsw())
    coll.config.update(vectorizer_config=Reconfigure.VectorIndex.hnsw(quantizer=Reconfigure.VectorIndex.Quantizer.bq()))
    assert coll.config.get().vector_index_config.quantizer is not None
    url = f"{client._connection.url}/v1/schema/{coll.name}"
    body = requests.get(url, timeout=10).json()
    body["vectorIndexConfig"]["bq"]["enabled"] = False
    body["vectorIndexConfig"]["sq"]["enabled"] = True
    r = requests.put(url, json=body, timeout=10)
    assert r.status_code == 422 and "cannot switch the quantizer from bq to sq" in r.text


@pytest.mark.parametrize("setting", ["indexNullState", "indexPropertyLength", "indexTimestamps"])
def test_immutable_inverted_index_settings_cannot_change(
    client: weaviate.WeaviateClient, name: str, setting: str
) -> None:
    url = client._connection.url
    coll = client.collections.create(name)
    body = requests.get(f"{url}/v1/schema/{coll.name}", timeout=10).json()
    body["invertedIndexConfig"][setting] = True
    r = requests.put(f"{url}/v1/schema/{coll.name}", json=body, timeout=10)
    assert r.status_code == 422 and f"invertedIndexConfig.{setting} is immutable" in r.text
    assert requests.get(f"{url}/v1/schema/{coll.name}", timeout=10).json()["invertedIndexConfig"][setting] is False


def test_object_ttl_is_refused_not_dropped(client: weaviate.WeaviateClient, name: str) -> None:
    with pytest.raises(UnexpectedStatusCodeError, match="object TTL"):
        client.collections.create(
            name, object_ttl_config=Configure.ObjectTTL.delete_by_creation_time(time_to_live=datetime.timedelta(days=1))
        )
    assert not client.collections.exists(name)


def test_async_replication_update_is_stored(client: weaviate.WeaviateClient, name: str) -> None:
    coll = client.collections.create(name)
    coll.config.update(replication_config=Reconfigure.replication(async_enabled=True))
    assert coll.config.get().replication_config.async_enabled is True


def test_shard_updates_answer_for_the_shard_that_exists(client: weaviate.WeaviateClient, name: str) -> None:
    url = client._connection.url
    r = requests.put(f"{url}/v1/schema/Missing{name}/shards/lite", json={"status": "READONLY"}, timeout=10)
    assert r.status_code == 404
    client.collections.create(name)
    r = requests.put(f"{url}/v1/schema/{name}/shards/lite", json={"status": "READONLY"}, timeout=10)
    assert r.status_code == 422 and "always READY" in r.text
    r = requests.put(f"{url}/v1/schema/{name}/shards/lite", json={"status": "READY"}, timeout=10)
    assert r.status_code == 200


def test_async_replication_config_is_replaced_or_removed(client: weaviate.WeaviateClient, name: str) -> None:
    coll = client.collections.create(
        name,
        replication_config=Configure.replication(
            async_enabled=True,
            async_config=Configure.Replication.async_config(propagation_concurrency=4, hashtree_height=20),
        ),
    )
    coll.config.update(
        replication_config=Reconfigure.replication(
            async_config=Reconfigure.Replication.async_config(propagation_concurrency=5)
        )
    )
    ac = coll.config.get().replication_config.async_config
    assert (ac.propagation_concurrency, ac.hashtree_height) == (5, None)  # replaced, not merged
    coll.config.update(replication_config=Reconfigure.replication(async_config=Reconfigure.Replication.async_config()))
    assert coll.config.get().replication_config.async_config is None
    coll.config.update(
        replication_config=Reconfigure.replication(
            async_config=Reconfigure.Replication.async_config(hashtree_height=18)
        )
    )
    coll.config.update(replication_config=Reconfigure.replication(async_enabled=False))
    config = coll.config.get().replication_config
    assert config.async_enabled is False and config.async_config is None
