"""Hybrid fusion (relativeScoreFusion and rankedFusion) and Go float formatting.

Implements docs/lite-server.md §4.4–§4.6 (W:usecases/traverser/hybrid/hybrid_fusion.go): float32
arithmetic in Weaviate's evaluation order, the near-tie comparator, and explain strings byte for byte.
"""

from __future__ import annotations

import functools
import math
import struct
from collections.abc import Callable, Iterator, Sequence
from typing import overload

import numpy as np

from weaviate_recsys.lite.ranking import dense_unique

__all__ = [
    "FusedHit",
    "LegArrays",
    "go_float_str",
    "ranked_fusion",
    "relative_score_fusion",
    "relative_score_fusion_top",
]

_F32 = struct.Struct("<f")
f32 = np.float32


def _to_f32(x: float) -> float:
    return _F32.unpack(_F32.pack(x))[0]


def go_float_str(x: float) -> str:
    """Format a float32 like Go's `%v` (strconv 'g', shortest, 32-bit) (§4.6).

    Shortest decimal that rounds back to the same float32; exponent form (at least two exponent
    digits) when the decimal exponent is < -4 or >= 6, e.g. `0.70000005`, `1e-05`, `1.234567e+06`.
    """
    v = _to_f32(float(x))
    if v == 0.0:  # handled here: the cache cannot tell 0.0 from -0.0
        return "-0" if math.copysign(1.0, v) < 0 else "0"
    return _go_float_str_nonzero(v)


@functools.lru_cache(maxsize=65536)
def _go_float_str_nonzero(v: float) -> str:
    if math.isnan(v):
        return "NaN"
    if math.isinf(v):
        return "+Inf" if v > 0 else "-Inf"
    # numpy's Dragon4 with unique=True gives the shortest digits that round back to the same float32,
    # which is what Go's strconv does for 32-bit 'g'; only the layout differs.
    mantissa, exp_text = np.format_float_scientific(np.float32(v), unique=True, exp_digits=2).split("e")
    exp = int(exp_text)
    sign = "-" if mantissa.startswith("-") else ""
    digits = mantissa.lstrip("-").replace(".", "").rstrip("0") or "0"
    if exp < -4 or exp >= 6:
        m = digits[0] + ("." + digits[1:] if len(digits) > 1 else "")
        return f"{sign}{m}e{'-' if exp < 0 else '+'}{abs(exp):02d}"
    if exp < 0:
        return f"{sign}0.{'0' * (-exp - 1)}{digits}"
    if len(digits) <= exp + 1:
        return f"{sign}{digits}{'0' * (exp + 1 - len(digits))}"
    return f"{sign}{digits[: exp + 1]}.{digits[exp + 1 :]}"


class FusedHit:
    """One fused hybrid result: doc id, float32 score, Weaviate explain string (§4.6).

    `secondary` is Weaviate's SecondarySortValue (raw value of the last merged entry, §4.5).
    The explain string is assembled on first access.
    """

    __slots__ = ("doc", "score", "secondary", "_parts", "_explain")

    def __init__(self, doc: int, score: float, secondary: float = 0.0, explain: str | None = None) -> None:
        self.doc = doc
        self.score = score
        self.secondary = secondary
        self._parts: list[tuple] = []
        self._explain = explain

    @property
    def explain(self) -> str:
        if self._explain is None:
            self._explain = "".join(_render(part) for part in self._parts)
        return self._explain

    def __repr__(self) -> str:
        return f"FusedHit(doc={self.doc}, score={self.score!r})"


def _render(part: tuple) -> str:
    kind = part[0]
    if kind == "rel":
        _, name, uuid, original, normalized = part
        return (
            f"\nHybrid (Result Set {name}) Document {uuid}: original score {go_float_str(original)}, "
            f"normalized score: {go_float_str(normalized)}"
        )
    if kind == "sep":
        return " - "
    _, name, uuid, contribution = part
    return f"\nHybrid (Result Set {name}) Document {uuid} contributed {go_float_str(contribution)} to the score"


class LegArrays(Sequence[tuple[int, float]]):
    """One leg's entries as arrays (doc ids, float32 values): what the searches produce, handed to the
    fusion without a Python tuple per entry. Reads as the sequence of (doc, value) pairs it stands for."""

    __slots__ = ("docs", "values")

    def __init__(self, docs: np.ndarray, values: np.ndarray) -> None:
        self.docs = np.asarray(docs, dtype=np.int64)
        self.values = np.asarray(values, dtype=np.float32)

    def __len__(self) -> int:
        return len(self.docs)

    @overload
    def __getitem__(self, i: int) -> tuple[int, float]: ...
    @overload
    def __getitem__(self, i: slice) -> list[tuple[int, float]]: ...
    def __getitem__(self, i: int | slice) -> tuple[int, float] | list[tuple[int, float]]:
        if isinstance(i, slice):
            return list(zip(self.docs[i].tolist(), self.values[i].astype(np.float64).tolist()))
        return int(self.docs[i]), float(self.values[i])

    def __iter__(self) -> Iterator[tuple[int, float]]:
        return iter(zip(self.docs.tolist(), self.values.astype(np.float64).tolist()))


Sets = Sequence[tuple[str, float, Sequence[tuple[int, float]]]]


def _leg_arrays(entries: Sequence[tuple[int, float]]) -> tuple[np.ndarray, np.ndarray]:
    if isinstance(entries, LegArrays):
        return entries.docs, entries.values
    n = len(entries)
    return (
        np.fromiter((d for d, _ in entries), dtype=np.int64, count=n),
        np.fromiter((v for _, v in entries), dtype=np.float32, count=n),
    )


def relative_score_fusion(sets: Sets, uuid_of: Callable[[int], str]) -> list[FusedHit]:
    """relativeScoreFusion (§4.5): min-max normalise each set, weight, add in float32.

    Args:
        sets: (set name, weight, [(doc, value)]) per leg, vector leg first and keyword leg last.
            Values are BM25 scores or float32(1) - distance.
        uuid_of: doc -> lowercase UUID string (explain text and the last tie-break).

    Returns:
        Every doc of every set, sorted per §4.5.
    """
    merged: dict[int, FusedHit] = {}
    for name, weight, entries in sets:
        if not entries:
            continue
        values = np.fromiter((v for _, v in entries), dtype=np.float32, count=len(entries))
        lo, hi = values.min(), values.max()
        w = f32(weight)
        if hi != lo:
            # q = (v − min)/(max − min), then float32(w)·q, all float32 (§4.5)
            norms = w * ((values - lo) / (hi - lo))
        else:
            norms = np.full(len(values), w, dtype=np.float32)
        for (doc, _), value, norm in zip(entries, values.tolist(), norms.tolist()):
            hit = merged.get(doc)
            if hit is None:
                hit = FusedHit(doc, norm, value)
                hit._parts = [("rel", name, uuid_of(doc), value, norm)]
                merged[doc] = hit
            else:
                # float32 addition: the double sum of two float32 values rounded once to float32
                # is the correctly rounded float32 sum (53 >= 2*24 + 2: double rounding is innocuous)
                hit.score = _to_f32(norm + hit.score)
                hit.secondary = value
                # newer set's line first, then " - ", then the previous explain (hybrid_fusion.go)
                hit._parts = [("rel", name, uuid_of(doc), value, norm), ("sep",), *hit._parts]
    return _sorted(list(merged.values()), uuid_of)


def relative_score_fusion_top(sets: Sets, uuid_of: Callable[[int], str], k: int) -> list[FusedHit]:
    """`relative_score_fusion(sets, uuid_of)[:k]`, vectorised: the hybrid query path.

    Scores are computed with float32 numpy arrays in the same order of operations, and only the
    hits that can reach the first `k` are sorted and turned into `FusedHit`s (explain strings stay
    lazy). When two distinct scores are closer than 1e-7 anywhere, the full path runs instead, since
    §4.5's tolerant comparator then decides the order of the whole list.
    """
    legs = [(name, weight, entries) for name, weight, entries in sets if entries]
    if not legs or k <= 0:
        return []
    arrays = [_leg_arrays(e) for _, _, e in legs]
    all_docs = np.concatenate([docs for docs, _ in arrays]) if len(arrays) > 1 else arrays[0][0]
    uniq, inverse = dense_unique(all_docs)
    score = np.zeros(len(uniq), dtype=np.float32)
    secondary = np.zeros(len(uniq), dtype=np.float32)
    seen = np.zeros(len(uniq), dtype=bool)
    per_leg = []
    pos = 0
    for (name, weight, entries), (_, values) in zip(legs, arrays):
        idx = inverse[pos : pos + len(entries)]
        pos += len(entries)
        in_leg = np.zeros(len(uniq), dtype=bool)
        in_leg[idx] = True
        if int(np.count_nonzero(in_leg)) != len(idx):  # a doc twice in one leg: keep the exact per-entry path
            return relative_score_fusion(sets, uuid_of)[:k]
        lo, hi = values.min(), values.max()
        w = f32(weight)
        if hi != lo:
            norms = w * ((values - lo) / (hi - lo))  # §4.5, all float32 as in relative_score_fusion
        else:
            norms = np.full(len(values), w, dtype=np.float32)
        old = seen[idx]
        new_score = norms.copy()
        new_score[old] = norms[old] + score[idx[old]]  # float32 sum, same operands as the loop
        score[idx] = new_score
        secondary[idx] = values
        seen[idx] = True
        per_leg.append((name, idx, values, norms))
    wide = score.astype(np.float64)
    gaps = np.diff(np.sort(wide))  # the nonzero ones are the gaps between distinct scores
    if len(gaps) and bool(((gaps != 0) & (gaps * gaps < 1e-14)).any()):
        return relative_score_fusion(sets, uuid_of)[:k]
    if len(wide) > k:
        kth = -np.partition(-wide, k - 1)[k - 1]
        cands = (wide >= kth).nonzero()[0]
    else:
        cands = np.arange(len(wide))
    cand_list = cands.tolist()
    docs = uniq[cands].tolist()
    sc = wide[cands].tolist()
    sec = secondary[cands].astype(np.float64).tolist()
    order = sorted(range(len(cand_list)), key=lambda i: (-sc[i], -sec[i], uuid_of(docs[i])))[:k]
    where = []  # per leg: each fused doc's position in the leg, -1 if absent
    for _, idx, _, _ in per_leg:
        at = np.full(len(uniq), -1, dtype=np.int64)
        at[idx] = np.arange(len(idx))
        where.append(at)
    out = []
    for i in order:
        c = cand_list[i]
        doc = docs[i]
        hit = FusedHit(doc, sc[i], sec[i])
        parts: list[tuple] = []
        uid = uuid_of(doc)
        for (name, _, values, norms), at in zip(per_leg, where):
            j = int(at[c])
            if j >= 0:
                line = ("rel", name, uid, float(values[j]), float(norms[j]))
                parts = [line, ("sep",), *parts] if parts else [line]
        hit._parts = parts
        out.append(hit)
    return out


def ranked_fusion(sets: Sets, uuid_of: Callable[[int], str]) -> list[FusedHit]:
    """rankedFusion (§4.5): each set contributes float32(w / (rank + 60)), rank 0-based."""
    merged: dict[int, FusedHit] = {}
    for name, weight, entries in sets:
        w = float(weight)
        for rank, (doc, value) in enumerate(entries):
            contribution = _to_f32(w / float(rank + 60))
            value = _to_f32(value)
            hit = merged.get(doc)
            if hit is None:
                hit = FusedHit(doc, contribution, value)
                hit._parts = [("rank", name, uuid_of(doc), contribution)]
                merged[doc] = hit
            else:
                hit.score = _to_f32(contribution + hit.score)  # float32 sum, see above
                hit.secondary = value
                hit._parts.append(("rank", name, uuid_of(doc), contribution))
    return _sorted(list(merged.values()), uuid_of)


def _fusion_cmp(a: tuple[float, float, str], b: tuple[float, float, str]) -> int:
    diff = a[0] - b[0]
    if diff * diff < 1e-14:
        if a[1] != b[1]:
            return -1 if a[1] > b[1] else 1
        return -1 if a[2] < b[2] else (1 if a[2] > b[2] else 0)
    return -1 if a[0] > b[0] else 1


def _sorted(hits: list[FusedHit], uuid_of: Callable[[int], str]) -> list[FusedHit]:
    """Score desc; if (Δscore)² < 1e-14 then SecondarySortValue desc; then UUID asc (§4.5)."""
    keys = [(h.score, h.secondary, uuid_of(h.doc)) for h in hits]
    order = sorted(range(len(hits)), key=lambda i: (-keys[i][0], -keys[i][1], keys[i][2]))
    # The exact-key sort equals the tolerant comparator unless two distinct scores are closer
    # than 1e-7; only then fall back to the (non-transitive) comparator itself.
    for i, j in zip(order, order[1:]):
        d = keys[i][0] - keys[j][0]
        if d != 0.0 and d * d < 1e-14:

            def by_fusion(x: int, y: int) -> int:
                return _fusion_cmp(keys[x], keys[y])

            order = sorted(range(len(hits)), key=functools.cmp_to_key(by_fusion))
            break
    return [hits[i] for i in order]
