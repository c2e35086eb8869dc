"""Recommendations from multi-granularity interest profiles, as Weaviate hybrid queries.

For each of a user's top domains the `Recommender` runs one hybrid query on ``Item``: the domain as a
filter (macro), the domain's keywords as BM25 text over title, keywords, tags and description (micro), and
the domain's interest vector against the ``content`` vector (semantic). Slots per domain follow the domain
weights (largest remainder); the results are fused into one ranking, optionally diversified with MMR, and
each result says why it is there.

The overall interest. Beside the domain queries, one query with the user's overall interest (their
recency-weighted vectors and overall keywords) and no domain filter gets ``overall_share`` of the slots and
weighs 1 in the fused score, so what the latest items point at leads the list whatever its domain; an item it
shares with a domain query can fill either quota. Chosen on the validation split (docs/behavior_validation.md
section 3c): per-domain queries alone ranked the next item worse than one unfiltered query.

Fusion across domains. Each query's hybrid score is Weaviate's relativeScore fusion, normalised to 0..1
within that query's candidate pool (docs/lite-server.md §4.5), so scores from different domains are on
the same scale but say nothing about how much the user cares about the domain. The default fused score is
therefore ``domain weight x hybrid score`` (``fusion="weighted_score"``); ``reciprocal_rank`` (weight /
(60 + rank)) is the alternative. The slot quotas already fix how many items each domain gets, so the fused
score only orders the list and decides refills when a domain runs short. The default is a design
choice: the two have not been compared on a validation split.

Behaviour. When items have ``behavior`` vectors (`plugin.behavior.train_behavior`) and the user
has one (the recency-weighted mean of their items'), each interest query's vector leg is a multi-target
search over ``content`` and ``behavior`` with manual weights ``1 - behavior_weight`` and
``behavior_weight`` (settings). Such a search cannot return items without a behaviour vector
(docs/lite-server.md §9.4), so the plan adds one content-only ``cold-items`` query, filtered to items
without one (``behavior_events`` is null) within the user's domains, with ``cold_item_share`` of the slots;
when no such item matches, its slot goes back to the other queries. ``behavior_weight=0`` is the
content-only recommender.

Everything the recommender sends to Weaviate is in a `RecommendationPlan` (`Recommender.plan`), and
`recommend` runs exactly that plan, so applications can inspect or run the same queries themselves.
"""

from __future__ import annotations

from collections.abc import Callable, Mapping, Sequence
from concurrent.futures import Future, ThreadPoolExecutor
from dataclasses import dataclass, field
from datetime import datetime, timedelta
from typing import Any, Literal, TypedDict, Unpack

import numpy as np
from weaviate import WeaviateClient
from weaviate.classes.query import Filter, MetadataQuery, Sort
from weaviate.collections.classes.filters import _Filters
from weaviate.exceptions import WeaviateBaseError

from ..errors import ConfigurationError, RecsysError, SchemaMissing, UnknownItem, UnknownUser
from ..schema.contracts import INTEREST_VECTOR, collection_name
from ..schema.identity import item_uuid, user_uuid
from ..settings import Settings
from .history import HistoryEntry, liked, read_events
from .item_cache import ItemCache
from .profile_model import InterestProfile
from .profiles import get_profile
from .query_plan import (
    BEHAVIOR_VECTOR,
    CONTENT_VECTOR,
    ITEM_RETURN_PROPERTIES,
    NO_BEHAVIOR_FILTER,
    DomainInterest,
    HybridQueryPlan,
    PlanOptions,
    PopularityQueryPlan,
    RecommendationPlan,
    fetch_kwargs,
    filter_from_data,
    filter_to_data,
    hybrid_kwargs,
)
from .query_plan import plan as build_plan
from .reasons import (
    ITEM_TEXT_PROPERTIES,
    KeywordMatcher,
    LikedIndex,
    LikedItem,
    PopularityBasis,
    Reasons,
    ScoreParts,
    item_texts,
    parse_explain_score,
    score_contributions,
    summarize,
)
from .reranking import RankedCandidate, select_by_coverage, select_with_quotas
from .results import AudienceMember, Recommendation
from .similar import find_similar, found_by_phrase
from .storage import collection_handle
from .text_query import aspect_interests, aspects_of, with_key_phrases

__all__ = ["Recommender", "Recommendation", "AudienceMember", "UserSnapshot", "ListOptions", "TextListOptions", "RRF_K"]

#: The reciprocal-rank constant (the same 60 as Weaviate's rankedFusion, §4.5).
RRF_K = 60
#: Most interactions read to exclude already-seen items (Weaviate's default QUERY_MAXIMUM_RESULTS).
_MAX_SEEN = 10_000
#: Most recent liked items a "because you liked" reason chooses from.
_LIKED_HISTORY = 10


@dataclass(frozen=True)
class UserSnapshot:
    """What `Recommender.recommend` reads about a user: their stored profile and the items they used.

    Read it once with `Recommender.read_user` to serve several lists for one user (carousels per domain,
    with different filters or alphas) without reading the profile again; it is a copy, so read a new one
    after the user's profile changes.

    Attributes:
        user_id: the user.
        profile: the user's `InterestProfile`; None for an unknown user (no User object, no interactions).
        seen: ids of the items the user interacted with whose kind excludes re-recommending them.
        read_with: the collection prefix and ``exclude_kinds`` it was read with; a recommender whose
            settings differ in either refuses it.
        liked: the user's most recent liked items, newest first (for "because you liked").
    """

    user_id: str
    profile: InterestProfile | None
    seen: tuple[str, ...] = ()
    read_with: tuple[str, tuple[str, ...] | None] = ("", None)
    liked: tuple[HistoryEntry, ...] = ()


@dataclass
class _UserContext:
    """What a plan needs about a user, read from Weaviate."""

    user_id: str | None
    basis: str
    interests: list[DomainInterest]
    overall: DomainInterest | None
    seen: list[str] = field(default_factory=list)
    keywords: list[str] = field(default_factory=list)
    #: The user's recent liked items (`UserSnapshot.liked`), for "because you liked" reasons.
    liked: tuple[HistoryEntry, ...] = ()


def _pairs(value: Any) -> list[tuple[str, float]]:
    """Accept [(name, weight)], [{"name"/"keyword"/"domain": .., "weight": ..}] or {name: weight}."""
    if value is None:
        return []
    if isinstance(value, Mapping):
        return [(str(k), float(v)) for k, v in value.items()]
    out: list[tuple[str, float]] = []
    for entry in value:
        if isinstance(entry, (tuple, list)) and len(entry) == 2:
            out.append((str(entry[0]), float(entry[1])))
        elif isinstance(entry, Mapping):
            name = entry.get("name", entry.get("keyword", entry.get("domain")))
            out.append((str(name), float(entry.get("weight", 1.0))))
        elif hasattr(entry, "weight"):
            name = getattr(entry, "name", None) or getattr(entry, "keyword", None) or getattr(entry, "domain", None)
            out.append((str(name), float(entry.weight)))
        else:
            out.append((str(entry), 1.0))
    return out


def _vector(value: Any) -> list[float] | None:
    if value is None:
        return None
    arr = np.asarray(value, dtype=np.float64).reshape(-1)
    if arr.size == 0 or not np.any(arr):
        return None
    return arr.tolist()  # Python floats


def interests_from_profile(
    profile: Any,
    domains: Sequence[str] | None = None,
    overall: Literal["short_term", "long_term"] = "short_term",
) -> tuple[list[DomainInterest], DomainInterest | None, list[str]]:
    """The plan inputs from an `InterestProfile`: one interest per top domain, the overall interest, keywords.

    The domain interests (quotas, filters, per-domain keywords and vectors) are the long-term ones; the overall
    interest is the short-term one (the user's last few events) when the profile has it, so the overall query
    follows what the user is doing now.

    Args:
        profile: the stored `InterestProfile` (as `get_profile` returns it: (domains, keywords, domain_keywords, interest vector,
            domain vectors, short-term interest)).
        domains: restrict to these domains (the application's choice). A named domain the profile lacks is
            searched with the overall interest (vector and keywords), weighted like the average profile domain.
        overall: which interest the overall query uses (``Settings.overall_interest``); ``long_term`` or a
            profile without a short-term interest gives the long-term one.

    Returns:
        (interests best first, the overall interest or None, the long-term keywords).
    """
    domain_weights = _pairs(getattr(profile, "domains", None))
    overall_pairs = _pairs(getattr(profile, "keywords", None))
    overall_keywords = [kw for kw, _ in overall_pairs]
    per_domain = {d: _pairs(v) for d, v in (getattr(profile, "domain_keywords", None) or {}).items()}
    interest_vec = _vector(getattr(profile, "interest_vector", None))
    behavior = _vector(getattr(profile, "behavior_vector", None))
    extra = {BEHAVIOR_VECTOR: behavior} if behavior is not None else {}
    dvecs = getattr(profile, "domain_vectors", None) or {}
    interests = []
    for d, w in domain_weights:
        if domains is not None and d not in domains:
            continue
        pairs = per_domain.get(d) or overall_pairs
        interests.append(
            DomainInterest(
                domain=d,
                weight=w,
                keywords=[kw for kw, _ in pairs],
                vector=_vector(dvecs.get(d)) or interest_vec,
                extra_vectors=dict(extra),
                keyword_weights=[kw_w for _, kw_w in pairs],
            )
        )
    if domains is not None:
        present = {i.domain for i in interests}
        fill = (sum(i.weight for i in interests) / len(interests)) if interests else 1.0
        for d in domains:
            if d not in present:
                interests.append(
                    DomainInterest(
                        domain=d,
                        weight=fill,
                        keywords=overall_keywords,
                        vector=interest_vec,
                        extra_vectors=dict(extra),
                        keyword_weights=[kw_w for _, kw_w in overall_pairs],
                    )
                )
    query_pairs, query_vec = overall_pairs, interest_vec
    short = getattr(profile, "short_term", None)
    if overall == "short_term" and short is not None:
        recent_pairs = _pairs(getattr(short, "keywords", None))
        recent_vec = _vector(getattr(short, "interest_vector", None))
        if recent_vec is not None or recent_pairs:
            query_pairs, query_vec = recent_pairs, recent_vec
    overall_interest = None
    if query_vec is not None or query_pairs:
        overall_interest = DomainInterest(
            domain=None,
            weight=1.0,
            keywords=[kw for kw, _ in query_pairs],
            vector=query_vec,
            extra_vectors=dict(extra),
            keyword_weights=[kw_w for _, kw_w in query_pairs],
        )
    return interests, overall_interest, overall_keywords


class TextListOptions(TypedDict, total=False):
    """What shapes a recommendation list besides whom it is for; every key is optional.

    Attributes:
        domains: only these domains (in the catalog's spelling or any case; profile domains among them keep
            their weights, others are served with the user's overall interest). For a user with no profile:
            popular items in them.
        alpha: hybrid alpha (vector weight); default ``settings.alpha``.
        diversity: MMR trade-off 0..1; default ``settings.diversity``.
        exclude: item ids never to return (besides the ones the user interacted with).
        filters: an extra weaviate-client filter on Item (in stock, price range, ...), ANDed in.
    """

    domains: Sequence[str] | None
    alpha: float | None
    diversity: float | None
    exclude: Sequence[str]
    filters: _Filters | None


class ListOptions(TextListOptions, total=False):
    """`TextListOptions` plus ``exploration``: the share of slots for domains outside the user's profile
    (default ``settings.exploration``)."""

    exploration: float | None


class Recommender:
    """Recommendations, similar items and audiences from the interest profiles stored in Weaviate.

    Stateless apart from the client and settings: any process connected to the same Weaviate gives the same
    answers. Use one per client::

        rec = Recommender(client)
        for r in rec.recommend("u42", k=10):
            print(r.item_id, r.title, r.reasons.domain, r.reasons.matched_keywords)

    Args:
        client: a connected weaviate-client v4 client.
        settings: the package settings (alpha, boosts, keyword counts, exploration, diversity, fusion,
            which interaction kinds exclude an item, collection prefix). Default: from the environment.
        embedder: the embedding model for free text (cold start, `recommend_for_text`); default: the one
            the loaders use (`get_embedder(settings)`), loaded on first use.
        max_workers: threads for running one list's independent queries concurrently (1: one after the
            other). The pool is created on first use; `close` (or ``with Recommender(...)``) stops it.
        item_cache_seconds: reuse the recommended and liked items' text and vectors (what the reasons read) for
            this long instead of reading them for every list (`plugin.item_cache`); 0: read them every time.
            The lists and scores are the same either way; a changed item shows in reasons after at most this
            long. The service turns it on (``serve_item_cache_seconds``).
    """

    def __init__(
        self,
        client: WeaviateClient,
        settings: Settings | None = None,
        *,
        embedder: Any = None,
        max_workers: int = 8,
        item_cache_seconds: float = 0.0,
    ) -> None:
        self.client = client
        self._max_workers = max_workers
        self._pool: ThreadPoolExecutor | None = None
        self.settings = settings if settings is not None else Settings()
        self._embedder = embedder
        prefix = self.settings.prefix
        self.item_collection = collection_name("Item", prefix)
        self.user_collection = collection_name("User", prefix)
        self.interaction_collection = collection_name("Interaction", prefix)
        self.user_interest_collection = collection_name("UserInterest", prefix)
        self._known_collections: dict[str, bool] = {}
        self._popularity_cache: tuple[PopularityBasis, dict[str, float]] | None = None
        self._popularity_ranked: tuple[dict[str, float], list[str]] | None = None
        self._item_cache = ItemCache(item_cache_seconds) if item_cache_seconds > 0 else None

    # --- public API ------------------------------------------------------------------------------

    def recommend(
        self,
        user_id: str,
        k: int = 10,
        *,
        explain: bool = True,
        cold_start: bool = False,
        snapshot: UserSnapshot | None = None,
        **options: Unpack[ListOptions],
    ) -> list[Recommendation]:
        """The top ``k`` items for a user, each with its reasons.

        Args:
            user_id: the user.
            k: how many items (fewer when the catalog, after exclusions and filters, has fewer).
            explain: also return the keyword/vector parts of each score (Weaviate's explain_score).
            cold_start: serve an unknown user as a new user (popular items) instead of raising.
            snapshot: the user's profile and seen items from `read_user`, to serve several lists from one
                read; default: read them now.
            **options: what shapes the list (`ListOptions`): ``domains``, ``alpha``, ``diversity``,
                ``exploration``, ``exclude``, ``filters``.

        Returns:
            Up to ``k`` recommendations, best first; an empty list when nothing matches.

        Raises:
            UnknownUser: the user is unknown and ``cold_start`` is False.
            ConfigurationError: a domain is not in the catalog (the message lists the known ones), an argument
                is out of range, a filter cannot be expressed as data, or the
                snapshot is another user's or was read with other collections or ``exclude_kinds``.
            SchemaMissing: the Item collection does not exist.
            TypeError: an unknown option.
        """
        p, ctx = self._user_plan(user_id, k, options, cold_start=cold_start, snapshot=snapshot)
        return self.execute(p, explain=explain, user_keywords=ctx.keywords, liked=ctx.liked)

    def plan(
        self,
        user_id: str,
        k: int = 10,
        *,
        cold_start: bool = False,
        snapshot: UserSnapshot | None = None,
        **options: Unpack[ListOptions],
    ) -> RecommendationPlan:
        """The Weaviate queries `recommend` would run for these arguments, as plain data.

        ``plan(...).model_dump(mode="json")`` is JSON; `query_plan.hybrid_kwargs` / `fetch_kwargs` turn each
        query back into weaviate-client arguments. Same arguments and errors as `recommend`.
        """
        return self._user_plan(user_id, k, options, cold_start=cold_start, snapshot=snapshot)[0]

    def recommend_for_text(
        self, text: str, k: int = 10, *, explain: bool = True, **options: Unpack[TextListOptions]
    ) -> list[Recommendation]:
        """Recommendations for free text (an anonymous visitor, a search box, a new user's self-description).

        The text is classified, keyword-extracted and embedded like user content, and served exactly like a
        profile; empty text gives popular items (in ``domains`` when given). Options as for `recommend`, without
        ``exploration`` (a text has no profile to explore beyond).
        """
        p, keywords = self._text_plan(text, k, options)
        return self.execute(p, explain=explain, user_keywords=keywords)

    def plan_for_text(self, text: str, k: int = 10, **options: Unpack[TextListOptions]) -> RecommendationPlan:
        """The queries `recommend_for_text` runs, as plain data."""
        return self._text_plan(text, k, options)[0]

    def _user_plan(
        self, user_id: str, k: int, options: Mapping[str, Any], *, cold_start: bool, snapshot: UserSnapshot | None
    ) -> tuple[RecommendationPlan, _UserContext]:
        opts = self._options(options, ListOptions)
        ctx = self._user_context(user_id, domains=opts.get("domains"), cold_start=cold_start, snapshot=snapshot)
        return self._plan_for(ctx, k, opts), ctx

    def _text_plan(self, text: str, k: int, options: Mapping[str, Any]) -> tuple[RecommendationPlan, list[str]]:
        opts = self._options(options, TextListOptions)
        ctx = self._text_context(text, domains=opts.get("domains"), user_id=None)
        return self._plan_for(ctx, k, {**opts, "exploration": 0.0}), ctx.keywords

    def _options(self, options: Mapping[str, Any], allowed: type) -> dict[str, Any]:
        """The caller's options, checked against ``allowed``'s keys, with domains in the catalog's spelling."""
        unknown = set(options) - set(allowed.__annotations__)
        if unknown:
            raise TypeError(
                f"unexpected option(s) {', '.join(sorted(unknown))}; "
                f"the options are {', '.join(allowed.__annotations__)}"
            )
        opts = dict(options)
        opts["domains"] = self.resolve_domains(opts.get("domains"))
        return opts

    def execute(
        self,
        plan: RecommendationPlan,
        *,
        explain: bool = True,
        user_keywords: Sequence[str] = (),
        liked: Sequence[HistoryEntry] = (),
    ) -> list[Recommendation]:
        """Run a plan's queries, fuse, de-duplicate, apply quotas and MMR, and attach reasons.

        Without MMR the quotas are soft when ``settings.coverage_tradeoff`` > 0 (`select_by_coverage`).

        Args:
            plan: from `plan` / `plan_for_text` (possibly edited by the application).
            explain: ask Weaviate for explain_score and report the keyword/vector parts.
            user_keywords: the user's overall keywords, matched against items besides each query's keywords.
            liked: the user's liked items with vectors (`UserSnapshot.liked`), for "because you liked" reasons.
        """
        items = self._items()
        candidates: dict[str, tuple[RankedCandidate, tuple[Any, Any]]] = {}
        # The unconditional queries are independent: run them concurrently, consume them in plan order.
        eager = [q for q in plan.queries if not (isinstance(q, PopularityQueryPlan) and q.only_if_short)]
        futures = {id(q): self._submit(self._run, items, q, explain) for q in eager}
        for q in plan.queries:
            if id(q) in futures:
                objects = futures[id(q)].result()
            elif len(candidates) >= plan.k:
                continue
            else:
                objects = self._run(items, q, explain)
            hybrid = isinstance(q, HybridQueryPlan)
            top_pop = 0.0 if hybrid else max((self._popularity_of(o) for o in objects), default=0.0)
            for rank, obj in enumerate(objects):
                item_id = str(obj.properties.get("item_id") or obj.uuid)
                if hybrid:
                    value = float(obj.metadata.score or 0.0)
                else:
                    popularity = self._popularity_of(obj)
                    value = popularity / top_pop if top_pop > 0 else 1.0 / (1 + rank)
                fused = q.weight * value if plan.fusion == "weighted_score" else q.weight / (RRF_K + rank)
                previous = candidates.get(item_id)
                if previous is None:
                    cand = RankedCandidate(key=item_id, group=q.name, relevance=fused, vector=_content_vector(obj))
                    candidates[item_id] = (cand, (q, obj))
                elif previous[0].relevance < fused:
                    # Found again with a better score: that query explains it; the first may still count it.
                    old = previous[0]
                    cand = RankedCandidate(
                        key=item_id,
                        group=q.name,
                        relevance=fused,
                        vector=_content_vector(obj),
                        also=(old.group, *old.also),
                    )
                    candidates[item_id] = (cand, (q, obj))
                elif q.name != previous[0].group and q.name not in previous[0].also:
                    previous[0].also = (*previous[0].also, q.name)
        tradeoff = self.settings.coverage_tradeoff
        if tradeoff > 0 and plan.diversity == 0:
            chosen = select_by_coverage([c for c, _ in candidates.values()], plan.k, plan.quotas, tradeoff)
        else:
            chosen = select_with_quotas([c for c, _ in candidates.values()], plan.k, plan.quotas, plan.diversity)
        # Reasons only for what is returned: keyword matching and explain parsing are per item; each query's
        # keywords are stemmed once for all of its items. One request reads the chosen items' text (keywords
        # must occur in it) and, for "because you liked", their vectors.
        # The liked items' titles and vectors come in the same request as the chosen items' text.
        liked_ids = [e.item_id for e in liked if e.item_id]
        details = self._details(
            items, list(dict.fromkeys([*(str(c.key) for c in chosen), *liked_ids])), vectors=bool(liked)
        )
        liked_index = LikedIndex(_with_items(liked, details)) if liked else None
        matchers: dict[int, KeywordMatcher] = {}
        out = []
        for c in chosen:
            q, obj = candidates[str(c.key)][1]
            matcher = matchers.get(id(q))
            if matcher is None:
                words = [*q.keywords, *user_keywords] if isinstance(q, HybridQueryPlan) else user_keywords
                matcher = matchers[id(q)] = KeywordMatcher(words)
            out.append(self._recommendation(c, q, obj, explain, matcher, details.get(str(c.key)), liked_index))
        return out

    def _details(self, items: Any, item_ids: list[str], *, vectors: bool) -> dict[str, Any]:
        """The chosen items' text fields (and named vectors), by item id, in one request (none when the item
        cache has them all)."""
        cache = self._item_cache
        found: dict[str, Any] = {}
        missing = item_ids
        if cache is not None:
            found, missing = cache.get_many(item_ids)
            vectors = True  # cached objects then serve lists with and without "because you liked"
        if not missing:
            return found
        try:
            res = items.query.fetch_objects(
                filters=Filter.by_property("item_id").contains_any(missing),
                limit=len(missing),
                return_properties=["item_id", "domain", *ITEM_TEXT_PROPERTIES],
                include_vector=vectors,
            )
        except WeaviateBaseError as e:
            raise RecsysError(f"Reading the recommended items from {self.item_collection} failed: {e}") from e
        read = {str(o.properties.get("item_id")): o for o in res.objects}
        found.update(cache.put_many(read) if cache is not None else read)
        return found

    def _recommendation(
        self,
        cand: RankedCandidate,
        q: HybridQueryPlan | PopularityQueryPlan,
        obj: Any,
        explain: bool,
        matcher: KeywordMatcher,
        detail: Any = None,
        liked: LikedIndex | None = None,
    ) -> Recommendation:
        props = obj.properties
        title = _text(props.get("title"))
        item_domain = _text(props.get("domain"))
        texts = item_texts(detail.properties) if detail is not None else [title or ""]
        matched = matcher.match(texts)
        # The user's own interest: a query bound to one of their domains (not exploration's other domains).
        interest = q.domain if q.source in ("interest", "cold_items") else None
        because = []
        if liked is not None and detail is not None:
            vecs = getattr(detail, "vector", None) or {}
            because = liked.nearest(vecs.get(CONTENT_VECTOR), vecs.get(BEHAVIOR_VECTOR), exclude=str(cand.key))
        if isinstance(q, HybridQueryPlan):
            hybrid = float(obj.metadata.score or 0.0)
            parts = parse_explain_score(obj.metadata.explain_score) if explain else None
            reasons = Reasons(
                source=q.source,
                domain=q.domain if q.domain is not None else item_domain,
                domain_weight=q.weight,
                hybrid_score=hybrid,
                parts=parts,
                matched_keywords=matched,
                interest=interest,
                because=because,
                score_parts=score_contributions(cand.relevance, parts),
            )
        else:
            reasons = Reasons(
                source=q.source,
                domain=q.domain if q.domain is not None else item_domain,
                domain_weight=q.weight if q.weight > 0 else None,
                popularity=self._popularity_of(obj),
                popularity_basis=self._popularity()[0],
                matched_keywords=matched,
                interest=interest,
                because=because,
                score_parts=score_contributions(cand.relevance, None, popularity=True),
            )
        reasons.summary = summarize(reasons, item_domain)
        return Recommendation(
            item_id=str(cand.key), title=title, score=cand.relevance, domain=item_domain, reasons=reasons
        )

    def known_domains(self) -> list[str]:
        """The domains the catalog's items have (the values `domains=` accepts), sorted."""
        from weaviate.classes.aggregate import GroupByAggregate

        items = self._items()
        try:
            res = items.aggregate.over_all(group_by=GroupByAggregate(prop="domain"), total_count=True)
        except WeaviateBaseError as e:
            raise RecsysError(f"Could not read the domains of {self.item_collection}: {e}.") from e
        return sorted({str(g.grouped_by.value) for g in res.groups if g.grouped_by.value not in (None, "")})

    def resolve_domains(self, domains: Sequence[str] | None) -> list[str] | None:
        """The catalog's spelling of each requested domain: an exact match, else the one domain that matches
        ignoring case (``western`` -> ``Western``).

        Raises:
            ConfigurationError: a domain matches none of the catalog's domains, or several that differ only in
                case; the message lists the known domains.
        """
        if not domains:
            return None
        known = self.known_domains()
        exact = set(known)
        by_case: dict[str, list[str]] = {}
        for name in known:
            by_case.setdefault(name.casefold(), []).append(name)
        resolved: list[str] = []
        for wanted in domains:
            if wanted in exact:
                name = wanted
            else:
                matches = by_case.get(wanted.casefold(), [])
                if len(matches) != 1:
                    listing = (
                        ", ".join(known)
                        if known
                        else ("none (no item has a domain; run `weaviate-recsys domains train`)")
                    )
                    what = (
                        f"matches several domains ({', '.join(matches)})"
                        if matches
                        else ("is not a domain of the catalog")
                    )
                    raise ConfigurationError(f"Domain {wanted!r} {what}. Known domains: {listing}.")
                name = matches[0]
            if name not in resolved:
                resolved.append(name)
        return resolved

    def similar_items(
        self, item_id: str, k: int = 10, *, filters: _Filters | None = None, diversity: float = 0.0
    ) -> list[Recommendation]:
        """Items similar to this one (itself excluded): by behaviour and content where it has a behaviour vector.

        An item with a ``behavior`` vector (`plugin.behavior.train_behavior`) is matched on its behaviour and
        content vectors together, weighted as the recommender's interest queries (``behavior_weight``), with
        ``cold_item_share`` of the slots for items nobody has used yet, found by content; an item without one
        by its content vector alone; an item without vectors by its title's words (`plugin.similar`). Each
        result's ``reasons.found_by`` names the search that found it.

        Raises:
            UnknownItem: no Item with this id.
        """
        items = self._items()
        source = items.query.fetch_object_by_id(
            item_uuid(item_id), include_vector=True, return_properties=[*ITEM_RETURN_PROPERTIES, "keywords"]
        )
        if source is None:
            source = self._item(items, item_id)  # raises UnknownItem, worded as every item lookup
        src_keywords = _strings(source.properties.get("keywords"))
        title = _text(source.properties.get("title"))
        src_matcher = KeywordMatcher(src_keywords)
        props_wanted = list(dict.fromkeys([*ITEM_RETURN_PROPERTIES, *ITEM_TEXT_PROPERTIES]))
        fetch = k if diversity == 0 else min(max(3 * k, k + 10), 100)
        try:
            found = find_similar(
                items,
                source,
                item_id,
                k,
                target_weights=self.target_weights(),
                cold_share=float(self.settings.cold_item_share),
                filters=filters,
                fetch=fetch,
                return_properties=props_wanted,
                include_vectors=diversity > 0,
            )
        except WeaviateBaseError as e:
            raise RecsysError(f"Similar-items query for {item_id!r} failed: {e}. Check the application filter.") from e
        cands: dict[str, tuple[RankedCandidate, Recommendation]] = {}
        for hit in found.hits:
            props = hit.obj.properties
            sim = hit.similarity
            if hit.found_by == "keywords":
                parts = ScoreParts(keyword=sim, vector=0.0, bm25=sim)
            else:
                parts = ScoreParts(keyword=0.0, vector=sim, similarity=sim)
            reasons = Reasons(
                source="similar",
                domain=_text(props.get("domain")),
                parts=parts,
                matched_keywords=src_matcher.match(item_texts(props)),
                score_parts=score_contributions(sim, parts),
                found_by=hit.found_by,
            )
            reasons.summary = f"similar to {title or item_id} {found_by_phrase(hit.found_by)}" + (
                "; keywords: " + ", ".join(reasons.matched_keywords[:4]) if reasons.matched_keywords else ""
            )
            rec = Recommendation(
                item_id=str(props.get("item_id")),
                title=_text(props.get("title")),
                score=sim,
                domain=_text(props.get("domain")),
                reasons=reasons,
            )
            if rec.item_id not in cands:
                cand = RankedCandidate(
                    key=rec.item_id, group=hit.found_by, relevance=sim, vector=_content_vector(hit.obj)
                )
                cands[rec.item_id] = (cand, rec)
        chosen = select_with_quotas([c for c, _ in cands.values()], k, found.quotas, diversity)
        return [cands[str(c.key)][1] for c in chosen]

    def audience(self, item_id: str, k: int = 10) -> list[AudienceMember]:
        """The users most interested in an item: their interest in its domain x their vector's similarity.

        Searches the per-domain interest vectors (``UserInterest``) within the item's domain; when the item has
        no domain or there are no per-domain interests, the users' overall ``interest`` vectors.

        Raises:
            UnknownItem: no Item with this id.
        """
        items = self._items()
        source = self._item(items, item_id)
        vec = _content_vector(source)
        if vec is None or k <= 0:
            return []
        query = [float(x) for x in vec]
        domain = _text(source.properties.get("domain"))
        members: dict[str, AudienceMember] = {}
        fetch = max(3 * k, k + 10)
        if domain and self._exists(self.user_interest_collection):
            coll = collection_handle(self.client, self.user_interest_collection)
            target = _vector_name("UserInterest")
            res = coll.query.near_vector(
                query,
                target_vector=target,
                limit=fetch,
                filters=Filter.by_property("domain").equal(domain),
                return_properties=["user_id", "domain", "weight"],
                return_metadata=MetadataQuery(distance=True),
            )
            for obj in res.objects:
                sim = 1.0 - float(obj.metadata.distance or 0.0)
                weight = float(obj.properties.get("weight") or 0.0)
                uid = str(obj.properties.get("user_id"))
                m = AudienceMember(user_id=uid, score=weight * sim, domain=domain, weight=weight, similarity=sim)
                if uid not in members or members[uid].score < m.score:
                    members[uid] = m
        if not members and self._exists(self.user_collection):
            users = collection_handle(self.client, self.user_collection)
            where = Filter.by_property("domains").contains_any([domain]) if domain else None
            res = users.query.near_vector(
                query,
                target_vector=INTEREST_VECTOR,
                limit=fetch,
                filters=where,
                return_properties=["user_id", "domains", "domain_weights"],
                return_metadata=MetadataQuery(distance=True),
            )
            for obj in res.objects:
                sim = 1.0 - float(obj.metadata.distance or 0.0)
                doms = _strings(obj.properties.get("domains"))
                ws = list(obj.properties.get("domain_weights") or [])
                weight = float(ws[doms.index(domain)]) if domain in doms and doms.index(domain) < len(ws) else 1.0
                uid = str(obj.properties.get("user_id"))
                members[uid] = AudienceMember(
                    user_id=uid,
                    score=weight * sim,
                    domain=domain if domain in doms else None,
                    weight=weight,
                    similarity=sim,
                )
        return sorted(members.values(), key=lambda m: (-m.score, m.user_id))[:k]

    # --- building blocks -------------------------------------------------------------------------

    def _submit(self, fn: Callable[..., Any], *args: Any) -> Future[Any]:
        """Run ``fn`` on the query pool (or inline when ``max_workers`` <= 1)."""
        if self._max_workers <= 1:
            done: Future[Any] = Future()
            try:
                done.set_result(fn(*args))
            except BaseException as e:  # re-raised by .result(), as from a pool
                done.set_exception(e)
            return done
        if self._pool is None:
            self._pool = ThreadPoolExecutor(max_workers=self._max_workers, thread_name_prefix="recsys-query")
        return self._pool.submit(fn, *args)

    def close(self) -> None:
        """Stop the query threads (the client stays open: it belongs to the caller)."""
        if self._pool is not None:
            self._pool.shutdown(wait=True)
            self._pool = None

    def __enter__(self) -> Recommender:
        return self

    def __exit__(self, *exc: object) -> None:
        self.close()

    def _exists(self, name: str) -> bool:
        """Whether a collection exists, asked once per Recommender (a REST round trip per query adds up)."""
        if self._known_collections.get(name):
            return True
        exists = bool(self.client.collections.exists(name))
        if exists:  # only "exists" is remembered: a missing collection may be created later
            self._known_collections[name] = True
        return exists

    def _items(self) -> Any:
        if not self._exists(self.item_collection):
            raise SchemaMissing(
                f"The {self.item_collection} collection does not exist. Run `weaviate-recsys schema "
                "create` and load items first."
            )
        return collection_handle(self.client, self.item_collection)

    def _item(self, items: Any, item_id: str) -> Any:
        obj = items.query.fetch_object_by_id(
            item_uuid(item_id), include_vector=[CONTENT_VECTOR], return_properties=ITEM_RETURN_PROPERTIES
        )
        if obj is None:
            raise UnknownItem(
                f"No item with id {item_id!r} in {self.item_collection}. Check the id, or load the "
                "item first (`weaviate-recsys load items`)."
            )
        return obj

    def _run(self, items: Any, q: HybridQueryPlan | PopularityQueryPlan, explain: bool) -> list[Any]:
        if q.limit <= 0:
            return []
        if isinstance(q, HybridQueryPlan) and q.source == "cold_items" and not self._has_cold_items(items):
            return []  # what the query would find: nothing (saves a hybrid query per list)
        try:
            if isinstance(q, HybridQueryPlan):
                return list(items.query.hybrid(**hybrid_kwargs(q, explain=explain)).objects)
            basis, by_interactions = self._popularity()
            if basis == "interactions" and q.sort_property == "popularity":
                return self._popular_by_interactions(items, q, by_interactions)
            return list(items.query.fetch_objects(**fetch_kwargs(q)).objects)
        except WeaviateBaseError as e:
            raise RecsysError(
                f"The recommendation query {q.name!r} failed: {e}. If you passed filters, check that "
                f"they name existing {self.item_collection} properties."
            ) from e

    def _has_cold_items(self, items: Any) -> bool:
        """Whether any item lacks a behaviour vector; asked at most once per item-cache period (always True
        without an item cache, so the cold-items query runs as planned)."""
        cache = self._item_cache
        if cache is None:
            return True

        def ask() -> bool:
            where = filter_from_data(NO_BEHAVIOR_FILTER)
            return bool(items.query.fetch_objects(limit=1, filters=where, return_properties=["item_id"]).objects)

        return bool(cache.fact("has_cold_items", ask))

    def _popularity(self) -> tuple[PopularityBasis, dict[str, float]]:
        """What popularity-based results are ranked by, worked out once per Recommender: the catalog's
        ``popularity`` when any item has one, else recency-weighted interaction counts (``{item_id: score}``),
        else nothing."""
        if self._popularity_cache is not None:
            return self._popularity_cache
        items = self._items()
        rated = items.query.fetch_objects(
            limit=1, filters=Filter.by_property("popularity").is_none(False), return_properties=["item_id"]
        )
        counts = {} if rated.objects else self._interaction_popularity()
        basis: PopularityBasis = "catalog" if rated.objects else ("interactions" if counts else "none")
        self._popularity_cache = (basis, counts)
        return basis, counts

    def _interaction_popularity(self) -> dict[str, float]:
        """Each item's interaction count, with the events of the last ``half_life_days`` before the latest
        interaction counted twice (recent popularity wins ties; dislikes do not count). Three server-side
        queries, whatever the number of interactions."""
        if not self._exists(self.interaction_collection):
            return {}
        from weaviate.classes.aggregate import GroupByAggregate

        coll = collection_handle(self.client, self.interaction_collection)
        liked = Filter.by_property("kind").not_equal("dislike")
        groups = GroupByAggregate(prop="item_id", limit=_MAX_SEEN)

        def counts(where: Any) -> dict[str, float]:
            res = coll.aggregate.over_all(filters=where, group_by=groups, total_count=True)
            return {str(g.grouped_by.value): float(g.total_count or 0) for g in res.groups if g.grouped_by.value}

        scores = counts(liked)
        latest = coll.query.fetch_objects(
            limit=1,
            filters=Filter.by_property("timestamp").is_none(False),
            sort=Sort.by_property("timestamp", ascending=False),
            return_properties=["timestamp"],
        ).objects
        stamp = latest[0].properties.get("timestamp") if latest else None
        if isinstance(stamp, datetime):
            since = stamp - timedelta(days=float(self.settings.half_life_days))
            for item_id, n in counts(liked & Filter.by_property("timestamp").greater_or_equal(since)).items():
                scores[item_id] = scores.get(item_id, 0.0) + n
        return scores

    def _popularity_of(self, obj: Any) -> float:
        basis, by_interactions = self._popularity()
        if basis == "interactions":
            return by_interactions.get(str(obj.properties.get("item_id")), 0.0)
        return float(obj.properties.get("popularity") or 0.0)

    def _popular_by_interactions(self, items: Any, q: PopularityQueryPlan, scores: dict[str, float]) -> list[Any]:
        """The query ``q`` with its order taken from interaction counts (ties by item id).

        The most popular ids are asked for in chunks, each chunk with ``q``'s filters and four times the size
        of the one before, so a list costs one small query when its filters keep most items and a few when
        they keep one small domain, however large the catalog; only when every used item is filtered out (all
        seen, or outside the named domains) are the items nobody used read, in the server's order.
        """
        where = filter_from_data(q.filters)
        order = self._popularity_order(scores)
        kwargs = fetch_kwargs(q)
        kwargs.update(sort=None)

        def allowed_in_order(ids: list[str]) -> list[Any]:
            """Those of ``ids`` that ``q``'s filters allow, fetched in one query, in the order of ``ids``."""
            chosen = Filter.by_property("item_id").contains_any(ids)
            kwargs.update(filters=chosen if where is None else where & chosen, limit=len(ids))
            found = {str(o.properties.get("item_id")): o for o in items.query.fetch_objects(**kwargs).objects}
            return [found[i] for i in ids if i in found]

        out: list[Any] = []
        start, chunk = 0, max(4 * q.limit, 100)
        while start < len(order):
            out.extend(allowed_in_order(order[start : start + chunk]))
            start, chunk = start + chunk, 4 * chunk
            if len(out) >= q.limit:
                return out[: q.limit]
        unused = items.query.fetch_objects(limit=_MAX_SEEN, filters=where, return_properties=["item_id"]).objects
        rest = [str(o.properties.get("item_id")) for o in unused if o.properties.get("item_id") not in scores]
        rest = rest[: q.limit - len(out)]
        if rest:
            out.extend(allowed_in_order(rest))
        return out

    def _popularity_order(self, scores: dict[str, float]) -> list[str]:
        """Item ids with interactions, most popular first (ties by id), worked out once per counts."""
        cached = self._popularity_ranked
        if cached is None or cached[0] is not scores:
            cached = self._popularity_ranked = (scores, sorted(scores, key=lambda i: (-scores[i], i)))
        return cached[1]

    def _plan_for(self, ctx: _UserContext, k: int, options: Mapping[str, Any]) -> RecommendationPlan:
        domains: Sequence[str] | None = options.get("domains")
        alpha: float | None = options.get("alpha")
        diversity: float | None = options.get("diversity")
        exploration: float | None = options.get("exploration")
        exclude: Sequence[str] = options.get("exclude") or ()
        filters: _Filters | None = options.get("filters")
        s = self.settings
        return build_plan(
            ctx.interests,
            k,
            PlanOptions(
                collection=self.item_collection,
                user_id=ctx.user_id,
                basis=ctx.basis,  # type: ignore[arg-type]
                source="text" if ctx.basis in ("text", "stated_interests") else "interest",
                alpha=s.alpha if alpha is None else alpha,
                query_keywords=s.query_keywords,
                keyword_repeat=s.keyword_repeat,
                boosts=s.boosts,
                exploration=s.exploration if exploration is None else exploration,
                exploration_interest=ctx.overall if domains is None else None,
                diversity=s.diversity if diversity is None else diversity,
                fusion=s.fusion,
                exclude_items=[*ctx.seen, *[str(x) for x in exclude]],
                filters=filter_to_data(filters),
                popular_domains=domains,
                target_weights=self.target_weights(),
                cold_items=s.cold_item_share,
                cold_interest=ctx.overall,
                slot_allocation=s.slot_allocation,
                min_domain_slots=s.min_domain_slots,
                # The overall query serves a profile's recent history across its domains: not for text (stated
                # interests, anonymous visitors), not when the application picked domains, nor when domain filters
                # are off (then the overall interest is the only query).
                overall=s.overall_share if ctx.basis == "profile" and domains is None and s.domain_filter else 0.0,
                overall_interest=ctx.overall,
            ),
        )

    def target_weights(self) -> dict[str, float] | None:
        """The multi-target weights of the hybrid queries' vector leg, from settings (None: content only).

        ``behavior_weight`` w gives ``{"content": 1 - w, "behavior": w}``; w = 0 turns the behaviour vector
        off (the ``multi-granularity-no-behavior`` ablation).
        """
        w = float(self.settings.behavior_weight)
        if w <= 0:
            return None
        return {CONTENT_VECTOR: 1.0 - w, BEHAVIOR_VECTOR: w}

    def read_user(self, user_id: str) -> UserSnapshot:
        """The user's profile and seen items, read once for several `recommend` / `plan` calls.

        An unknown user gives a snapshot without a profile (``recommend`` then raises `UnknownUser`, or
        serves popular items with ``cold_start=True``).
        """
        events_future = self._submit(self._seen_and_liked, user_id)  # independent of the profile read
        try:
            profile: InterestProfile | None = get_profile(self.client, user_id, self.settings, submit=self._submit)
        except UnknownUser:
            profile = None
        seen, liked_items = events_future.result()
        return UserSnapshot(user_id, profile, tuple(seen), self.snapshot_scope, tuple(liked_items))

    def _seen_and_liked(self, user_id: str) -> tuple[list[str], list[HistoryEntry]]:
        """From one read of the user's interactions: the ids of items whose kind excludes re-recommending them
        (``settings.exclude_kinds``; None: every kind) and the most recent liked items (their titles and vectors
        are read with the recommended items', in `execute`)."""
        events = read_events(self.client, user_id, self.settings)
        kinds = self.settings.exclude_kinds
        seen = list(dict.fromkeys(e.item_id for e in events if e.item_id and (kinds is None or e.kind in kinds)))
        return seen, liked(events)[:_LIKED_HISTORY]

    @property
    def snapshot_scope(self) -> tuple[str, tuple[str, ...] | None]:
        """The collection prefix and ``exclude_kinds`` snapshots are read with: recommenders with the same
        scope can share `UserSnapshot`s (their other settings, alpha or domain filters, may differ)."""
        kinds = self.settings.exclude_kinds
        return (self.settings.prefix, None if kinds is None else tuple(kinds))

    def _user_context(
        self, user_id: str, *, domains: Sequence[str] | None, cold_start: bool, snapshot: UserSnapshot | None = None
    ) -> _UserContext:
        if snapshot is None:
            try:
                snapshot = self.read_user(user_id)
            except SchemaMissing:
                # No User (or model) collection yet: nobody has a profile. A new user can still be served.
                if not cold_start:
                    raise
                snapshot = UserSnapshot(user_id, None, (), self.snapshot_scope)
        elif snapshot.user_id != user_id or snapshot.read_with != self.snapshot_scope:
            raise ConfigurationError(
                f"The snapshot is user {snapshot.user_id!r}'s, read with collection prefix and exclude_kinds "
                f"{snapshot.read_with}; this call is for user {user_id!r} with {self.snapshot_scope}. Read it with "
                "this recommender's `read_user`."
            )
        ctx = self._snapshot_context(user_id, snapshot, domains=domains, cold_start=cold_start)
        ctx.liked = snapshot.liked
        return ctx

    def _snapshot_context(
        self, user_id: str, snapshot: UserSnapshot, *, domains: Sequence[str] | None, cold_start: bool
    ) -> _UserContext:
        profile = snapshot.profile
        if profile is None:
            if not cold_start:
                raise UnknownUser(
                    f"Unknown user {user_id!r}: no User object and no interactions. Load the user "
                    "(`weaviate-recsys load users`), or serve them as a new user with popular items "
                    "(`cold_start=True`, `--cold-start`)."
                )
            return _UserContext(user_id, "popular", [], None, [], [])
        seen = list(snapshot.seen)
        interests, overall, keywords = interests_from_profile(profile, domains, self.settings.overall_interest)
        if not self.settings.domain_filter and overall is not None:
            interests = [overall]  # macro switched off: one query over the whole catalog, no domain filter
        if any(i.vector is not None or i.keywords for i in interests):
            # No events: the profile came from what the user wrote about themselves (cold start).
            basis = "profile" if profile.event_count > 0 else "stated_interests"
            return _UserContext(user_id, basis, interests, overall, seen, keywords)
        stated = self._stated_interests(user_id) if profile.event_count == 0 else ""
        if stated:
            ctx = self._text_context(stated, domains=domains, user_id=user_id)
            ctx.basis = "stated_interests" if ctx.interests else "popular"
            ctx.seen = seen
            return ctx
        return _UserContext(user_id, "popular", [], None, seen, [])

    def _text_context(self, text: str, *, domains: Sequence[str] | None, user_id: str | None) -> _UserContext:
        text = (text or "").strip()
        if not text:
            return _UserContext(user_id, "popular", [], None)
        from . import profiles

        # Classified, keyword-extracted and embedded like user content, when the profiles side offers it.
        profile_from_text = getattr(profiles, "profile_from_text", None)
        if profile_from_text is not None:
            profile = profile_from_text(
                self.client, text, settings=self.settings, embedder=self._get_embedder(), user_id=user_id
            )
            interests, overall, keywords = interests_from_profile(profile, domains)
        else:
            interests, overall, keywords = self._plain_text_interest(text, domains)
        # Every part of the request stays in the keyword leg, and a request with several parts gets a query per
        # part (`plugin.text_query`); not within domains the application named, which the parts' queries would
        # leave.
        aspects = aspects_of(text)
        interests = with_key_phrases(interests, aspects)
        overall = with_key_phrases([overall], aspects)[0] if overall is not None else None
        if domains is None and len(aspects) > 1:
            vectors = self._get_embedder().embed_batch(aspects)
            interests = [*interests, *aspect_interests(aspects, vectors, interests)]
        keywords = list(dict.fromkeys([*aspects, *keywords]))
        basis = "text" if interests else "popular"
        return _UserContext(user_id, basis, interests, overall, [], keywords)

    def _plain_text_interest(
        self, text: str, domains: Sequence[str] | None
    ) -> tuple[list[DomainInterest], DomainInterest | None, list[str]]:
        """Fallback when the profiles side offers no text profiler: the embedded text and its words."""
        import re

        words = list(dict.fromkeys(w for w in re.findall(r"[^\W_]{3,}", text.lower())))
        vec = _vector(self._get_embedder().embed_batch([text])[0])
        overall = DomainInterest(domain=None, weight=1.0, keywords=words, vector=vec)
        if domains:
            return [DomainInterest(domain=d, weight=1.0, keywords=words, vector=vec) for d in domains], overall, words
        return [overall], overall, words

    def _get_embedder(self) -> Any:
        if self._embedder is None:
            from ..loaders import get_embedder
            from ..loaders.embedder_record import require_same_embedder

            embedder = get_embedder(self.settings)
            require_same_embedder(self.client.collections.get(self.item_collection), embedder.name)
            self._embedder = embedder
        return self._embedder

    def _stated_interests(self, user_id: str) -> str:
        if not self._exists(self.user_collection):
            return ""
        obj = collection_handle(self.client, self.user_collection).query.fetch_object_by_id(
            user_uuid(user_id), return_properties=["stated_interests"]
        )
        if obj is None:
            return ""
        return _text(obj.properties.get("stated_interests")) or ""


def _with_items(entries: Sequence[HistoryEntry], objects: Mapping[str, Any]) -> list[LikedItem]:
    """The liked entries whose items were read, with their titles and vectors from the returned objects (the
    vectors as they are: the item cache's float32 arrays or the client's lists)."""
    out = []
    for e in entries:
        obj = objects.get(e.item_id or "")
        if obj is None:
            continue
        vecs = getattr(obj, "vector", None) or {}
        out.append(
            LikedItem(
                item_id=str(e.item_id),
                title=_text(obj.properties.get("title")),
                content_vector=vecs.get(CONTENT_VECTOR),
                behavior_vector=vecs.get(BEHAVIOR_VECTOR),
            )
        )
    return out


def _vector_name(stem: str) -> str:
    from ..schema.contracts import contract_for

    try:
        contract = contract_for(stem)
    except KeyError as e:
        raise ConfigurationError(f"No {stem} collection contract is registered; build profiles first.") from e
    return contract.vectors[0].name if contract.vectors else "default"


def _text(value: Any) -> str | None:
    return None if value is None else str(value)


def _strings(value: Any) -> list[str]:
    if not value:
        return []
    if isinstance(value, str):
        return [value]
    return [str(v) for v in value]


def _content_vector(obj: Any) -> np.ndarray | None:
    vectors = getattr(obj, "vector", None) or {}
    if isinstance(vectors, Mapping):
        v = vectors.get(CONTENT_VECTOR)
    else:
        v = vectors
    if v is None or (hasattr(v, "__len__") and len(v) == 0):
        return None
    return np.asarray(v, dtype=np.float32)
