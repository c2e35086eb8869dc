"""Hybrid fusion (relativeScoreFusion and rankedFusion) and Go float formatting.

Implements WEAVIATE_SEMANTICS.md §4.4–§4.6 (W:usecases/traverser/hybrid/hybrid_fusion.go): float32
arithmetic in Weaviate's evaluation order, the near-tie comparator, and explain strings byte for byte.
"""

from __future__ import annotations

import functools
import math
import struct
from collections.abc import Callable, Sequence

import numpy as np

__all__ = ["FusedHit", "go_float_str", "ranked_fusion", "relative_score_fusion"]

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
    # Shortest round-trip digits: the correctly rounded p-digit decimal is the closest p-digit
    # decimal, so the first p that round-trips is the shortest representation.
    for p in range(1, 10):
        s = f"{v:.{p - 1}e}"
        if _to_f32(float(s)) == v:
            break
    mantissa, exp_text = s.split("e")
    exp = int(exp_text)
    neg = mantissa.startswith("-")
    digits = mantissa.lstrip("-").replace(".", "")
    sign = "-" if neg else ""
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


Sets = Sequence[tuple[str, float, Sequence[tuple[int, float]]]]


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
                hit.score = float(f32(norm) + f32(hit.score))
                hit.secondary = value
                # newer set's line first, then " - ", then the previous explain (hybrid_fusion.go)
                hit._parts = [("rel", name, uuid_of(doc), value, norm), ("sep",), *hit._parts]
    return _sorted(list(merged.values()), uuid_of)


def ranked_fusion(sets: Sets, uuid_of: Callable[[int], str]) -> list[FusedHit]:
    """rankedFusion (§4.5): each set contributes float32(w / (rank + 60)), rank 0-based."""
    merged: dict[int, FusedHit] = {}
    for name, weight, entries in sets:
        w = float(weight)
        for rank, (doc, value) in enumerate(entries):
            contribution = float(f32(w / float(rank + 60)))
            value = float(f32(value))
            hit = merged.get(doc)
            if hit is None:
                hit = FusedHit(doc, contribution, value)
                hit._parts = [("rank", name, uuid_of(doc), contribution)]
                merged[doc] = hit
            else:
                hit.score = float(f32(contribution) + f32(hit.score))
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
            cmp = functools.cmp_to_key(lambda x, y: _fusion_cmp(keys[x], keys[y]))
            order = sorted(range(len(hits)), key=cmp)
            break
    return [hits[i] for i in order]
