"""Query execution for ``weaviate.v1.Weaviate/Search``: fetch, bm25, near_vector/near_object,
hybrid and multi-target vector search, on the in-memory collection.

Scoring itself lives in bm25.py, vectors.py and fusion.py; this module orchestrates them as
Weaviate's explorer does (docs/lite-server.md §2.6, §4, §6, §9).
"""

from __future__ import annotations

import bisect
import functools
import operator
import struct
from collections.abc import Callable, Sequence
from dataclasses import dataclass
from typing import Any

import numpy as np

from weaviate_recsys.lite import fusion, vectors
from weaviate_recsys.lite.api_errors import ApiError
from weaviate_recsys.lite.bm25 import BM25Hit, parse_query_properties
from weaviate_recsys.lite.collection import Collection, Record
from weaviate_recsys.lite.values import canonical_uuid, parse_date

__all__ = ["Hit", "SearchOutcome", "run_search", "autocut", "decode_vector", "QUERY_MAXIMUM_RESULTS"]

QUERY_DEFAULTS_LIMIT = 10  # §2.6
QUERY_MAXIMUM_RESULTS = 10000  # §2.6
HYBRID_POOL = 100  # QUERY_HYBRID_MAXIMUM_RESULTS, §4.2
_F32 = np.float32
_VECTOR_TYPE_MULTI = 2


class QueryError(ApiError):
    """A query Weaviate would reject: gRPC UNKNOWN with this message (§1.2)."""

    def __init__(self, message: str) -> None:
        super().__init__(message, 422)


@dataclass
class Hit:
    rec: Record
    score: float | None = None
    explain: Callable[[], str] | str | None = None
    distance: float | None = None
    certainty: float | None = None


@dataclass
class SearchOutcome:
    hits: list[Hit]
    kind: str  # "fetch" | "bm25" | "near" | "hybrid"


def autocut(values: list[float], cut_off: int) -> int:
    """Weaviate's autocut (W:entities/autocut/autocut.go): how many leading results to keep."""
    n = len(values)
    if n <= 1 or cut_off <= 0:
        return n
    y = np.asarray(values, dtype=np.float32)
    step = _F32(1.0) / (_F32(n) - _F32(1.0))
    with np.errstate(divide="ignore", invalid="ignore"):
        norm = (y - y[0]) / (y[-1] - y[0])
        diff = norm - np.arange(n, dtype=np.float32) * step
    extrema = 0
    for i in range(1, n):
        if i == n - 1:
            if n > 2 and diff[i] > diff[i - 1] and diff[i] > diff[i - 2]:
                extrema += 1
                if extrema >= cut_off:
                    return i
        elif diff[i] > diff[i - 1] and diff[i] > diff[i + 1]:
            extrema += 1
            if extrema >= cut_off:
                return i
    return n


def decode_vector(data: bytes) -> np.ndarray:
    """float32 little-endian bytes -> 1-D array (no copy)."""
    if len(data) % 4:
        raise QueryError("vector bytes length is not a multiple of 4 (float32 little-endian expected)")
    return np.frombuffer(data, dtype="<f4")


def _decode_vectors_msg(v: Any) -> list[np.ndarray]:
    """A ``weaviate.v1.Vectors`` message -> one or more query vectors (MULTI rows split)."""
    if int(v.type) == _VECTOR_TYPE_MULTI:
        data = bytes(v.vector_bytes)
        if len(data) < 2:
            raise QueryError("multi vector payload is empty")
        (dim,) = struct.unpack("<H", data[:2])
        flat = decode_vector(data[2:])
        if dim == 0 or flat.size % dim:
            raise QueryError("multi vector payload does not match its dimension prefix")
        return [row for row in flat.reshape(-1, dim)]
    return [decode_vector(bytes(v.vector_bytes))]


def _check_finite(q: np.ndarray) -> None:
    if not np.isfinite(q).all():
        raise QueryError("the query vector contains NaN or infinite values")


class _VectorQuery:
    """Targets, combination and query vectors of a near_vector / hybrid request (§9.3)."""

    def __init__(self, coll: Collection) -> None:
        self.coll = coll
        self.targets: list[str] = []
        self.combination: int = 0
        self.weights: list[tuple[str, float]] = []
        self.vector: np.ndarray | None = None
        self.for_targets: list[tuple[str, list[np.ndarray]]] | None = None

    def read_targets(self, msg: Any, deprecated: Any) -> None:
        if msg is not None:
            self.targets = list(msg.target_vectors)
            self.combination = int(msg.combination)
            self.weights = [(w.target, float(w.weight)) for w in msg.weights_for_targets]
        if not self.targets and deprecated:
            self.targets = list(deprecated)
            self.combination = 0  # several deprecated targets: minimum (§9.3)

    def read_near_vector(self, nv: Any) -> None:
        single: list[np.ndarray] = []
        if nv.vector_bytes:
            single.append(decode_vector(bytes(nv.vector_bytes)))
        if len(nv.vectors):
            single.extend(_decode_vectors_msg(nv.vectors[0]))
        if len(nv.vector):
            single.append(np.asarray(list(nv.vector), dtype=np.float32))
        per_target: list[tuple[str, list[np.ndarray]]] = []
        for vft in nv.vector_for_targets:
            qs: list[np.ndarray] = []
            if len(vft.vectors):
                for v in vft.vectors:
                    qs.extend(_decode_vectors_msg(v))
            elif vft.vector_bytes:
                qs.append(decode_vector(bytes(vft.vector_bytes)))
            if per_target and per_target[-1][0] == vft.name:
                per_target[-1][1].extend(qs)  # legacy form repeats a name per vector (§9.2)
            else:
                per_target.append((vft.name, qs))
        for name, data in nv.vector_per_target.items():
            per_target.append((name, [decode_vector(bytes(data))]))
        if single and per_target:
            raise QueryError("near_vector: either vector or VectorPerTarget must be provided, not both")
        if single:
            self.vector = single[0]
        elif per_target:
            self.for_targets = per_target

    @property
    def has_vector(self) -> bool:
        return self.vector is not None or bool(self.for_targets)

    def available(self) -> list[str]:
        return list(self.coll.spec.vectors)

    def pairs(self) -> tuple[list[tuple[str, np.ndarray, float]], str]:
        if self.vector is not None:
            _check_finite(self.vector)
        for _, qs in self.for_targets or []:
            for q in qs:
                _check_finite(q)
        try:
            return vectors.build_search_pairs(
                self.coll.name,
                self.available(),
                self.targets,
                self.combination,
                self.weights,
                vector=self.vector,
                vectors_for_targets=self.for_targets,
            )
        except ValueError as e:
            raise QueryError(str(e)) from None

    def validate_targets_only(self) -> None:
        """Hybrid parses targets even when the vector leg does not run (§9.7 item 7)."""
        if not self.targets and (self.coll.spec.legacy_vector or len(self.coll.spec.vectors) <= 1):
            return
        saved = self.vector, self.for_targets
        self.vector, self.for_targets = np.zeros(1, dtype=np.float32), None
        try:
            self.pairs()
        finally:
            self.vector, self.for_targets = saved

    def search(
        self, k: int, allow: np.ndarray | None, max_distance: float | None, certainty_input: bool
    ) -> tuple[list[tuple[int, float]], bool]:
        """Run the (multi-)target kNN; returns ([(doc, D)], single_pair)."""
        docs, dist, single = self.search_arrays(k, allow, max_distance, certainty_input)
        return list(zip(docs.tolist(), dist.tolist())), single

    def search_arrays(
        self, k: int, allow: np.ndarray | None, max_distance: float | None, certainty_input: bool
    ) -> tuple[np.ndarray, np.ndarray, bool]:
        """`search` as arrays: (doc ids, distances D as float64, single_pair)."""
        pairs, combo = self.pairs()
        if certainty_input and len(pairs) > 1:
            raise QueryError("multiple target vectors are not supported with certainty")
        if certainty_input:
            metric = self.coll.spec.vectors[pairs[0][0]].distance
            if metric != "cosine":
                raise QueryError(
                    f"can't compute and return certainty when vector index is configured with {metric} distance"
                )
        prefix = f"explorer: get class: vector search: object vector search at index {self.coll.name.lower()}: "
        try:
            if len(pairs) == 1:
                target, q, _ = pairs[0]
                docs, dist32 = self.coll.vector_indexes[target].search_arrays(q, k, allow, max_distance)
                dist = dist32.astype(np.float64)
            else:
                docs, dist = vectors.multi_target_search_arrays(
                    self.coll.vector_indexes, pairs, combo, k, allow, self.coll.uuid_of, max_distance
                )
        except ValueError as e:
            raise QueryError(prefix + str(e)) from None
        return docs, dist, len(pairs) == 1

    def single_target(self) -> str | None:
        pairs, _ = self.pairs()
        return pairs[0][0] if len(pairs) == 1 else None


def _limits(req: Any) -> tuple[int, int]:
    limit = int(req.limit) if req.limit > 0 else QUERY_DEFAULTS_LIMIT
    offset = max(int(req.offset), 0)
    if offset + limit > QUERY_MAXIMUM_RESULTS:
        raise QueryError(
            f"query maximum results exceeded: offset ({offset}) + limit ({limit}) must not exceed "
            f"{QUERY_MAXIMUM_RESULTS}"
        )
    return limit, offset


def _unsupported(req: Any) -> None:
    for name, what in (
        (
            "near_text",
            "near_text needs a text2vec module; the lite server has none: embed the text yourself and use near_vector",
        ),
        ("near_image", "near_image needs a multi2vec module, which the lite server does not have"),
        ("near_audio", "near_audio is not supported by the lite server"),
        ("near_video", "near_video is not supported by the lite server"),
        ("near_depth", "near_depth is not supported by the lite server"),
        ("near_thermal", "near_thermal is not supported by the lite server"),
        ("near_imu", "near_imu is not supported by the lite server"),
        ("generative", "generative search needs a generative module; the lite server has none"),
        ("rerank", "rerank needs a reranker module; the lite server has none"),
        ("group_by", "group_by is not supported by the lite server"),
        ("boost", "boost is not supported by the lite server"),
    ):
        if req.HasField(name):
            raise QueryError(what)
    if req.tenant:
        raise QueryError("multi-tenancy is not supported by the lite server (tenant given)")
    props = req.properties if req.HasField("properties") else None
    if props is not None and len(props.ref_properties):
        raise QueryError("cross-references are not supported by the lite server")


def run_search(coll: Collection, req: Any) -> SearchOutcome:
    """Execute a SearchRequest against one collection (caller holds the database lock).

    Raises:
        ApiError: with the message Weaviate gives (the gRPC layer maps it to UNKNOWN).
    """
    _unsupported(req)
    limit, offset = _limits(req)
    searches = [f for f in ("hybrid_search", "bm25_search", "near_vector", "near_object") if req.HasField(f)]
    if len(searches) > 1:
        raise QueryError(f"only one search may be given per query, got {', '.join(searches)}")
    if req.after:
        if searches:
            raise QueryError(
                "cursor api: invalid 'after' parameter: other params cannot be set with after and limit parameters"
            )
        if req.offset or req.HasField("filters") or len(req.sort_by):
            given = [
                n
                for n, on in (("offset", req.offset), ("where", req.HasField("filters")), ("sort", len(req.sort_by)))
                if on
            ]
            raise QueryError(
                f"cursor api: invalid 'after' parameter: {','.join(given)} cannot be set with after and limit parameters"
            )
    if len(req.sort_by) and searches:
        raise QueryError("sort is only supported for queries without a search (fetch_objects)")
    mask = coll.filters.evaluate(req.filters) if req.HasField("filters") else None
    if not searches:
        return SearchOutcome(_fetch(coll, req, mask, limit, offset), "fetch")
    kind = searches[0]
    if kind == "bm25_search":
        return SearchOutcome(_bm25(coll, req, mask, limit, offset), "bm25")
    if kind in ("near_vector", "near_object"):
        return SearchOutcome(_near(coll, req, mask, limit, offset), "near")
    return SearchOutcome(_hybrid(coll, req, mask, limit, offset), "hybrid")


# --- fetch ---------------------------------------------------------------------------------


def _fetch(coll: Collection, req: Any, mask: np.ndarray | None, limit: int, offset: int) -> list[Hit]:
    by_doc = coll.by_doc
    if len(req.sort_by):
        if mask is not None:
            recs = [r for r in (by_doc[d] for d in np.flatnonzero(mask).tolist()) if r is not None]
        else:
            recs = [coll.records[u] for u in coll.sorted_uuids()]
        recs = _sorted_records(coll, recs, req.sort_by)
        return [Hit(r) for r in recs[offset : offset + limit]]
    if mask is not None:
        # §5.3: filtered fetches come in docID (insertion) order
        docs = mask.nonzero()[0][offset : offset + limit]
        return [Hit(r) for r in (by_doc[d] for d in docs.tolist()) if r is not None]
    uuids = coll.sorted_uuids()  # §5.3: unfiltered fetches come in UUID order
    start = offset
    if req.after:
        try:
            after = canonical_uuid(req.after)
        except ValueError:
            raise QueryError(f"cursor api: invalid 'after' parameter: {req.after!r} is not a UUID") from None
        start = bisect.bisect_right(uuids, after)
    return [Hit(coll.records[u]) for u in uuids[start : start + limit]]


def _property_sort_key(path: str, rec: Record) -> Any:
    return rec.props.get(path)


def _date_sort_key(path: str, rec: Record) -> Any:
    return parse_date(rec.props[path])[1] if rec.props.get(path) is not None else None


def _sorted_records(coll: Collection, recs: list[Record], sort_by: Any) -> list[Record]:
    for s in reversed(list(sort_by)):
        if len(s.path) != 1:
            raise QueryError("sorting by reference paths is not supported by the lite server")
        path = s.path[0]
        key: Callable[[Record], Any]
        if path == "_id":
            key = operator.attrgetter("uuid")
        elif path == "_creationTimeUnix":
            key = operator.attrgetter("created")
        elif path == "_lastUpdateTimeUnix":
            key = operator.attrgetter("updated")
        else:
            prop = coll.spec.properties.get(path)
            if prop is None:
                raise QueryError(f"no such prop with name '{path}' found in class '{coll.name}' in the schema")
            if prop.is_array or prop.base_type == "object":
                raise QueryError(f"sorting by {prop.data_type} property '{path}' is not supported")
            if prop.base_type == "date":
                key = functools.partial(_date_sort_key, path)
            else:
                key = functools.partial(_property_sort_key, path)
        present = [r for r in recs if key(r) is not None]
        missing = [r for r in recs if key(r) is None]
        present.sort(key=key, reverse=not s.ascending)
        # nil values sort first ascending, last descending
        recs = missing + present if s.ascending else present + missing
    return recs


# --- bm25 ----------------------------------------------------------------------------------


def _bm25_operator(msg: Any | None) -> tuple[str, int]:
    if msg is None:
        return "or", 0
    op = int(msg.operator)
    if op == 3:
        raise QueryError("BM25 operator and_cross is not supported by the lite server")
    return ("and" if op == 2 else "or"), int(msg.minimum_or_tokens_match)


def _keyword(
    coll: Collection, query: str, props: list[str], k: int, allow: np.ndarray | None, op_msg: Any | None
) -> list[Any]:
    operator, minimum = _bm25_operator(op_msg)
    try:
        return coll.inverted.search(
            query, parse_query_properties(props) if props else None, k, allow, operator, minimum
        )
    except ValueError as e:
        raise QueryError(str(e)) from None


def _keyword_arrays(
    coll: Collection, query: str, props: list[str], k: int, allow: np.ndarray | None, op_msg: Any | None
) -> tuple[np.ndarray, np.ndarray]:
    """`_keyword` as arrays (doc ids, float32 scores), without explain strings: hybrid's keyword leg."""
    operator, minimum = _bm25_operator(op_msg)
    try:
        return coll.inverted.search_arrays(
            query, parse_query_properties(props) if props else None, k, allow, operator, minimum
        )
    except ValueError as e:
        raise QueryError(str(e)) from None


def _ranked_hit(coll: Collection, ranked: BM25Hit | fusion.FusedHit) -> Hit:
    """The result for a BM25 or fused hit; its explain string is built only if the response asks for it."""
    return Hit(coll.record_of(ranked.doc), score=ranked.score, explain=lambda: ranked.explain)


def _bm25(coll: Collection, req: Any, mask: np.ndarray | None, limit: int, offset: int) -> list[Hit]:
    b = req.bm25_search
    op_msg = b.search_operator if b.HasField("search_operator") else None
    hits = _keyword(coll, b.query, list(b.properties), offset + limit, mask, op_msg)
    if req.autocut > 0:
        hits = hits[: autocut([h.score for h in hits], req.autocut)]
    return [_ranked_hit(coll, h) for h in hits[offset : offset + limit]]


# --- near_vector / near_object --------------------------------------------------------------


def _near(coll: Collection, req: Any, mask: np.ndarray | None, limit: int, offset: int) -> list[Hit]:
    vq = _VectorQuery(coll)
    if req.HasField("near_vector"):
        nv = req.near_vector
        vq.read_targets(nv.targets if nv.HasField("targets") else None, nv.target_vectors)
        vq.read_near_vector(nv)
        has_distance, has_certainty = nv.HasField("distance"), nv.HasField("certainty")
        distance, certainty = nv.distance, nv.certainty
        what = "near_vector"
    else:
        no = req.near_object
        vq.read_targets(no.targets if no.HasField("targets") else None, no.target_vectors)
        try:
            source = coll.get(canonical_uuid(no.id))
        except ValueError:
            raise QueryError(f"nearObject: invalid id {no.id!r}") from None
        if source is None:
            raise QueryError(f"nearObject: vector not found: object {no.id} does not exist")
        names = vq.targets or (["default"] if coll.spec.legacy_vector else list(coll.spec.vectors)[:1])
        stored = coll.vectors_of(source)
        if len(set(names)) == 1 and names[0] in stored:
            vq.vector = stored[names[0]]
        else:
            vq.for_targets = []
            for n in dict.fromkeys(names):
                if n not in stored:
                    raise QueryError(f"nearObject: object {no.id} has no vector for target {n}")
                vq.for_targets.append((n, [stored[n]]))
        has_distance, has_certainty = no.HasField("distance"), no.HasField("certainty")
        distance, certainty = no.distance, no.certainty
        what = "nearObject"
    if not vq.has_vector:
        raise QueryError(f"{what}: a query vector is required")
    if has_distance and has_certainty:
        raise QueryError(f"{what}: cannot provide distance and certainty")
    max_distance = None
    if has_distance:
        max_distance = float(distance)
    elif has_certainty:
        max_distance = vectors.distance_from_certainty(certainty)
    hits, single = vq.search(offset + limit, mask, max_distance, certainty_input=has_certainty)
    if req.autocut > 0:
        hits = hits[: autocut([d for _, d in hits], req.autocut)]
    cosine = False
    if single:
        target = vq.single_target()
        cosine = target is not None and coll.spec.vectors[target].distance == "cosine"
    by_doc = coll.by_doc
    out = []
    for doc, d in hits[offset : offset + limit]:
        out.append(
            Hit(
                by_doc[doc],  # type: ignore[arg-type]
                distance=d,
                certainty=vectors.certainty_from_distance(d) if cosine else None,
            )
        )
    return out


# --- hybrid --------------------------------------------------------------------------------


def _hybrid(coll: Collection, req: Any, mask: np.ndarray | None, limit: int, offset: int) -> list[Hit]:
    h = req.hybrid_search
    # §1.3 / §4.1: alpha_param (server default 0.75) when use_alpha_param, else the alpha field
    if h.use_alpha_param:
        alpha = float(h.alpha_param) if h.HasField("alpha_param") else 0.75
    else:
        alpha = float(h.alpha)
    if not 0.0 <= alpha <= 1.0:
        raise QueryError(f"alpha must be between 0 and 1, got {alpha}")
    if h.HasField("near_text"):
        raise QueryError("hybrid near_text needs a text2vec module; the lite server has none")
    vq = _VectorQuery(coll)
    vq.read_targets(h.targets if h.HasField("targets") else None, h.target_vectors)
    nested = h.near_vector if h.HasField("near_vector") else None
    if h.vector_bytes:
        vq.vector = decode_vector(bytes(h.vector_bytes))
    elif len(h.vectors):
        vq.vector = _decode_vectors_msg(h.vectors[0])[0]
    elif len(h.vector):
        vq.vector = np.asarray(list(h.vector), dtype=np.float32)
    elif nested is not None:
        vq.read_near_vector(nested)
    set_name = "vector,nearVector" if nested is not None else "vector,hybridVector"
    pool = max(HYBRID_POOL, limit)
    sets: list[tuple[str, float, Sequence[tuple[int, float]]]] = []
    vector_docs: np.ndarray | None = None
    if alpha > 0:
        if not vq.has_vector:
            raise QueryError(
                f"explorer: get class: vectorize search vector: vectorize params: VectorFromInput was called "
                f"without vectorizer on class {coll.name} for input {h.query}"
            )
        leg_distance = float(nested.distance) if nested is not None and nested.HasField("distance") else None
        docs, dist, _ = vq.search_arrays(pool, mask, leg_distance, certainty_input=False)
        dist32 = dist.astype(np.float32)
        if h.HasField("vector_distance"):
            # §4.3: truncate at the first result beyond the threshold, then prune the keyword leg
            beyond = (dist32 > _F32(h.vector_distance)).nonzero()[0]
            if len(beyond):
                docs, dist32 = docs[: beyond[0]], dist32[: beyond[0]]
            vector_docs = docs
        # float32(1) - float32(distance) per hit
        sets.append((set_name, alpha, fusion.LegArrays(docs, _F32(1) - dist32)))
    else:
        vq.validate_targets_only()
    if 1.0 - alpha > 0:
        op_msg = h.bm25_search_operator if h.HasField("bm25_search_operator") else None
        kw_docs, kw_scores = _keyword_arrays(coll, h.query, list(h.properties), pool, mask, op_msg)
        if vector_docs is not None:
            keep = np.isin(kw_docs, vector_docs)
            kw_docs, kw_scores = kw_docs[keep], kw_scores[keep]
        sets.append(("keyword,bm25", 1.0 - alpha, fusion.LegArrays(kw_docs, kw_scores)))
    if int(h.fusion_type) == 1:
        fused = fusion.ranked_fusion(sets, coll.uuid_of)[: offset + limit]
    else:
        fused = fusion.relative_score_fusion_top(sets, coll.uuid_of, offset + limit)
    if req.autocut > 0:
        fused = fused[: autocut([f.score for f in fused], req.autocut)]
    return [_ranked_hit(coll, f) for f in fused[offset : offset + limit]]
