"""Readers: formats, line numbers, mapping, and malformed rows that never stop the good ones."""

from __future__ import annotations

import io

import pytest

from weaviate_recsys.errors import ConfigurationError
from weaviate_recsys.loaders import detect_format, parse_assignments, read_records, read_rows


def write(tmp_path, name, content: str | bytes):
    path = tmp_path / name
    if isinstance(content, str):
        path.write_text(content, encoding="utf-8")
    else:
        path.write_bytes(content)
    return path


def outcomes(results):
    return [
        (
            r.line,
            r.record.model_dump() if r.record else None,
            r.error.field if r.error else None,
            r.error.reason if r.error else None,
        )
        for r in results
    ]


@pytest.mark.parametrize(
    "name, fmt",
    [
        ("a.jsonl", "jsonl"),
        ("a.ndjson", "jsonl"),
        ("a.json", "jsonl"),
        ("a.CSV", "csv"),
        ("a.tsv", "tsv"),
        ("a.tab", "tsv"),
    ],
)
def test_detect_format_by_extension(name, fmt):
    assert detect_format(name) == fmt


def test_detect_format_explicit_and_unknown():
    assert detect_format("data.txt", "csv") == "csv"
    assert detect_format("-") is None
    with pytest.raises(ConfigurationError, match="--input-format"):
        detect_format("data.txt")
    with pytest.raises(ConfigurationError):
        detect_format("a.csv", "xml")


def test_parse_assignments():
    assert parse_assignments(["item_id=movieId", "categories = genres"], "--map") == {
        "item_id": "movieId",
        "categories": "genres",
    }
    assert parse_assignments(["kind=rating"], "--set") == {"kind": "rating"}
    with pytest.raises(ConfigurationError, match="FIELD=VALUE"):
        parse_assignments(["kind"], "--set")


def test_jsonl_with_bad_lines(tmp_path):
    path = write(
        tmp_path,
        "items.jsonl",
        '{"item_id": "a", "title": "A"}\n\n{"item_id": "b", "title": \n[1, 2]\n{"title": "no id"}\n{"item_id": "c"}\n',
    )
    got = outcomes(read_records(path, "items"))
    assert [g[0] for g in got] == [1, 3, 4, 5, 6]  # the blank line 2 is skipped, not counted
    assert got[0][1]["item_id"] == "a"
    assert got[1][2] is None and got[1][3].startswith("malformed JSON")
    assert got[2][3] == "expected a JSON object, got list"
    assert got[3][2] == "item_id" and "missing" in got[3][3]
    assert got[4][1]["item_id"] == "c"


def test_csv_line_numbers_count_physical_lines(tmp_path):
    path = write(
        tmp_path,
        "m.csv",
        "movieId,title,genres\n"
        '1,"Toy\nStory",A|B\n'
        '2,"bad"x,C\n'
        "\n"
        "3,ok,C\n"
        "4,short\n"
        '5,"multi\nline\ntitle",D\n'
        "6,after,E\n",
    )
    got = outcomes(read_records(path, "items", mapping={"item_id": "movieId", "categories": "genres"}))
    assert [g[0] for g in got] == [2, 4, 6, 7, 8, 11]
    assert got[0][1]["title"] == "Toy\nStory" and got[0][1]["domain"] == "A"
    assert got[1][3].startswith("malformed CSV")
    assert got[3][3] == "malformed CSV: 2 fields, the header has 3"
    assert got[4][1]["title"] == "multi\nline\ntitle"
    assert got[5][1]["item_id"] == "6"


def test_csv_unterminated_quote_rejects_its_row_and_the_rows_it_swallowed_load(tmp_path):
    path = write(tmp_path, "m.csv", 'item_id,title\n1,ok\n2,"never closed\n3,kept\n')
    got = outcomes(read_records(path, "items"))
    assert got[0][1]["item_id"] == "1"
    assert got[1][0] == 3 and "quoted field opened on line 3 is never closed" in got[1][3]
    assert "line 4 is read again" in got[1][3]
    assert got[2][0] == 4 and got[2][1]["title"] == "kept"
    assert len(got) == 3


def test_tsv_and_empty_cells(tmp_path):
    path = write(tmp_path, "u.tsv", "user_id\tname\tstated_interests\nu1\tAnn\t\nu2\t\tI like tea\n")
    got = outcomes(read_records(path, "users"))
    assert got[0][1] == {"user_id": "u1", "name": "Ann", "stated_interests": None}
    assert got[1][1]["stated_interests"] == "I like tea" and got[1][1]["name"] is None


def test_invalid_utf8_rejects_only_that_row(tmp_path):
    path = write(tmp_path, "i.csv", b"item_id,title\n1,caf\xe9\n2,fine\n")
    got = outcomes(read_records(path, "items"))
    assert got[0][0] == 2 and "invalid UTF-8" in got[0][3]
    assert got[1][1]["title"] == "fine"
    path = write(tmp_path, "i.jsonl", b'{"item_id": "1", "title": "caf\xe9"}\n{"item_id": "2"}\n')
    got = outcomes(read_records(path, "items"))
    assert "invalid UTF-8" in got[0][3] and got[1][1]["item_id"] == "2"


def test_bom_is_ignored(tmp_path):
    path = write(tmp_path, "i.csv", "\ufeffitem_id,title\n1,a\n".encode())
    assert outcomes(read_records(path, "items"))[0][1]["item_id"] == "1"


def test_map_and_set(tmp_path):
    path = write(tmp_path, "r.csv", "userId,movieId,rating,timestamp\n1,10,4.0,964982703\n")
    (result,) = read_records(
        path, "interactions", mapping={"user_id": "userId", "item_id": "movieId"}, set_values={"kind": "rating"}
    )
    record = result.record
    assert (record.user_id, record.item_id, record.kind, record.rating) == ("1", "10", "rating", 4.0)
    assert record.timestamp.year == 2000


def test_set_wins_over_the_file(tmp_path):
    path = write(tmp_path, "i.jsonl", '{"user_id": "u", "item_id": "i", "kind": "view"}\n')
    (result,) = read_records(path, "interactions", set_values={"kind": "purchase"})
    assert result.record.kind == "purchase"


def test_unknown_target_field_is_a_usage_error(tmp_path):
    path = write(tmp_path, "i.jsonl", '{"item_id": "1"}\n')
    with pytest.raises(ConfigurationError, match="itemid is not a field of items"):
        list(read_records(path, "items", mapping={"itemid": "x"}))
    with pytest.raises(ConfigurationError, match="--set"):
        list(read_records(path, "items", set_values={"colour": "red"}))


def test_csv_without_required_column_is_a_usage_error(tmp_path):
    path = write(tmp_path, "r.csv", "userId,movieId\n1,2\n")
    with pytest.raises(ConfigurationError, match=r"no column for user_id .*--map user_id=COLUMN"):
        list(read_records(path, "interactions", set_values={"kind": "view"}))
    with pytest.raises(ConfigurationError, match="has no column 'movieID'"):
        list(
            read_records(
                path, "interactions", mapping={"user_id": "userId", "item_id": "movieID"}, set_values={"kind": "view"}
            )
        )


def test_stdin_is_sniffed():
    rows = list(read_rows("-", stdin=io.BytesIO(b'{"item_id": "1"}\n{"item_id": "2"}\n')))
    assert [(r.file, r.line, r.data) for r in rows] == [("-", 1, {"item_id": "1"}), ("-", 2, {"item_id": "2"})]
    rows = list(read_rows("-", stdin=io.BytesIO(b"item_id\ttitle\n1\tA\n")))
    assert rows[0].data == {"item_id": "1", "title": "A"} and rows[0].line == 2


def test_offsets_reach_the_file_size(tmp_path):
    content = '{"item_id": "1"}\n{"item_id": "2"}\n'
    path = write(tmp_path, "i.jsonl", content)
    rows = list(read_rows(path))
    assert rows[-1].offset == len(content.encode())
    assert rows[0].offset < rows[1].offset
