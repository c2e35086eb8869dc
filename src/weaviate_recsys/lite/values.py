"""Property values: validation and coercion by schema type, RFC3339 dates, vector checks.

Objects arrive from REST (JSON: ints stay ints) and from gRPC batches (a protobuf Struct: every
number is a double, §2.4); both end up as the same normalised Python values, which is what the
store persists and the indexes see. Error texts follow Weaviate's (§7).
"""

from __future__ import annotations

import calendar
import math
import re
import uuid as uuid_mod
from collections.abc import Mapping
from typing import Any

import numpy as np

from weaviate_recsys.lite.api_errors import Unprocessable
from weaviate_recsys.lite.schema import ClassSpec, PropertySpec
from weaviate_recsys.schema.dates import DATE_RANGE_TEXT, nanos_in_range

__all__ = [
    "coerce_properties",
    "parse_date",
    "canonical_uuid",
    "check_vector",
    "go_type_name",
    "is_storable_text",
]

# nesting beyond this in an object property is refused: the store re-reads every row at start-up
MAX_OBJECT_DEPTH = 64

_RFC3339 = re.compile(r"^(\d{4})-(\d{2})-(\d{2})[Tt](\d{2}):(\d{2}):(\d{2})(?:\.(\d{1,9}))?([Zz]|[+-]\d{2}:\d{2})$")


def parse_date(value: str) -> tuple[str, int]:
    """Parse an RFC3339 date the way Go's ``time.Parse(time.RFC3339)`` does.

    Returns:
        The Go RFC3339Nano rendering of the stored time (offset kept, ``Z`` for a zero offset,
        trailing zero fractions dropped; §2.7) and the nanoseconds since the epoch (for filters,
        which compare at nanosecond precision, §5.2).

    Raises:
        ValueError: when the value is not an RFC3339 date.
    """
    m = _RFC3339.match(value)
    if not m:
        raise ValueError(value)
    year, month, day, hour, minute, second = (int(m.group(i)) for i in range(1, 7))
    frac = m.group(7) or ""
    zone = m.group(8)
    if not (1 <= month <= 12 and 1 <= day <= calendar.monthrange(year, month)[1]):
        raise ValueError(value)
    if hour > 23 or minute > 59 or second > 59:
        raise ValueError(value)
    if zone in ("Z", "z"):
        offset = 0
    else:
        sign = 1 if zone[0] == "+" else -1
        oh, om = int(zone[1:3]), int(zone[4:6])
        if oh > 23 or om > 59:
            raise ValueError(value)
        offset = sign * (oh * 3600 + om * 60)
    seconds = calendar.timegm((year, month, day, hour, minute, second, 0, 0, 0)) - offset
    nanos = int(frac.ljust(9, "0")) if frac else 0
    frac_out = frac.rstrip("0")
    zone_out = "Z" if offset == 0 else zone
    text = f"{year:04d}-{month:02d}-{day:02d}T{hour:02d}:{minute:02d}:{second:02d}"
    if frac_out:
        text += "." + frac_out
    return text + zone_out, seconds * 1_000_000_000 + nanos


_CANONICAL_UUID = re.compile(r"[0-9a-f]{8}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{12}")


def is_storable_text(value: str) -> bool:
    """True when the string can be stored as UTF-8 (JSON's ``\\ud800`` escapes can decode to lone surrogates)."""
    if value.isascii():
        return True
    try:
        value.encode("utf-8")
    except UnicodeEncodeError:
        return False
    return True


_BAD_TEXT = "not valid UTF-8 text: it contains an unpaired surrogate (\\ud800-\\udfff)"


def _check_nested(value: Any, depth: int) -> None:
    """An object property's value: JSON the store can write and read back (finite numbers, UTF-8, bounded depth)."""
    if depth > MAX_OBJECT_DEPTH:
        raise _Invalid("object", f"nested deeper than {MAX_OBJECT_DEPTH} levels")
    if isinstance(value, dict):
        for k, v in value.items():
            if not isinstance(k, str) or not is_storable_text(k):
                raise _Invalid("object", f"key {k!r} is {_BAD_TEXT}")
            _check_nested(v, depth + 1)
    elif isinstance(value, list):
        for v in value:
            _check_nested(v, depth + 1)
    elif isinstance(value, str):
        if not is_storable_text(value):
            raise _Invalid("object", _BAD_TEXT)
    elif isinstance(value, float) and not math.isfinite(value):
        raise _Invalid("object", f"numbers must be finite, the given value is '{value}'")


def canonical_uuid(value: Any) -> str:
    """Lowercase canonical form of a UUID string; ValueError when it is not one."""
    if not isinstance(value, str):
        raise ValueError(value)
    if _CANONICAL_UUID.fullmatch(value):
        return value
    return str(uuid_mod.UUID(value))


def go_type_name(value: Any, via_grpc: bool) -> str:
    """The Go type name Weaviate's validation messages mention for a decoded JSON value."""
    if isinstance(value, bool):
        return "bool"
    if isinstance(value, (int, float)):
        return "float64" if via_grpc else "json.Number"
    if isinstance(value, str):
        return "string"
    if isinstance(value, list):
        return "[]interface {}"
    if isinstance(value, dict):
        return "map[string]interface {}"
    return type(value).__name__


def _num_text(value: Any) -> str:
    if isinstance(value, float) and value.is_integer() and abs(value) < 1e21:
        return str(int(value)) if not isinstance(value, bool) else str(value)
    return str(value)


class _Invalid(Exception):
    def __init__(self, kind: str, detail: str) -> None:
        super().__init__(detail)
        self.kind = kind
        self.detail = detail


def _coerce_scalar(base: str, value: Any, via_grpc: bool) -> Any:
    if base == "text":
        if not isinstance(value, str):
            raise _Invalid("text", f"not a string, but {go_type_name(value, via_grpc)}")
        if not is_storable_text(value):
            raise _Invalid("text", _BAD_TEXT)
        return value
    if base == "int":
        if isinstance(value, bool) or not isinstance(value, (int, float)):
            raise _Invalid("integer", f"requires an integer, the given value is '{value}'")
        if isinstance(value, float):
            if not via_grpc:
                raise _Invalid("integer", f"the JSON number '{value}' could not be converted to an int")
            if not math.isfinite(value) or not value.is_integer():
                raise _Invalid("integer", f"requires an integer, the given value is '{value}'")
            value = int(value)
        if not -(2**63) <= value < 2**63:
            raise _Invalid("integer", f"requires an integer, the given value is '{value}'")
        return int(value)
    if base == "number":
        if isinstance(value, bool) or not isinstance(value, (int, float)):
            raise _Invalid("number", f"requires a float, the given value is '{value}'")
        try:
            value = float(value)
        except OverflowError:  # a JSON integer beyond float64
            raise _Invalid("number", f"requires a float, the given value is '{value}'") from None
        if not math.isfinite(value):
            raise _Invalid("number", f"requires a float, the given value is '{value}'")
        return value
    if base == "boolean":
        if not isinstance(value, bool):
            raise _Invalid("boolean", f"not a bool, but {go_type_name(value, via_grpc)}")
        return value
    if base == "date":
        if not isinstance(value, str):
            raise _Invalid("date", f"requires a string with a RFC3339 formatted date, but the given value is '{value}'")
        try:
            text, nanos = parse_date(value)
        except ValueError:
            raise _Invalid(
                "date", f"requires a string with a RFC3339 formatted date, but the given value is '{value}'"
            ) from None
        if not nanos_in_range(nanos):
            # dates are indexed as 64-bit nanoseconds (docs/lite-server.md, "What the lite server promises")
            raise _Invalid("date", f"requires a date between {DATE_RANGE_TEXT}, but the given value is '{value}'")
        return text
    if base == "uuid":
        try:
            return canonical_uuid(value)
        except (ValueError, AttributeError, TypeError):
            raise _Invalid("uuid", f"requires a string of UUID format, but the given value is '{value}'") from None
    if base == "object":
        if not isinstance(value, dict):
            raise _Invalid("object", f"not an object, but {go_type_name(value, via_grpc)}")
        _check_nested(value, 1)
        return value
    raise _Invalid(base, "unsupported data type")


def _coerce(prop: PropertySpec, value: Any, via_grpc: bool) -> Any:
    if not prop.is_array:
        return _coerce_scalar(prop.data_type, value, via_grpc)
    if type(value) is list:
        # fast paths for homogeneous, already well-typed lists (one pass, no per-element calls)
        base = prop.base_type
        if base == "number":
            if all(type(v) is float for v in value) and all(map(math.isfinite, value)):
                return list(value)
        elif base == "text":
            if all(type(v) is str and v.isascii() for v in value):
                return list(value)
        elif base == "int":
            if all(type(v) is int and -(2**63) <= v < 2**63 for v in value):
                return list(value)
    if not isinstance(value, (list, tuple)):
        base = prop.base_type
        kind = {"text": "text array", "int": "integer array", "number": "number array"}.get(base, f"{base} array")
        raise _Invalid(kind, f"not a {base} array, but {go_type_name(value, via_grpc)}")
    return [_coerce_scalar(prop.base_type, v, via_grpc) for v in value]


def coerce_properties(
    spec: ClassSpec, raw: Mapping[str, Any] | None, via_grpc: bool, *, allow_null: bool = False
) -> dict[str, Any]:
    """Validate and normalise an object's properties against the class (AUTOSCHEMA off, §7).

    Args:
        spec: the collection.
        raw: the incoming property map (JSON-decoded).
        via_grpc: the object came from a gRPC batch (numbers are doubles; Go type names differ).
        allow_null: keep ``None`` values (PATCH uses them to delete a property).

    Raises:
        Unprocessable: the message Weaviate gives for unknown properties and wrong types.
    """
    if raw is None:
        return {}
    if type(raw) is not dict and not isinstance(raw, Mapping):
        raise Unprocessable("invalid object: properties must be a JSON object")
    out: dict[str, Any] = {}
    props = spec.properties
    for key, value in raw.items():
        prop = props.get(key)
        if prop is not None:
            # fast paths for the common, already well-typed values
            dt = prop.data_type
            tv = type(value)
            if (
                (dt == "text" and tv is str and is_storable_text(value))
                or (dt == "boolean" and tv is bool)
                or (dt == "int" and tv is int and -(2**63) <= value < 2**63)
            ):
                out[key] = value
                continue
            if dt == "number" and tv is float and math.isfinite(value):
                out[key] = value
                continue
        name = key[:1].lower() + key[1:] if isinstance(key, str) else key
        prop = props.get(name)
        if prop is None:
            raise Unprocessable(
                f"no such prop with name '{key}' found in class '{spec.name}' in the schema. "
                "Check your schema files for which properties in this class are available"
            )
        if value is None:
            if allow_null:
                out[name] = None
            continue
        try:
            out[name] = _coerce(prop, value, via_grpc)
        except _Invalid as e:
            raise Unprocessable(f"invalid {e.kind} property '{name}' on class '{spec.name}': {e.detail}") from None
    return out


def check_vector(values: Any, *, target: str, uuid: str, expected_dim: int | None) -> np.ndarray:
    """Turn an incoming vector into float32 and check it (finite values, matching length).

    Returns:
        A 1-D float32 array (length 0 means "no vector", as in Weaviate).

    Raises:
        Unprocessable: on non-numeric, NaN/inf or wrong-length input (§7).
    """
    if isinstance(values, np.ndarray):
        arr = values if (values.dtype == np.float32 and values.ndim == 1) else values.astype(np.float32).reshape(-1)
    else:
        if not isinstance(values, (list, tuple)):
            raise Unprocessable(f"vector for target '{target}' must be a list of numbers")
        if any(isinstance(v, bool) or not isinstance(v, (int, float)) for v in values):
            raise Unprocessable(f"vector for target '{target}' must be a list of numbers")
        arr = np.asarray(values, dtype=np.float32)
    if arr.size and not np.isfinite(arr).all():
        raise Unprocessable(
            f"invalid vector for target '{target}' of object {uuid}: "
            "vector contains NaN or infinite values; only finite numbers can be indexed"
        )
    if arr.size and expected_dim is not None and arr.size != expected_dim:
        raise Unprocessable(
            f"Validate vector index {target} for target vector {uuid}: new node has a vector with "
            f"length {arr.size}. Existing nodes have vectors with length {expected_dim}: "
            "vector dimensions do not match the index dimensions"
        )
    return arr
