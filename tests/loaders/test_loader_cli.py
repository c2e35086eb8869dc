"""The `schema` and `load` commands through click's CliRunner, against a lite server reached by --url."""

from __future__ import annotations

import json
import os
import signal
import subprocess
import sys
import time
from collections.abc import Iterator
from pathlib import Path

import pytest
import weaviate
from click.testing import CliRunner
from weaviate.classes.config import DataType, Property

import weaviate_recsys.lite as lite
from weaviate_recsys.cli import main
from weaviate_recsys.schema import collection_name, item_uuid

from _loader_helpers import snapshot

MOVIELENS = Path(__file__).resolve().parents[3] / "shared" / "datasets" / "movielens-small"
if not MOVIELENS.exists():
    MOVIELENS = Path("/work/shared/datasets/movielens-small")


@pytest.fixture(scope="module")
def server() -> Iterator[lite.LiteServer]:
    srv = lite.start()
    try:
        yield srv
    finally:
        srv.stop()


@pytest.fixture(scope="module")
def client(server) -> Iterator[weaviate.WeaviateClient]:
    c = lite.client_for(server)
    try:
        yield c
    finally:
        c.close()


_prefixes = iter(range(10_000))


@pytest.fixture
def run(server):
    """Invoke the CLI against the module's server with a prefix unique to the test."""
    prefix = f"Cli{next(_prefixes)}"

    def invoke(*args: str, input: str | None = None):
        runner = CliRunner()
        return runner.invoke(
            main,
            [*args, "--url", server.url, "--grpc-port", str(server.grpc_port), "--prefix", prefix],
            input=input,
            catch_exceptions=False,
        )

    invoke.prefix = prefix  # type: ignore[attr-defined]
    return invoke


def head(src: Path, dest: Path, lines: int) -> Path:
    with open(src, encoding="utf-8") as f:
        dest.write_text("".join(f.readline() for _ in range(lines)), encoding="utf-8")
    return dest


def test_schema_create_show_drop(run):
    result = run("schema", "create")
    assert result.exit_code == 0, result.output
    assert f"created {run.prefix}Item" in result.output
    again = run("schema", "create")
    assert f"{run.prefix}Item is up to date" in again.output
    shown = run("schema", "show")
    assert f"{run.prefix}Item: 0 objects" in shown.output
    assert "item_id: text, field" in shown.output and "vector content: cosine" in shown.output
    as_json = json.loads(run("schema", "show", "--format", "json").stdout)
    assert {c["stem"] for c in as_json} >= {"Item", "User", "Interaction"}
    refused = run("schema", "drop")
    assert refused.exit_code == 2 and "--yes" in refused.output
    dropped = run("schema", "drop", "--yes")
    assert dropped.exit_code == 0 and f"{run.prefix}Item" in dropped.output
    assert f"{run.prefix}Item: missing" in run("schema", "show").output


def test_conflicting_schema_is_refused(run, client):
    client.collections.create(
        collection_name("Item", run.prefix), properties=[Property(name="item_id", data_type=DataType.INT)]
    )
    result = run("schema", "create")
    assert result.exit_code == 1
    assert f"{run.prefix}Item.item_id is int on the server, the contract needs text" in result.output
    assert "schema drop --yes" in result.output
    # nothing was created for the other collections either
    assert not client.collections.exists(collection_name("User", run.prefix))


@pytest.mark.slow
def test_movielens_with_flags_alone(run, client, tmp_path):
    movies = head(MOVIELENS / "movies.csv", tmp_path / "movies.csv", 6)
    ratings = head(MOVIELENS / "ratings.csv", tmp_path / "ratings.csv", 21)
    tags = head(MOVIELENS / "tags.csv", tmp_path / "tags.csv", 11)
    result = run("load", "items", str(movies), "--map", "item_id=movieId", "--map", "categories=genres")
    assert result.exit_code == 0, result.output
    assert "read 5, written 5, unchanged 0, rejected 0" in result.output
    result = run(
        "load",
        "interactions",
        str(ratings),
        "--map",
        "user_id=userId",
        "--map",
        "item_id=movieId",
        "--set",
        "kind=rating",
    )
    assert result.exit_code == 0, result.output
    assert "read 20, written 20" in result.output
    result = run(
        "load",
        "interactions",
        str(tags),
        "--map",
        "user_id=userId",
        "--map",
        "item_id=movieId",
        "--map",
        "text=tag",
        "--set",
        "kind=comment",
    )
    assert result.exit_code == 0, result.output
    assert "read 10, written 10" in result.output
    # the real default model wrote 384-dimensional vectors
    toy = client.collections.get(collection_name("Item", run.prefix)).query.fetch_object_by_id(
        item_uuid("1"), include_vector=True
    )
    # Of Toy Story's genres, Comedy is the one the most of the five movies carry (the default domain rule).
    assert toy.properties["title"] == "Toy Story (1995)" and toy.properties["domain"] == "Comedy"
    assert toy.properties["categories"] == ["Adventure", "Animation", "Children", "Comedy", "Fantasy"]
    assert len(toy.vector["content"]) == 384
    again = run("load", "items", str(movies), "--map", "item_id=movieId", "--map", "categories=genres")
    assert "read 5, written 0, unchanged 5, rejected 0" in again.output


def test_rejected_rows_exit_1_with_summary_and_rejects_file(run, tmp_path):
    path = tmp_path / "events.csv"
    path.write_text(
        "user_id,item_id,kind,timestamp\nu1,i1,view,2024-01-01T00:00:00Z\nu1,i2,teleport,\nu2,i1,view,not-a-time\n"
    )
    result = run("load", "interactions", str(path))
    assert result.exit_code == 1
    assert "read 3, written 1, unchanged 0, rejected 2" in result.output
    assert f"2 of 3 rows rejected; see {path}.rejects.jsonl" in result.output
    assert f"{path}:3 field 'kind': unknown kind 'teleport'" in result.output
    rejects = [json.loads(line) for line in Path(f"{path}.rejects.jsonl").read_text().splitlines()]
    assert [(r["line"], r["field"]) for r in rejects] == [(3, "kind"), (4, "timestamp")]


def test_json_summary_and_extra_kind(run, tmp_path):
    path = tmp_path / "events.jsonl"
    path.write_text('{"user_id": "u1", "item_id": "i1", "kind": "tag", "seq": 0}\n')
    refused = run("load", "interactions", str(path), "--format", "json", "--quiet")
    assert refused.exit_code == 1
    assert json.loads(refused.stdout)["rejected"] == 1
    result = run(
        "load",
        "interactions",
        str(path),
        "--extra-kind",
        "tag",
        "--format",
        "json",
        "--rejects",
        str(tmp_path / "r.jsonl"),
    )
    assert result.exit_code == 0, result.output
    summary = json.loads(result.stdout)
    assert (summary["read"], summary["written"], summary["rejected"]) == (1, 1, 0)
    assert summary["read"] == summary["written"] + summary["unchanged"] + summary["rejected"]
    assert (tmp_path / "r.jsonl").read_text() == ""


def test_stdin(run, tmp_path, monkeypatch):
    monkeypatch.chdir(tmp_path)
    result = run("load", "users", "-", input='{"user_id": "u1", "name": "Ann"}\n{"name": "no id"}\n')
    assert result.exit_code == 1
    assert "read 2, written 1" in result.output
    assert "stdin.rejects.jsonl" in result.output and (tmp_path / "stdin.rejects.jsonl").exists()
    tsv = run("load", "users", "-", "--input-format", "tsv", input="user_id\tname\nu2\tBob\n")
    assert tsv.exit_code == 0 and "written 1" in tsv.output


@pytest.mark.parametrize(
    "args, message",
    [
        (["--map", "user_id=uid"], "has no column 'uid'"),
        (["--map", "userid=userId"], "userid is not a field of interactions"),
        (["--set", "kind"], "--set expects FIELD=VALUE"),
        (["--input-format", "xml"], "Invalid value for '--input-format'"),
        ([], "has no column for user_id"),
    ],
)
def test_usage_errors_exit_2(run, tmp_path, args, message):
    path = tmp_path / "r.csv"
    path.write_text("userId,movieId\n1,2\n")
    extra = [] if "--set" in args else ["--set", "kind=view"]
    result = run("load", "interactions", str(path), *args, *extra)
    assert result.exit_code == 2, result.output
    assert message in result.output


def test_missing_file_exit_2(run, tmp_path):
    result = run("load", "items", str(tmp_path / "nope.jsonl"))
    assert result.exit_code == 2 and "does not exist" in result.output


@pytest.mark.slow
def test_load_killed_midway_then_rerun_equals_uninterrupted(run, server, client, tmp_path):
    rows = [{"user_id": f"u{n % 97}", "item_id": f"i{n % 389}", "kind": "view", "seq": n} for n in range(8_000)]
    path = tmp_path / "events.jsonl"
    path.write_text("".join(json.dumps(r) + "\n" for r in rows))
    conn = ["--url", server.url, "--grpc-port", str(server.grpc_port), "--quiet"]
    reference = run("load", "interactions", str(path), "--batch-size", "200")
    assert reference.exit_code == 0, reference.output

    killed_prefix = f"{run.prefix}Killed"
    name = collection_name("Interaction", killed_prefix)
    proc = subprocess.Popen(
        [
            sys.executable,
            "-c",
            "from weaviate_recsys.cli import main; main()",
            "load",
            "interactions",
            str(path),
            "--batch-size",
            "200",
            "--prefix",
            killed_prefix,
            *conn,
        ],
        stdout=subprocess.DEVNULL,
        stderr=subprocess.DEVNULL,
        env={**os.environ, "HF_HUB_OFFLINE": "1"},
    )
    try:
        deadline = time.monotonic() + 120
        count = 0
        while time.monotonic() < deadline and proc.poll() is None:
            if client.collections.exists(name):
                count = client.collections.get(name).aggregate.over_all(total_count=True).total_count
                if count >= 400:
                    break
            time.sleep(0.05)
        assert proc.poll() is None, "the load finished before it could be killed"
        proc.send_signal(signal.SIGKILL)
        proc.wait(10)
    finally:
        if proc.poll() is None:
            proc.kill()
    partial = client.collections.get(name).aggregate.over_all(total_count=True).total_count
    assert 0 < partial < 8_000
    rerun = CliRunner().invoke(
        main,
        [
            "load",
            "interactions",
            str(path),
            "--batch-size",
            "200",
            "--prefix",
            killed_prefix,
            "--format",
            "json",
            *conn,
        ],
        catch_exceptions=False,
    )
    assert rerun.exit_code == 0, rerun.output
    summary = json.loads(rerun.stdout)
    assert summary["unchanged"] == partial and summary["written"] == 8_000 - partial
    assert snapshot(client, name) == snapshot(client, collection_name("Interaction", run.prefix))
