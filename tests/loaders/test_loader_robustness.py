"""Hostile input never crashes a load: the worst a row can do is become one reject with file, line and reason.

Every other row loads, usage errors are found in every input before anything is written, and rejects files
never overwrite an input or write through a symlink.
"""

from __future__ import annotations

import importlib.util
import json
import os
import stat
from pathlib import Path

import pytest
from click.testing import CliRunner
from weaviate.classes.query import Filter

from weaviate_recsys import lite
from weaviate_recsys.cli import main
from weaviate_recsys.errors import ConfigurationError
from weaviate_recsys.loaders import (
    LoadInterrupted,
    load_interactions,
    load_items,
    load_users,
    loading,
    read_records,
)
from weaviate_recsys.schema import collection_name, item_uuid

_spec = importlib.util.spec_from_file_location(
    "robustness_cases", Path(__file__).resolve().parents[2] / "benchmarks" / "robustness_cases.py"
)
assert _spec is not None and _spec.loader is not None
cases = importlib.util.module_from_spec(_spec)
_spec.loader.exec_module(cases)


def reconciles(result) -> bool:
    return result.read == result.written + result.unchanged + result.rejected


def stored_ids(client, prefix: str, stem: str = "Item", field: str = "item_id") -> set[str]:
    name = collection_name(stem, prefix)
    if not client.collections.exists(name):
        return set()
    return {o.properties[field] for o in client.collections.get(name).iterator(return_properties=[field])}


def rejects_of(path: Path) -> list[dict]:
    return [json.loads(line) for line in path.read_text(encoding="utf-8").split("\n") if line]


# --- every class of bad input ---------------------------------------------------------------------------------


@pytest.mark.parametrize("name, content, suffix", cases.LOADER_CASES, ids=cases.case_names())
def test_every_bad_input_class_costs_at_most_its_rows(client, settings, embedder, tmp_path, name, content, suffix):
    path = tmp_path / f"input{suffix}"
    path.write_bytes(content)
    if name in cases.USAGE_ERROR_CASES:
        with pytest.raises(ConfigurationError):
            load_items(client, [path], settings, embedder)
        assert not client.collections.exists(collection_name("Item", settings.prefix))
        return
    result = load_items(client, [path], settings, embedder)
    assert reconciles(result)
    if name in ("empty_file", "csv_header_only"):
        assert result.read == 0
        return
    assert set(cases.GOOD_IDS) <= stored_ids(client, settings.prefix)
    assert result.written == len(cases.GOOD_IDS)
    if name in cases.CLEAN_CASES:
        assert result.rejected == 0 and result.rejects_paths == []
        return
    assert result.rejected >= 1
    rejects = rejects_of(Path(result.rejects_paths[0]))
    assert len(rejects) == result.rejected
    for entry in rejects:
        assert entry["file"] == str(path) and entry["line"] >= 2 and entry["reason"]
        assert len(json.dumps(entry)) < 12_000  # a huge row is cut, not copied


@pytest.mark.parametrize(
    "name, content, suffix", cases.INTERACTION_CASES, ids=[name for name, _, _ in cases.INTERACTION_CASES]
)
def test_every_bad_interaction_class_costs_at_most_its_rows(
    client, settings, embedder, tmp_path, name, content, suffix
):
    path = tmp_path / f"events{suffix}"
    path.write_bytes(content)
    result = load_interactions(client, [path], settings, embedder)
    assert reconciles(result)
    assert set(cases.GOOD_IDS) <= stored_ids(client, settings.prefix, "Interaction")
    if name in cases.INTERACTION_CLEAN_CASES:
        assert result.rejected == 0
        return
    assert result.rejected == 1 and result.written == 2
    (entry,) = rejects_of(Path(result.rejects_paths[0]))
    assert (entry["file"], entry["line"]) == (str(path), 2) and entry["reason"]


# --- dates the store cannot hold ------------------------------------------------------------------------------


@pytest.mark.parametrize("when", ["2999-01-01T00:00:00Z", "1500-01-01T00:00:00Z", "0001-01-01T00:00:00+05:00"])
def test_a_date_the_store_cannot_hold_is_a_reject_naming_file_line_field(client, settings, embedder, tmp_path, when):
    path = tmp_path / "items.jsonl"
    path.write_text(
        '{"item_id": "a", "created_at": "2020-01-01"}\n'
        f'{{"item_id": "b", "created_at": "{when}"}}\n'
        '{"item_id": "c", "created_at": "2262-04-11T00:00:00Z"}\n'
    )
    result = load_items(client, [path], settings, embedder)
    assert (result.written, result.rejected) == (2, 1)
    (error,) = result.errors
    assert (error.file, error.line, error.field) == (str(path), 2, "created_at")
    assert "outside the range of times the store can hold (1677-09-21 .. 2262-04-11 UTC)" in error.reason
    assert stored_ids(client, settings.prefix) == {"a", "c"}
    again = load_items(client, [path], settings, embedder)  # the store is healthy: the re-run finds all unchanged
    assert (again.unchanged, again.rejected) == (2, 1)


def test_an_interaction_timestamp_out_of_range_is_rejected(client, settings, embedder, tmp_path):
    path = tmp_path / "events.csv"
    path.write_text("user_id,item_id,kind,timestamp\nu,i,view,2999-01-01T00:00:00Z\nu,i,view,1600000000\n")
    result = load_interactions(client, [path], settings, embedder)
    assert (result.written, result.rejected) == (1, 1)
    assert (result.errors[0].line, result.errors[0].field) == (2, "timestamp")


# --- rows that used to crash the load -------------------------------------------------------------------------

CRASHERS = {
    "deep_nesting": b'{"user_id": "bad", "name": ' + b"[" * 100_000 + b"]" * 100_000 + b"}",
    "lone_surrogate": b'{"user_id": "bad", "name": "\\ud800"}',
    "5000_digit_integer": b'{"user_id": "bad", "name": ' + b"7" * 5000 + b"}",
    "year_1_with_offset": b'{"item_id": "bad", "created_at": "0001-01-01T00:00:00+05:00"}',
}


@pytest.mark.parametrize("case", sorted(CRASHERS))
def test_a_crashing_row_at_line_1201_is_one_reject_and_the_other_1999_rows_load(
    client, settings, embedder, tmp_path, case
):
    field = "item_id" if case == "year_1_with_offset" else "user_id"
    lines = [json.dumps({field: f"r{n}"}).encode() for n in range(1, 2001)]
    lines[1200] = CRASHERS[case]
    path = tmp_path / "rows.jsonl"
    path.write_bytes(b"\n".join(lines) + b"\n")
    load = load_items if field == "item_id" else load_users
    result = load(client, [path], settings, embedder, batch_size=500)
    assert (result.read, result.written, result.rejected) == (2000, 1999, 1)
    (error,) = result.errors
    assert (error.file, error.line) == (str(path), 1201) and error.reason
    (entry,) = rejects_of(Path(f"{path}.rejects.jsonl"))
    assert (entry["file"], entry["line"]) == (str(path), 1201)
    stem = "Item" if field == "item_id" else "User"
    assert len(stored_ids(client, settings.prefix, stem, field)) == 1999


# --- rejects files --------------------------------------------------------------------------------------------


@pytest.fixture
def cli(monkeypatch, tmp_path):
    """The CLI against an in-process lite server started for the test."""
    server = lite.start()
    monkeypatch.chdir(tmp_path)

    def invoke(*args: str, input: bytes | None = None):
        return CliRunner().invoke(
            main,
            [*args, "--url", server.url, "--grpc-port", str(server.grpc_port), "--prefix", "Hostile", "--quiet"],
            input=input,
            catch_exceptions=False,
        )

    invoke.server = server  # type: ignore[attr-defined]
    yield invoke
    server.stop()


def test_rejects_naming_an_input_is_a_usage_error_and_the_input_is_untouched(cli, tmp_path):
    path = tmp_path / "items.jsonl"
    content = '{"item_id": "a"}\n{"title": "no id"}\n'
    path.write_text(content)
    (tmp_path / "alias.jsonl").symlink_to(path)
    os.link(path, tmp_path / "hardlink.jsonl")
    for name in ("items.jsonl", "alias.jsonl", "hardlink.jsonl", "./items.jsonl"):
        result = cli("load", "items", str(path), "--rejects", name)
        assert result.exit_code == 2, result.output
        assert "would destroy it" in result.output
        assert path.read_text() == content


def test_a_default_rejects_path_that_is_an_input_is_a_usage_error(cli, tmp_path):
    first = tmp_path / "a.jsonl"
    first.write_text('{"title": "no id"}\n')
    second = tmp_path / "a.jsonl.rejects.jsonl"
    second.write_text('{"item_id": "b"}\n')
    result = cli("load", "items", str(first), str(second))
    assert result.exit_code == 2 and "would destroy it" in result.output
    assert second.read_text() == '{"item_id": "b"}\n'


def test_a_folder_at_the_rejects_path_is_a_usage_error(cli, tmp_path):
    path = tmp_path / "items.jsonl"
    path.write_text('{"title": "no id"}\n')
    (tmp_path / "items.jsonl.rejects.jsonl").mkdir()
    result = cli("load", "items", str(path))
    assert result.exit_code == 2 and "is a folder" in result.output


def test_rejects_file_replaces_a_symlink_instead_of_writing_through_it(cli, tmp_path):
    victim = tmp_path / "victim.txt"
    victim.write_text("precious\n")
    path = tmp_path / "items.jsonl"
    path.write_text('{"item_id": "a"}\n{"title": "no id"}\n')
    rejects = tmp_path / "items.jsonl.rejects.jsonl"
    rejects.symlink_to(victim)
    result = cli("load", "items", str(path))
    assert result.exit_code == 1, result.output
    assert victim.read_text() == "precious\n"
    assert not rejects.is_symlink() and [e["line"] for e in rejects_of(rejects)] == [2]
    assert stat.S_IMODE(rejects.stat().st_mode) == 0o600


def test_each_inputs_rejects_go_to_its_own_documented_file(cli, tmp_path, monkeypatch):
    (tmp_path / "a").mkdir()
    (tmp_path / "b").mkdir()
    first = tmp_path / "a" / "items.jsonl"
    first.write_text('{"item_id": "a1"}\n{"title": "bad a"}\n')
    second = tmp_path / "b" / "items.jsonl"
    second.write_text('{"title": "bad b"}\n{"item_id": "b2"}\n')
    result = cli("load", "items", str(first), str(second))
    assert result.exit_code == 1
    assert [(e["file"], e["line"]) for e in rejects_of(tmp_path / "a" / "items.jsonl.rejects.jsonl")] == [
        (str(first), 2)
    ]
    assert [(e["file"], e["line"]) for e in rejects_of(tmp_path / "b" / "items.jsonl.rejects.jsonl")] == [
        (str(second), 1)
    ]


def test_stdin_and_a_file_named_stdin_get_separate_rejects_files(cli, tmp_path):
    # Both would default to ./stdin.rejects.jsonl; the second input gets ./stdin.2.rejects.jsonl.
    (tmp_path / "stdin").write_text('{"title": "bad file row"}\n')
    result = cli("load", "items", "-", "stdin", "--input-format", "jsonl", input=b'{"title": "bad stdin row"}\n')
    assert result.exit_code == 1, result.output
    assert [(e["file"], e["row"]["title"]) for e in rejects_of(tmp_path / "stdin.rejects.jsonl")] == [
        ("-", "bad stdin row")
    ]
    assert [(e["file"], e["row"]["title"]) for e in rejects_of(tmp_path / "stdin.2.rejects.jsonl")] == [
        ("stdin", "bad file row")
    ]


def test_a_huge_row_is_cut_in_the_rejects_file_with_its_size(client, settings, embedder, tmp_path):
    path = tmp_path / "items.jsonl"
    huge = "z" * 3_000_000
    path.write_text(
        f'{{"item_id": "big", "title": "{huge}"}}\n{{"item_id": "bad", "title": "{huge}\n{{"item_id": "ok"}}\n'
    )
    result = load_items(client, [path], settings, embedder)
    assert (result.written, result.rejected) == (1, 2)
    too_long, malformed = rejects_of(Path(f"{path}.rejects.jsonl"))
    assert too_long["field"] == "title" and too_long["truncated"] is True
    assert "3,000,000 characters" in too_long["row"]["title"] and len(too_long["row"]["title"]) < 5000
    assert malformed["truncated"] is True and malformed["raw_chars"] == len('{"item_id": "bad", "title": "') + len(huge)
    assert len(malformed["raw"]) < 5000
    assert Path(f"{path}.rejects.jsonl").stat().st_size < 20_000


# --- line endings ---------------------------------------------------------------------------------------------


@pytest.mark.parametrize("ending", ["\n", "\r\n", "\r"], ids=["LF", "CRLF", "CR"])
@pytest.mark.parametrize("suffix", [".jsonl", ".csv", ".tsv"])
def test_every_line_ending_reads_the_same(tmp_path, ending, suffix):
    if suffix == ".jsonl":
        lines = ['{"item_id": "1", "title": "a"}', "", '{"item_id": "2", "title": "b"}']
    else:
        sep = "," if suffix == ".csv" else "\t"
        lines = [f"item_id{sep}title", f"1{sep}a", "", f"2{sep}b"]
    path = tmp_path / f"items{suffix}"
    path.write_bytes(ending.join(lines).encode() + ending.encode())
    got = [(r.line, r.record.item_id, r.record.title) for r in read_records(path, "items")]
    first = 1 if suffix == ".jsonl" else 2
    assert got == [(first, "1", "a"), (first + 2, "2", "b")]


def test_a_quoted_csv_field_with_crlf_inside_keeps_its_line_break(tmp_path):
    path = tmp_path / "items.csv"
    path.write_bytes(b'item_id,title\r\n1,"two\r\nlines"\r\n2,b\r\n')
    got = [(r.line, r.record.title) for r in read_records(path, "items")]
    assert got == [(2, "two\nlines"), (4, "b")]


# --- usage errors in any input are found before anything is written ------------------------------------------


@pytest.mark.parametrize(
    "second_content, message",
    [
        (b"item_id,t\xefitle\n2,b\n", "not valid UTF-8"),
        (b"movie,title\n2,b\n", "no column for item_id"),
        ("item_id,title\n2,b\n".encode("utf-16"), "UTF-16"),
    ],
)
def test_a_usage_error_in_the_second_csv_writes_nothing_and_exits_2(cli, tmp_path, second_content, message):
    first = tmp_path / "a.csv"
    first.write_text("item_id,title\n1,a\n")
    second = tmp_path / "b.csv"
    second.write_bytes(second_content)
    result = cli("load", "items", str(first), str(second))
    assert result.exit_code == 2, result.output
    assert str(second) in result.output and message in result.output
    assert not (tmp_path / "a.csv.rejects.jsonl").exists()
    server = cli.server  # type: ignore[attr-defined]
    with lite.client_for(server) as c:
        assert c.collections.list_all() == {}


def test_a_mapped_column_missing_from_the_second_file_writes_nothing(cli, tmp_path):
    first = tmp_path / "a.csv"
    first.write_text("id,title\n1,a\n")
    second = tmp_path / "b.csv"
    second.write_text("ident,title\n2,b\n")
    result = cli("load", "items", str(first), str(second), "--map", "item_id=id")
    assert result.exit_code == 2 and "b.csv has no column 'id'" in result.output


def test_a_bad_header_on_stdin_is_a_usage_error_before_the_files_load(cli, tmp_path):
    first = tmp_path / "a.csv"
    first.write_text("item_id,title\n1,a\n")
    result = cli("load", "items", str(first), "-", "--input-format", "csv", input=b"item_id,t\xffitle\n2,b\n")
    assert result.exit_code == 2 and "-: the header on line 1 is not valid UTF-8" in result.output


# --- unclosed CSV quotes --------------------------------------------------------------------------------------


def test_an_unclosed_quote_that_breaks_the_field_count_is_named_and_the_swallowed_rows_load(tmp_path):
    path = tmp_path / "items.csv"
    path.write_text('item_id,title\n1,"Pen\n2,Ink",extra\n3,Paper\n')
    got = list(read_records(path, "items"))
    assert got[0].line == 2 and got[0].error is not None
    assert "quoted field opened on line 2 runs to line 3" in got[0].error.reason
    assert "is a closing quote missing?" in got[0].error.reason and "line 3 is read again" in got[0].error.reason
    assert got[1].line == 3 and got[1].error is not None and "3 fields" in got[1].error.reason
    assert got[2].line == 4 and got[2].record.item_id == "3"


def test_a_file_of_unclosed_quotes_rejects_each_row_once(tmp_path):
    path = tmp_path / "items.csv"
    path.write_text("item_id,title\n" + "".join(f'{n},"open\n' for n in range(300)) + "ok,fine\n")
    got = list(read_records(path, "items"))
    assert [r.record.item_id for r in got if r.record] == ["ok"]
    assert len(got) == 301 and all("quoted field opened on line" in r.error.reason for r in got[:-1])


# --- Ctrl-C ---------------------------------------------------------------------------------------------------


def _interrupt_at(monkeypatch, line: int) -> None:
    real = loading.validate_row

    def validate(row, kind, context):
        if row.line == line:
            raise KeyboardInterrupt
        return real(row, kind, context)

    monkeypatch.setattr(loading, "validate_row", validate)


def test_ctrl_c_says_what_was_stored_and_that_rerunning_resumes(cli, tmp_path, monkeypatch):
    path = tmp_path / "users.jsonl"
    path.write_text("".join(json.dumps({"user_id": f"u{n}"}) + "\n" for n in range(2000)))
    _interrupt_at(monkeypatch, 1201)
    result = cli("load", "users", str(path), "--batch-size", "500")
    assert result.exit_code == 130
    assert "Interrupted" in result.output and "written 1000" in result.output
    assert "Run the same command again to resume" in result.output and "Aborted!" not in result.output
    monkeypatch.undo()
    monkeypatch.chdir(tmp_path)
    again = cli("load", "users", str(path), "--batch-size", "500", "--format", "json")
    assert again.exit_code == 0, again.output
    summary = json.loads(again.stdout)
    assert (summary["unchanged"], summary["written"]) == (1000, 1000)


def test_an_interrupted_load_raises_with_what_was_stored(client, settings, embedder, tmp_path, monkeypatch):
    path = tmp_path / "items.jsonl"
    path.write_text("".join(json.dumps({"item_id": f"i{n}"}) + "\n" for n in range(30)) + '{"title": "x"}\n')
    _interrupt_at(monkeypatch, 25)
    with pytest.raises(LoadInterrupted) as info:
        load_items(client, [path], settings, embedder, batch_size=10)
    assert (info.value.result.read, info.value.result.written) == (25, 20)
    items = client.collections.get(collection_name("Item", settings.prefix))
    assert items.aggregate.over_all(total_count=True).total_count == 20
    assert items.query.fetch_objects(filters=Filter.by_id().equal(item_uuid("i19"))).objects
