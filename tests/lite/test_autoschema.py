"""Auto-schema: writing objects creates collections and properties with Weaviate's type inference."""

from __future__ import annotations

import uuid

import pytest
import weaviate
from weaviate.classes.config import Configure, DataType, Property
from weaviate.classes.query import Filter
from weaviate.exceptions import UnexpectedStatusCodeError

ROW = {
    "title": "A pen",
    "price": 3,
    "weight": 1.5,
    "inStock": True,
    "added": "2024-05-01T10:00:00Z",
    "sku": "8a4ac5b7-9b5e-4f0e-8f77-6b0d9b0c6a11",
    "tags": ["office", "blue"],
    "sizes": [1.5, 2.5],
    "maker": {"name": "Acme", "founded": 1990, "site": {"city": "Oslo"}},
    "parts": [{"part": "cap"}, {"part": "ink", "ml": 2.0}],
    "empty": [],
    "nothing": None,
}


def _types(coll) -> dict[str, str]:
    return {p.name: p.data_type.value for p in coll.config.get().properties}


def test_insert_into_a_missing_collection_creates_it_with_inferred_types(
    client: weaviate.WeaviateClient, name: str
) -> None:
    coll = client.collections.get(name)
    uid = coll.data.insert(ROW, vector=[0.1, 0.2])
    assert _types(coll) == {
        "title": "text",
        "price": "number",
        "weight": "number",
        "inStock": "boolean",
        "added": "date",
        "sku": "uuid",
        "tags": "text[]",
        "sizes": "number[]",
        "maker": "object",
        "parts": "object[]",
        "empty": "text[]",
    }
    config = coll.config.get()
    nested = {
        p.name: p.data_type.value for p in next(p for p in config.properties if p.name == "maker").nested_properties
    }
    assert nested == {"name": "text", "founded": "number", "site": "object"}
    assert config.vector_config is None and config.vector_index_config is not None  # the legacy unnamed vector
    obj = coll.query.fetch_object_by_id(uid, include_vector=True)
    assert obj.properties["maker"] == {"name": "Acme", "founded": 1990.0, "site": {"city": "Oslo"}}
    assert obj.vector["default"] == pytest.approx([0.1, 0.2])
    assert next(p for p in config.properties if p.name == "title").tokenization.value == "word"


def test_unknown_properties_are_added_to_an_existing_collection(client: weaviate.WeaviateClient, name: str) -> None:
    coll = client.collections.create(name, properties=[Property(name="title", data_type=DataType.TEXT)])
    coll.data.insert({"title": "a", "Rating": 4.5})
    coll.data.insert_many([{"title": "b", "labels": ["x"], "counts": [1, 2]}])
    types = _types(coll)
    assert types["rating"] == "number" and types["labels"] == "text[]"
    assert types["counts"] == "int[]"  # gRPC batches keep integer arrays apart from numbers
    hits = coll.query.fetch_objects(filters=Filter.by_property("rating").greater_than(4)).objects
    assert [h.properties["title"] for h in hits] == ["a"]


def test_batches_create_collections_for_every_object(client: weaviate.WeaviateClient, name: str) -> None:
    with client.batch.fixed_size(batch_size=10) as batch:
        for i in range(12):
            batch.add_object(collection=name, properties={"n": i, "s": f"row {i}"}, vector={"v": [1.0, float(i)]})
    assert client.batch.failed_objects == []
    coll = client.collections.get(name)
    assert coll.aggregate.over_all(total_count=True).total_count == 12
    assert set(coll.config.get().vector_config or {}) == {"v"}
    assert _types(coll) == {"n": "number", "s": "text"}


def test_a_value_of_another_type_is_still_rejected(client: weaviate.WeaviateClient, name: str) -> None:
    coll = client.collections.get(name)
    coll.data.insert({"n": 1})
    with pytest.raises(UnexpectedStatusCodeError) as e:
        coll.data.insert({"n": "one"})
    assert e.value.status_code == 422 and "invalid number property 'n'" in e.value.message


def test_auto_schema_off_rejects_unknown_collections_and_properties(
    strict_client: weaviate.WeaviateClient, name: str
) -> None:
    with pytest.raises(UnexpectedStatusCodeError, match="not found in schema"):
        strict_client.collections.get(name).data.insert({"a": 1})
    coll = strict_client.collections.create(name, vector_config=Configure.Vectors.self_provided())
    with pytest.raises(UnexpectedStatusCodeError, match="no such prop with name 'a'"):
        coll.data.insert({"a": 1})
    assert not strict_client.collections.exists(name + "X")


def test_lite_serve_has_an_auto_schema_switch() -> None:
    from click.testing import CliRunner

    from weaviate_recsys.cli import main

    result = CliRunner().invoke(main, ["lite", "serve", "--help"])
    assert "--no-autoschema" in result.output and "AUTOSCHEMA_ENABLED" in result.output


def test_langchain_vector_store_works_with_its_default_schema(client: weaviate.WeaviateClient, name: str) -> None:
    lw = pytest.importorskip("langchain_weaviate", reason="langchain-weaviate is not installed (the test extra has it)")
    from langchain_core.embeddings import DeterministicFakeEmbedding

    store = lw.WeaviateVectorStore(
        client=client, index_name=name, text_key="text", embedding=DeterministicFakeEmbedding(size=16)
    )
    texts = ["red pens for the office", "blue ink cartridges", "recycled paper, 500 sheets"]
    metadatas = [{"source": "catalog", "page": 1}, {"source": "catalog", "page": 2}, {"source": "blog", "page": 3}]
    ids = [str(uuid.UUID(int=i + 1)) for i in range(3)]
    store.add_texts(texts, metadatas=metadatas, ids=ids)
    assert client.batch.failed_objects == []

    docs = store.similarity_search("blue ink cartridges", k=1)  # the fake embedding is exact for equal text
    assert docs[0].page_content == "blue ink cartridges" and docs[0].metadata["source"] == "catalog"
    docs = store.similarity_search("paper", k=3, alpha=0.0)  # alpha 0: keyword (BM25) only
    assert [d.page_content for d in docs] == ["recycled paper, 500 sheets"]
    blog = store.similarity_search("office", k=3, filters=Filter.by_property("source").equal("blog"))
    assert [d.metadata["page"] for d in blog] == [3.0]
    store.delete(ids=ids[:2])
    assert client.collections.get(name).aggregate.over_all(total_count=True).total_count == 1


def test_replace_and_update_add_properties_too(client: weaviate.WeaviateClient, name: str) -> None:
    coll = client.collections.get(name)
    uid = coll.data.insert({"a": "x"})
    coll.data.update(uid, properties={"b": True})
    coll.data.replace(uid, properties={"a": "y", "c": ["z"]})
    assert _types(coll) == {"a": "text", "b": "boolean", "c": "text[]"}
    props = coll.query.fetch_object_by_id(uid).properties
    assert (props["a"], props["c"], props.get("b")) == ("y", ["z"], None)  # replace dropped b
