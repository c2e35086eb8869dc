"""register_schema / describe_schema / drop_schema against the lite server."""

from __future__ import annotations

import itertools

import pytest
from weaviate.classes.config import Configure, DataType, Property, Tokenization, VectorDistances

from weaviate_recsys.errors import SchemaConflict
from weaviate_recsys.schema import (
    ALL_CONTRACTS,
    INTERACTION,
    ITEM,
    USER,
    collection_name,
    describe_schema,
    drop_schema,
    register_schema,
    stored_vector_dimension,
)

_prefixes = itertools.count()


@pytest.fixture
def prefix() -> str:
    return f"S{next(_prefixes)}"


def test_creates_everything_then_is_idempotent(client, prefix):
    report = register_schema(client, prefix)
    names = [collection_name(c.stem, prefix) for c in ALL_CONTRACTS]
    assert report.created == names
    config = client.collections.get(collection_name("Item", prefix)).config.get()
    props = {p.name: p for p in config.properties}
    assert props["item_id"].tokenization == Tokenization.FIELD
    assert props["categories"].data_type == DataType.TEXT_ARRAY
    assert set(config.vector_config) == {"content", "behavior"}
    assert config.vector_config["content"].vector_index_config.distance_metric == VectorDistances.COSINE
    again = register_schema(client, prefix)
    assert again.created == [] and again.unchanged == names


def test_adds_missing_properties(client, prefix):
    name = collection_name("User", prefix)
    client.collections.create(
        name,
        properties=[
            Property(name="user_id", data_type=DataType.TEXT, tokenization=Tokenization.FIELD),
            Property(name="nickname", data_type=DataType.TEXT),
        ],
        vector_config=[
            Configure.Vectors.self_provided(name="interest"),
            Configure.Vectors.self_provided(name="behavior"),
        ],
    )
    report = register_schema(client, prefix, [USER])
    assert report.properties_added[name] == [p for p in USER.property_names if p != "user_id"]
    have = {p.name for p in client.collections.get(name).config.get().properties}
    assert have == set(USER.property_names) | {"nickname"}  # the application's own property stays


@pytest.mark.parametrize(
    "prop, fragment",
    [
        (Property(name="item_id", data_type=DataType.INT), "item_id is int on the server, the contract needs text"),
        (
            Property(name="item_id", data_type=DataType.TEXT, tokenization=Tokenization.WORD),
            "item_id has tokenization word on the server, the contract needs field",
        ),
    ],
)
def test_conflicting_property_is_refused_and_nothing_changes(client, prefix, prop, fragment):
    name = collection_name("Item", prefix)
    client.collections.create(
        name,
        properties=[prop],
        vector_config=[
            Configure.Vectors.self_provided(name="content"),
            Configure.Vectors.self_provided(name="behavior"),
        ],
    )
    with pytest.raises(SchemaConflict) as exc:
        register_schema(client, prefix)
    message = str(exc.value)
    assert fragment in message and "schema drop --yes" in message and "--prefix" in message
    assert [p.name for p in client.collections.get(name).config.get().properties] == ["item_id"]
    assert not client.collections.exists(collection_name("User", prefix))


def test_conflicting_distance_is_refused(client, prefix):
    name = collection_name("Interaction", prefix)
    client.collections.create(
        name,
        vector_config=[
            Configure.Vectors.self_provided(
                name="text", vector_index_config=Configure.VectorIndex.hnsw(distance_metric=VectorDistances.DOT)
            )
        ],
    )
    with pytest.raises(SchemaConflict, match="vector 'text' uses distance dot, the contract needs cosine"):
        register_schema(client, prefix, [INTERACTION])


def test_conflicting_vector_dimension_is_refused(client, prefix):
    register_schema(client, prefix, [ITEM])
    name = collection_name("Item", prefix)
    client.collections.get(name).data.insert({"item_id": "a"}, vector={"content": [0.5, 0.5, 0.5, 0.5]})
    assert stored_vector_dimension(client, name, "content", probe_dim=4) == 4
    assert stored_vector_dimension(client, name, "content", probe_dim=8) == 4
    assert stored_vector_dimension(client, name, "behavior", probe_dim=8) is None
    register_schema(client, prefix, [ITEM], vector_dims={"Item": {"content": 4}})
    with pytest.raises(SchemaConflict, match=r"holds 4-dimensional vectors, the embedding model produces 8.*--model"):
        register_schema(client, prefix, [ITEM], vector_dims={"Item": {"content": 8}})


def test_describe_and_drop(client, prefix):
    before = describe_schema(client, prefix)
    assert not any(c.exists for c in before)
    assert before[0].missing_properties == ITEM.property_names
    register_schema(client, prefix, [ITEM, USER])
    client.collections.get(collection_name("Item", prefix)).data.insert({"item_id": "x"})
    described = {c.stem: c for c in describe_schema(client, prefix)}
    assert described["Item"].exists and described["Item"].object_count == 1
    assert described["Item"].vectors == {"content": "cosine", "behavior": "cosine"}
    assert described["User"].object_count == 0 and not described["Interaction"].exists
    assert drop_schema(client, prefix) == [collection_name("Item", prefix), collection_name("User", prefix)]
    assert drop_schema(client, prefix) == []
