"""Auto-schema: collections and properties created from the objects written, as Weaviate does by default.

Weaviate infers a property's type from the first value it sees (W:usecases/objects/auto_schema.go): a
string is ``date`` when it is an RFC3339 date, ``uuid`` when it parses as a UUID, else ``text`` (word
tokenization); a JSON number is ``number``; a boolean ``boolean``; a JSON object ``object`` with nested
properties inferred the same way; an array the array of its first element's type (``text[]`` when empty).
gRPC batches carry integer arrays apart from other numbers, and those become ``int[]``. ``null`` values
create nothing. A new collection gets the legacy unnamed vector index (vectorizer ``none``) or, when the
object brings named vectors, one self-provided index per name.
"""

from __future__ import annotations

from collections.abc import Mapping
from typing import Any

from weaviate_recsys.lite.api_errors import Unprocessable
from weaviate_recsys.lite.schema import ClassSpec, lower_first
from weaviate_recsys.lite.values import canonical_uuid, parse_date

__all__ = ["class_body", "infer_property", "new_properties"]


def _scalar_type(value: Any, via_grpc: bool, where: str) -> str | None:
    if isinstance(value, bool):
        return "boolean"
    if isinstance(value, int):
        return "int" if via_grpc else "number"  # over gRPC only int arrays carry Python ints
    if isinstance(value, float):
        return "number"
    if isinstance(value, str):
        try:
            parse_date(value)
            return "date"
        except ValueError:
            pass
        try:
            canonical_uuid(value)
            return "uuid"
        except (ValueError, AttributeError, TypeError):
            return "text"
    if isinstance(value, Mapping):
        if {"latitude", "longitude"} <= set(value) or "input" in value and "internationalFormatted" in value:
            raise Unprocessable(
                f"property '{where}': Weaviate would create a geoCoordinates/phoneNumber property for this "
                "value, a type the lite server does not support; store the fields under other names"
            )
        return "object"
    return None


def _nested(values: list[Mapping[str, Any]], via_grpc: bool, where: str) -> list[dict[str, Any]]:
    """Nested properties covering the keys of every object in ``values`` (the first value of each decides)."""
    out: dict[str, dict[str, Any]] = {}
    for value in values:
        for key, v in value.items():
            if key not in out:
                prop = infer_property(key, v, via_grpc, where=f"{where}.{key}", lower=False)
                if prop is not None:
                    out[key] = prop
    return list(out.values())


def infer_property(
    key: str, value: Any, via_grpc: bool, *, where: str | None = None, lower: bool = True
) -> dict[str, Any] | None:
    """The property definition Weaviate's auto-schema derives from one value (None: nothing to create).

    Raises:
        Unprocessable: for values that would need a type the lite server does not support.
    """
    name = lower_first(key) if lower else key
    where = where or name
    if value is None:
        return None
    if isinstance(value, (list, tuple)):
        items = [v for v in value if v is not None]
        if not items:
            return {"name": name, "dataType": ["text[]"]}
        base = _scalar_type(items[0], via_grpc, where)
        if base is None:
            return None
        prop: dict[str, Any] = {"name": name, "dataType": [base + "[]"]}
        if base == "object":
            nested = _nested([v for v in items if isinstance(v, Mapping)], via_grpc, where)
            if not nested:
                return None
            prop["nestedProperties"] = nested
        return prop
    base = _scalar_type(value, via_grpc, where)
    if base is None:
        return None
    prop = {"name": name, "dataType": [base]}
    if base == "object":
        nested = _nested([value], via_grpc, where)
        if not nested:
            return None
        prop["nestedProperties"] = nested
    return prop


def new_properties(spec: ClassSpec | None, raw: Mapping[str, Any] | None, via_grpc: bool) -> list[dict[str, Any]]:
    """Definitions for the keys of ``raw`` the collection does not have yet (all of them without a spec)."""
    if not raw or not isinstance(raw, Mapping):
        return []
    known = spec.properties if spec is not None else {}
    out: list[dict[str, Any]] = []
    seen: set[str] = set()
    for key, value in raw.items():
        if not isinstance(key, str) or key in known or lower_first(key) in known:
            continue
        prop = infer_property(key, value, via_grpc)
        if prop is not None and prop["name"].lower() not in seen:
            seen.add(prop["name"].lower())
            out.append(prop)
    return out


def class_body(name: str, raw: Mapping[str, Any] | None, vector_names: list[str], via_grpc: bool) -> dict[str, Any]:
    """The ``POST /v1/schema`` body auto-schema sends for an object of a collection that does not exist."""
    body: dict[str, Any] = {"class": name, "properties": new_properties(None, raw, via_grpc)}
    named = [n for n in vector_names if n not in ("", "default")]
    if named:
        body["vectorConfig"] = {n: {"vectorizer": {"none": {}}, "vectorIndexType": "hnsw"} for n in named}
    else:
        body["vectorizer"] = "none"
    return body
