"""Read JSON Lines, CSV and TSV into validated records, keeping each row's file and line.

A malformed row (bad JSON, a CSV record with the wrong number of fields, invalid UTF-8, a failed validation)
becomes a ``RowResult`` with an error and reading goes on: one bad row never stops the good ones. Only a
source that cannot be read at all raises ``LoadError``, and a misuse that would reject every row (an unknown
field in ``--map``, a CSV without a column for a required field) raises ``ConfigurationError`` before reading.
"""

from __future__ import annotations

import csv
import io
import json
import re
import sys
from collections import Counter
from collections.abc import Iterable, Iterator, Mapping, Sequence
from dataclasses import dataclass
from pathlib import Path
from typing import IO, Any, Literal

from pydantic import ValidationError

from ..errors import ConfigurationError, LoadError, RowError
from ..settings import Settings
from .item_domain import label_counts
from .records import RECORD_MODELS, RecordKind, record_context, split_labels

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
    "InputSource",
    "open_source",
    "cap_text",
    "MAX_REJECT_COPY",
    "unexpected_row_error",
    "read_rows",
    "read_records",
    "catalog_label_counts",
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
    ".jsonl": "jsonl",
    ".ndjson": "jsonl",
    ".json": "jsonl",
    ".csv": "csv",
    ".tsv": "tsv",
    ".tab": "tsv",
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
        offset: characters of this source consumed once the row was read (bytes for ASCII; for progress).
        raw_chars: the length of the row's original text when ``raw`` is a cut copy of it.
    """

    file: str
    line: int
    data: dict[str, Any] | None
    error: str | None = None
    raw: str | None = None
    offset: int = 0
    raw_chars: int | None = None


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
    raw_chars: int | None = None


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


#: How many characters of a rejected row a message or rejects line copies (the rest is noted by its size).
MAX_REJECT_COPY = 4096

# A byte that is not valid UTF-8 decodes (with "surrogateescape") to one of these; valid text never holds them.
_UNDECODABLE = re.compile("[\udc80-\udcff]")
_UTF16_BOMS = ("\udcff\udcfe", "\udcfe\udcff")

#: A CSV record whose quoted field runs over more characters than this is not re-read line by line.
_MAX_RECOVERY_CHARS = 64 * 1024 * 1024


def cap_text(text: str, limit: int = MAX_REJECT_COPY) -> str:
    """``text`` cut to ``limit`` characters, with a note of its full length when cut."""
    if len(text) <= limit:
        return text
    return f"{text[:limit]}... [cut: {len(text):,} characters in all]"


class _Lines:
    """Decoded lines of a binary stream, counting lines and characters and remembering undecodable lines.

    LF, CRLF and CR all end a line (the text reader's universal newlines); each line comes back ending in LF.
    Invalid UTF-8 does not stop reading: the line is marked bad and rejected on its own. Lines read since
    ``record()`` are kept so a CSV reader can hand back lines that a runaway quoted field swallowed.
    """

    def __init__(self, stream: IO[bytes], name: str, owned: bool) -> None:
        self.name = name
        self._owned = owned
        self._text = io.TextIOWrapper(stream, encoding="utf-8-sig", errors="surrogateescape", newline=None)
        self.line = 0
        self.offset = 0
        self.bad_lines: dict[int, str] = {}
        self._pushed: list[str] = []  # lines handed back, the next one last
        self.taken: list[str] | None = None
        self._taken_chars = 0

    def __iter__(self) -> Iterator[str]:
        return self

    def __next__(self) -> str:
        if self._pushed:
            text = self._pushed.pop()
        else:
            text = self._text.readline()
            if not text:
                raise StopIteration
        self.line += 1
        self.offset += len(text)
        if not text.isascii():
            bad = _UNDECODABLE.search(text)
            if bad is not None:
                if self.line == 1 and text.startswith(_UTF16_BOMS):
                    raise ConfigurationError(f"{self.name} is UTF-16 encoded; save it as UTF-8 and load it again")
                at = len(text[: bad.start()].encode("utf-8", "surrogateescape"))
                self.bad_lines[self.line] = f"invalid UTF-8 at byte {at} of line {self.line}"
        if self.taken is not None:
            self._taken_chars += len(text)
            if self._taken_chars > _MAX_RECOVERY_CHARS:
                self.taken = None  # too long to keep a second copy of; the record is rejected whole
            else:
                self.taken.append(text)
        return text

    def record(self) -> None:
        """Start keeping the lines read (for ``give_back``)."""
        self.taken = []
        self._taken_chars = 0

    def give_back(self, lines: list[str]) -> None:
        """Hand lines back to be read again, as if they had not been read yet."""
        for text in lines:
            self.bad_lines.pop(self.line, None)
            self.line -= 1
            self.offset -= len(text)
        self._pushed.extend(reversed(lines))

    def close(self) -> None:
        if self._owned:
            self._text.close()
        else:
            self._text.detach()  # leave standard input open for the caller


def _open(source: str | Path, stdin: IO[bytes] | None) -> _Lines:
    name = str(source)
    if name == STDIN:
        return _Lines(stdin if stdin is not None else sys.stdin.buffer, name, owned=False)
    try:
        return _Lines(open(source, "rb"), name, owned=True)
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


def _delimiter(fmt: InputFormat) -> str:
    return "\t" if fmt == "tsv" else ","


def _peek_header(lines: _Lines, fmt: InputFormat) -> list[str] | None:
    """The header record of a CSV/TSV source, read without consuming it (None when the source is empty).

    Raises:
        ConfigurationError: the header is not valid UTF-8 or not a well-formed record.
    """
    lines.record()
    reader = csv.reader(lines, delimiter=_delimiter(fmt), strict=True)
    try:
        values = next((v for v in reader if v), None)
    except csv.Error as e:
        raise ConfigurationError(f"{lines.name}: the header is not a well-formed record ({e})") from e
    finally:
        taken, lines.taken = lines.taken, None
    if lines.bad_lines:
        line = min(lines.bad_lines)
        raise ConfigurationError(
            f"{lines.name}: the header on line {line} is not valid UTF-8 ({lines.bad_lines[line]}); save the file "
            "as UTF-8"
        )
    if taken is None:
        raise ConfigurationError(f"{lines.name}: the header is longer than {_MAX_RECOVERY_CHARS:,} characters")
    lines.give_back(taken)
    return None if values is None else [c.strip() for c in values]


def read_header(source: str | Path, fmt: InputFormat) -> list[str] | None:
    """The column names of a CSV/TSV file (None for JSON Lines, stdin or an empty file).

    Raises:
        ConfigurationError: the file is UTF-16, or its header is not valid UTF-8 or not a well-formed record.
    """
    if fmt == "jsonl" or str(source) == STDIN:
        return None
    lines = _open(source, None)
    try:
        return _peek_header(lines, fmt)
    finally:
        lines.close()


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
            raise ConfigurationError(f"--map {target}={column}: {source} has no column {column!r} (columns: {columns})")
    for required in REQUIRED_FIELDS[kind]:
        if required not in header and required not in mapping and required not in set_values:
            raise ConfigurationError(
                f"{source} has no column for {required} (columns: {columns}); "
                f"map one with --map {required}=COLUMN or give a constant with --set {required}=VALUE"
            )


@dataclass
class InputSource:
    """One input, checked before any row of any input is read: its name, format and (for stdin) open lines."""

    name: str
    format: InputFormat
    lines: _Lines | None = None

    def rows(
        self, mapping: Mapping[str, str], set_values: Mapping[str, Any], stdin: IO[bytes] | None = None
    ) -> Iterator[RawRow]:
        """The raw rows (mapping and --set applied). Closes the source when done."""
        lines = self.lines if self.lines is not None else _open(self.name, stdin)
        self.lines = None
        try:
            if self.format == "jsonl":
                yield from _read_jsonl(self.name, lines, mapping, set_values)
            else:
                yield from _read_csv(self.name, lines, _delimiter(self.format), mapping, set_values)
        finally:
            lines.close()

    def close(self) -> None:
        """Close a source whose rows were never read."""
        if self.lines is not None:
            self.lines.close()
            self.lines = None


def open_source(
    source: str | Path,
    kind: RecordKind | None = None,
    fmt: InputFormat | None = None,
    mapping: Mapping[str, str] | None = None,
    set_values: Mapping[str, Any] | None = None,
    stdin: IO[bytes] | None = None,
) -> InputSource:
    """Check one input for what would make every row of it fail, without consuming it.

    A file is opened, its first line (and a CSV's header) checked, and closed again; standard input stays open
    with what was read handed back. Pass ``kind`` to check a CSV's columns against the record's fields.

    Raises:
        ConfigurationError: unknown format; a UTF-16 file; a header that is not valid UTF-8 or malformed; a
            mapped or required column the header lacks.
        LoadError: the source cannot be read.
    """
    name = str(source)
    fmt = fmt or detect_format(source)
    if fmt == "jsonl" and name != STDIN:
        _check_not_utf16(source)
        return InputSource(name, fmt)
    lines = _open(source, stdin)
    try:
        if fmt is None:  # standard input without --input-format
            first = next(lines, None)
            if first is not None:
                lines.give_back([first])
            fmt = _sniff(first) if first is not None else "jsonl"
        if fmt != "jsonl":
            header = _peek_header(lines, fmt)
            if header is not None and kind is not None:
                check_columns(source, header, kind, mapping or {}, set_values or {})
    except BaseException:
        lines.close()
        raise
    if name == STDIN:
        return InputSource(name, fmt, lines)
    lines.close()
    return InputSource(name, fmt)


def _check_not_utf16(source: str | Path) -> None:
    try:
        with open(source, "rb") as f:
            head = f.read(2)
    except OSError as e:
        raise LoadError(f"cannot read {source}: {e.strerror or e}. Check the path and its permissions.") from e
    if head in (b"\xff\xfe", b"\xfe\xff"):
        raise ConfigurationError(f"{source} is UTF-16 encoded; save it as UTF-8 and load it again")


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
    opened = open_source(source, None, fmt, stdin=stdin)
    yield from opened.rows(dict(mapping or {}), dict(set_values or {}), stdin=stdin)


def _malformed(name: str, number: int, reason: str, text: str | list[str], offset: int) -> RawRow:
    """A row that could not be parsed; its text is kept up to ``MAX_REJECT_COPY`` characters."""
    parts = [text] if isinstance(text, str) else text
    size = sum(len(p) for p in parts) - (1 if parts and parts[-1].endswith("\n") else 0)
    head = "".join(parts) if size <= MAX_REJECT_COPY + 1 else "".join(_head(parts, MAX_REJECT_COPY + 1))
    raw = head.rstrip("\n")
    if size > len(raw):
        raw = f"{raw[:MAX_REJECT_COPY]}... [cut: {size:,} characters in all]"
    return RawRow(name, number, None, reason, raw, offset, raw_chars=size)


def _head(parts: list[str], limit: int) -> Iterator[str]:
    for part in parts:
        if limit <= 0:
            return
        yield part[:limit]
        limit -= len(part)


def _json_error(e: Exception) -> str:
    if isinstance(e, json.JSONDecodeError):
        return f"malformed JSON: {e.msg} at column {e.colno}"
    if isinstance(e, RecursionError):
        return "malformed JSON: nested too deeply to read (arrays or objects inside each other)"
    if isinstance(e, ValueError) and "integer string conversion" in str(e):
        return f"malformed JSON: a number has more than {sys.get_int_max_str_digits():,} digits"
    return f"malformed JSON: {cap_text(str(e), 200)}"


def _read_jsonl(
    name: str, lines: _Lines, mapping: Mapping[str, str], set_values: Mapping[str, Any]
) -> Iterator[RawRow]:
    for text in lines:
        number = lines.line
        if number in lines.bad_lines:
            yield _malformed(name, number, lines.bad_lines[number], text, lines.offset)
            continue
        if not text.strip():
            continue
        try:
            value = json.loads(text)
        except (ValueError, RecursionError) as e:  # JSONDecodeError is a ValueError; so is a too-long number
            yield _malformed(name, number, _json_error(e), text, lines.offset)
            continue
        if not isinstance(value, dict):
            yield _malformed(name, number, f"expected a JSON object, got {type(value).__name__}", text, lines.offset)
            continue
        del text  # a huge line is held once, as the parsed row, while the row is checked
        yield RawRow(name, number, _apply(value, mapping, set_values), offset=lines.offset)


def _csv_error(error: Exception | None, start: int, end: int) -> str:
    if "unexpected end of data" in str(error):
        return f"a quoted field opened on line {start} is never closed (it runs to the end of the input, line {end})"
    return str(error)


def _read_csv(
    name: str,
    lines: _Lines,
    delimiter: str,
    mapping: Mapping[str, str],
    set_values: Mapping[str, Any],
) -> Iterator[RawRow]:
    label = "TSV" if delimiter == "\t" else "CSV"
    reader = csv.reader(lines, delimiter=delimiter, strict=True)
    header: list[str] | None = None
    while True:
        start = lines.line + 1
        lines.record()
        try:
            values = next(reader)
            error = None
        except StopIteration:
            return
        except csv.Error as e:
            values, error = [], e
        taken, lines.taken = lines.taken, None
        end = lines.line
        if error is None and not values:
            continue
        spans = end > start
        wrong_count = error is None and header is not None and len(values) != len(header)
        if spans and (error is not None or wrong_count):
            # A quoted field ran over line ends and the record came out wrong: most likely a quote that is never
            # closed. The row where it opened is rejected; the lines it swallowed are read again as rows.
            if wrong_count:
                reason = (
                    f"malformed {label}: a quoted field opened on line {start} runs to line {end} and the record "
                    f"then has {len(values)} fields, the header has {len(header or ())}; is a closing quote "
                    "missing?"
                )
            elif "unexpected end of data" in str(error):
                reason = f"malformed {label}: {_csv_error(error, start, end)}."
            else:
                reason = (
                    f"malformed {label}: a quoted field opened on line {start} runs to line {end} and the record "
                    f"then ends badly ({error}); is a closing quote missing?"
                )
            again = f"line {end} is" if end == start + 1 else f"lines {start + 1}-{end} are"
            if taken is not None:
                reason += f" The swallowed {again} read again as {'a row' if end == start + 1 else 'rows'}."
                first: str | list[str] = taken[0]
                lines.give_back(taken[1:])
            else:
                reason += f" The swallowed {again} too long to read again."
                first = []
            yield _malformed(name, start, reason, first, lines.offset)
            continue
        if error is not None:
            yield _malformed(
                name, start, f"malformed {label}: {_csv_error(error, start, end)}", taken or [], lines.offset
            )
            continue
        if header is None:  # checked by open_source before any row is read
            header = [c.strip() for c in values]
            continue
        bad = [n for n in range(start, end + 1) if n in lines.bad_lines]
        if bad:
            yield _malformed(name, start, lines.bad_lines[bad[0]], taken or [], lines.offset)
            continue
        if wrong_count:
            yield _malformed(
                name,
                start,
                f"malformed {label}: {len(values)} fields, the header has {len(header)}",
                taken or [],
                lines.offset,
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
    """Validate one raw row into its record model. Never raises for what a row holds: any failure is its error."""
    if row.data is None:
        return RowResult(
            row.file,
            row.line,
            None,
            RowError(row.file, row.line, None, row.error or "malformed row"),
            None,
            row.raw,
            row.offset,
            row.raw_chars,
        )
    try:
        record = RECORD_MODELS[kind].model_validate(row.data, context=context)
    except ValidationError as e:
        return RowResult(row.file, row.line, None, _row_error(row.file, row.line, e), row.data, None, row.offset)
    except Exception as e:  # noqa: BLE001 - a value no check foresaw must cost its row, never the load
        return RowResult(
            row.file, row.line, None, unexpected_row_error(row.file, row.line, e), row.data, None, row.offset
        )
    return RowResult(row.file, row.line, record, None, row.data, None, row.offset)


def unexpected_row_error(file: str, line: int, error: BaseException) -> RowError:
    """The reject for a row that raised something no validation rule foresaw (kept short: it may quote the row)."""
    if isinstance(error, RecursionError):
        return RowError(file, line, None, "the row is nested too deeply to check")
    message = cap_text(str(error), 300)
    return RowError(file, line, None, f"the row could not be checked: {type(error).__name__}: {message}")


def catalog_label_counts(
    sources: Sequence[tuple[str, InputFormat]], mapping: Mapping[str, str], set_values: Mapping[str, Any]
) -> Counter[str]:
    """How many items of the given files carry each flat label (``categories`` as ``"A|B"``), for the domain rule.

    A pass over the files before their rows are validated: the ``rarest`` and ``commonest`` rules need the whole
    catalog's counts to pick an item's domain. Standard input is skipped (it can be read only once); rows that
    do not parse are skipped here (validation rejects them with their reason).
    """

    def flat_sets() -> Iterator[list[str]]:
        for name, fmt in sources:
            if name == STDIN:
                continue
            for row in read_rows(name, fmt, mapping, set_values):
                try:
                    labels, is_path = split_labels((row.data or {}).get("categories"))
                except ValueError:
                    continue
                if not is_path:
                    yield labels

    return label_counts(flat_sets())


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

    Items of a file get their domain by ``settings.domain_rule`` over the file's label counts; from standard
    input (read once, so not counted) an item with several flat labels gets the first.

    Raises:
        ConfigurationError: --map/--set name an unknown field, or a CSV lacks a mapped or required column.
        LoadError: the source cannot be read.
    """
    settings = settings or Settings()
    mapping = dict(mapping or {})
    set_values = dict(set_values or {})
    check_field_names(kind, mapping, set_values)
    fmt = detect_format(source, format)
    opened = open_source(source, kind, fmt, mapping, set_values, stdin)
    counts = None
    if kind == "items" and settings.domain_rule != "first" and str(source) != STDIN and fmt is not None:
        counts = catalog_label_counts([(str(source), fmt)], mapping, set_values)
    context = record_context(settings, counts)
    for row in opened.rows(mapping, set_values, stdin):
        yield validate_row(row, kind, context)
