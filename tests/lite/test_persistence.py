"""Durability: everything survives a restart, and a writer killed with SIGKILL in the middle of a
batch leaves a store that opens with every committed batch whole and nothing half-written."""

from __future__ import annotations

import os
import signal
import subprocess
import sys
import textwrap
import time
import uuid

import numpy as np
import pytest
import weaviate
from weaviate.classes.config import Configure, DataType, Property
from weaviate.classes.data import DataObject
from weaviate.classes.query import Filter, MetadataQuery

import weaviate_recsys.lite as lite


def _client(server: lite.LiteServer) -> weaviate.WeaviateClient:
    return lite.client_for(server)


def test_everything_survives_restart(tmp_path) -> None:
    data = tmp_path / "store"
    with lite.start(data) as server, _client(server) as c:
        coll = c.collections.create(
            "Doc",
            properties=[Property(name="t", data_type=DataType.TEXT), Property(name="n", data_type=DataType.INT)],
            vector_config=[Configure.Vectors.self_provided(name="v")],
            inverted_index_config=Configure.inverted_index(bm25_k1=1.5, bm25_b=0.75),
        )
        coll.data.insert_many(
            [
                DataObject(
                    properties={"t": f"doc {i} words", "n": i}, uuid=uuid.UUID(int=i + 1), vector={"v": [float(i), 1.0]}
                )
                for i in range(50)
            ]
        )
        coll.data.update(uuid.UUID(int=1), properties={"t": "changed text"})
        coll.data.delete_by_id(uuid.UUID(int=2))
        coll.config.add_property(Property(name="extra", data_type=DataType.TEXT))
        coll.data.insert({"t": "late", "extra": "added later"}, uuid=uuid.UUID(int=999), vector={"v": [0.5, 0.5]})
        before_bm25 = [
            (o.uuid, o.metadata.score)
            for o in coll.query.bm25("words", limit=5, return_metadata=MetadataQuery(score=True)).objects
        ]
        before_near = [o.uuid for o in coll.query.near_vector([3.0, 1.0], limit=5).objects]
        created = coll.query.fetch_object_by_id(uuid.UUID(int=1)).metadata.creation_time
    with lite.start(data) as server, _client(server) as c:
        coll = c.collections.get("Doc")
        assert coll.config.get().inverted_index_config.bm25.k1 == 1.5
        assert coll.aggregate.over_all(total_count=True).total_count == 50
        first = coll.query.fetch_object_by_id(uuid.UUID(int=1), include_vector=True)
        assert first.properties["t"] == "changed text" and first.vector == {"v": [0.0, 1.0]}
        assert first.metadata.creation_time == created
        assert coll.query.fetch_object_by_id(uuid.UUID(int=2)) is None
        assert coll.query.fetch_objects(filters=Filter.by_property("extra").equal("later")).objects[
            0
        ].uuid == uuid.UUID(int=999)
        assert [
            (o.uuid, o.metadata.score)
            for o in coll.query.bm25("words", limit=5, return_metadata=MetadataQuery(score=True)).objects
        ] == before_bm25
        assert [o.uuid for o in coll.query.near_vector([3.0, 1.0], limit=5).objects] == before_near


WRITER = textwrap.dedent(
    """
    import sys, uuid
    import numpy as np
    from weaviate.classes.config import Configure, DataType, Property
    from weaviate.classes.data import DataObject
    import weaviate_recsys.lite as lite

    server = lite.start(sys.argv[1])
    c = lite.client_for(server)
    coll = c.collections.create("Crash", properties=[Property(name="batch", data_type=DataType.INT),
        Property(name="text", data_type=DataType.TEXT)], vector_config=[Configure.Vectors.self_provided(name="v")])
    size = int(sys.argv[2])
    rng = np.random.default_rng(0)
    for b in range(10_000):
        objs = [DataObject(properties={"batch": b, "text": f"batch {b} item {i}"}, uuid=uuid.UUID(int=b * size + i + 1),
                           vector={"v": rng.standard_normal(32).astype(np.float32)}) for i in range(size)]
        res = coll.data.insert_many(objs)
        assert not res.errors
        print(f"committed {b}", flush=True)
    """
)


@pytest.mark.slow
def test_sigkill_mid_batch_keeps_committed_batches_whole(tmp_path) -> None:
    data = tmp_path / "crash"
    size = 1500
    proc = subprocess.Popen([sys.executable, "-c", WRITER, str(data), str(size)], stdout=subprocess.PIPE, text=True)
    committed = -1
    try:
        assert proc.stdout is not None
        deadline = time.time() + 120
        while committed < 2 and time.time() < deadline:
            line = proc.stdout.readline()
            if not line:
                break
            if line.startswith("committed"):
                committed = int(line.split()[1])
        assert committed >= 2, "the writer did not commit any batch in time"
        time.sleep(0.05 + (os.getpid() % 7) * 0.02)  # land somewhere inside the next batch
        proc.send_signal(signal.SIGKILL)
        proc.wait(timeout=30)
    finally:
        if proc.poll() is None:
            proc.kill()
    with lite.start(data) as server, _client(server) as c:
        coll = c.collections.get("Crash")
        total = coll.aggregate.over_all(total_count=True).total_count
        assert total % size == 0, f"{total} objects: a batch was partly stored"
        batches = total // size
        assert batches >= committed + 1
        groups = coll.aggregate.over_all(group_by="batch", total_count=True)
        assert sorted(int(g.grouped_by.value) for g in groups.groups) == list(range(batches))
        assert all(g.total_count == size for g in groups.groups)
        last = coll.query.fetch_object_by_id(uuid.UUID(int=(batches - 1) * size + size), include_vector=True)
        assert last.properties["batch"] == batches - 1 and len(last.vector["v"]) == 32
        assert np.isfinite(np.asarray(last.vector["v"])).all()
