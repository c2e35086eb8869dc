"""Exact vector search with Weaviate's distances, and multi-target combination.

Implements docs/lite-server.md §6 (distances, certainty, near_vector rules) and §9.3–§9.5, §9.8
(multi-target search pairs, candidate gathering, fill-in, combination formulas, errors). Every
named vector has one `VectorIndex`: a contiguous float32 matrix searched with one matrix-vector
product; any HNSW/flat/dynamic index the client declares is served exactly by it.
"""

from __future__ import annotations

import functools
import math
from collections.abc import Callable, Sequence

import numpy as np

from weaviate_recsys.lite.blas import product
from weaviate_recsys.lite.ranking import by_value_then_key, dense_unique

__all__ = [
    "COMBINATIONS",
    "DISTANCES",
    "VectorIndex",
    "build_search_pairs",
    "certainty_from_distance",
    "distance_from_certainty",
    "multi_target_search",
    "multi_target_search_arrays",
    "normalize",
]

DISTANCES = ("cosine", "dot", "l2-squared", "manhattan", "hamming")
COMBINATIONS = ("min", "sum", "average", "manual", "relative_score")
_COMBINATION_ALIASES = {
    "minimum": "min",
    "manual_weights": "manual",
    "relative": "relative_score",
    "relativescore": "relative_score",
    "unspecified": "min",
}
_F32 = np.float32
_EPS32 = float(np.finfo(np.float32).eps)


def normalize(v: np.ndarray) -> np.ndarray:
    """L2-normalise float32 rows like Weaviate's distancer.Normalize (§6).

    The squared norm is accumulated sequentially in float32, its square root taken in float64 and
    rounded to float32, then each component is divided in float32. A zero vector stays zero.
    """
    v = np.asarray(v, dtype=np.float32)
    if v.ndim == 1 and v.shape[0]:
        # one query vector (every search): the same operations as below without the row bookkeeping
        norm1 = np.float32(math.sqrt(float(np.cumsum(v * v, dtype=np.float32)[-1])))
        return np.zeros_like(v) if norm1 == 0 else v / norm1
    squares = v * v
    norm = np.cumsum(squares, axis=-1, dtype=np.float32)[..., -1] if v.shape[-1] else np.float32(0)
    norm = np.sqrt(np.asarray(norm, dtype=np.float64)).astype(np.float32)
    safe = np.where(norm == 0, np.float32(1), norm)
    out = v / (safe[..., None] if v.ndim > 1 else safe)
    if v.ndim > 1:
        out[norm == 0] = 0
    elif norm == 0:
        out = np.zeros_like(v)
    return out.astype(np.float32, copy=False)


def _sequential_row_sums(squares: np.ndarray) -> np.ndarray:
    """Per-row float32 sums accumulated left to right (Go's loop order, as `np.cumsum` per row),
    column by column over cache-sized transposed blocks: same bits, ~10x faster than cumsum."""
    n, dim = squares.shape
    out = np.empty(n, dtype=np.float32)
    if dim == 0:
        out[:] = 0
        return out
    step = 1024
    for lo in range(0, n, step):
        cols = np.ascontiguousarray(squares[lo : lo + step].T)
        acc = cols[0].copy()
        for j in range(1, dim):
            acc += cols[j]
        out[lo : lo + len(acc)] = acc
    return out


def certainty_from_distance(distance: float) -> float:
    """Cosine certainty = 1 − distance/2, computed in float64 (§6)."""
    return 1.0 - float(distance) / 2.0


def distance_from_certainty(certainty: float) -> float:
    """Maximum cosine distance implied by a certainty input: 2·(1 − certainty) (§6)."""
    return 2.0 * (1.0 - float(certainty))


def _dimension_error(stored: int, query: int) -> ValueError:
    # §6 / §9.8: W:adapters/repos/db/vector/hnsw/distancer/errors.go
    return ValueError(
        f"vector search: knn search: distance between entrypoint and query node: {stored} vs {query}: "
        "vector lengths don't match"
    )


class VectorIndex:
    """Exact float32 vector index for one named vector.

    Rows live in a contiguous matrix with capacity doubling; removal moves the last row into the
    hole. For cosine the L2-normalised rows are kept beside the raw ones (distances use the
    normalised rows, `get` returns the vector as stored).
    """

    def __init__(self, distance: str = "cosine") -> None:
        distance = distance.lower()
        if distance not in DISTANCES:
            raise ValueError(f"unsupported distance {distance!r}; use one of {', '.join(DISTANCES)}")
        self.distance = distance
        self.dim: int | None = None
        self._n = 0
        self._raw = np.zeros((0, 0), dtype=np.float32)
        self._unit: np.ndarray | None = None
        self._sq = np.zeros(0, dtype=np.float32)  # squared norms, for the l2 candidate pass
        self._row_doc = np.zeros(0, dtype=np.int64)
        self._doc_row: dict[int, int] = {}
        # row of each doc id as an array (-1: no vector), built on the first read after a write
        self._row_table: np.ndarray | None = None
        self._reserve = 0  # rows asked for by `reserve` before the dimension was known

    # ---------------------------------------------------------------- writes
    def _grow(self, need: int) -> None:
        cap = len(self._row_doc)
        if need <= cap:
            return
        new_cap = max(16, cap * 2, need)
        dim = self.dim or 0
        raw = np.zeros((new_cap, dim), dtype=np.float32)
        if self._n:
            raw[: self._n] = self._raw[: self._n]
        self._raw = raw
        if self.distance == "cosine":
            unit = np.zeros((new_cap, dim), dtype=np.float32)
            if self._unit is not None and self._n:
                unit[: self._n] = self._unit[: self._n]
            self._unit = unit
        sq = np.zeros(new_cap, dtype=np.float32)
        sq[: self._n] = self._sq[: self._n]
        self._sq = sq
        row_doc = np.full(new_cap, -1, dtype=np.int64)
        row_doc[: self._n] = self._row_doc[: self._n]
        self._row_doc = row_doc

    def reserve(self, rows: int) -> None:
        """Make room for `rows` vectors in one allocation (start-up knows the count); dim must be known
        or is taken from the first `add_many`, so before that this only remembers the request."""
        if self.dim is None:
            self._reserve = max(self._reserve, rows)
            return
        self._grow(rows)

    def add(self, doc: int, vector: Sequence[float] | np.ndarray) -> None:
        """Store (or replace) the vector of `doc`.

        Raises:
            ValueError: empty vector, NaN/inf components, or a length other than the index's.
        """
        v32 = np.asarray(vector, dtype=np.float32).reshape(-1)  # overflow -> inf, rejected below
        v = v32
        if v.size == 0:
            raise ValueError("vector is empty; omit the vector instead of sending an empty one")
        if not np.isfinite(v).all():
            raise ValueError("vector contains NaN or infinite values; only finite numbers are allowed")
        if self.dim is None:
            self.dim = int(v.size)
        elif v.size != self.dim:
            # §7: W:adapters/repos/db/vector/hnsw/insert.go
            raise ValueError(
                f"new node has a vector with length {v.size}. Existing nodes have vectors with length "
                f"{self.dim}: vector dimensions do not match the index dimensions"
            )
        row = self._doc_row.get(doc)
        if row is None:
            self._grow(self._n + 1)
            row = self._n
            self._n += 1
            self._doc_row[doc] = row
            self._row_doc[row] = doc
            self._row_table = None
        self._raw[row] = v32
        squares = v32 * v32
        if self._unit is not None:
            # distancer.Normalize (§6), inlined for insert speed: sequential float32 sum of squares
            norm = np.float32(math.sqrt(float(np.cumsum(squares, dtype=np.float32)[-1])))
            if norm == 0:
                self._unit[row] = 0
            else:
                np.divide(v32, norm, out=self._unit[row])
        self._sq[row] = squares.sum(dtype=np.float32)

    def add_many(self, docs: Sequence[int] | np.ndarray, matrix: np.ndarray) -> None:
        """`add` for many rows at once: one grow, one vectorised normalisation (batches, start-up).

        Same results as calling `add(doc, row)` per row (a doc listed twice keeps its last row),
        except that a bad row raises before anything is stored.

        Raises:
            ValueError: empty rows, NaN/inf components, or a length other than the index's.
        """
        docs = np.asarray(docs, dtype=np.int64).reshape(-1)
        m = np.asarray(matrix, dtype=np.float32)
        if m.ndim != 2 or len(m) != len(docs):
            raise ValueError("add_many needs one matrix row per doc")
        if not len(docs):
            return
        if m.shape[1] == 0:
            raise ValueError("vector is empty; omit the vector instead of sending an empty one")
        if not np.isfinite(m).all():
            raise ValueError("vector contains NaN or infinite values; only finite numbers are allowed")
        if self.dim is not None and m.shape[1] != self.dim:
            raise ValueError(
                f"new node has a vector with length {m.shape[1]}. Existing nodes have vectors with length "
                f"{self.dim}: vector dimensions do not match the index dimensions"
            )
        doc_list = docs.tolist()
        doc_row = self._doc_row
        if len(set(doc_list)) != len(doc_list) or any(d in doc_row for d in doc_list):
            for d, row in zip(doc_list, m):  # replacements or repeats: the per-row path
                self.add(d, row)
            return
        if self.dim is None:
            self.dim = int(m.shape[1])
        start, count = self._n, len(doc_list)
        self._grow(max(start + count, self._reserve))
        self._reserve = 0
        end = start + count
        self._raw[start:end] = m
        self._row_doc[start:end] = docs
        doc_row.update(zip(doc_list, range(start, end)))
        self._n = end
        self._row_table = None
        step = 8192  # bounded temporaries
        for lo in range(0, count, step):
            block = m[lo : lo + step]
            squares = block * block
            if self._unit is not None:
                # distancer.Normalize (§6): sequential float32 sum of squares per row, as in `add`
                norm = np.sqrt(_sequential_row_sums(squares).astype(np.float64)).astype(np.float32)
                unit = self._unit[start + lo : start + lo + len(block)]
                zero = norm == 0
                np.divide(block, np.where(zero, np.float32(1), norm)[:, None], out=unit)
                if zero.any():
                    unit[zero] = 0
            self._sq[start + lo : start + lo + len(block)] = squares.sum(axis=1, dtype=np.float32)

    def remove(self, doc: int) -> None:
        """Drop the vector of `doc` (no-op if it has none)."""
        row = self._doc_row.pop(doc, None)
        if row is None:
            return
        self._row_table = None
        last = self._n - 1
        if row != last:
            moved = int(self._row_doc[last])
            self._raw[row] = self._raw[last]
            if self._unit is not None:
                self._unit[row] = self._unit[last]
            self._sq[row] = self._sq[last]
            self._row_doc[row] = moved
            self._doc_row[moved] = row
        self._row_doc[last] = -1
        self._n = last

    # ---------------------------------------------------------------- reads
    def has(self, doc: int) -> bool:
        return doc in self._doc_row

    def __len__(self) -> int:
        return self._n

    def __contains__(self, doc: object) -> bool:
        return doc in self._doc_row

    def get(self, doc: int) -> np.ndarray | None:
        """The stored float32 vector (a copy), or None."""
        row = self._doc_row.get(doc)
        return None if row is None else self._raw[row].copy()

    def docs(self) -> np.ndarray:
        """Doc ids that have a vector (row order, not sorted)."""
        return self._row_doc[: self._n].copy()

    def _query(self, query: Sequence[float] | np.ndarray) -> np.ndarray:
        q = np.asarray(query, dtype=np.float32).reshape(-1)
        if self.dim is not None and q.size != self.dim:
            raise _dimension_error(self.dim, int(q.size))
        return q

    def _exact(self, rows: np.ndarray | slice, q: np.ndarray, qn: np.ndarray | None) -> np.ndarray:
        """float32 distances of `rows` to the query, in the index metric (§6)."""
        metric = self.distance
        if metric == "cosine":
            assert self._unit is not None and qn is not None
            d = np.float32(1) - product(self._unit[rows], qn)
            return np.maximum(d, np.float32(0))  # clamp: cosine_dist.go
        if metric == "dot":
            return -product(self._raw[rows], q)
        block = self._raw[rows]
        out = np.empty(len(block), dtype=np.float32)
        step = 4096
        for start in range(0, len(block), step):
            diff = block[start : start + step] - q
            # sequential float32 accumulation, the order of the pure-Go distancers
            if metric == "l2-squared":
                out[start : start + step] = np.cumsum(diff * diff, axis=1, dtype=np.float32)[:, -1]
            elif metric == "manhattan":
                out[start : start + step] = np.cumsum(np.abs(diff), axis=1, dtype=np.float32)[:, -1]
            else:  # hamming
                out[start : start + step] = (diff != 0).sum(axis=1).astype(np.float32)
        return out

    def distance_to(self, doc: int, query: Sequence[float] | np.ndarray) -> float | None:
        """float32 distance of one stored vector to `query`, or None if `doc` has no vector."""
        row = self._doc_row.get(doc)
        if row is None:
            return None
        q = self._query(query)
        qn = normalize(q) if self.distance == "cosine" else None
        return float(self._exact(np.array([row]), q, qn)[0])

    def _rows_of(self, docs: np.ndarray) -> np.ndarray:
        """The row of each doc id (-1 for a doc without a vector), from the row table."""
        table = self._table()
        rows = np.full(len(docs), -1, dtype=np.int64)
        inside = (docs >= 0) & (docs < len(table))
        rows[inside] = table[docs[inside]]
        return rows

    def _table(self) -> np.ndarray:
        table = self._row_table
        if table is None:
            row_doc = self._row_doc[: self._n]
            table = np.full(int(row_doc.max()) + 1 if self._n else 0, -1, dtype=np.int64)
            table[row_doc] = np.arange(self._n, dtype=np.int64)
            self._row_table = table
        return table

    def distances(
        self,
        docs: Sequence[int] | np.ndarray,
        query: Sequence[float] | np.ndarray,
        *,
        normalized: np.ndarray | None = None,
    ) -> tuple[np.ndarray, np.ndarray]:
        """Exact float32 distances for several docs: (distances, has_vector mask).

        ``normalized`` is `normalize(query)` when the caller has it already (cosine)."""
        q = self._query(query)
        qn = (normalize(q) if normalized is None else normalized) if self.distance == "cosine" else None
        rows = self._rows_of(np.asarray(docs, dtype=np.int64).reshape(-1))
        present = rows >= 0
        out = np.full(len(rows), np.inf, dtype=np.float32)
        if present.any():
            out[present] = self._exact(rows[present], q, qn)
        return out, present

    def _allowed_rows(self, allow: np.ndarray | set[int] | frozenset[int] | None) -> np.ndarray | None:
        """Row indices whose doc passes `allow` (None = all rows)."""
        if allow is None:
            return None
        row_doc = self._row_doc[: self._n]
        if isinstance(allow, np.ndarray):
            if allow.dtype != np.bool_:
                raise TypeError("allow must be a bool mask over doc ids or a set of doc ids")
            if len(allow) >= len(self._table()):  # the mask covers every doc with a vector
                return allow[row_doc].nonzero()[0]
            inside = row_doc < len(allow)
            ok = np.zeros(self._n, dtype=bool)
            ok[inside] = allow[row_doc[inside]]
            return ok.nonzero()[0]
        doc_row = self._doc_row
        rows = [doc_row[d] for d in allow if d in doc_row]
        return np.sort(np.asarray(rows, dtype=np.int64))

    def search(
        self,
        query: Sequence[float] | np.ndarray,
        limit: int,
        allow: np.ndarray | set[int] | None = None,
        max_distance: float | None = None,
    ) -> list[tuple[int, float]]:
        """The `limit` nearest docs by exact float32 distance (§6).

        Args:
            query: query vector (normalised here for cosine).
            limit: number of neighbours (offset + limit for near_vector, the pool for hybrid).
            allow: bool mask over doc ids, or a set of doc ids, of documents passing the filter.
            max_distance: keep only d ≤ max_distance + 1e-6 (near_vector's post-filter, §6).

        Returns:
            (doc, distance) ascending; equal distances by doc id ascending (tie order is
            unspecified in Weaviate, §6; doc id = insertion order, as an exact HNSW scan yields).

        Raises:
            ValueError: query length differs from a non-empty index (`vector lengths don't match`).
        """
        docs, dist = self.search_arrays(query, limit, allow, max_distance)
        return list(zip(docs.tolist(), dist.astype(np.float64).tolist()))

    def search_arrays(
        self,
        query: Sequence[float] | np.ndarray,
        limit: int,
        allow: np.ndarray | set[int] | None = None,
        max_distance: float | None = None,
        *,
        normalized: np.ndarray | None = None,
    ) -> tuple[np.ndarray, np.ndarray]:
        """`search` as arrays: (docs int64, float32 distances), in `search`'s order; ``normalized`` as for
        `distances`."""
        empty = np.zeros(0, dtype=np.int64), np.zeros(0, dtype=np.float32)
        if self._n == 0:
            return empty  # empty index: no error, no candidates (§9.8)
        q = self._query(query)
        if limit <= 0:
            return empty
        rows = self._allowed_rows(allow)
        n_all = self._n
        qn = (normalize(q) if normalized is None else normalized) if self.distance == "cosine" else None
        if rows is not None and len(rows) == 0:
            return empty
        if self.distance == "l2-squared":
            dist, rows = self._l2_candidates(q, rows, limit)
        elif rows is None:
            dist = self._exact(slice(0, n_all), q, qn)
            rows = np.arange(n_all)
        elif len(rows) * 8 < n_all:
            dist = self._exact(rows, q, qn)
        else:
            # Over 1/8 of the rows allowed: one full product beats a gather (measured: a row gather
            # costs ~4x a row of the matrix-vector product), then subset.
            dist = self._exact(slice(0, n_all), q, qn)[rows]
        if max_distance is not None:
            keep = dist.astype(np.float64) <= float(max_distance) + 1e-6
            dist, rows = dist[keep], rows[keep]
        docs = self._row_doc[rows]
        pick = _smallest(dist, docs, limit)
        return docs[pick], dist[pick]

    def _l2_candidates(self, q: np.ndarray, rows: np.ndarray | None, limit: int) -> tuple[np.ndarray, np.ndarray]:
        """l2-squared: rank by ‖a‖² − 2a·q + ‖q‖², then recompute Σ(a−q)² exactly for every row
        that could be in the top `limit` given a float32 error bound (§6 wants the direct sum)."""
        n_all = self._n
        if rows is None:
            rows = np.arange(n_all)
        if len(rows) <= 2048:
            return self._exact(rows, q, None), rows
        sq_q = np.float32(np.dot(q, q))
        if len(rows) * 8 < n_all:
            approx = self._sq[rows] - np.float32(2) * product(self._raw[rows], q) + sq_q
        else:
            approx = (self._sq[:n_all] - np.float32(2) * product(self._raw[:n_all], q) + sq_q)[rows]
        tol = (self._sq[rows] + sq_q) * np.float32(4 * (self.dim or 1) * _EPS32) + np.float32(1e-30)
        upper = approx + tol
        k = min(limit, len(rows))
        bound = np.partition(upper, k - 1)[k - 1]
        cand = rows[approx - tol <= bound]
        return self._exact(cand, q, None), cand


# Up to this many candidates one sort of them all is cheaper than a partition first (measured: 2.6 us
# against 11.7 us for 188 candidates, k = 100)
_SORT_ALL = 512


def _smallest(dist: np.ndarray, docs: np.ndarray, k: int) -> np.ndarray:
    """Indices of the k smallest distances, ordered by (distance, doc) ascending."""
    n = len(dist)
    if n <= _SORT_ALL:
        return np.lexsort((docs, dist))[:k]
    if n > k:
        kth = np.partition(dist, k - 1)[k - 1]
        below = (dist < kth).nonzero()[0]
        ties = (dist == kth).nonzero()[0]
        ties = ties[np.argsort(docs[ties], kind="stable")][: k - len(below)]
        idx = np.concatenate([below, ties])
    else:
        idx = np.arange(n)
    order = np.lexsort((docs[idx], dist[idx]))
    return idx[order]


# ==================================================================== multi-target (§9)
Pair = tuple[str, np.ndarray, float]


def _canonical_combination(combination: str | int) -> str:
    enum = {0: "min", 1: "sum", 2: "min", 3: "average", 4: "relative_score", 5: "manual"}
    if isinstance(combination, int):
        if combination not in enum:
            raise ValueError(f"extract target vectors: unknown combination method {combination}")
        return enum[combination]
    name = combination.lower()
    name = _COMBINATION_ALIASES.get(name, name)
    if name not in COMBINATIONS:
        raise ValueError(f"extract target vectors: unknown combination method {combination}")
    return name


def build_search_pairs(
    class_name: str,
    available: Sequence[str],
    targets: Sequence[str],
    combination: str | int,
    weights: Sequence[tuple[str, float]] = (),
    vector: Sequence[float] | np.ndarray | None = None,
    vectors_for_targets: Sequence[tuple[str, Sequence[Sequence[float] | np.ndarray]]] | None = None,
    is_multi_vector: Callable[[str], bool] = lambda target: False,
) -> tuple[list[Pair], str]:
    """Turn a gRPC target/vector request into search pairs (§9.3), with §9.8's errors.

    Args:
        class_name: collection name (error text).
        available: the collection's named vectors.
        targets: `Targets.target_vectors` (or the deprecated list); empty = none given.
        combination: CombinationMethod enum value or name ("sum", "min", "manual", ...).
        weights: `weights_for_targets` as (target, weight), positional.
        vector: one query vector reused for every target entry.
        vectors_for_targets: (name, [query vectors]) per distinct target, in target order.
        is_multi_vector: whether a target is a multi-vector (ColBERT) index (unsupported here).

    Returns:
        ([(target, query vector, weight)], canonical combination).

    Raises:
        ValueError: with Weaviate's message for each §9.8 case.
    """
    targets = list(targets)
    if not targets:
        if len(available) == 1:
            targets = [available[0]]
        elif len(available) > 1:
            raise ValueError(
                f"extract target vectors: class {class_name} has multiple vectors, but no target vectors were provided"
            )
        else:
            raise ValueError(f"extract target vectors: class {class_name} has no named vectors")
    for t in targets:
        if t not in available:
            raise ValueError(
                f"extract target vectors: class {class_name} does not have named vector {t} configured. "
                f"Available named vectors [{' '.join(available)}]"
            )
    combo = _canonical_combination(combination)
    req_weights: list[float] = []
    if combo in ("manual", "relative_score"):
        weights = list(weights)
        if len(weights) != len(targets):
            raise ValueError(
                f"extract target vectors: number of weights ({len(weights)}) does not match number of "
                f"targets ({len(targets)})"
            )
        for (name, w), t in zip(weights, targets):
            if name != t:
                raise ValueError(f"extract target vectors: target vector {name} not found in target vectors")
            req_weights.append(float(_F32(w)))

    if vector is not None and vectors_for_targets:
        raise ValueError("near_vector: either vector or VectorPerTarget must be provided, not both")
    if vector is not None:
        for t in targets:
            if is_multi_vector(t):
                raise ValueError(
                    "near_vector: provided vector is a regular vector but vector index supports multi vectors"
                )
        q = np.asarray(vector, dtype=np.float32).reshape(-1)
        entries = [(t, q) for t in targets]
    elif vectors_for_targets is not None:
        distinct = list(dict.fromkeys(targets))
        if len(vectors_for_targets) != len(distinct):
            raise ValueError("near_vector: vector for target must have the same lengths as target vectors")
        entries = []
        for t, (name, queries) in zip(distinct, vectors_for_targets):
            if name != t:
                raise ValueError(
                    f"near_vector: vector for target {t} is required. All target vectors: "
                    f"[{' '.join(distinct)}] all vectors for targets [{' '.join(n for n, _ in vectors_for_targets)}]"
                )
            for qv in queries:  # every row of a MULTI payload is its own pair (§9.3)
                entries.append((t, np.asarray(qv, dtype=np.float32).reshape(-1)))
    else:
        raise ValueError("near_vector: a query vector is required")

    n = len(entries)
    if combo == "sum":
        ws = [1.0] * n
    elif combo == "average":
        ws = [float(_F32(1.0 / n))] * n  # float32(1/N), N counts query vectors (§9.3)
    elif combo == "min":
        ws = [1.0] * n
    else:
        if len(req_weights) != n:
            if combo == "manual":
                raise ValueError("number of weights in join does not match number of results")
            # real Weaviate panics here (§9.8); we return the recovered panic text
            raise ValueError(
                f"panic occurred: runtime error: index out of range [{len(req_weights)}] with length {len(req_weights)}"
            )
        ws = req_weights
    return [(t, q, w) for (t, q), w in zip(entries, ws)], combo


def multi_target_search(
    indexes: dict[str, VectorIndex],
    pairs: list[Pair],
    combination: str,
    k: int,
    allow: np.ndarray | set[int] | None = None,
    uuid_of: Callable[[int], str] | None = None,
    max_distance: float | None = None,
) -> list[tuple[int, float]]:
    """Search several (target, query vector, weight) pairs and combine distances (§9.4, §9.5).

    Args:
        indexes: named vector -> its index.
        pairs: search pairs in request order (see `build_search_pairs`). Weights are used for
            manual and relative_score; sum uses 1 and average float32(1/N) whatever is passed.
        combination: min, sum, average, manual or relative_score (aliases and enum ints accepted).
        k: per-pair candidate count and result size (offset + limit, or max(100, limit) for hybrid).
        allow: filter allow-list shared by every pair (§9.6).
        uuid_of: doc -> uuid, for the final tie-break (doc id when None).
        max_distance: optional `distance=` threshold with §9.5's per-combination rule.

    Returns:
        (doc, combined distance D) ascending, at most k. One pair is a plain single-target search
        (no weight applied, §9.3).

    Raises:
        ValueError: unknown combination/target, or a dimension mismatch (§9.8).
    """
    docs, values = multi_target_search_arrays(indexes, pairs, combination, k, allow, uuid_of, max_distance)
    return list(zip(docs.tolist(), values.tolist()))


def multi_target_search_arrays(
    indexes: dict[str, VectorIndex],
    pairs: list[Pair],
    combination: str,
    k: int,
    allow: np.ndarray | set[int] | None = None,
    uuid_of: Callable[[int], str] | None = None,
    max_distance: float | None = None,
) -> tuple[np.ndarray, np.ndarray]:
    """`multi_target_search` as arrays: (doc ids, combined distances as float64), in its order."""
    combo = _canonical_combination(combination)
    for target, _, _ in pairs:
        if target not in indexes:
            raise ValueError(f"target vector {target} not found; available named vectors [{' '.join(indexes)}]")
    if not pairs or k <= 0:
        return np.zeros(0, dtype=np.int64), np.zeros(0, dtype=np.float64)
    if len(pairs) == 1:
        target, q, _ = pairs[0]
        docs1, dist1 = indexes[target].search_arrays(q, k, allow, max_distance)
        return docs1, dist1.astype(np.float64)

    n_pairs = len(pairs)
    if combo == "sum":
        weights = [_F32(1)] * n_pairs
    elif combo == "average":
        weights = [_F32(1.0 / n_pairs)] * n_pairs
    else:
        weights = [_F32(w) for _, _, w in pairs]

    # each pair's query normalised once, for its search and its fill-in (cosine indexes)
    units = [normalize(q) if indexes[t].distance == "cosine" else None for t, q, _ in pairs]
    lists = [indexes[t].search_arrays(q, k, allow, normalized=u) for (t, q, _), u in zip(pairs, units)]
    if not any(len(docs) for docs, _ in lists):
        return np.zeros(0, dtype=np.int64), np.zeros(0, dtype=np.float64)  # every list empty (§9.4.3)
    # Column order of the union does not matter: the result is ranked by (distance, uuid) below.
    union, columns = dense_unique(np.concatenate([docs for docs, _ in lists]))
    m = len(union)
    dist = np.full((n_pairs, m), np.inf, dtype=np.float32)
    found = np.zeros((n_pairs, m), dtype=bool)
    start = 0
    for i, (list_docs, list_dist) in enumerate(lists):
        cols = columns[start : start + len(list_docs)]
        start += len(list_docs)
        dist[i, cols] = list_dist
        found[i, cols] = True

    if combo == "min":
        # no fill-in, no drop: min over the lists the object was found in (§9.4.5)
        combined = np.where(found, dist, np.float32(np.inf)).min(axis=0)
        keep_cols = np.arange(m)
    else:
        # fill in missing distances exactly; drop objects lacking a searched target (§9.4.4)
        alive = np.ones(m, dtype=bool)
        for i, (target, q, _) in enumerate(pairs):
            missing = (~found[i]).nonzero()[0]
            if len(missing):
                d, present = indexes[target].distances(union[missing], q, normalized=units[i])
                dist[i, missing] = d
                alive[missing[~present]] = False
        keep_cols = alive.nonzero()[0]
        dist, found = dist[:, keep_cols], found[:, keep_cols]
        if not len(keep_cols):
            return np.zeros(0, dtype=np.int64), np.zeros(0, dtype=np.float64)
        if combo == "relative_score":
            combined = np.zeros(len(keep_cols), dtype=np.float32)
            for i in range(n_pairs):
                row = dist[i]
                lo, hi = row.min(), row.max()
                w = weights[i]
                # ascending min-max normalisation, float32 evaluation order of §4.5 (§9.5)
                norm = w * ((row - lo) / (hi - lo)) if hi != lo else np.full(len(row), w, dtype=np.float32)
                combined = norm + combined
        else:
            combined = np.zeros(len(keep_cols), dtype=np.float32)
            # found-list products first, then filled-in ones, each in pair order (§9.5)
            for i in range(n_pairs):
                combined = np.where(found[i], combined + weights[i] * dist[i], combined)
            for i in range(n_pairs):
                combined = np.where(~found[i], combined + weights[i] * dist[i], combined)

    docs = union[keep_cols]
    wide = combined.astype(np.float64)
    doc_list = docs.tolist()
    if combo == "relative_score":
        keys = [uuid_of(d) for d in doc_list] if uuid_of is not None else doc_list
        last = dist[-1]
        items = [(float(combined[j]), float(last[j]), keys[j], j) for j in range(len(docs))]

        def cmp(a: tuple, b: tuple) -> int:
            diff = a[0] - b[0]
            if diff * diff < 1e-14:  # near tie: smaller distance of the last pair wins (§9.5)
                if a[1] != b[1]:
                    return -1 if a[1] < b[1] else 1
                return -1 if a[2] < b[2] else (1 if a[2] > b[2] else 0)
            return -1 if a[0] < b[0] else 1

        ranked = [it[3] for it in sorted(items, key=functools.cmp_to_key(cmp))]
    else:
        ranked = by_value_then_key(wide, doc_list, k, uuid_of)  # keeps the k-th value's ties
    pick = np.asarray(ranked[:k], dtype=np.int64)
    out_docs, out_values = docs[pick], wide[pick]
    if max_distance is not None:
        x = float(max_distance)
        if combo != "relative_score" and x > 0:
            keep = out_values <= float(_F32(x))  # strict combiner drop (§9.5)
        else:
            keep = out_values <= x + 1e-6  # generic post-filter
        out_docs, out_values = out_docs[keep], out_values[keep]
    return out_docs, out_values
