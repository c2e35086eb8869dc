"""Aggregate (total count, group by, metrics) and the streaming batch path (§2.4, §2.8)."""

from __future__ import annotations

import pytest
import weaviate
from weaviate.classes.aggregate import GroupByAggregate
from weaviate.classes.config import Configure, DataType, Property, Tokenization
from weaviate.classes.query import Filter, Metrics


@pytest.fixture(scope="module")
def shop(client: weaviate.WeaviateClient):
    c = client.collections.create(
        "Shop",
        properties=[
            Property(name="category", data_type=DataType.TEXT, tokenization=Tokenization.FIELD),
            Property(name="labels", data_type=DataType.TEXT_ARRAY, tokenization=Tokenization.FIELD),
            Property(name="price", data_type=DataType.NUMBER),
            Property(name="stock", data_type=DataType.INT),
            Property(name="sale", data_type=DataType.BOOL),
        ],
    )
    rows = [
        ("pens", ["blue", "cheap"], 1.0, 10, True),
        ("pens", ["red"], 2.0, 0, False),
        ("paper", ["cheap"], 5.0, 3, True),
        ("pens", ["blue"], 3.0, 7, False),
        ("ink", [], 9.0, 1, False),
    ]
    c.data.insert_many([{"category": a, "labels": b, "price": p, "stock": s, "sale": f} for a, b, p, s, f in rows])
    return c


def test_total_count_with_and_without_filter(shop) -> None:
    assert shop.aggregate.over_all(total_count=True).total_count == 5
    res = shop.aggregate.over_all(total_count=True, filters=Filter.by_property("price").greater_than(2.5))
    assert res.total_count == 3


def test_group_by_text_counts(shop) -> None:
    res = shop.aggregate.over_all(group_by=GroupByAggregate(prop="category"), total_count=True)
    got = {g.grouped_by.value: g.total_count for g in res.groups}
    assert got == {"pens": 3, "paper": 1, "ink": 1}
    assert res.groups[0].grouped_by.value == "pens" and res.groups[0].grouped_by.prop == "category"
    res = shop.aggregate.over_all(group_by=GroupByAggregate(prop="labels"), total_count=True)
    assert {g.grouped_by.value: g.total_count for g in res.groups} == {"blue": 2, "cheap": 2, "red": 1}
    res = shop.aggregate.over_all(group_by=GroupByAggregate(prop="category", limit=1), total_count=True)
    assert [g.grouped_by.value for g in res.groups] == ["pens"]


def test_metrics(shop) -> None:
    res = shop.aggregate.over_all(
        return_metrics=[
            Metrics("price").number(sum_=True, mean=True, minimum=True, maximum=True, count=True),
            Metrics("stock").integer(sum_=True, maximum=True),
            Metrics("category").text(top_occurrences_count=True, top_occurrences_value=True, limit=2),
            Metrics("sale").boolean(total_true=True, percentage_true=True),
        ]
    )
    price = res.properties["price"]
    assert (price.sum_, price.mean, price.minimum, price.maximum, price.count) == (20.0, 4.0, 1.0, 9.0, 5)
    assert (res.properties["stock"].sum_, res.properties["stock"].maximum) == (21, 10)
    top = res.properties["category"].top_occurrences
    assert [(t.value, t.count) for t in top] == [("pens", 3), ("ink", 1)]
    assert res.properties["sale"].total_true == 2 and res.properties["sale"].percentage_true == pytest.approx(0.4)


def test_batch_stream_and_ingest(client: weaviate.WeaviateClient, name: str) -> None:
    coll = client.collections.create(name, vector_config=[Configure.Vectors.self_provided(name="v")])
    with coll.batch.stream() as batch:
        for i in range(20):
            batch.add_object({}, vector={"v": [1.0, float(i)]})
        batch.add_object({}, vector={"v": [1.0]})  # the index holds 2-dimensional vectors
    assert [f.object_.index for f in coll.batch.failed_objects] == [20]
    assert "vector dimensions do not match" in coll.batch.failed_objects[0].message
    coll.data.ingest([{} for _ in range(5)])
    assert coll.aggregate.over_all(total_count=True).total_count == 25
