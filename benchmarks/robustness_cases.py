"""Hostile inputs for the loaders: one file content per class of bad input, for `weaviate-recsys load items`.

``LOADER_CASES`` is a list of ``(name, content, suffix)``: write ``content`` (bytes) to a file ending in
``suffix`` and load it as items. Every row-level case holds a good row with item_id ``good-before`` ahead of the
bad input and one with item_id ``good-after`` behind it, so a harness can check that the good rows around a bad
one are stored, that the load exits 1 (0 for ``CLEAN_CASES``, which hold nothing to reject) and that every
reject names file, line and reason. The cases in ``USAGE_ERROR_CASES`` are refused as a whole before anything
is written (exit 2). No case may crash the command or the server.

``INTERACTION_CASES`` holds the same for `weaviate-recsys load interactions` (ratings, seq, timestamps, kinds).
The tests in tests/loaders/test_loader_robustness.py run every case through the loader.
"""

from __future__ import annotations

import json

__all__ = [
    "CLEAN_CASES",
    "GOOD_IDS",
    "INTERACTION_CASES",
    "INTERACTION_CLEAN_CASES",
    "LOADER_CASES",
    "USAGE_ERROR_CASES",
    "case_names",
]

#: The item ids of the good rows every row-level case holds.
GOOD_IDS = ("good-before", "good-after")

_BEFORE = b'{"item_id": "good-before", "title": "Fountain pen"}\n'
_AFTER = b'{"item_id": "good-after", "title": "Gel pen"}\n'
_CSV_HEAD = b"item_id,title,created_at\n"
_CSV_BEFORE = b"good-before,Fountain pen,2020-01-01\n"
_CSV_AFTER = b"good-after,Gel pen,2020-01-02\n"


def _jsonl(*bad: bytes) -> bytes:
    return _BEFORE + b"".join(bad) + _AFTER


def _csv(*bad: bytes) -> bytes:
    return _CSV_HEAD + _CSV_BEFORE + b"".join(bad) + _CSV_AFTER


def _row(**fields: object) -> bytes:
    return json.dumps({"item_id": "bad", **fields}).encode() + b"\n"


LOADER_CASES: list[tuple[str, bytes, str]] = [
    # Dates the store cannot hold (64-bit nanoseconds since the epoch).
    ("date_after_2262", _jsonl(_row(created_at="2999-01-01T00:00:00Z")), ".jsonl"),
    ("date_before_1677", _jsonl(_row(created_at="1500-01-01T00:00:00Z")), ".jsonl"),
    ("date_year_1_with_offset", _jsonl(_row(created_at="0001-01-01T00:00:00+05:00")), ".jsonl"),
    ("date_year_9999_negative_offset", _jsonl(_row(created_at="9999-12-31T23:00:00-05:00")), ".jsonl"),
    ("unix_seconds_out_of_range", _jsonl(_row(created_at=-99_999_999_999)), ".jsonl"),
    ("unix_milliseconds", _jsonl(_row(created_at=1_600_000_000_000)), ".jsonl"),
    ("date_not_a_date", _jsonl(_row(created_at="yesterday")), ".jsonl"),
    ("date_csv_out_of_range", _csv(b"bad,Pencil,2999-01-01T00:00:00Z\n"), ".csv"),
    # Values that used to crash the load.
    (
        "json_nested_too_deep",
        _jsonl(b'{"item_id": "bad", "title": ' + b"[" * 100_000 + b"]" * 100_000 + b"}\n"),
        ".jsonl",
    ),
    ("json_lone_surrogate", _jsonl(b'{"item_id": "bad", "title": "\\ud800"}\n'), ".jsonl"),
    ("json_lone_surrogate_in_id", _jsonl(b'{"item_id": "\\udfff"}\n'), ".jsonl"),
    ("json_5000_digit_integer", _jsonl(b'{"item_id": "bad", "popularity": ' + b"9" * 5000 + b"}\n"), ".jsonl"),
    ("json_4000_digit_integer", _jsonl(b'{"item_id": "bad", "popularity": ' + b"9" * 4000 + b"}\n"), ".jsonl"),
    # Malformed rows.
    ("json_malformed", _jsonl(b'{"item_id": "bad", "title": \n'), ".jsonl"),
    ("json_not_an_object", _jsonl(b"[1, 2, 3]\n"), ".jsonl"),
    ("json_bare_string", _jsonl(b'"item"\n'), ".jsonl"),
    (
        "json_nan_and_infinity",
        _jsonl(b'{"item_id": "bad", "popularity": NaN}\n', b'{"item_id": "bad2", "popularity": Infinity}\n'),
        ".jsonl",
    ),
    ("json_nul_byte_raw", _jsonl(b'{"item_id": "bad\x00"}\n'), ".jsonl"),
    ("json_nul_escape_in_id", _jsonl(b'{"item_id": "bad\\u0000"}\n'), ".jsonl"),
    ("invalid_utf8_row", _jsonl(b'{"item_id": "bad", "title": "caf\xe9"}\n'), ".jsonl"),
    ("invalid_utf8_csv_row", _csv(b"bad,caf\xe9,2020-01-01\n"), ".csv"),
    # Wrong types and missing fields.
    ("missing_id", _jsonl(b'{"title": "no id"}\n'), ".jsonl"),
    ("empty_id", _jsonl(b'{"item_id": "  "}\n'), ".jsonl"),
    ("id_is_an_object", _jsonl(b'{"item_id": {"a": 1}}\n'), ".jsonl"),
    ("id_is_a_boolean", _jsonl(b'{"item_id": true}\n'), ".jsonl"),
    ("title_is_a_list_of_objects", _jsonl(_row(title=[{"a": 1}])), ".jsonl"),
    ("categories_wrong_type", _jsonl(_row(categories={"a": 1})), ".jsonl"),
    ("popularity_not_a_number", _jsonl(_row(popularity="high")), ".jsonl"),
    ("huge_field", _jsonl(_row(title="x" * 2_000_000)), ".jsonl"),
    ("huge_malformed_line", _jsonl(b'{"item_id": "bad", "title": "' + b"y" * 2_000_000 + b"\n"), ".jsonl"),
    ("duplicate_id", _jsonl(b'{"item_id": "good-before", "title": "again"}\n'), ".jsonl"),
    # CSV structure.
    ("csv_too_few_fields", _csv(b"bad,Pencil\n"), ".csv"),
    ("csv_too_many_fields", _csv(b"bad,Pencil,2020-01-01,extra\n"), ".csv"),
    ("csv_unclosed_quote_to_end", _CSV_HEAD + _CSV_BEFORE + b'bad,"Pencil,2020-01-01\n' + _CSV_AFTER, ".csv"),
    (
        "csv_unclosed_quote_wrong_count",
        _CSV_HEAD + _CSV_BEFORE + b'bad,"Pencil,2020-01-01\nx",y,z\n' + _CSV_AFTER,
        ".csv",
    ),
    ("csv_text_after_closing_quote", _csv(b'bad,"Pencil"x,2020-01-01\n'), ".csv"),
    # Line endings and byte order marks (nothing to reject).
    ("cr_only_line_endings", _jsonl().replace(b"\n", b"\r"), ".jsonl"),
    ("crlf_line_endings", _jsonl().replace(b"\n", b"\r\n"), ".jsonl"),
    ("cr_only_csv", _csv().replace(b"\n", b"\r"), ".csv"),
    ("utf8_bom", b"\xef\xbb\xbf" + _jsonl(), ".jsonl"),
    ("blank_and_whitespace_lines", _jsonl(b"\n", b"   \n", b"\t\n"), ".jsonl"),
    ("no_final_newline", _jsonl().rstrip(b"\n"), ".jsonl"),
    ("empty_file", b"", ".jsonl"),
    ("csv_header_only", _CSV_HEAD, ".csv"),
    # Refused as a whole (usage errors, exit 2, nothing written).
    ("utf16_file", _jsonl().decode().encode("utf-16"), ".jsonl"),
    ("csv_header_invalid_utf8", b"item_id,t\xefitle\n" + _CSV_BEFORE, ".csv"),
    ("csv_without_id_column", b"id,title\n1,Pen\n", ".csv"),
    ("csv_header_unclosed_quote", b'item_id,"title\n1,Pen\n', ".csv"),
]

#: Cases refused as a whole before anything is written (exit 2).
USAGE_ERROR_CASES = frozenset(
    {"utf16_file", "csv_header_invalid_utf8", "csv_without_id_column", "csv_header_unclosed_quote"}
)

#: Cases with nothing to reject (exit 0); ``empty_file`` and ``csv_header_only`` hold no rows at all.
CLEAN_CASES = frozenset(
    {
        "cr_only_line_endings",
        "crlf_line_endings",
        "cr_only_csv",
        "utf8_bom",
        "blank_and_whitespace_lines",
        "no_final_newline",
        "empty_file",
        "csv_header_only",
    }
)


def case_names() -> list[str]:
    """Every case's name, in order."""
    return [name for name, _, _ in LOADER_CASES]


_EV_BEFORE = b'{"user_id": "u", "item_id": "good-before", "kind": "view", "seq": 1}\n'
_EV_AFTER = b'{"user_id": "u", "item_id": "good-after", "kind": "view", "seq": 2}\n'


def _events(*bad: bytes) -> bytes:
    return _EV_BEFORE + b"".join(bad) + _EV_AFTER


def _event(**fields: object) -> bytes:
    return json.dumps({"user_id": "u", "item_id": "bad", "kind": "rating", **fields}).encode() + b"\n"


#: Cases for `weaviate-recsys load interactions`, as ``(name, content, suffix)``; the good rows have item_id
#: ``good-before`` and ``good-after`` (user ``u``). Names in ``INTERACTION_CLEAN_CASES`` hold nothing to reject.
INTERACTION_CASES: list[tuple[str, bytes, str]] = [
    ("negative_rating", _events(_event(rating=-3)), ".jsonl"),  # accepted: ratings have no fixed scale
    ("rating_nan_text", _events(_event(rating="NaN")), ".jsonl"),
    ("rating_infinite", _events(_event(rating=1e999)), ".jsonl"),
    (
        "rating_huge_integer",
        _events(b'{"user_id": "u", "item_id": "bad", "kind": "rating", "rating": ' + b"9" * 4000 + b"}\n"),
        ".jsonl",
    ),
    ("seq_negative", _events(_event(seq=-1)), ".jsonl"),
    ("seq_fractional", _events(_event(seq=1.5)), ".jsonl"),
    ("seq_beyond_2_pow_53", _events(_event(seq=2**60)), ".jsonl"),
    ("timestamp_after_2262", _events(_event(timestamp="2999-01-01T00:00:00Z")), ".jsonl"),
    ("timestamp_unix_seconds_float_overflow", _events(_event(timestamp="1e400")), ".jsonl"),
    ("unknown_kind", _events(_event(kind="teleport")), ".jsonl"),
    ("missing_user", _events(b'{"item_id": "bad", "kind": "view"}\n'), ".jsonl"),
    ("neither_item_nor_text", _events(b'{"user_id": "u", "kind": "view"}\n'), ".jsonl"),
    ("text_with_lone_surrogate", _events(b'{"user_id": "u", "kind": "review", "text": "ok \\udc80"}\n'), ".jsonl"),
    ("duplicate_event", _events(_EV_BEFORE), ".jsonl"),
]

INTERACTION_CLEAN_CASES = frozenset({"negative_rating"})
