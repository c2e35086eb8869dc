"""A lite server in a child process: same API through the client, stops with its parent's pipe."""

from __future__ import annotations

import subprocess
import sys
import time

import pytest
from weaviate.classes.config import Configure, DataType, Property

from weaviate_recsys import lite
from weaviate_recsys.errors import ConnectionFailed


@pytest.mark.slow
def test_child_process_server_serves_the_client_and_persists(tmp_path) -> None:
    data = tmp_path / "store"
    client = lite.connect(data, in_process=False)
    try:
        coll = client.collections.create(
            "Note",
            properties=[Property(name="text", data_type=DataType.TEXT)],
            vector_config=Configure.Vectors.self_provided(),
        )
        coll.data.insert({"text": "laser printer toner"}, vector=[1.0, 0.0, 0.0])
        hits = coll.query.bm25("printer", limit=3).objects
        assert [h.properties["text"] for h in hits] == ["laser printer toner"]
        server = client.lite_server
        assert server.proc.poll() is None
    finally:
        client.close()
    assert server.proc.poll() is not None  # closing the client stopped the child
    client = lite.connect(data)  # the child's writes are on disk
    try:
        assert client.collections.get("Note").aggregate.over_all(total_count=True).total_count == 1
    finally:
        client.close()


@pytest.mark.slow
def test_child_stops_when_its_parent_dies(tmp_path) -> None:
    code = (
        "import sys, weaviate_recsys.lite as lite; s = lite.spawn(sys.argv[1]); "
        "print(s.pid, flush=True); import os; os._exit(0)"  # exits without stopping the child
    )
    out = subprocess.run(
        [sys.executable, "-c", code, str(tmp_path / "d")], capture_output=True, text=True, check=True, timeout=120
    )
    pid = int(out.stdout.split()[0])
    deadline = time.time() + 30
    while time.time() < deadline:
        try:
            with open(f"/proc/{pid}/stat") as f:
                if f.read().rsplit(")", 1)[1].split()[0] == "Z":
                    break
        except FileNotFoundError:
            break
        time.sleep(0.2)
    else:
        raise AssertionError(f"the lite child {pid} outlived its parent")


@pytest.mark.slow
def test_spawn_reports_why_the_child_failed(tmp_path) -> None:
    data = tmp_path / "busy"
    holder = lite.start(data)  # the data directory is locked by this server
    try:
        with pytest.raises(ConnectionFailed, match="did not start: .*in use by another lite server"):
            lite.spawn(data)
    finally:
        holder.stop()
