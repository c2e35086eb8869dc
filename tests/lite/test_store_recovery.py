"""A stored row the server cannot load never stops it: the row is moved, whole, to the store's
quarantine table with a warning naming collection and UUID, the rest serves, and
`weaviate-recsys lite check` reports (and with --repair moves) such rows without a server."""

from __future__ import annotations

import json
import logging
import sqlite3
import struct
import uuid

import weaviate
from click.testing import CliRunner
from weaviate.classes.config import Configure, DataType, Property

import weaviate_recsys.lite as lite
from weaviate_recsys.cli import main
from weaviate_recsys.lite.storage import store_path

N = 10
BAD_DIM, BAD_DATE, BAD_JSON, BAD_BLOB = (uuid.UUID(int=i + 1) for i in range(4))


def _damage(data) -> None:
    """N events (two collections), then four of them damaged directly in SQLite."""
    with lite.start(data) as server, lite.client_for(server) as c:
        for name in ("Event", "Other"):
            coll = c.collections.create(
                name,
                properties=[Property(name="at", data_type=DataType.DATE), Property(name="n", data_type=DataType.INT)],
                vector_config=Configure.Vectors.self_provided(),
            )
            coll.data.insert_many(
                [
                    weaviate.classes.data.DataObject(
                        properties={"at": "2000-01-01T00:00:00Z", "n": i},
                        uuid=uuid.UUID(int=i + 1),
                        vector=[float(i), 1.0, 0.0],
                    )
                    for i in range(N)
                ]
            )
    db = sqlite3.connect(store_path(str(data)))
    with db:
        # a date an older version accepted, though 64-bit nanoseconds cannot hold it
        db.execute(
            "UPDATE objects SET props=? WHERE collection='Event' AND uuid=?",
            (json.dumps({"at": "1500-01-01T00:00:00Z", "n": 0}), str(BAD_DATE)),
        )
        db.execute("UPDATE objects SET props='{\"n\": 1' WHERE collection='Event' AND uuid=?", (str(BAD_JSON),))
        db.execute("UPDATE objects SET vectors=x'0100' WHERE collection='Event' AND uuid=?", (str(BAD_BLOB),))
        # a well-formed vector of 4 dimensions in a collection of 3-dimensional vectors
        blob = db.execute(
            "SELECT vectors FROM objects WHERE collection='Event' AND uuid=?", (str(BAD_DIM),)
        ).fetchone()[0]
        name_len = struct.unpack_from("<HI", blob, 0)[0]
        four = struct.pack("<HI", name_len, 4) + blob[6 : 6 + name_len] + struct.pack("<4f", 9.0, 1.0, 0.0, 0.0)
        db.execute("UPDATE objects SET vectors=? WHERE collection='Event' AND uuid=?", (four, str(BAD_DIM)))
    db.close()


DAMAGED = {BAD_DATE, BAD_JSON, BAD_BLOB, BAD_DIM}


def test_the_server_sets_aside_rows_it_cannot_load_and_serves_the_rest(tmp_path, caplog) -> None:
    data = tmp_path / "store"
    _damage(data)
    with caplog.at_level(logging.WARNING, logger="weaviate_recsys.lite"):
        server = lite.start(data)
    with server, lite.client_for(server) as c:
        served = {o.uuid for o in c.collections.get("Event").query.fetch_objects(limit=100).objects}
        assert served == {uuid.UUID(int=i + 1) for i in range(N)} - DAMAGED
        assert len(c.collections.get("Other").query.fetch_objects(limit=100).objects) == N
        hits = c.collections.get("Event").query.near_vector([5.0, 1.0, 0.0], limit=1).objects
        assert hits[0].uuid == uuid.UUID(int=6)
        # an object set aside can be written again: its quarantined copy stays where it is
        c.collections.get("Event").data.insert({"n": 99}, uuid=BAD_JSON, vector=[0.0, 1.0, 0.0])
    warnings = "\n".join(r.getMessage() for r in caplog.records)
    for uid in DAMAGED:
        assert f"object {uid} of collection Event" in warnings
    assert "requires a date between" in warnings and "not valid JSON" in warnings
    assert "has 4 dimensions, the collection's other vectors 3" in warnings
    result = CliRunner().invoke(main, ["lite", "check", "--data-dir", str(data)])
    assert result.exit_code == 0, result.output
    assert "every row loads" in result.output
    assert "4 row(s) in the quarantine table" in result.output
    for uid in DAMAGED:
        assert f"object {uid} of collection Event" in result.output
    with lite.start(data) as server, lite.client_for(server) as c:  # nothing left to set aside
        assert len(c.collections.get("Event").query.fetch_objects(limit=100).objects) == N - 3


def test_lite_check_reports_unloadable_rows_and_repair_moves_them(tmp_path) -> None:
    data = tmp_path / "store"
    _damage(data)
    runner = CliRunner()
    result = runner.invoke(main, ["lite", "check", "--data-dir", str(data)])
    assert result.exit_code == 1, result.output
    assert "SQLite integrity: ok" in result.output
    assert "4 row(s) cannot be loaded" in result.output
    assert f"object {BAD_DATE} of collection Event: invalid date property 'at'" in result.output
    report = json.loads(runner.invoke(main, ["lite", "check", "--data-dir", str(data), "--format", "json"]).output)
    assert report["clean"] is False
    assert {(r["collection"], r["uuid"]) for r in report["unloadable"]} == {("Event", str(u)) for u in DAMAGED}

    result = runner.invoke(main, ["lite", "check", "--data-dir", str(data), "--repair"])
    assert result.exit_code == 0, result.output
    assert "4 row(s) moved to the quarantine table" in result.output
    result = runner.invoke(main, ["lite", "check", "--data-dir", str(data)])
    assert result.exit_code == 0 and "every row loads" in result.output
    db = sqlite3.connect(store_path(str(data)))
    kept = db.execute("SELECT collection, uuid, props FROM quarantine WHERE uuid=?", (str(BAD_JSON),)).fetchone()
    db.close()
    assert kept == ("Event", str(BAD_JSON), '{"n": 1')  # the row is kept whole, as it was


def test_a_collection_whose_definition_cannot_be_read_is_set_aside_with_its_objects(tmp_path, caplog) -> None:
    data = tmp_path / "store"
    _damage(data)
    db = sqlite3.connect(store_path(str(data)))
    with db:
        db.execute('UPDATE classes SET config=\'{"class": "Other", "invertedIndexConfig": 7}\' WHERE name=\'Other\'')
    db.close()
    with caplog.at_level(logging.WARNING, logger="weaviate_recsys.lite"):
        server = lite.start(data)
    with server, lite.client_for(server) as c:
        assert [c.name for c in c.collections.list_all().values()] == ["Event"]
    assert "collection Other: the stored definition cannot be read" in caplog.text
    result = CliRunner().invoke(main, ["lite", "check", "--data-dir", str(data)])
    assert result.exit_code == 0
    assert "collection Other: the stored definition cannot be read" in result.output
    assert f"object {uuid.UUID(int=5)} of collection Other: its collection's definition" in result.output


def test_lite_check_usage_errors_and_unreadable_files(tmp_path) -> None:
    runner = CliRunner()
    result = runner.invoke(main, ["lite", "check", "--data-dir", str(tmp_path / "nothing")])
    assert result.exit_code == 2 and "there is no lite store in" in result.output
    data = tmp_path / "store"
    with lite.start(data):
        result = runner.invoke(main, ["lite", "check", "--data-dir", str(data)])
        assert result.exit_code == 0, result.output  # reading a store in use is fine
        result = runner.invoke(main, ["lite", "check", "--data-dir", str(data), "--repair"])
        assert result.exit_code == 2 and "in use by another lite server" in result.output
    garbage = tmp_path / "garbage"
    garbage.mkdir()
    (garbage / "lite.sqlite3").write_bytes(b"this is not a database, just bytes" * 200)
    result = runner.invoke(main, ["lite", "check", "--data-dir", str(garbage)])
    assert result.exit_code == 1 and "not a readable SQLite database" in result.output
