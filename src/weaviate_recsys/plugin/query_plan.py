"""The Weaviate queries behind a recommendation list, as plain data.

`plan(interests, k, PlanOptions(collection=...))` turns a user's interests into one hybrid query per
interest domain (macro: a ``domain ==`` filter; micro: BM25 over the domain's keywords with per-property
boosts; semantic: the domain's interest vector against the ``content`` named vector, together with the user's
behaviour vector against ``behavior`` in a multi-target search when both exist), plus optional
overall-interest, exploration, cold-item and popularity queries, each built by its own small function. The
result is a
`RecommendationPlan` of pydantic models that dump to JSON, so an application can inspect it, store it, or
run it itself::

    for q in recommendation_plan.queries:
        collection = client.collections.get(q.collection)
        if q.kind == "hybrid":
            response = collection.query.hybrid(**hybrid_kwargs(q))
        else:
            response = collection.query.fetch_objects(**fetch_kwargs(q))

`Recommender.recommend` runs exactly these calls. Filters are kept in Weaviate's REST ``where`` shape
(``{"path": [...], "operator": "Equal", "valueText": ...}``, ``{"operator": "And", "operands": [...]}``),
which every Weaviate user can read; `filter_to_data` / `filter_from_data` convert to and from
weaviate-client `Filter` objects without changing what goes over the wire.
"""

from __future__ import annotations

import datetime as _dt
import uuid as _uuid
from collections.abc import Mapping, Sequence
from dataclasses import dataclass, field
from typing import Annotated, Any, Literal

import numpy as np
from pydantic import BaseModel, Field
from weaviate.classes.query import Filter, HybridFusion, MetadataQuery, Sort, TargetVectors
from weaviate.collections.classes.filters import (
    _FilterAnd,
    _FilterNot,
    _FilterOr,
    _Filters,
    _FilterValue,
    _GeoCoordinateFilter,
)

from ..errors import ConfigurationError
from ..schema.contracts import BEHAVIOR_VECTOR, CONTENT_VECTOR
from ..settings import (
    DEFAULT_ALPHA,
    DEFAULT_BOOSTS,
    DEFAULT_DIVERSITY,
    DEFAULT_EXPLORATION,
    DEFAULT_FUSION,
    DEFAULT_KEYWORD_REPEAT,
    DEFAULT_MIN_DOMAIN_SLOTS,
    DEFAULT_QUERY_KEYWORDS,
    DEFAULT_SLOT_ALLOCATION,
)
from .allocation import EXPLORATION, plan_slots
from .reasons import Source

__all__ = [
    "DomainInterest",
    "HybridQueryPlan",
    "PopularityQueryPlan",
    "QueryPlan",
    "RecommendationPlan",
    "PlanOptions",
    "plan",
    "hybrid_kwargs",
    "fetch_kwargs",
    "filter_to_data",
    "filter_from_data",
    "all_of",
    "CONTENT_VECTOR",
    "BEHAVIOR_VECTOR",
    "NO_BEHAVIOR_FILTER",
    "ITEM_RETURN_PROPERTIES",
]

#: Filter for items without a behaviour vector: `plugin.behavior.train_behavior` sets ``behavior_events``
#: exactly on the items it gives one (null state is indexed, docs/lite-server.md §5.2).
NO_BEHAVIOR_FILTER: dict[str, Any] = {"path": ["behavior_events"], "operator": "IsNull", "valueBoolean": True}
#: Properties every recommendation query returns (what a `Recommendation` and its reasons need; the reasons
#: read the items' text once per list, or from the item cache, so candidates carry no text lists).
ITEM_RETURN_PROPERTIES = ["item_id", "title", "domain", "popularity"]

#: Fused-score weight of the ``overall`` query's results (the user's whole interest; domains weigh < 1).
OVERALL_WEIGHT = 1.0

#: Items a domain query fetches beyond its slots to refill other domains' slots (see `plan`).
REFILL_MARGIN = 3

Fusion = Literal["weighted_score", "reciprocal_rank"]
Basis = Literal["profile", "stated_interests", "text", "popular"]
SlotAllocation = Literal["proportional", "by_score"]
HybridFusionType = Literal["relative_score", "ranked"]

# --- filters as plain data ------------------------------------------------------------------------

_METHOD_BY_OPERATOR = {
    "Equal": "equal",
    "NotEqual": "not_equal",
    "LessThan": "less_than",
    "LessThanEqual": "less_or_equal",
    "GreaterThan": "greater_than",
    "GreaterThanEqual": "greater_or_equal",
    "Like": "like",
    "IsNull": "is_none",
    "ContainsAny": "contains_any",
    "ContainsAll": "contains_all",
    "ContainsNone": "contains_none",
}
_VALUE_KEYS = (
    "valueText",
    "valueInt",
    "valueNumber",
    "valueBoolean",
    "valueDate",
    "valueTextArray",
    "valueIntArray",
    "valueNumberArray",
    "valueBooleanArray",
    "valueDateArray",
    "valueGeoRange",
)


def _scalar_value(value: Any) -> tuple[str, Any]:
    if isinstance(value, bool):
        return "Boolean", value
    if isinstance(value, int):
        return "Int", value
    if isinstance(value, float):
        return "Number", value
    if isinstance(value, _dt.datetime):
        from weaviate.util import _datetime_to_string

        return "Date", _datetime_to_string(value)
    if isinstance(value, _uuid.UUID):
        return "Text", str(value)
    if isinstance(value, str):
        return "Text", value
    raise ConfigurationError(
        f"Cannot express the filter value {value!r} as plain data; use str, int, float, bool, datetime or UUID values."
    )


def filter_to_data(f: _Filters | None) -> dict[str, Any] | None:
    """A weaviate-client filter as Weaviate's REST ``where`` JSON (None stays None).

    Raises:
        ConfigurationError: the filter uses a cross-reference path or a reference count, which plans do
            not carry; filter on the Item's own properties instead.
    """
    if f is None:
        return None
    if isinstance(f, (_FilterAnd, _FilterOr, _FilterNot)):
        op = {_FilterAnd: "And", _FilterOr: "Or", _FilterNot: "Not"}[type(f)]
        return {"operator": op, "operands": [filter_to_data(x) for x in f.filters]}
    if not isinstance(f, _FilterValue):
        raise ConfigurationError(f"Unsupported filter object {f!r}; build filters with weaviate.classes.query.Filter.")
    if not isinstance(f.target, str):
        raise ConfigurationError(
            "Recommendation filters must be on the Item's own properties (no reference "
            f"paths or counts); got {f.target!r}."
        )
    op = f.operator.value
    out: dict[str, Any] = {"path": [f.target], "operator": op}
    value = f.value
    if op == "WithinGeoRange":
        assert isinstance(value, _GeoCoordinateFilter)
        out["valueGeoRange"] = {
            "geoCoordinates": {"latitude": value.latitude, "longitude": value.longitude},
            "distance": {"max": value.distance},
        }
    elif isinstance(value, (list, tuple)):
        kinds = {_scalar_value(v)[0] for v in value}
        kind = kinds.pop() if len(kinds) == 1 else "Text"
        out[f"value{kind}Array"] = [_scalar_value(v)[1] for v in value]
    else:
        kind, plain = _scalar_value(value)
        out[f"value{kind}"] = plain
    return out


def _parse_date(s: str) -> _dt.datetime:
    return _dt.datetime.fromisoformat(s.replace("Z", "+00:00"))


def filter_from_data(data: Mapping[str, Any] | None) -> _Filters | None:
    """Rebuild a weaviate-client filter from `filter_to_data`'s JSON (the same request on the wire).

    Raises:
        ConfigurationError: the JSON is not a filter this module writes.
    """
    if data is None:
        return None
    op = data.get("operator")
    if op in ("And", "Or", "Not"):
        operands = [filter_from_data(x) for x in data.get("operands", [])]
        if op == "Not":
            if len(operands) != 1:
                raise ConfigurationError(f"A Not filter needs exactly one operand (got {len(operands)}).")
            return Filter.not_(operands[0])  # type: ignore[arg-type]
        if not operands:
            raise ConfigurationError(f"An {op} filter needs at least one operand.")
        return (Filter.all_of if op == "And" else Filter.any_of)(operands)  # type: ignore[arg-type]
    path = data.get("path")
    if not isinstance(path, list) or len(path) != 1 or not isinstance(path[0], str):
        raise ConfigurationError(f"Filter path must be a one-element list of a property name (got {path!r}).")
    target = path[0]
    keys = [k for k in _VALUE_KEYS if k in data]
    if len(keys) != 1:
        raise ConfigurationError(f"Filter {dict(data)!r} must have exactly one value field ({', '.join(_VALUE_KEYS)}).")
    key = keys[0]
    value = data[key]
    if key == "valueDate":
        value = _parse_date(value)
    elif key == "valueDateArray":
        value = [_parse_date(v) for v in value]
    if target == "_id":
        base: Any = Filter.by_id()
    elif target == "_creationTimeUnix":
        base = Filter.by_creation_time()
    elif target == "_lastUpdateTimeUnix":
        base = Filter.by_update_time()
    elif target.startswith("len(") and target.endswith(")"):
        base = Filter.by_property(target[4:-1], length=True)
    else:
        base = Filter.by_property(target)
    if op == "WithinGeoRange":
        from weaviate.classes.data import GeoCoordinate

        geo = value["geoCoordinates"]
        return base.within_geo_range(
            GeoCoordinate(latitude=geo["latitude"], longitude=geo["longitude"]), value["distance"]["max"]
        )
    method = _METHOD_BY_OPERATOR.get(str(op))
    if method is None or not hasattr(base, method):
        raise ConfigurationError(f"Unsupported filter operator {op!r} on {target!r}.")
    return getattr(base, method)(value)


def all_of(*parts: dict[str, Any] | None) -> dict[str, Any] | None:
    """AND the given plain filters together, skipping None; one part is returned as is."""
    present = [p for p in parts if p is not None]
    if not present:
        return None
    if len(present) == 1:
        return present[0]
    return {"operator": "And", "operands": present}


def _equal_text(prop: str, value: str) -> dict[str, Any]:
    return {"path": [prop], "operator": "Equal", "valueText": value}


def _contains_none_text(prop: str, values: Sequence[str]) -> dict[str, Any] | None:
    values = list(dict.fromkeys(values))
    if not values:
        return None
    return {"path": [prop], "operator": "ContainsNone", "valueTextArray": values}


# --- the plan models ------------------------------------------------------------------------------


class HybridQueryPlan(BaseModel):
    """One ``collection.query.hybrid(...)`` call and what the recommender does with its results.

    Attributes:
        name: a label, e.g. ``interest:Office Supplies``.
        source: what the query serves (an interest, exploration, free text).
        collection: the Item collection's name (with the settings prefix).
        domain: the macro interest the query is filtered to (None: not bound to one domain).
        weight: the interest's weight as in the profile (for exploration: the exploration share); the fused
            score multiplies by it so that results from different queries are comparable (see `fusion`).
        slots: how many of the k results this query is entitled to (largest remainder over weights).
        limit: how many results to ask for (>= slots, so there is room for de-duplication, refills and MMR).
        query: the BM25 query text (the domain's keywords); None when there are none (vector only).
        keywords: the keywords in ``query``, best first, for reasons.
        query_properties: BM25 properties with boosts (``title^2``).
        alpha: weight of the vector leg (0: keyword only, 1: vector only).
        vectors: target vector name -> query vector. One entry: a single-target search. Two
            (``content`` and ``behavior``): a multi-target search with ``TargetVectors.manual_weights``,
            whose vector leg ranks by ``sum_t weight_t x cosine distance_t`` and only reaches items that
            have every target vector (docs/lite-server.md §9.4); items without a behaviour vector are
            served by the plan's ``cold-items`` query.
        target_weights: for several targets, the manual weight of each (multi-target search, §9).
        fusion_type: Weaviate's hybrid fusion.
        filters: the ``where`` filter as REST JSON (domain, application filter, exclusions).
        return_properties: Item properties to return.
        include_vectors: named vectors to return (the content vector when MMR needs it).
    """

    kind: Literal["hybrid"] = "hybrid"
    name: str
    source: Source
    collection: str
    domain: str | None = None
    weight: float
    slots: int
    limit: int
    query: str | None
    keywords: list[str] = Field(default_factory=list)
    query_properties: list[str]
    alpha: float
    vectors: dict[str, list[float]] = Field(default_factory=dict)
    target_weights: dict[str, float] | None = None
    fusion_type: Literal["relative_score", "ranked"] = "relative_score"
    filters: dict[str, Any] | None = None
    return_properties: list[str] = Field(default_factory=lambda: list(ITEM_RETURN_PROPERTIES))
    include_vectors: list[str] = Field(default_factory=list)


class PopularityQueryPlan(BaseModel):
    """One ``collection.query.fetch_objects(...)`` sorted by ``popularity`` (cold start and backfill).

    Attributes:
        only_if_short: run only when the queries before it returned fewer than k distinct items
            (a backfill), so a normal list costs no extra request.
        (others as in `HybridQueryPlan`)
    """

    kind: Literal["popular"] = "popular"
    name: str
    source: Source = "popular"
    collection: str
    domain: str | None = None
    weight: float
    slots: int
    limit: int
    filters: dict[str, Any] | None = None
    sort_property: str = "popularity"
    only_if_short: bool = False
    return_properties: list[str] = Field(default_factory=lambda: list(ITEM_RETURN_PROPERTIES))
    include_vectors: list[str] = Field(default_factory=list)


QueryPlan = Annotated[HybridQueryPlan | PopularityQueryPlan, Field(discriminator="kind")]


class RecommendationPlan(BaseModel):
    """Every query behind one recommendation list, and how their results are combined.

    Attributes:
        user_id: whose list (None for anonymous text).
        k: list length asked for.
        basis: what the plan was built from: the stored ``profile``, the user's ``stated_interests``
            (cold start), free ``text`` (anonymous visitor) or ``popular`` items (nothing known).
        fusion: how scores from different queries are made comparable: ``weighted_score`` (interest
            weight x the query's hybrid score) or ``reciprocal_rank`` (interest weight / (60 + rank)).
        diversity: MMR trade-off applied to the fused candidates.
        quotas: slots per query name (largest remainder over interest weights).
        excluded_items: how many already-interacted or explicitly excluded item ids the filters remove.
        queries: the queries, in execution order.
    """

    user_id: str | None
    k: int
    basis: Basis
    fusion: Fusion
    diversity: float
    quotas: dict[str, int]
    excluded_items: int = 0
    queries: list[QueryPlan]


@dataclass
class DomainInterest:
    """The plan's input for one interest: what `plan` needs from a profile, nothing more.

    Attributes:
        domain: the macro domain (None: not bound to a domain, e.g. free text without a classifier).
        weight: the interest's weight (any positive scale; slots are proportional to it).
        keywords: micro interests, best first.
        vector: the semantic interest in the ``content`` space (None: keyword only).
        extra_vectors: further named vectors (``behavior``) with their query vectors.
    """

    domain: str | None
    weight: float
    keywords: list[str] = field(default_factory=list)
    vector: Sequence[float] | None = None
    extra_vectors: dict[str, Sequence[float]] = field(default_factory=dict)
    keyword_weights: list[float] = field(default_factory=list)


def _floats(v: Sequence[float]) -> list[float]:
    # The client's fast path wants Python floats (numpy scalars would take the slow, typed path).
    if type(v) is list and set(map(type, v)) == {float}:  # the element types, gathered in C
        return v  # already so (profiles' vectors are): no copy
    return np.asarray(v, dtype=np.float64).reshape(-1).tolist()


def _weighted_query(keywords: Sequence[str], weights: Sequence[float], repeat: int) -> str:
    """The BM25 query text: each keyword repeated in proportion to its weight, the heaviest ``repeat`` times
    (a repeated query term multiplies its IDF, docs/lite-server.md §3.5), so the user's strongest
    keywords count most; ``repeat`` 1, or no positive weight: every keyword once."""
    top = max((w for w in weights[: len(keywords)]), default=0.0)
    if repeat <= 1 or top <= 0:
        return " ".join(keywords)
    parts = []
    for kw, w in zip(keywords, weights):
        parts.extend([kw] * max(1, round(repeat * max(w, 0.0) / top)))
    return " ".join(parts)


def _query_properties(boosts: Mapping[str, float]) -> list[str]:
    out = []
    for prop, boost in boosts.items():
        if boost <= 0:
            continue
        out.append(prop if boost == 1 else f"{prop}^{boost:g}")
    return out


@dataclass(frozen=True, kw_only=True)
class PlanOptions:
    """Everything `plan` needs besides the interests and k: where to search, how, and which extra queries.

    Defaults are the product's (`settings.DEFAULT_*`); the extra queries (exploration, cold items, overall)
    and their interests are off unless given, because only the caller knows the profile they come from.

    Attributes:
        collection: the Item collection name.
        user_id: for the record.
        basis: what the interests came from (see `RecommendationPlan`).
        source: the reason source of the interest queries (``interest`` or ``text``).
        alpha: hybrid alpha (vector leg weight).
        query_keywords: keywords per domain in the BM25 query.
        keyword_repeat: how many times the heaviest keyword appears in the BM25 query; the others in
            proportion to their weight (at least once). 1: every keyword once.
        boosts: BM25 property -> boost.
        exploration: share of slots for domains outside the profile, served by one hybrid query with
            ``exploration_interest`` (the user's overall interest) filtered to the other domains.
        exploration_interest: the overall interest used for exploration; None disables exploration.
        diversity: MMR trade-off; > 0 fetches more candidates and the content vectors.
        fusion: how scores are made comparable across queries.
        fusion_type: Weaviate's hybrid fusion for each query.
        exclude_items: item ids never to return (already interacted, or the caller's ``exclude``).
        filters: the application's extra filter (REST JSON), ANDed into every query.
        popular_domains: the domains the application named: with no interests, popular items in each of them
            (one query each); with interests, the backfill stays within them too.
        backfill: add a popularity query that runs only when the others return fewer than k items.
        target_weights: multi-target weights by named vector; None: the content vector only.
        cold_items: share of slots kept for items without a behaviour vector (new or never interacted with),
            served by one content-only hybrid query (``cold-items``) with ``cold_interest`` within the
            interests' domains. Added only when some interest query searches the ``behavior`` vector,
            because that multi-target search cannot return such items (§9.4). An unused slot goes back to
            the other queries' candidates.
        cold_interest: the interest for the cold-items query (its vector and keywords; behaviour ignored).
        min_domain_slots: slots each domain query gets before the rest is shared in proportion to the
            weights (heaviest domains first while slots last), so the list covers each long-term interest.
        slot_allocation: ``proportional``: each domain query gets its slots as a quota; ``by_score``: the
            domain queries have no quotas and the best fused scores win (overall, exploration and cold-items
            keep theirs).
        overall: share of the slots (after cold items) for one query with ``overall_interest`` over the whole
            catalog, no domain filter (``overall``): what the user's recent history points at, whatever its
            domain, next to the per-domain queries. Its results weigh 1 in the fused ranking (as the
            user's whole interest); an item it shares with a domain query is explained by the better-scoring
            query and fills whichever of the two quotas still has room.
        overall_interest: the interest for the overall query (the profile's overall vector, behaviour and
            keywords); None disables it, and so do interests without domains (they already span the catalog).

    Raises:
        ConfigurationError: a share or trade-off outside [0, 1], or an unknown slot allocation.
    """

    collection: str
    user_id: str | None = None
    basis: Basis = "profile"
    source: Source = "interest"
    alpha: float = DEFAULT_ALPHA
    query_keywords: int = DEFAULT_QUERY_KEYWORDS
    keyword_repeat: int = DEFAULT_KEYWORD_REPEAT
    boosts: Mapping[str, float] = field(default_factory=lambda: dict(DEFAULT_BOOSTS))
    exploration: float = DEFAULT_EXPLORATION
    exploration_interest: DomainInterest | None = None
    diversity: float = DEFAULT_DIVERSITY
    fusion: Fusion = DEFAULT_FUSION
    fusion_type: HybridFusionType = "relative_score"
    exclude_items: Sequence[str] = ()
    filters: dict[str, Any] | None = None
    popular_domains: Sequence[str] | None = None
    backfill: bool = True
    target_weights: Mapping[str, float] | None = None
    cold_items: float = 0.0
    cold_interest: DomainInterest | None = None
    slot_allocation: SlotAllocation = DEFAULT_SLOT_ALLOCATION
    min_domain_slots: int = DEFAULT_MIN_DOMAIN_SLOTS
    overall: float = 0.0
    overall_interest: DomainInterest | None = None

    def __post_init__(self) -> None:
        for name in ("alpha", "diversity", "exploration", "overall"):
            value = getattr(self, name)
            if not 0.0 <= value <= 1.0:
                raise ConfigurationError(f"{name} must be between 0 and 1 (got {value}).")
        if self.slot_allocation not in ("proportional", "by_score"):
            raise ConfigurationError(
                f"slot_allocation must be 'proportional' or 'by_score' (got {self.slot_allocation!r})."
            )


@dataclass(frozen=True)
class _PlanContext:
    """What every query of one plan shares: its options, the exclusions, and how many candidates to fetch."""

    options: PlanOptions
    k: int
    exclusion: dict[str, Any] | None
    include_vectors: list[str]
    pool: int
    quota_pool: bool

    @classmethod
    def of(cls, options: PlanOptions, k: int) -> _PlanContext:
        diversity = options.diversity
        # MMR needs a pool to choose from; without it, k per query lets any one query fill the whole list.
        pool = k if diversity == 0 else min(max(3 * k, k + 10), max(100, k))
        # With quotas and no MMR, a domain query's items beyond its slots only refill other domains' empty
        # slots: REFILL_MARGIN of them per query (the backfill query covers the rest). On amazon-office's
        # validation split that gives the same NDCG@10 and HR@10 as k per query (0.0604 / 0.1005; NDCG@20
        # 0.0669 against 0.0670) with less than half the objects to send and parse.
        quota_pool = diversity == 0 and options.slot_allocation == "proportional"
        return cls(
            options=options,
            k=k,
            exclusion=_contains_none_text("item_id", options.exclude_items),
            include_vectors=[CONTENT_VECTOR] if diversity > 0 else [],
            pool=pool,
            quota_pool=quota_pool,
        )

    def quota_limit(self, n: int) -> int:
        """How many results a query holding ``n`` quota slots asks for (the domain and overall queries)."""
        return min(self.pool, n + REFILL_MARGIN) if self.quota_pool else max(n, self.pool)

    def side_limit(self, n: int) -> int:
        """How many results a side query (exploration, cold items) holding ``n`` slots asks for."""
        return max(n, min(self.pool, 3 * n + 2))

    def filters(self, *parts: dict[str, Any] | None) -> dict[str, Any] | None:
        """``parts`` ANDed with the application's filter and the exclusions (in that order)."""
        return all_of(*parts, self.options.filters, self.exclusion)

    def hybrid(
        self,
        interest: DomainInterest,
        *,
        name: str,
        source: Source,
        slots: int,
        limit: int,
        weight: float,
        filters: dict[str, Any] | None,
        content_only: bool = False,
    ) -> HybridQueryPlan | PopularityQueryPlan:
        """The hybrid query for one interest with this plan's search settings (``content_only``: no
        behaviour vector); a popularity query when the interest has neither keywords nor a vector."""
        o = self.options
        target_weights = None if content_only else o.target_weights
        weighted = list(zip(interest.keywords, interest.keyword_weights or [1.0] * len(interest.keywords)))
        kept = [(kw, w) for kw, w in weighted if kw and kw.strip()][: o.query_keywords]
        keywords = [kw for kw, _ in kept]
        vectors: dict[str, list[float]] = {}
        if interest.vector is not None and len(interest.vector) and any(x != 0 for x in interest.vector):
            vectors[CONTENT_VECTOR] = _floats(interest.vector)
        for target, vec in interest.extra_vectors.items():
            if vec is not None and len(vec) and (target_weights or {}).get(target, 0) > 0:
                vectors[target] = _floats(vec)
        weights = None
        if len(vectors) > 1 and target_weights:
            weights = {t: float(target_weights.get(t, 1.0 if t == CONTENT_VECTOR else 0.0)) for t in vectors}
        query = _weighted_query(keywords, [w for _, w in kept], o.keyword_repeat) if keywords else None
        if not vectors and query is None:
            # Nothing to search with: the best this interest can do is its domain's popular items.
            return PopularityQueryPlan(
                name=name,
                source=source,
                collection=o.collection,
                domain=interest.domain,
                weight=weight,
                slots=slots,
                limit=limit,
                filters=filters,
                include_vectors=self.include_vectors,
            )
        # The client forces alpha=1 for query=None and a keyword-only search needs alpha=0; the plan says so.
        effective_alpha = 1.0 if query is None else (0.0 if not vectors else o.alpha)
        return HybridQueryPlan(
            name=name,
            source=source,
            collection=o.collection,
            domain=interest.domain,
            weight=weight,
            slots=slots,
            limit=limit,
            query=query,
            keywords=keywords,
            query_properties=_query_properties(o.boosts),
            alpha=effective_alpha,
            vectors=vectors,
            target_weights=weights,
            fusion_type=o.fusion_type,
            filters=filters,
            include_vectors=self.include_vectors,
        )


def _named_interests(
    interests: Sequence[DomainInterest],
    source: Source,
) -> tuple[dict[str, float], dict[str, DomainInterest]]:
    """Each interest's query name (``interest:<domain>``, or its position without a domain) and weight.

    Zero or negative weights count as zero; when all are zero, every interest weighs the same.
    """
    weights: dict[str, float] = {}
    by_name: dict[str, DomainInterest] = {}
    for i, interest in enumerate(interests):
        name = f"{source}:{interest.domain}" if interest.domain is not None else f"{source}:{i}"
        weights[name] = max(float(interest.weight), 0.0)
        by_name[name] = interest
    if sum(weights.values()) <= 0:
        weights = {name: 1.0 for name in weights}
    return weights, by_name


def _cold_item_slots(interests: Sequence[DomainInterest], ctx: _PlanContext) -> int:
    """Slots for items without a behaviour vector: only when some interest query searches ``behavior``."""
    o, k = ctx.options, ctx.k
    uses_behavior = (o.target_weights or {}).get(BEHAVIOR_VECTOR, 0.0) > 0 and any(
        i.extra_vectors.get(BEHAVIOR_VECTOR) is not None for i in interests
    )
    if not (uses_behavior and o.cold_items > 0 and o.cold_interest is not None and k > 0):
        return 0
    return min(k, max(1, round(k * o.cold_items)))


def _overall_slots(interests: Sequence[DomainInterest], ctx: _PlanContext, n_cold: int) -> int:
    """Slots for the overall query, out of what the cold items leave."""
    o, k = ctx.options, ctx.k
    # Only beside domain-bound interests: an interest without a domain already searches the whole catalog.
    if not (
        o.overall > 0 and o.overall_interest is not None and k > 0 and any(i.domain is not None for i in interests)
    ):
        return 0
    return min(k - n_cold, max(1, round((k - n_cold) * o.overall)))


def _domain_queries(
    weights: Mapping[str, float],
    by_name: Mapping[str, DomainInterest],
    slots: Mapping[str, int],
    ctx: _PlanContext,
) -> tuple[list[HybridQueryPlan | PopularityQueryPlan], dict[str, int]]:
    """One hybrid query per interest, filtered to its domain, and the domains' quotas."""
    queries: list[HybridQueryPlan | PopularityQueryPlan] = []
    quotas: dict[str, int] = {}
    for name, interest in by_name.items():
        if ctx.options.slot_allocation == "proportional":
            quotas[name] = slots[name]
        if slots[name] == 0 and ctx.k > 0 and len(by_name) > 1:
            continue  # below one slot: its items would only compete for refills the others can serve
        domain_filter = _equal_text("domain", interest.domain) if interest.domain is not None else None
        queries.append(
            ctx.hybrid(
                interest,
                name=name,
                source=ctx.options.source,
                slots=slots[name],
                limit=ctx.quota_limit(slots[name]),
                weight=weights[name],
                filters=ctx.filters(domain_filter),
            )
        )
    return queries, quotas


def _overall_query(n: int, ctx: _PlanContext) -> HybridQueryPlan | PopularityQueryPlan | None:
    """The user's whole interest over the whole catalog (no domain filter)."""
    interest = ctx.options.overall_interest
    if n <= 0 or interest is None:
        return None
    return ctx.hybrid(
        interest,
        name="overall",
        source="overall",
        slots=n,
        limit=ctx.quota_limit(n),
        weight=OVERALL_WEIGHT,
        filters=ctx.filters(),
    )


def _exploration_query(
    n: int,
    share: float,
    interests: Sequence[DomainInterest],
    ctx: _PlanContext,
) -> HybridQueryPlan | PopularityQueryPlan | None:
    """The user's overall interest in the domains outside the profile."""
    interest = ctx.options.exploration_interest
    if n <= 0 or interest is None:
        return None
    known = [i.domain for i in interests if i.domain is not None]
    return ctx.hybrid(
        interest,
        name="exploration",
        source="exploration",
        slots=n,
        limit=ctx.side_limit(n),
        weight=share,
        filters=ctx.filters(_contains_none_text("domain", known)),
    )


def _cold_items_query(
    n: int,
    interests: Sequence[DomainInterest],
    ctx: _PlanContext,
) -> HybridQueryPlan | PopularityQueryPlan | None:
    """Items without a behaviour vector within the interests' domains, found by content alone (§9.4)."""
    o = ctx.options
    if n <= 0 or o.cold_interest is None:
        return None
    known = [i.domain for i in interests if i.domain is not None]
    within = {"path": ["domain"], "operator": "ContainsAny", "valueTextArray": known} if known else None
    content_only = DomainInterest(
        domain=None,
        weight=o.cold_items,
        keywords=list(o.cold_interest.keywords),
        vector=o.cold_interest.vector,
        keyword_weights=list(o.cold_interest.keyword_weights),
    )
    return ctx.hybrid(
        content_only,
        name="cold-items",
        source="cold_items",
        slots=n,
        limit=ctx.side_limit(n),
        weight=o.cold_items,
        filters=ctx.filters(within, NO_BEHAVIOR_FILTER),
        content_only=True,
    )


def _interest_queries(
    interests: Sequence[DomainInterest],
    ctx: _PlanContext,
) -> tuple[list[HybridQueryPlan | PopularityQueryPlan], dict[str, int]]:
    """The queries for known interests: per domain, then overall, exploration and cold items."""
    o = ctx.options
    weights, by_name = _named_interests(interests, o.source)
    explore = o.exploration if o.exploration_interest is not None else 0.0
    n_cold = _cold_item_slots(interests, ctx)
    n_overall = _overall_slots(interests, ctx, n_cold)
    slots = plan_slots(weights, ctx.k - n_cold - n_overall, explore, o.min_domain_slots)
    queries, quotas = _domain_queries(weights, by_name, slots, ctx)
    for extra in (
        _overall_query(n_overall, ctx),
        _exploration_query(slots.get(EXPLORATION, 0), explore, interests, ctx),
        _cold_items_query(n_cold, interests, ctx),
    ):
        if extra is not None:
            quotas[extra.name] = extra.slots
            queries.append(extra)
    return queries, quotas


def _popular_queries(ctx: _PlanContext) -> tuple[list[HybridQueryPlan | PopularityQueryPlan], dict[str, int]]:
    """Nothing known about the user: popular items, in each domain the application named or overall."""
    k = ctx.k
    domains = list(dict.fromkeys(ctx.options.popular_domains or []))
    targets: list[str | None] = [*domains] if domains else [None]
    slots = plan_slots({str(d): 1.0 for d in targets}, k) if domains else {"popular": k}
    queries: list[HybridQueryPlan | PopularityQueryPlan] = []
    quotas: dict[str, int] = {}
    for d in targets:
        name = f"popular:{d}" if d is not None else "popular"
        n = slots[str(d)] if d is not None else k
        quotas[name] = n
        queries.append(
            PopularityQueryPlan(
                name=name,
                collection=ctx.options.collection,
                domain=d,
                weight=1.0 / len(targets),
                slots=n,
                limit=max(n, ctx.pool),
                filters=ctx.filters(_equal_text("domain", d) if d else None),
                include_vectors=ctx.include_vectors,
            )
        )
    return queries, quotas


def _backfill_query(ctx: _PlanContext) -> PopularityQueryPlan:
    """Popular items (within the named domains), run only when the other queries come back short."""
    named = list(dict.fromkeys(ctx.options.popular_domains or []))
    within = {"path": ["domain"], "operator": "ContainsAny", "valueTextArray": named} if named else None
    return PopularityQueryPlan(
        name="backfill",
        collection=ctx.options.collection,
        weight=0.0,
        slots=0,
        limit=2 * ctx.k,
        filters=ctx.filters(within),
        only_if_short=True,
        include_vectors=ctx.include_vectors,
    )


def plan(interests: Sequence[DomainInterest], k: int, options: PlanOptions) -> RecommendationPlan:
    """Plan the Weaviate queries for one list of ``k`` recommendations (pure: no request is made).

    Args:
        interests: the user's interests, best first (one hybrid query each). Empty: popular items.
        k: list length.
        options: where and how to search, and which extra queries to add (see `PlanOptions`).

    Returns:
        The plan; ``recommend`` runs exactly its queries.

    Raises:
        ConfigurationError: ``k`` is negative.
    """
    if k < 0:
        raise ConfigurationError(f"k must be >= 0 (got {k}).")
    ctx = _PlanContext.of(options, k)
    positive = [i for i in interests if i.weight > 0]
    interests = positive or list(interests)  # all weights zero: keep them all, equally weighted
    basis = options.basis
    backfill = options.backfill
    if interests:
        queries, quotas = _interest_queries(interests, ctx)
    else:
        queries, quotas = _popular_queries(ctx)
        basis = "popular"
        backfill = backfill and bool(options.popular_domains)
    if backfill and k > 0:
        queries.append(_backfill_query(ctx))
    return RecommendationPlan(
        user_id=options.user_id,
        k=k,
        basis=basis,
        fusion=options.fusion,
        diversity=options.diversity,
        quotas=quotas,
        excluded_items=len(set(options.exclude_items)),
        queries=queries,
    )


# --- turning plans into client calls --------------------------------------------------------------


class _ShortReprVector(list[float]):
    """A query vector whose repr is one line: weaviate-client formats the vector into a prepared error
    message on every query (measured: ~1.2 ms per multi-target query, a fifth of a recommendation's CPU)."""

    def __repr__(self) -> str:
        return f"<vector of {len(self)} floats>"

    __str__ = __repr__


class _ShortReprVectors(dict[str, _ShortReprVector]):
    """Named query vectors with a one-line repr (see `_ShortReprVector`)."""

    def __repr__(self) -> str:
        return "{" + ", ".join(f"{k!r}: <{len(v)} floats>" for k, v in self.items()) + "}"

    __str__ = __repr__


def hybrid_kwargs(q: HybridQueryPlan, *, explain: bool = True) -> dict[str, Any]:
    """Keyword arguments for ``collection.query.hybrid(**...)`` that run ``q`` exactly."""
    vector: Any = None
    target: Any = None
    if len(q.vectors) == 1:
        ((target, vec),) = q.vectors.items()
        vector = _ShortReprVector(vec)
    elif len(q.vectors) > 1:
        vector = _ShortReprVectors({name: _ShortReprVector(v) for name, v in q.vectors.items()})
        target = TargetVectors.manual_weights(dict(q.target_weights or {t: 1.0 for t in q.vectors}))
    else:
        # Several named vectors on Item: the server wants a target even for keyword-only hybrid (§9.7 b).
        target = CONTENT_VECTOR
    return {
        "query": q.query,
        "alpha": q.alpha,
        "vector": vector,
        "target_vector": target,
        "query_properties": list(q.query_properties),
        "fusion_type": HybridFusion.RANKED if q.fusion_type == "ranked" else HybridFusion.RELATIVE_SCORE,
        "limit": q.limit,
        "filters": filter_from_data(q.filters),
        "return_properties": list(q.return_properties),
        "include_vector": list(q.include_vectors) if q.include_vectors else False,
        "return_metadata": MetadataQuery(score=True, explain_score=explain),
    }


def fetch_kwargs(q: PopularityQueryPlan) -> dict[str, Any]:
    """Keyword arguments for ``collection.query.fetch_objects(**...)`` that run ``q`` exactly."""
    return {
        "limit": q.limit,
        "filters": filter_from_data(q.filters),
        "sort": Sort.by_property(q.sort_property, ascending=False),
        "return_properties": list(q.return_properties),
        "include_vector": list(q.include_vectors) if q.include_vectors else False,
    }
