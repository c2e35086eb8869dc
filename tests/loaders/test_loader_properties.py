"""Property-based checks: whatever rows and values an input holds, reading gives records or rejects, never an
exception, and the good rows around a bad one all survive."""

from __future__ import annotations

import csv
import io
import json
import math
from datetime import UTC, datetime
from pathlib import Path

from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from weaviate_recsys.loaders import content_hash, parse_timestamp, read_records
from weaviate_recsys.loaders.readers import RawRow, validate_row
from weaviate_recsys.loaders.records import record_context
from weaviate_recsys.schema.dates import MAX_DATE, MIN_DATE
from weaviate_recsys.settings import Settings

FAST = settings(
    max_examples=60, deadline=None, suppress_health_check=[HealthCheck.function_scoped_fixture, HealthCheck.too_slow]
)
CONTEXT = record_context(Settings())

# Text as hostile as a JSON file can make it: lone surrogates, NUL and other controls, any plane.
hostile_text = st.text(st.characters(categories=["L", "N", "P", "S", "Z", "Cc", "Cs", "Co"]), max_size=30)
scalars = (
    st.none()
    | st.booleans()
    | st.integers()
    | st.integers(min_value=-(10**400), max_value=10**400)
    | st.floats(allow_nan=True, allow_infinity=True)
    | hostile_text
    | st.sampled_from(
        [
            "2999-01-01T00:00:00Z",
            "1500-01-01",
            "0001-01-01T00:00:00+05:00",
            "2020-02-30",
            "1600000000",
            "-1e11",
            "NaN",
            "1e400",
            "9" * 400,
        ]
    )
)
values = st.recursive(
    scalars, lambda inner: st.lists(inner, max_size=4) | st.dictionaries(hostile_text, inner, max_size=4), max_leaves=12
)
FIELDS = [
    "item_id",
    "user_id",
    "kind",
    "title",
    "description",
    "domain",
    "categories",
    "tags",
    "brand",
    "popularity",
    "created_at",
    "name",
    "stated_interests",
    "rating",
    "text",
    "timestamp",
    "seq",
]
rows = st.dictionaries(st.sampled_from(FIELDS) | hostile_text, values, max_size=8)
KINDS = st.sampled_from(["items", "users", "interactions"])


def _storable(record) -> None:
    """What the loader does with a record next: hash its properties and send them as UTF-8."""
    props = record.properties()
    content_hash(props, None)
    json.dumps(props, default=str, allow_nan=False).encode("utf-8")
    for value in props.values():
        if isinstance(value, datetime):
            assert MIN_DATE <= value <= MAX_DATE
        if isinstance(value, float):
            assert math.isfinite(value)


@FAST
@given(row=rows, kind=KINDS)
def test_validating_any_row_gives_a_record_or_an_error_never_an_exception(row, kind):
    result = validate_row(RawRow("in.jsonl", 7, row), kind, CONTEXT)
    assert (result.record is None) != (result.error is None)
    if result.error is not None:
        assert (result.error.file, result.error.line) == ("in.jsonl", 7) and result.error.reason
    else:
        _storable(result.record)


@FAST
@given(value=values | st.datetimes(timezones=st.none() | st.just(UTC)))
def test_parse_timestamp_returns_a_time_the_store_holds_or_raises_value_error(value):
    try:
        moment = parse_timestamp(value)
    except ValueError:
        return
    assert moment is None or (moment.tzinfo is not None and MIN_DATE <= moment <= MAX_DATE)


def _good(n: int) -> dict:
    return {"item_id": f"good{n}", "title": f"Title {n}"}


@FAST
@given(
    bad=st.lists(rows, min_size=1, max_size=6),
    ending=st.sampled_from(["\n", "\r\n", "\r"]),
    garbage=st.lists(st.binary(max_size=40).filter(lambda b: b"\n" not in b and b"\r" not in b), max_size=3),
)
def test_good_json_lines_around_any_bad_ones_all_survive(tmp_path_factory, bad, ending, garbage):
    lines: list[bytes] = []
    good_lines: dict[int, str] = {}
    for n, row in enumerate(bad):
        lines.append(json.dumps(_good(n)).encode())
        good_lines[len(lines)] = f"good{n}"
        lines.append(json.dumps({"item_id": f"bad{n}", **row}).encode())  # ensure_ascii: surrogates as escapes
    lines.extend(garbage)
    lines.append(json.dumps(_good(99)).encode())
    good_lines[len(lines)] = "good99"
    path = tmp_path_factory.mktemp("p") / "items.jsonl"
    path.write_bytes(ending.encode().join(lines) + ending.encode())
    results = list(read_records(path, "items"))
    by_line = {r.line: r for r in results}
    for line, item_id in good_lines.items():
        assert by_line[line].record is not None and by_line[line].record.item_id == item_id
    for r in results:
        assert r.file == str(path) and 1 <= r.line <= len(lines)
        if r.error is not None:
            assert r.error.reason and r.error.line == r.line
        else:
            _storable(r.record)


cells = st.text(st.characters(categories=["L", "N", "P", "S", "Zs", "Cc", "Co"]), max_size=20)


@FAST
@given(
    bad=st.lists(st.lists(cells, min_size=0, max_size=5), min_size=1, max_size=5),
    raw=st.lists(st.text(st.characters(categories=["L", "N", "P", "S", "Zs"]), max_size=30), max_size=3),
    ending=st.sampled_from(["\n", "\r\n", "\r"]),
)
def test_good_csv_rows_around_any_bad_ones_all_survive(tmp_path_factory, bad, raw, ending):
    """Bad records written by a CSV writer (any cells, any count) and raw text lines (stray quotes included)."""
    out = io.StringIO()
    writer = csv.writer(out, lineterminator=ending)
    writer.writerow(["item_id", "title", "created_at"])
    for cells_ in bad:
        writer.writerow(["good-before", "Pen", "2020-01-01"])
        writer.writerow(cells_)
    text = out.getvalue() + "".join(line + ending for line in raw) + f"good-after,Ink,2021-01-01{ending}"
    path = tmp_path_factory.mktemp("p") / "items.csv"
    path.write_text(text, encoding="utf-8", newline="")
    results = list(read_records(path, "items"))
    loaded = [r.record.item_id for r in results if r.record is not None]
    # The good rows hold no quote, so a stray quote before them cannot swallow them for good.
    assert loaded.count("good-before") == len(bad) and loaded[-1] == "good-after"
    for r in results:
        assert r.file == str(path) and r.line >= 2
        assert (r.record is None) != (r.error is None)
        if r.record is not None:
            _storable(r.record)


_loads = iter(range(1_000_000))


@settings(
    max_examples=15, deadline=None, suppress_health_check=[HealthCheck.function_scoped_fixture, HealthCheck.too_slow]
)
@given(bad=st.lists(rows, min_size=1, max_size=4), garbage=st.lists(st.binary(max_size=30), max_size=2))
def test_a_load_stores_every_good_row_whatever_the_bad_rows_hold(client, embedder, tmp_path_factory, bad, garbage):
    from weaviate_recsys.loaders import load_items
    from weaviate_recsys.schema import collection_name

    settings_ = Settings(prefix=f"Prop{next(_loads)}")
    lines = []
    for n, row in enumerate(bad):
        lines.append(json.dumps(_good(n)).encode())
        lines.append(json.dumps({**row, "item_id": f"bad{n}"}).encode())
    lines.extend(garbage)
    lines.append(json.dumps(_good(99)).encode())
    folder = tmp_path_factory.mktemp("load")
    path = folder / "items.jsonl"
    path.write_bytes(b"\n".join(lines) + b"\n")
    result = load_items(client, [path], settings_, embedder)
    assert result.read == result.written + result.unchanged + result.rejected
    items = client.collections.get(collection_name("Item", settings_.prefix))
    stored = {o.properties["item_id"] for o in items.iterator(return_properties=["item_id"])}
    assert {f"good{n}" for n in range(len(bad))} | {"good99"} <= stored
    if result.rejected:
        entries = [json.loads(line) for line in Path(result.rejects_paths[0]).read_text("utf-8").split("\n") if line]
        assert len(entries) == result.rejected
        assert all(e["file"] == str(path) and e["line"] >= 1 and e["reason"] for e in entries)
