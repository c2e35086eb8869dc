"""Read JSON Lines, CSV and TSV into validated records, keeping each row's file and line.

A malformed row (bad JSON, a CSV record with the wrong number of fields, invalid UTF-8, a failed validation)
becomes a ``RowResult`` with an error and reading goes on: one bad row never stops the good ones. Only a
source that cannot be read at all raises ``LoadError``, and a misuse that would reject every row (an unknown
field in ``--map``, a CSV without a column for a required field) raises ``ConfigurationError`` before reading.
"""

from __future__ import annotations

import csv
import json
import sys
from collections.abc import Iterable, Iterator, Mapping
from dataclasses import dataclass
from pathlib import Path
from typing import IO, Any, Literal

from pydantic import ValidationError

from ..errors import ConfigurationError, LoadError, RowError
from ..settings import Settings
from .records import RECORD_MODELS, RecordKind, record_context

__all__ = [
    "InputFormat",
    "STDIN",
    "REQUIRED_FIELDS",
    "RawRow",
    "RowResult",
    "detect_format",
    "parse_assignments",
    "check_field_names",
    "read_header",
    "check_columns",
    "read_rows",
    "read_records",
    "validate_row",
]

InputFormat = Literal["jsonl", "csv", "tsv"]

#: The name that means "read standard input".
STDIN = "-"

#: Fields without which every row would be rejected; a CSV must have a column (or --set) for each.
REQUIRED_FIELDS: dict[str, tuple[str, ...]] = {
    "items": ("item_id",),
    "users": ("user_id",),
    "interactions": ("user_id", "kind"),
}

_SUFFIX_FORMATS: dict[str, InputFormat] = {
    ".jsonl": "jsonl", ".ndjson": "jsonl", ".json": "jsonl", ".csv": "csv", ".tsv": "tsv", ".tab": "tsv",
}

# Long text fields are rejected by validation with a clear reason, not by the csv module's 128 KiB limit.
csv.field_size_limit(min(sys.maxsize, 2**31 - 1))


@dataclass
class RawRow:
    """One input row before validation.

    Attributes:
        file: the source as given (``-`` for stdin).
        line: 1-based physical line where the row starts.
        data: the row as a dict (mapping and --set applied), None for a malformed row.
        error: why the row is malformed, None if it parsed.
        raw: the row's original text when it could not be parsed.
        offset: bytes of this source consumed once the row was read (for progress).
    """

    file: str
    line: int
    data: dict[str, Any] | None
    error: str | None = None
    raw: str | None = None
    offset: int = 0


@dataclass
class RowResult:
    """A row after validation: a record, or a ``RowError`` saying file, line, field and reason."""

    file: str
    line: int
    record: Any | None
    error: RowError | None = None
    data: dict[str, Any] | None = None
    raw: str | None = None
    offset: int = 0


def detect_format(source: str | Path, explicit: str | None = None) -> InputFormat | None:
    """The input format: the explicit one, else from the extension; None for stdin without one (sniffed).

    Raises:
        ConfigurationError: unknown explicit format, or an extension that does not tell.
    """
    if explicit:
        if explicit not in ("jsonl", "csv", "tsv"):
            raise ConfigurationError(f"unknown input format {explicit!r}: use jsonl, csv or tsv")
        return explicit  # type: ignore[return-value]
    if str(source) == STDIN:
        return None
    suffix = Path(source).suffix.lower()
    if suffix in _SUFFIX_FORMATS:
        return _SUFFIX_FORMATS[suffix]
    raise ConfigurationError(
        f"cannot tell the format of {source} from its extension; pass --input-format jsonl, csv or tsv"
    )


def parse_assignments(pairs: Iterable[str], option: str) -> dict[str, str]:
    """``["a=b", "c=d"]`` -> ``{"a": "b", "c": "d"}`` for --map and --set."""
    out: dict[str, str] = {}
    for pair in pairs:
        name, sep, value = pair.partition("=")
        if not sep or not name.strip():
            raise ConfigurationError(f"{option} expects FIELD=VALUE, got {pair!r}")
        out[name.strip()] = value.strip() if option == "--map" else value
    return out


def check_field_names(kind: RecordKind, mapping: Mapping[str, str], set_values: Mapping[str, Any]) -> None:
    """Refuse --map/--set targets that are not fields of the record kind (a typo would silently do nothing)."""
    fields = set(RECORD_MODELS[kind].model_fields)
    for option, names in (("--map", mapping), ("--set", set_values)):
        unknown = sorted(set(names) - fields)
        if unknown:
            raise ConfigurationError(
                f"{option}: {', '.join(unknown)} is not a field of {kind}; fields are {', '.join(sorted(fields))}"
            )


class _Lines:
    """Decoded lines of a binary stream, counting lines and bytes and remembering undecodable lines."""

    def __init__(self, stream: IO[bytes]) -> None:
        self._stream = stream
        self.line = 0
        self.offset = 0
        self.bad_lines: dict[int, str] = {}

    def __iter__(self) -> Iterator[str]:
        return self

    def __next__(self) -> str:
        raw = self._stream.readline()
        if not raw:
            raise StopIteration
        self.line += 1
        self.offset += len(raw)
        try:
            text = raw.decode("utf-8-sig" if self.line == 1 else "utf-8")
        except UnicodeDecodeError as e:
            self.bad_lines[self.line] = f"invalid UTF-8 at byte {e.start} of line {self.line}"
            text = raw.decode("utf-8", errors="replace")
        return text


def _open(source: str | Path, stdin: IO[bytes] | None) -> IO[bytes]:
    if str(source) == STDIN:
        return stdin if stdin is not None else sys.stdin.buffer
    try:
        return open(source, "rb")
    except OSError as e:
        raise LoadError(f"cannot read {source}: {e.strerror or e}. Check the path and its permissions.") from e


def _sniff(first_line: str) -> InputFormat:
    stripped = first_line.lstrip()
    if stripped.startswith("{"):
        return "jsonl"
    return "tsv" if "\t" in first_line else "csv"


def _apply(row: dict[str, Any], mapping: Mapping[str, str], set_values: Mapping[str, Any]) -> dict[str, Any]:
    if mapping:
        row = dict(row)
        for target, column in mapping.items():
            if column in row:
                row[target] = row[column]
    if set_values:
        row = {**row, **set_values}
    return row


def read_header(source: str | Path, fmt: InputFormat) -> list[str] | None:
    """The column names of a CSV/TSV file (None for JSON Lines, stdin or an empty file)."""
    if fmt == "jsonl" or str(source) == STDIN:
        return None
    with _open(source, None) as stream:
        reader = csv.reader(_Lines(stream), delimiter="\t" if fmt == "tsv" else ",", strict=True)
        try:
            return [c.strip() for c in next(reader)]
        except (StopIteration, csv.Error):
            return None


def check_columns(
    source: str | Path,
    header: list[str],
    kind: RecordKind,
    mapping: Mapping[str, str],
    set_values: Mapping[str, Any],
) -> None:
    """Fail fast when a CSV cannot give any good row: a mapped column or a required field is missing."""
    columns = ", ".join(header)
    for target, column in mapping.items():
        if column not in header:
            raise ConfigurationError(
                f"--map {target}={column}: {source} has no column {column!r} (columns: {columns})"
            )
    for required in REQUIRED_FIELDS[kind]:
        if required not in header and required not in mapping and required not in set_values:
            raise ConfigurationError(
                f"{source} has no column for {required} (columns: {columns}); "
                f"map one with --map {required}=COLUMN or give a constant with --set {required}=VALUE"
            )


def read_rows(
    source: str | Path,
    fmt: InputFormat | None = None,
    mapping: Mapping[str, str] | None = None,
    set_values: Mapping[str, Any] | None = None,
    stdin: IO[bytes] | None = None,
) -> Iterator[RawRow]:
    """Parse one source into raw rows. Blank lines are skipped; malformed rows come back with an error.

    Args:
        source: a path, or ``-`` for standard input (``stdin`` or ``sys.stdin.buffer``).
        fmt: jsonl, csv or tsv; None: from the extension (sniffed from the first line for stdin).
        mapping: field -> column renames (``--map``).
        set_values: field -> constant for every row (``--set``; wins over the file).
    """
    mapping = dict(mapping or {})
    set_values = dict(set_values or {})
    fmt = fmt or detect_format(source)
    name = str(source)
    stream = _open(source, stdin)
    try:
        lines = _Lines(stream)
        if fmt is None:
            first = next(lines, None)
            if first is None:
                return
            fmt = _sniff(first)
            line_iter: Iterator[str] = _chain_first(first, lines)
        else:
            line_iter = lines
        if fmt == "jsonl":
            yield from _read_jsonl(name, line_iter, lines, mapping, set_values)
        else:
            yield from _read_csv(name, line_iter, lines, "\t" if fmt == "tsv" else ",", mapping, set_values)
    finally:
        if str(source) != STDIN:
            stream.close()


def _chain_first(first: str, rest: Iterator[str]) -> Iterator[str]:
    yield first
    yield from rest


def _read_jsonl(
    name: str, line_iter: Iterator[str], lines: _Lines, mapping: Mapping[str, str], set_values: Mapping[str, Any]
) -> Iterator[RawRow]:
    for text in line_iter:
        number = lines.line
        if not text.strip():
            continue
        if number in lines.bad_lines:
            yield RawRow(name, number, None, lines.bad_lines[number], text.rstrip("\r\n"), lines.offset)
            continue
        try:
            value = json.loads(text)
        except json.JSONDecodeError as e:
            yield RawRow(name, number, None, f"malformed JSON: {e.msg} at column {e.colno}", text.rstrip("\r\n"),
                         lines.offset)
            continue
        if not isinstance(value, dict):
            yield RawRow(name, number, None, f"expected a JSON object, got {type(value).__name__}",
                         text.rstrip("\r\n"), lines.offset)
            continue
        yield RawRow(name, number, _apply(value, mapping, set_values), offset=lines.offset)


def _read_csv(
    name: str,
    line_iter: Iterator[str],
    lines: _Lines,
    delimiter: str,
    mapping: Mapping[str, str],
    set_values: Mapping[str, Any],
) -> Iterator[RawRow]:
    reader = csv.reader(line_iter, delimiter=delimiter, strict=True)
    header: list[str] | None = None
    end = 0  # physical line where the previous record ended
    while True:
        start = end + 1
        try:
            values = next(reader)
        except StopIteration:
            return
        except csv.Error as e:
            end = lines.line
            reason = f"malformed {'TSV' if delimiter == chr(9) else 'CSV'}: {e}"
            if "unexpected end of data" in str(e):
                reason += f" (a quoted field opened on line {start} is never closed; it runs to line {end})"
            yield RawRow(name, start, None, reason, None, lines.offset)
            continue
        end = lines.line
        if not values:
            continue
        bad = [n for n in range(start, end + 1) if n in lines.bad_lines]
        if header is None:
            header = [c.strip() for c in values]
            if bad:
                raise LoadError(f"{name}: the header line is not valid UTF-8; save the file as UTF-8")
            continue
        raw_text = delimiter.join(values)
        if bad:
            yield RawRow(name, start, None, lines.bad_lines[bad[0]], raw_text, lines.offset)
            continue
        if len(values) != len(header):
            yield RawRow(
                name, start, None,
                f"malformed {'TSV' if delimiter == chr(9) else 'CSV'}: {len(values)} fields, the header has "
                f"{len(header)}", raw_text, lines.offset,
            )
            continue
        row = {column: (value if value != "" else None) for column, value in zip(header, values, strict=True)}
        yield RawRow(name, start, _apply(row, mapping, set_values), offset=lines.offset)


def _row_error(file: str, line: int, e: ValidationError) -> RowError:
    problems: list[tuple[str | None, str]] = []
    for err in e.errors():
        loc = [str(p) for p in err.get("loc", ())]
        msg = str(err.get("msg", "invalid"))
        msg = msg.removeprefix("Value error, ")
        field_name = loc[0] if loc else None
        if field_name is None and ": " in msg:
            field_name, msg = msg.split(": ", 1)  # model-level checks name their field first
        if err.get("type") == "missing":
            msg = "missing: every row needs it (map a column to it with --map FIELD=COLUMN)"
        problems.append((field_name, msg))
    field_name, reason = problems[0]
    if len(problems) > 1:
        reason += "; also " + "; ".join(f"{f}: {m}" if f else m for f, m in problems[1:])
    return RowError(file, line, field_name, reason)


def validate_row(row: RawRow, kind: RecordKind, context: dict[str, Any]) -> RowResult:
    """Validate one raw row into its record model."""
    if row.data is None:
        return RowResult(row.file, row.line, None, RowError(row.file, row.line, None, row.error or "malformed row"),
                         None, row.raw, row.offset)
    try:
        record = RECORD_MODELS[kind].model_validate(row.data, context=context)
    except ValidationError as e:
        return RowResult(row.file, row.line, None, _row_error(row.file, row.line, e), row.data, None, row.offset)
    return RowResult(row.file, row.line, record, None, row.data, None, row.offset)


def read_records(
    source: str | Path,
    kind: RecordKind,
    format: InputFormat | None = None,
    mapping: Mapping[str, str] | None = None,
    set_values: Mapping[str, Any] | None = None,
    settings: Settings | None = None,
    stdin: IO[bytes] | None = None,
) -> Iterator[RowResult]:
    """Read and validate one source: every row comes back, as a record or with its error.

    Raises:
        ConfigurationError: --map/--set name an unknown field, or a CSV lacks a mapped or required column.
        LoadError: the source cannot be read.
    """
    settings = settings or Settings()
    mapping = dict(mapping or {})
    set_values = dict(set_values or {})
    check_field_names(kind, mapping, set_values)
    fmt = detect_format(source, format)
    if fmt in ("csv", "tsv"):
        header = read_header(source, fmt)
        if header is not None:
            check_columns(source, header, kind, mapping, set_values)
    context = record_context(settings)
    for row in read_rows(source, fmt, mapping, set_values, stdin=stdin):
        yield validate_row(row, kind, context)
