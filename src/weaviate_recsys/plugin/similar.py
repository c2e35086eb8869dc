"""Items similar to an item: who uses them together (behaviour) and what they are (content).

Content vectors alone find items that are described alike ("Toy Story" -> another film about children);
behaviour vectors (`plugin.behavior`) find items the same people use together, which is what "similar" means
to most visitors of an item's page. `find_similar` uses both where it can:

* an item with a ``behavior`` vector: one multi-target ``near_vector`` over ``content`` and ``behavior`` with
  the recommender's manual weights (``1 - behavior_weight``, ``behavior_weight``), the same combination the
  interest queries use. That search only reaches items that have both vectors (docs/lite-server.md §9.4.4),
  so a second, content-only search over items without a behaviour vector (``behavior_events`` is null) holds
  ``cold_item_share`` of the slots (at least one), and fills the list when the first comes back short;
* an item without one (new, never used): its content neighbours, as before;
* an item without any vector: BM25 over its title.

Each hit says which signal found it (``behavior``: the combined behaviour-and-content search; ``content``;
``keywords``), so the reasons can tell a visitor why it is there.
"""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from dataclasses import dataclass
from typing import Any, Literal

from weaviate.classes.query import Filter, MetadataQuery, TargetVectors
from weaviate.collections.classes.filters import _Filters

from ..schema.contracts import BEHAVIOR_VECTOR, CONTENT_VECTOR
from .query_plan import NO_BEHAVIOR_FILTER, filter_from_data

__all__ = ["SimilarSignal", "SimilarHit", "SimilarResult", "find_similar", "found_by_phrase", "similar_cold_slots"]

#: Which search found a similar item.
SimilarSignal = Literal["behavior", "content", "keywords"]

_PHRASES: dict[SimilarSignal, str] = {
    "behavior": "by who uses them together and what they are",
    "content": "by what it is",
    "keywords": "by its title's words",
}


def found_by_phrase(signal: SimilarSignal) -> str:
    """How a summary says what found a similar item ("similar to X <phrase>")."""
    return _PHRASES[signal]


@dataclass(frozen=True)
class SimilarHit:
    """One candidate similar item.

    Attributes:
        obj: the returned Weaviate object.
        found_by: the search that found it.
        similarity: ``1 - distance`` of that search (for ``behavior``: of the weighted multi-target distance),
            or the BM25 score for ``keywords``.
    """

    obj: Any
    found_by: SimilarSignal
    similarity: float


@dataclass(frozen=True)
class SimilarResult:
    """The candidates and how many of ``k`` slots each signal is entitled to (None: no quotas)."""

    hits: list[SimilarHit]
    quotas: dict[str, int] | None


def similar_cold_slots(k: int, cold_share: float) -> int:
    """Slots kept for items without a behaviour vector when the source item has one: the share, at least 1."""
    if k <= 0 or cold_share <= 0:
        return 0
    return min(k, max(1, round(k * cold_share)))


def _named_vectors(obj: Any) -> dict[str, list[float]]:
    vectors = getattr(obj, "vector", None) or {}
    if not isinstance(vectors, Mapping):
        return {CONTENT_VECTOR: [float(x) for x in vectors]} if len(vectors) else {}
    out = {}
    for name in (CONTENT_VECTOR, BEHAVIOR_VECTOR):
        v = vectors.get(name)
        if v is not None and len(v) and any(x != 0 for x in v):
            out[name] = [float(x) for x in v]
    return out


def _behavior_targets(
    vectors: Mapping[str, list[float]], target_weights: Mapping[str, float] | None
) -> tuple[Any, Any] | None:
    """The ``near_vector`` vector and target for the combined search, or None when it does not apply."""
    weights: dict[str, float | list[float]] = {
        t: float(w) for t, w in (target_weights or {}).items() if w > 0 and t in vectors
    }
    if BEHAVIOR_VECTOR not in weights:
        return None
    if len(weights) == 1:
        return vectors[BEHAVIOR_VECTOR], BEHAVIOR_VECTOR
    return {t: vectors[t] for t in weights}, TargetVectors.manual_weights(weights)


def find_similar(
    items: Any,
    source: Any,
    item_id: str,
    k: int,
    *,
    target_weights: Mapping[str, float] | None,
    cold_share: float,
    filters: _Filters | None,
    fetch: int,
    return_properties: Sequence[str],
    include_vectors: bool,
) -> SimilarResult:
    """The candidate items similar to ``source`` (itself excluded), each with the signal that found it.

    Args:
        items: the Item collection handle.
        source: the item's object, fetched with its named vectors.
        item_id: its id (excluded from the results).
        k: how many items the caller will keep (for the cold items' slots).
        target_weights: the recommender's multi-target weights (`Recommender.target_weights`); None or no
            behaviour weight: content only.
        cold_share: share of slots for items without a behaviour vector (see the module doc).
        filters: the application's filter, ANDed in.
        fetch: how many candidates each search asks for (more than ``k`` when MMR chooses among them).
        return_properties: Item properties to return.
        include_vectors: return the candidates' content vectors (for MMR).

    Raises:
        weaviate.exceptions.WeaviateBaseError: a search failed (the caller words the error).
    """
    vectors = _named_vectors(source)
    own = Filter.by_property("item_id").not_equal(item_id)
    where = own & filters if filters is not None else own
    common: dict[str, Any] = {
        "return_properties": list(return_properties),
        "return_metadata": MetadataQuery(distance=True),
        "include_vector": [CONTENT_VECTOR] if include_vectors else False,
    }
    combined = _behavior_targets(vectors, target_weights)
    content = vectors.get(CONTENT_VECTOR)
    if combined is not None:
        vector, target = combined
        warm = items.query.near_vector(vector, target_vector=target, limit=fetch, filters=where, **common).objects
        hits = [SimilarHit(o, "behavior", _similarity(o)) for o in warm]
        n_cold = similar_cold_slots(k, cold_share) if content is not None else 0
        if content is not None:
            cold_where = where & filter_from_data(NO_BEHAVIOR_FILTER)  # type: ignore[operator]
            limit = max(n_cold, fetch - len(hits))
            cold = items.query.near_vector(
                content, target_vector=CONTENT_VECTOR, limit=limit, filters=cold_where, **common
            ).objects
            hits += [SimilarHit(o, "content", _similarity(o)) for o in cold]
        return SimilarResult(hits, {"behavior": max(k - n_cold, 0), "content": n_cold})
    if content is not None:
        res = items.query.near_vector(content, target_vector=CONTENT_VECTOR, limit=fetch, filters=where, **common)
        return SimilarResult([SimilarHit(o, "content", _similarity(o)) for o in res.objects], None)
    title = source.properties.get("title")
    if not title:
        return SimilarResult([], None)
    res = items.query.bm25(
        str(title),
        limit=fetch,
        filters=where,
        return_properties=list(return_properties),
        return_metadata=MetadataQuery(score=True),
    )
    return SimilarResult([SimilarHit(o, "keywords", float(o.metadata.score or 0.0)) for o in res.objects], None)


def _similarity(obj: Any) -> float:
    return 1.0 - float(obj.metadata.distance or 0.0)
