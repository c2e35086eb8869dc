"""Server-side batching over the BatchStream gRPC method: the client's flow control needs acks."""

from __future__ import annotations

import time

import pytest
import weaviate
from weaviate.classes.config import DataType, Property


@pytest.mark.timeout(60)
def test_batch_stream_of_a_thousand_objects_completes(client: weaviate.WeaviateClient, name: str) -> None:
    # The client stops sending once 100 objects are unacknowledged: without acks this never finishes.
    coll = client.collections.create(name, properties=[Property(name="n", data_type=DataType.INT)])
    with coll.batch.stream() as batch:
        for i in range(1000):
            batch.add_object(properties={"n": i})
            if i % 50 == 0:
                time.sleep(0.01)  # a producer doing work between rows: the sender ships objects meanwhile
    assert coll.batch.failed_objects == []
    assert coll.aggregate.over_all(total_count=True).total_count == 1000


@pytest.mark.timeout(60)
def test_ingest_reports_per_object_errors_and_stores_the_rest(client: weaviate.WeaviateClient, name: str) -> None:
    coll = client.collections.create(name, properties=[Property(name="n", data_type=DataType.INT)])
    rows = [{"n": i} for i in range(300)] + [{"n": "not a number"}]
    result = coll.data.ingest(rows)
    assert len(result.errors) == 1 and 300 in result.errors
    assert coll.aggregate.over_all(total_count=True).total_count == 300
