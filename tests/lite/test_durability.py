"""What the lite server promises about acknowledged writes (docs/lite-server.md, "What the lite server promises"): they
survive the server process being killed (SIGKILL), and a cleanly stopped server leaves its whole
store in the one file `lite.sqlite3` (nothing needed from the -wal file)."""

from __future__ import annotations

import os
import uuid

from weaviate.classes.config import Configure, DataType, Property
from weaviate.classes.data import DataObject

import weaviate_recsys.lite as lite
from weaviate_recsys.lite.storage import store_path

N_BATCHES, BATCH, SINGLES = 5, 100, 20
N = N_BATCHES * BATCH + SINGLES


def _write_n(server) -> None:
    """N acknowledged writes: batches over gRPC and single inserts over REST."""
    with lite.client_for(server) as c:
        coll = c.collections.create(
            "Kept",
            properties=[Property(name="n", data_type=DataType.INT)],
            vector_config=Configure.Vectors.self_provided(),
        )
        for b in range(N_BATCHES):
            result = coll.data.insert_many(
                [
                    DataObject(properties={"n": i}, uuid=uuid.UUID(int=i + 1), vector=[float(i), 1.0])
                    for i in range(b * BATCH, (b + 1) * BATCH)
                ]
            )
            assert not result.errors
        for i in range(N_BATCHES * BATCH, N):
            coll.data.insert({"n": i}, uuid=uuid.UUID(int=i + 1), vector=[float(i), 1.0])


def _assert_all_present(data) -> None:
    with lite.start(data) as server, lite.client_for(server) as c:
        coll = c.collections.get("Kept")
        assert coll.aggregate.over_all(total_count=True).total_count == N
        got = {o.uuid for o in coll.iterator()}
        assert got == {uuid.UUID(int=i + 1) for i in range(N)}


def test_acknowledged_writes_survive_the_server_process_being_killed(tmp_path) -> None:
    data = tmp_path / "store"
    server = lite.spawn(data)
    try:
        _write_n(server)
        server.proc.kill()  # SIGKILL: no shutdown code runs
        assert server.proc.wait(30) == -9
    finally:
        server.stop()
    assert os.path.getsize(store_path(str(data)) + "-wal") > 0  # the writes are in the WAL, not yet checkpointed
    _assert_all_present(data)


def test_a_cleanly_stopped_server_needs_nothing_from_the_wal_file(tmp_path) -> None:
    data = tmp_path / "store"
    child = lite.spawn(data)
    try:
        _write_n(child)
    finally:
        child.stop()  # the clean stop a parent gives its child
    wal = store_path(str(data)) + "-wal"
    assert not os.path.exists(wal) or os.path.getsize(wal) == 0
    for leftover in (wal, store_path(str(data)) + "-shm"):
        if os.path.exists(leftover):
            os.remove(leftover)
    _assert_all_present(data)
