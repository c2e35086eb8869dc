"""The on-disk format: vectors inside each object row (format 2), the in-place migration of stores
written in format 1 (one row per vector in a `vectors` table), and a clear error for newer formats."""

from __future__ import annotations

import sqlite3

import numpy as np
import pytest
import weaviate
from weaviate.classes.config import Configure, DataType, Property
from weaviate.classes.data import DataObject
from weaviate.classes.query import MetadataQuery

import weaviate_recsys.lite as lite
from weaviate_recsys.errors import ConfigurationError
from weaviate_recsys.lite.storage import FORMAT_VERSION, decode_vectors, encode_vectors, store_path


def _client(server: lite.LiteServer) -> weaviate.WeaviateClient:
    return lite.client_for(server)


def _vec(i: int, dim: int) -> list[float]:
    return np.random.default_rng(i).standard_normal(dim).astype(np.float32).tolist()


def _fill(data) -> dict[str, dict[str, list[float]]]:
    """Objects with two named vectors, one vector only, and none; returns uuid -> vectors."""
    expected: dict[str, dict[str, list[float]]] = {}
    with lite.start(data) as server, _client(server) as c:
        coll = c.collections.create(
            "Doc",
            properties=[Property(name="t", data_type=DataType.TEXT)],
            vector_config=[Configure.Vectors.self_provided(name="a"), Configure.Vectors.self_provided(name="b")],
        )
        objs = []
        for i in range(40):
            vecs = {}
            if i % 4 != 3:
                vecs["a"] = _vec(i, 5)
            if i % 2 == 0:
                vecs["b"] = _vec(100 + i, 3)
            uid = f"00000000-0000-0000-0000-{i + 1:012d}"
            expected[uid] = vecs
            objs.append(DataObject(properties={"t": f"doc {i}"}, uuid=uid, vector=vecs or None))
        assert not coll.data.insert_many(objs).errors
    return expected


def _check(data, expected: dict[str, dict[str, list[float]]]) -> None:
    with lite.start(data) as server, _client(server) as c:
        coll = c.collections.get("Doc")
        got = {str(o.uuid): o.vector for o in coll.query.fetch_objects(limit=100, include_vector=True).objects}
        assert got.keys() == expected.keys()
        for uid, vecs in expected.items():
            assert {k: np.float32(v).tolist() for k, v in got[uid].items()} == vecs
        hits = coll.query.near_vector(
            expected["00000000-0000-0000-0000-000000000005"]["a"],
            target_vector="a",
            limit=1,
            return_metadata=MetadataQuery(distance=True),
        ).objects
        assert str(hits[0].uuid) == "00000000-0000-0000-0000-000000000005" and hits[0].metadata.distance < 1e-6


def test_vector_blob_round_trip() -> None:
    vecs = {"a": np.arange(4, dtype=np.float32), "ünï": np.array([1.5], dtype=np.float32)}
    back = decode_vectors(encode_vectors(vecs))
    assert list(back) == ["a", "ünï"] and all(np.array_equal(back[k], vecs[k]) for k in vecs)
    assert encode_vectors({}) is None and decode_vectors(None) == {}


def test_mixed_vectors_survive_restart(tmp_path) -> None:
    data = tmp_path / "store"
    expected = _fill(data)
    with sqlite3.connect(store_path(str(data))) as conn:
        assert conn.execute("SELECT value FROM meta WHERE key='format'").fetchone()[0] == FORMAT_VERSION
        tables = {r[0] for r in conn.execute("SELECT name FROM sqlite_master WHERE type='table'")}
        assert "vectors" not in tables
    _check(data, expected)


def _downgrade_to_format_1(path: str, without_rowid: bool = False) -> None:
    """Rewrite a format-2 store the way format 1 laid it out (vectors table, no vectors column); some
    format-1 builds declared that table WITHOUT ROWID."""
    conn = sqlite3.connect(path)
    with conn:
        conn.execute(
            "CREATE TABLE vectors (collection TEXT NOT NULL, name TEXT NOT NULL, seq INTEGER NOT NULL, "
            "data BLOB NOT NULL" + (", PRIMARY KEY (collection, name, seq)) WITHOUT ROWID" if without_rowid else ")")
        )
        conn.execute("CREATE UNIQUE INDEX vectors_by_seq ON vectors (collection, name, seq)")
        conn.execute("CREATE INDEX vectors_seq ON vectors (seq)")
        for coll, seq, blob in conn.execute("SELECT collection, seq, vectors FROM objects").fetchall():
            for name, vec in decode_vectors(blob).items():
                conn.execute("INSERT INTO vectors VALUES (?, ?, ?, ?)", (coll, name, seq, vec.tobytes()))
        conn.execute("ALTER TABLE objects DROP COLUMN vectors")
        conn.execute("UPDATE meta SET value='1' WHERE key='format'")
    conn.close()


@pytest.mark.parametrize("without_rowid", [False, True])
def test_format_1_store_is_migrated_in_place(tmp_path, without_rowid) -> None:
    data = tmp_path / "store"
    expected = _fill(data)
    _downgrade_to_format_1(store_path(str(data)), without_rowid)
    _check(data, expected)  # first open migrates
    with sqlite3.connect(store_path(str(data))) as conn:
        assert conn.execute("SELECT value FROM meta WHERE key='format'").fetchone()[0] == FORMAT_VERSION
    _check(data, expected)  # and the migrated store opens again


def test_newer_format_gives_a_clear_error(tmp_path) -> None:
    data = tmp_path / "store"
    _fill(data)
    with sqlite3.connect(store_path(str(data))) as conn:
        conn.execute("UPDATE meta SET value='99' WHERE key='format'")
    with pytest.raises(ConfigurationError, match="format '99'.*upgrade weaviate-recsys.*--data-dir"):
        lite.start(data)
