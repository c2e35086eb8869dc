"""Filter indexes and evaluation (docs/lite-server.md §5).

A filter evaluates to a boolean numpy mask over internal doc ids. Scalar properties are numpy
columns indexed by doc; array properties are (value, doc) pair arrays; text is matched token by
token against per-property postings (built lazily, on the first filter that needs them, so long
descriptions nobody filters on cost nothing). Every mask is cheap to combine (And/Or/Not).
"""

from __future__ import annotations

import re
import threading
from collections.abc import Callable, Iterable
from typing import Any

import numpy as np

from weaviate_recsys.lite import text as text_mod
from weaviate_recsys.lite.api_errors import Unprocessable
from weaviate_recsys.lite.limits import check_deadline
from weaviate_recsys.lite.schema import ClassSpec, PropertySpec
from weaviate_recsys.lite.values import parse_date

__all__ = ["FilterIndex", "FilterError", "GrowArray"]

Mask = np.ndarray
#: Bytes of condition masks one collection keeps between writes (one byte per object each; the cache starts
#: over when full, so a large collection keeps fewer conditions).
_CONDITION_CACHE_BYTES = 32 * 1024 * 1024

# Operator numbers of weaviate.v1.Filters.Operator
EQUAL, NOT_EQUAL, GT, GTE, LT, LTE, AND, OR, GEO, LIKE, IS_NULL, C_ANY, C_ALL, C_NONE, NOT = range(1, 16)
_OP_NAMES = {
    EQUAL: "Equal",
    NOT_EQUAL: "NotEqual",
    GT: "GreaterThan",
    GTE: "GreaterThanEqual",
    LT: "LessThan",
    LTE: "LessThanEqual",
    AND: "And",
    OR: "Or",
    GEO: "WithinGeoRange",
    LIKE: "Like",
    IS_NULL: "IsNull",
    C_ANY: "ContainsAny",
    C_ALL: "ContainsAll",
    C_NONE: "ContainsNone",
    NOT: "Not",
}
_VALUE_FIELD_NAMES = {
    "value_text": "valueText",
    "value_int": "valueInt",
    "value_boolean": "valueBoolean",
    "value_number": "valueNumber",
    "value_text_array": "valueTextArray",
    "value_int_array": "valueIntArray",
    "value_boolean_array": "valueBooleanArray",
    "value_number_array": "valueNumberArray",
    "value_geo": "valueGeoRange",
}
_EXPECTED_FIELD = {
    "text": "valueText",
    "uuid": "valueText",
    "date": "valueDate",
    "int": "valueInt",
    "number": "valueNumber",
    "boolean": "valueBoolean",
}


class FilterError(Unprocessable):
    """A malformed or unsupported filter; wrapped like Weaviate's ``invalid 'where' filter: ...``."""

    def __init__(self, message: str) -> None:
        super().__init__(f"invalid 'where' filter: {message}")


class GrowArray:
    """A numpy array that grows by doubling, so per-object appends stay O(1) amortised."""

    def __init__(self, dtype: Any, fill: Any) -> None:
        self.dtype = np.dtype(dtype)
        self.fill = fill
        self.data = np.full(1024, fill, dtype=self.dtype)

    def ensure(self, n: int) -> None:
        if n > len(self.data):
            cap = len(self.data)
            while cap < n:
                cap *= 2
            new = np.full(cap, self.fill, dtype=self.dtype)
            new[: len(self.data)] = self.data
            self.data = new


class _Pairs:
    """(value, doc) pairs of an array property; removed docs are marked invalid in place."""

    def __init__(self, dtype: Any) -> None:
        self.values = GrowArray(dtype, 0)
        self.docs = GrowArray(np.int64, -1)
        self.valid = GrowArray(np.bool_, False)
        self.size = 0
        self.ranges: dict[int, tuple[int, int]] = {}

    def add(self, doc: int, values: list[Any]) -> None:
        self.remove(doc)
        if not values:
            return
        start, end = self.size, self.size + len(values)
        for g in (self.values, self.docs, self.valid):
            g.ensure(end)
        self.values.data[start:end] = values
        self.docs.data[start:end] = doc
        self.valid.data[start:end] = True
        self.size = end
        self.ranges[doc] = (start, end)

    def remove(self, doc: int) -> None:
        r = self.ranges.pop(doc, None)
        if r is not None:
            self.valid.data[r[0] : r[1]] = False

    def docs_where(self, cond: Callable[[np.ndarray], np.ndarray]) -> np.ndarray:
        n = self.size
        sel = cond(self.values.data[:n]) & self.valid.data[:n]
        return self.docs.data[:n][sel]


class _Postings:
    """token -> set of docs, with per-token numpy arrays cached until the token changes."""

    def __init__(self) -> None:
        self.sets: dict[str, set[int]] = {}
        self.cache: dict[str, np.ndarray] = {}

    def add(self, doc: int, tokens: Iterable[str]) -> None:
        for t in set(tokens):
            s = self.sets.get(t)
            if s is None:
                self.sets[t] = {doc}
            else:
                s.add(doc)
            self.cache.pop(t, None)

    def remove(self, doc: int, tokens: Iterable[str]) -> None:
        for t in set(tokens):
            s = self.sets.get(t)
            if s is not None:
                s.discard(doc)
                if not s:
                    del self.sets[t]
                self.cache.pop(t, None)

    def docs(self, token: str) -> np.ndarray:
        arr = self.cache.get(token)
        if arr is None:
            s = self.sets.get(token)
            arr = np.fromiter(s, dtype=np.int64, count=len(s)) if s else np.empty(0, dtype=np.int64)
            self.cache[token] = arr
        return arr


class _PropIndex:
    def __init__(self, prop: PropertySpec) -> None:
        self.prop = prop
        self.length = GrowArray(np.int32, -1)  # -1: absent; text: runes; arrays: elements
        base = prop.base_type
        self.kind = base
        self.column: GrowArray | None = None
        self.pairs: _Pairs | None = None
        self.postings: _Postings | None = None  # text/uuid, built lazily
        dtype = {"int": np.int64, "date": np.int64, "number": np.float64, "boolean": np.int8}.get(base)
        if dtype is not None:
            if prop.is_array:
                self.pairs = _Pairs(dtype)
            else:
                self.column = GrowArray(dtype, 0)


def _value_length(value: Any) -> int:
    if value is None:
        return -1
    if isinstance(value, (str, list, dict)):
        return len(value)
    return 1


def _numeric(base: str, value: Any) -> Any:
    if base == "date":
        return parse_date(value)[1]
    if base == "boolean":
        return 1 if value else 0
    return value


_LIKE_WORD_SPLIT = re.compile(r"[^\w*?]+|_+", re.UNICODE)


class FilterIndex:
    """Per-collection filter structures, kept in step with every write.

    Args:
        spec: the collection's class definition.
        value_of: returns the stored properties of a doc (used to build text postings lazily).
    """

    def __init__(self, spec: ClassSpec, value_of: Callable[[int], dict[str, Any] | None]) -> None:
        self._value_of = value_of
        self._lock = threading.RLock()
        #: bumped by every write; cached condition masks belong to one version
        self.version = 0
        self._leaves: dict[bytes, Mask] = {}
        self._leaf_version = -1
        self.alive = GrowArray(np.bool_, False)
        self.created = GrowArray(np.int64, 0)
        self.updated = GrowArray(np.int64, 0)
        self.n = 0
        self.uuids: dict[str, int] = {}
        self.set_spec(spec)

    def set_spec(self, spec: ClassSpec) -> None:
        """(Re)read the class definition; new properties start empty, existing ones are kept."""
        self.version += 1
        self.spec = spec
        preset, add, rem = spec.stopword_config()
        self.stopwords = text_mod.Stopwords(preset, add, rem)
        props = getattr(self, "props", {})
        self.props: dict[str, _PropIndex] = {
            name: props.get(name) or _PropIndex(p) for name, p in spec.properties.items()
        }
        for idx in self.props.values():  # a property added later starts with no values
            idx.length.ensure(self.n)
            if idx.column is not None:
                idx.column.ensure(self.n)

    # --- maintenance ---------------------------------------------------------------------

    def add(self, doc: int, uuid: str, props: dict[str, Any], created: int, updated: int) -> None:
        with self._lock:
            self.version += 1
            if doc + 1 > self.n:
                self.n = doc + 1
                for g in (self.alive, self.created, self.updated):
                    g.ensure(self.n)
            self.alive.data[doc] = True
            self.created.data[doc] = created
            self.updated.data[doc] = updated
            self.uuids[uuid] = doc
            for name, idx in self.props.items():
                value = props.get(name)
                idx.length.ensure(self.n)
                idx.length.data[doc] = _value_length(value)
                if idx.column is not None:
                    idx.column.ensure(self.n)
                    if value is not None:
                        idx.column.data[doc] = _numeric(idx.kind, value)
                elif idx.pairs is not None:
                    if value:
                        idx.pairs.add(doc, [_numeric(idx.kind, v) for v in value])
                elif idx.postings is not None and value is not None:
                    idx.postings.add(doc, self._doc_tokens(idx.prop, value))

    def add_many(self, recs: list[Any]) -> None:
        """``add`` for many new records at once (vectorised column writes)."""
        if not recs:
            return
        with self._lock:
            self.version += 1
            docs = np.fromiter((r.doc for r in recs), dtype=np.int64, count=len(recs))
            top = int(docs.max()) + 1
            if top > self.n:
                self.n = top
                for g in (self.alive, self.created, self.updated):
                    g.ensure(self.n)
            self.alive.data[docs] = True
            self.created.data[docs] = [r.created for r in recs]
            self.updated.data[docs] = [r.updated for r in recs]
            for r in recs:
                self.uuids[r.uuid] = r.doc
            sized = (str, list, dict)
            for name, idx in self.props.items():
                values = [r.props.get(name) for r in recs]
                idx.length.ensure(self.n)
                # _value_length, inlined (called for every property of every object)
                idx.length.data[docs] = [-1 if v is None else (len(v) if isinstance(v, sized) else 1) for v in values]
                if idx.column is not None:
                    idx.column.ensure(self.n)
                    present = [i for i, v in enumerate(values) if v is not None]
                    if present:
                        if idx.kind in ("date", "boolean"):
                            column = [_numeric(idx.kind, values[i]) for i in present]
                        else:
                            column = [values[i] for i in present]
                        idx.column.data[docs[present]] = column
                elif idx.pairs is not None:
                    for r, v in zip(recs, values):
                        if v:
                            idx.pairs.add(r.doc, [_numeric(idx.kind, x) for x in v])
                elif idx.postings is not None:
                    for r, v in zip(recs, values):
                        if v is not None:
                            idx.postings.add(r.doc, self._doc_tokens(idx.prop, v))

    def remove(self, doc: int, uuid: str, props: dict[str, Any]) -> None:
        with self._lock:
            self.version += 1
            if doc < self.n:
                self.alive.data[doc] = False
            if self.uuids.get(uuid) == doc:
                del self.uuids[uuid]
            for name, idx in self.props.items():
                value = props.get(name)
                if doc < len(idx.length.data):
                    idx.length.data[doc] = -1
                if idx.pairs is not None:
                    idx.pairs.remove(doc)
                elif idx.postings is not None and value is not None:
                    idx.postings.remove(doc, self._doc_tokens(idx.prop, value))

    def _doc_tokens(self, prop: PropertySpec, value: Any) -> list[str]:
        if prop.base_type == "uuid":
            return list(value) if isinstance(value, list) else [value]
        tok = prop.tokenization or "word"
        if isinstance(value, list):
            out: list[str] = []
            for v in value:
                out.extend(text_mod.tokenize(v, tok))
            return out
        return text_mod.tokenize(value, tok)

    def _postings(self, idx: _PropIndex) -> _Postings:
        if idx.postings is None:
            postings = _Postings()
            name = idx.prop.name
            alive = np.flatnonzero(self.alive.data[: self.n])
            for doc in alive.tolist():
                props = self._value_of(doc)
                if props is not None and props.get(name) is not None:
                    postings.add(doc, self._doc_tokens(idx.prop, props[name]))
            idx.postings = postings
        return idx.postings

    # --- evaluation ----------------------------------------------------------------------

    def all_alive(self) -> Mask:
        return self.alive.data[: self.n].copy()

    def evaluate(self, f: Any) -> Mask:
        """Evaluate a ``weaviate.v1.Filters`` message to a mask over docs.

        Raises:
            FilterError: for malformed filters, unknown properties, wrong value types and the
                index prerequisites of §5.2.
        """
        with self._lock:
            mask = self._eval(f, depth=0)
            return mask & self.alive.data[: self.n]

    def _empty(self) -> Mask:
        return np.zeros(self.n, dtype=np.bool_)

    def _from_docs(self, docs: np.ndarray) -> Mask:
        mask = self._empty()
        if len(docs):
            mask[docs] = True
        return mask

    def _eval(self, f: Any, depth: int) -> Mask:
        if depth > 64:
            raise FilterError("filter nesting is too deep")
        op = int(f.operator)
        if op in (AND, OR):
            if not f.filters:
                raise FilterError(f"operator {_OP_NAMES[op]} requires at least one operand")
            masks = [self._eval(c, depth + 1) for c in f.filters]
            out = masks[0].copy()
            for m in masks[1:]:
                if op == AND:
                    out &= m
                else:
                    out |= m
            return out
        if op == NOT:
            if len(f.filters) != 1:
                raise FilterError("operator Not requires exactly one operand")
            return self.alive.data[: self.n] & ~self._eval(f.filters[0], depth + 1)
        if op not in _OP_NAMES:
            raise FilterError(f"unknown filter operator {op}")
        if op == GEO:
            raise FilterError("WithinGeoRange is not supported by the lite server (no geoCoordinates)")
        # A condition's docs depend only on the condition and the stored objects: reused until the next write
        # (the same domain, null-state or seen-items conditions recur across queries).
        key = f.SerializeToString(deterministic=True)
        if self._leaf_version != self.version:
            self._leaves.clear()
            self._leaf_version = self.version
        hit = self._leaves.get(key)
        if hit is not None:
            return hit
        mask = self._eval_leaf(f, op)
        if (len(self._leaves) + 1) * max(self.n, 1) > _CONDITION_CACHE_BYTES:
            self._leaves.clear()
        mask.flags.writeable = False  # shared: callers combine masks into new arrays
        self._leaves[key] = mask
        return mask

    def _eval_leaf(self, f: Any, op: int) -> Mask:
        target = self._target(f)
        which = f.WhichOneof("test_value")
        if target == "_id":
            return self._eval_id(op, f, which)
        if target in ("_creationTimeUnix", "_lastUpdateTimeUnix"):
            return self._eval_timestamp(target, op, f, which)
        if target.startswith("len(") and target.endswith(")"):
            return self._eval_length(target[4:-1], op, f, which)
        idx = self.props.get(target)
        if idx is None:
            raise FilterError(
                f"no such prop with name '{target}' found in class '{self.spec.name}' in the schema. "
                "Check your schema files for which properties in this class are available"
            )
        prop = idx.prop
        if op == IS_NULL:
            if not self.spec.inverted.get("indexNullState"):
                raise FilterError(
                    "Nullstate must be indexed to be filterable! Add `indexNullState: true` to the invertedIndexConfig"
                )
            if which != "value_boolean":
                raise FilterError("IsNull requires a boolean value (valueBoolean)")
            length = idx.length.data[: self.n]
            return (length <= 0) if f.value_boolean else (length > 0)
        if not prop.filterable and not (prop.is_text and prop.searchable):
            raise FilterError(
                f"Filtering by property '{prop.name}' requires inverted index. Is `indexFilterable` option "
                f"of property '{prop.name}' enabled? Set it to `true` or leave empty"
            )
        if idx.kind == "object":
            raise FilterError(f"filtering on object property '{prop.name}' is not supported by the lite server")
        if op in (C_ANY, C_ALL, C_NONE):
            values = self._array_values(f, which, idx)
            if not values:
                raise FilterError(f"{_OP_NAMES[op]} requires a non-empty list of values")
            if op != C_ALL and idx.kind in ("text", "uuid"):
                # union of the per-value postings (one scatter): O(matches), not O(values × objects)
                out = self._text_any(idx, values)
                return self.alive.data[: self.n] & ~out if op == C_NONE else out
            masks = [self._leaf(idx, EQUAL, v) for v in values]
            out = masks[0].copy()
            for m in masks[1:]:
                if op == C_ALL:
                    out &= m
                else:
                    out |= m
            if op == C_NONE:
                return self.alive.data[: self.n] & ~out
            return out
        value = self._scalar_value(f, which, idx)
        if op == NOT_EQUAL:
            # §5.2: complement of Equal over all objects, missing values included; on text each
            # token is its own NotEqual, ANDed: "contains none of the tokens"
            if idx.kind == "text":
                postings = self._postings(idx)
                hit = self._empty()
                for token in self._filter_tokens(idx, value):
                    hit[postings.docs(token)] = True
                return self.alive.data[: self.n] & ~hit
            return self.alive.data[: self.n] & ~self._leaf(idx, EQUAL, value)
        return self._leaf(idx, op, value)

    @staticmethod
    def _target(f: Any) -> str:
        if f.HasField("target"):
            t = f.target
            kind = t.WhichOneof("target")
            if kind == "property":
                return str(t.property)
            if kind is None:
                raise FilterError("filter target is empty")
            raise FilterError("filters on cross-references are not supported by the lite server")
        if len(f.on) == 1:
            return str(f.on[0])
        if len(f.on) > 1:
            raise FilterError("filters on cross-references are not supported by the lite server")
        raise FilterError("a filter needs a target property")

    # value extraction with Weaviate's coercions (§5.1) -----------------------------------

    def _wrong_type(self, which: str | None, idx: _PropIndex) -> FilterError:
        given = _VALUE_FIELD_NAMES.get(which or "", "no value")
        want = _EXPECTED_FIELD.get(idx.kind, "valueText")
        return FilterError(
            f'data type filter cannot use "{given}" on type "{idx.prop.data_type}", use "{want}" instead'
        )

    def _coerce_one(self, idx: _PropIndex, which: str | None, raw: Any) -> Any:
        kind = idx.kind
        if kind in ("text",):
            if which not in ("value_text", "value_text_array"):
                raise self._wrong_type(which, idx)
            return str(raw)
        if kind == "uuid":
            if which not in ("value_text", "value_text_array"):
                raise self._wrong_type(which, idx)
            return str(raw).lower()
        if kind == "date":
            if which not in ("value_text", "value_text_array"):
                raise self._wrong_type(which, idx)
            try:
                return parse_date(str(raw))[1]
            except ValueError:
                raise FilterError(f"cannot parse date value {raw!r}: use RFC3339") from None
        if kind == "boolean":
            if which not in ("value_boolean", "value_boolean_array"):
                raise self._wrong_type(which, idx)
            return 1 if raw else 0
        if kind == "number":
            if which not in ("value_number", "value_int", "value_number_array", "value_int_array"):
                raise self._wrong_type(which, idx)
            return float(raw)
        if kind == "int":
            if which in ("value_int", "value_int_array"):
                return int(raw)
            if which in ("value_number", "value_number_array"):
                if not float(raw).is_integer():
                    raise FilterError(f"filtering for integer, but received a floating point number {raw}")
                return int(raw)
            raise self._wrong_type(which, idx)
        raise self._wrong_type(which, idx)

    def _scalar_value(self, f: Any, which: str | None, idx: _PropIndex) -> Any:
        if which is None:
            raise FilterError(f"filter on '{idx.prop.name}' has no value")
        if which.endswith("_array"):
            raise FilterError(f"operator {_OP_NAMES[int(f.operator)]} needs a single value, not a list")
        return self._coerce_one(idx, which, getattr(f, which))

    def _array_values(self, f: Any, which: str | None, idx: _PropIndex) -> list[Any]:
        if which is None:
            raise FilterError(f"filter on '{idx.prop.name}' has no value")
        if which.endswith("_array"):
            raw = list(getattr(f, which).values)
        else:
            raw = [getattr(f, which)]
        return [self._coerce_one(idx, which, v) for v in raw]

    # leaves ------------------------------------------------------------------------------

    def _leaf(self, idx: _PropIndex, op: int, value: Any) -> Mask:
        if idx.kind in ("text", "uuid"):
            return self._text_leaf(idx, op, value)
        n = self.n
        cond = _comparison(op)
        if cond is None:
            raise FilterError(f"operator {_OP_NAMES[op]} is not supported on type {idx.prop.data_type}")
        if idx.column is not None:
            present = idx.length.data[:n] > 0
            return present & cond(idx.column.data[:n], value)
        assert idx.pairs is not None
        return self._from_docs(idx.pairs.docs_where(lambda vals: cond(vals, value)))

    def _filter_tokens(self, idx: _PropIndex, value: str, like: bool = False) -> list[str]:
        if idx.kind == "uuid":
            return [value]
        tok = idx.prop.tokenization or "word"
        if like and tok == "word":
            tokens = [t.lower() for t in _LIKE_WORD_SPLIT.split(value) if t]
        else:
            tokens = text_mod.tokenize(value, tok)
        if tok == "word":
            tokens = [t for t in tokens if t not in self.stopwords]
            if not tokens:
                raise FilterError(
                    "invalid search term, only stopwords provided. Stopwords can be configured in "
                    "class.invertedIndexConfig.stopwords"
                )
        if not tokens:
            raise FilterError(f"the filter value {value!r} contains no searchable token")
        return list(dict.fromkeys(tokens))

    def _text_leaf(self, idx: _PropIndex, op: int, value: str) -> Mask:
        postings = self._postings(idx)
        tokens = self._filter_tokens(idx, value, like=(op == LIKE))
        out: Mask | None = None
        for token in tokens:
            if op == EQUAL:
                m = self._from_docs(postings.docs(token))
            elif op == LIKE:
                matches = like_matcher(token)
                m = self._empty()
                for i, t in enumerate(list(postings.sets)):
                    if not i & 1023:
                        check_deadline()
                    if matches(t):
                        m[postings.docs(t)] = True
            else:
                cond = _comparison(op)
                if cond is None:
                    raise FilterError(f"operator {_OP_NAMES[op]} is not supported on text")
                m = self._empty()
                tb = token.encode()
                for i, t in enumerate(list(postings.sets)):
                    if not i & 1023:
                        check_deadline()
                    if _compare_bytes(op, t.encode(), tb):
                        m[postings.docs(t)] = True
            out = m if out is None else (out & m)
        assert out is not None
        return out

    def _text_any(self, idx: _PropIndex, values: list[Any]) -> Mask:
        """OR of ``_text_leaf(idx, EQUAL, v)`` over values, scattering doc arrays once."""
        postings = self._postings(idx)
        parts: list[np.ndarray] = []
        out = self._empty()
        for v in values:
            tokens = self._filter_tokens(idx, v)
            if len(tokens) == 1:
                parts.append(postings.docs(tokens[0]))
            else:
                out |= self._text_leaf(idx, EQUAL, v)
        if parts:
            docs = np.concatenate(parts) if len(parts) > 1 else parts[0]
            if len(docs):
                out[docs] = True
        return out

    def _eval_id(self, op: int, f: Any, which: str | None) -> Mask:
        if which == "value_text":
            values = [f.value_text.lower()]
        elif which == "value_text_array":
            values = [v.lower() for v in f.value_text_array.values]
        else:
            raise FilterError("filters on the id need a text value (valueText)")
        if op in (EQUAL, NOT_EQUAL, C_ANY, C_ALL, C_NONE):
            if not values:
                raise FilterError(f"{_OP_NAMES[op]} requires a non-empty list of values")
            # uuid -> doc lookups: O(len(values)), never a scan of the collection
            docs = [self.uuids.get(v) for v in values]
            out = self._empty()
            if op == C_ALL:
                if docs[0] is not None and all(d == docs[0] for d in docs):
                    out[docs[0]] = True
            else:
                hit = [d for d in docs if d is not None]
                if hit:
                    out[hit] = True
            if op in (NOT_EQUAL, C_NONE):
                return self.alive.data[: self.n] & ~out
            return out
        if op == IS_NULL:
            raise FilterError("IsNull is not supported on the id")
        if len(values) != 1:
            raise FilterError(f"operator {_OP_NAMES[op]} needs a single value")
        v = values[0]
        m = self._empty()
        if op == LIKE:
            matches = like_matcher(v)
            for i, (u, doc) in enumerate(self.uuids.items()):
                if not i & 1023:
                    check_deadline()
                if matches(u):
                    m[doc] = True
            return m
        for u, doc in self.uuids.items():
            if _compare_bytes(op, u.encode(), v.encode()):
                m[doc] = True
        return m

    def _eval_timestamp(self, target: str, op: int, f: Any, which: str | None) -> Mask:
        if not self.spec.inverted.get("indexTimestamps"):
            raise FilterError(
                "Timestamps must be indexed to be filterable! Add `IndexTimestamps: true` to the "
                f"InvertedIndexConfig in {self.spec.name}"
            )
        col = (self.created if target == "_creationTimeUnix" else self.updated).data[: self.n]

        def to_ms(raw: Any) -> int:
            if isinstance(raw, int):
                return raw
            s = str(raw)
            if s.lstrip("-").isdigit():
                return int(s)
            try:
                return parse_date(s)[1] // 1_000_000
            except ValueError:
                raise FilterError(f"cannot parse timestamp value {raw!r}") from None

        if which in ("value_text", "value_int"):
            values = [to_ms(getattr(f, which))]
        elif which in ("value_text_array", "value_int_array"):
            values = [to_ms(v) for v in getattr(f, which).values]
        else:
            raise FilterError("timestamp filters need a date (valueText) or milliseconds (valueInt)")
        return self._numeric_ops(op, col, values)

    def _eval_length(self, name: str, op: int, f: Any, which: str | None) -> Mask:
        if not self.spec.inverted.get("indexPropertyLength"):
            raise FilterError(
                "Property length must be indexed to be filterable! Add `IndexPropertyLength: true` to "
                f"the invertedIndexConfig in {self.spec.name}."
            )
        idx = self.props.get(name)
        if idx is None:
            raise FilterError(
                f"no such prop with name '{name}' found in class '{self.spec.name}' in the schema. "
                "Check your schema files for which properties in this class are available"
            )
        if which == "value_int":
            values = [int(f.value_int)]
        elif which == "value_int_array":
            values = [int(v) for v in f.value_int_array.values]
        else:
            raise FilterError("property length filters need an integer value (valueInt)")
        col = np.maximum(idx.length.data[: self.n], 0)
        return self._numeric_ops(op, col, values)

    def _numeric_ops(self, op: int, col: np.ndarray, values: list[Any]) -> Mask:
        alive = self.alive.data[: self.n]
        if op in (C_ANY, C_ALL, C_NONE):
            masks = [col == v for v in values]
            out = masks[0].copy()
            for m in masks[1:]:
                out = (out & m) if op == C_ALL else (out | m)
            return alive & ~out if op == C_NONE else out
        if op == NOT_EQUAL:
            return alive & ~(col == values[0])
        cond = _comparison(op)
        if cond is None:
            raise FilterError(f"operator {_OP_NAMES.get(op, op)} is not supported here")
        return cond(col, values[0])


def _comparison(op: int) -> Callable[[np.ndarray, Any], np.ndarray] | None:
    return {
        EQUAL: lambda a, v: a == v,
        GT: lambda a, v: a > v,
        GTE: lambda a, v: a >= v,
        LT: lambda a, v: a < v,
        LTE: lambda a, v: a <= v,
    }.get(op)


def _compare_bytes(op: int, a: bytes, b: bytes) -> bool:
    if op == GT:
        return a > b
    if op == GTE:
        return a >= b
    if op == LT:
        return a < b
    if op == LTE:
        return a <= b
    if op == EQUAL:
        return a == b
    raise FilterError(f"operator {_OP_NAMES.get(op, op)} is not supported here")


def like_matcher(pattern: str) -> Callable[[str], object]:
    """A test (truthy on a match) for Weaviate's Like: ``*`` any sequence, ``?`` one character, anchored.

    Semantics: docs/lite-server.md §5.2.

    No nested backtracking: a pattern with at most one ``*`` is a regular expression with one ``.*`` (and
    ``*x*`` a substring test); with more, the pattern is split at ``*`` into segments, the first must match
    at the start, the last at the end, and each middle one is taken at its leftmost place after the
    previous one (a glob with only ``*`` between fixed-length segments matches iff this greedy placement
    succeeds). A segment is found with ``str.find`` or, when it holds ``?``, a regular expression without
    repetition, so a test costs O(len(value) * len(pattern)) at worst, never exponential time (a
    backtracking ``.*x.*y.*z`` costs O(n^k) for k stars: minutes for ``*0*0*0*z`` over 3,000 characters).
    """
    pattern = re.sub(r"\*+", "*", pattern)
    segments = pattern.split("*")
    if "?" not in pattern and len(segments) == 1:
        return lambda value: value == pattern
    if "?" not in pattern and len(segments) == 3 and not segments[0] and not segments[2]:
        inner = segments[1]
        return lambda value: inner in value
    if len(segments) <= 2:
        # at most one ``.*``: the regular expression backtracks over one position at a time, O(n * m)
        rx = re.compile("".join(".*" if c == "*" else "." if c == "?" else re.escape(c) for c in pattern), re.DOTALL)
        return rx.fullmatch
    finders = [_segment_finder(s) for s in segments]
    if len(segments) == 1:
        only = finders[0]
        return lambda value: len(value) == len(pattern) and only(value, 0, len(value)) == 0
    first, last = segments[0], segments[-1]
    find_first, find_last = finders[0], finders[-1]
    middle = [(len(s), f) for s, f in zip(segments[1:-1], finders[1:-1]) if s]

    def matches(value: str) -> bool:
        n = len(value)
        end = n - len(last)
        if end < len(first):
            return False
        if first and find_first(value, 0, len(first)) != 0:
            return False
        if last and find_last(value, end, n) != end:
            return False
        pos = len(first)
        for size, find in middle:
            at = find(value, pos, end)
            if at < 0:
                return False
            pos = at + size
        return True

    return matches


def _segment_finder(segment: str) -> Callable[[str, int, int], int]:
    """``find(value, start, end)``: the leftmost index where ``segment`` (``?`` = any character) fits in
    ``value[start:end]``, or -1."""
    if "?" not in segment:
        return lambda value, start, end: value.find(segment, start, end)
    rx = re.compile("".join("." if ch == "?" else re.escape(ch) for ch in segment), re.DOTALL)

    def find(value: str, start: int, end: int) -> int:
        found = rx.search(value, start, end)
        return -1 if found is None else found.start()

    return find
