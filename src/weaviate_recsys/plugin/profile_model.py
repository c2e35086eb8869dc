"""Computing multi-granularity interest profiles from in-memory evidence (no Weaviate here).

`compute_profiles` takes what a build read from Weaviate -- the catalog (`CatalogView`), the trained
`InterestModel` and the users' events (`UserEvidence`) -- and computes every user's macro domains, micro
keywords (overall and per domain) and interest vectors (overall and per domain) together, with numpy and
scipy sparse matrices.

Two time scales. The long-term interests (domains, keywords, per-domain keywords and vectors, the overall
interest vector) decay slowly (``long_term_half_life_steps`` / ``long_term_half_life_days``): they are what a
user keeps coming back to, and what the profile stores as the user's interests. The short-term interest
(`ShortTermInterest`: domains, keywords and a vector from the last few events, ``half_life_steps`` /
``half_life_days``) is what the user is doing now; the recommender's overall query searches with it. The
behaviour vector follows the short-term weights. The same function serves a full build (all users at once) and an incremental update
(one user), so both give the same profile for the same evidence.

Documents: each catalog item is a document column; so is each of the users' own texts (reviews, comments,
posts, stated interests). A (users x documents) matrix of event weights then gives, by one product each,
the macro domain scores, the keyword term vectors and the interest vectors.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from datetime import datetime
from typing import TYPE_CHECKING, Literal

import numpy as np
from pydantic import BaseModel, Field

from .._lazy import LazyModule
from ..settings import Settings, ShortTermDecay
from .domains import DomainClassifier
from .keywords import Keyword, KeywordExtractor
from .macro import DomainWeight, blend_distributions, event_weights, normalize_distribution, top_domains
from .semantic import interest_vectors

if TYPE_CHECKING:
    import scipy.sparse as sp
else:
    sp = LazyModule("scipy.sparse")  # imported when a matrix is first built

__all__ = [
    "ProfileCounts",
    "ShortTermInterest",
    "InterestProfile",
    "InterestModel",
    "CatalogView",
    "UserEvidence",
    "ProfileBatch",
    "compute_profiles",
    "STATED_INTEREST_WEIGHT",
    "ProfileStatus",
]

#: How much of a profile could be built: all three granularities, some of them, or none.
ProfileStatus = Literal["complete", "partial", "empty"]

#: Stated interests count like one recent purchase: explicit, but a single statement.
STATED_INTEREST_WEIGHT = 1.0


class ProfileCounts(BaseModel):
    """What a profile was built from. Fields other than ``events`` are None when read back from Weaviate."""

    events: int = 0
    by_domain: dict[str, int] = Field(default_factory=dict, description="Events with items of each top domain.")
    known_item_events: int | None = None
    unknown_item_events: int | None = None
    text_events: int | None = None
    negative_events: int | None = None
    items_without_domain: int | None = None
    stated_interests: bool | None = None


class ShortTermInterest(BaseModel):
    """What a user is interested in now: their last few events, decayed with ``half_life_steps`` /
    ``half_life_days``. The recommender's overall query searches with it."""

    domains: list[DomainWeight] = Field(default_factory=list, description="Recent domains, heaviest first.")
    keywords: list[Keyword] = Field(default_factory=list, description="Recent keywords, heaviest first.")
    interest_vector: list[float] | None = Field(default=None, description="Recent interest (unit vector).")

    @property
    def empty(self) -> bool:
        return not (self.domains or self.keywords or self.interest_vector)


class InterestProfile(BaseModel):
    """A user's multi-granularity interest profile: long-term interests, and the short-term interest.

    ``domains``, ``keywords``, ``domain_keywords``, ``interest_vector`` and ``domain_vectors`` are the long-term
    interests (``long_term_half_life_*``); ``short_term`` the recent ones (``half_life_*``).
    """

    user_id: str
    domains: list[DomainWeight] = Field(
        default_factory=list, description="Macro: long-term top domains, heaviest first."
    )
    keywords: list[Keyword] = Field(default_factory=list, description="Micro: long-term top keywords overall.")
    domain_keywords: dict[str, list[Keyword]] = Field(default_factory=dict, description="Micro: per top domain.")
    interest_vector: list[float] | None = Field(
        default=None, description="Semantic: long-term overall interest (unit)."
    )
    short_term: ShortTermInterest | None = Field(
        default=None, description="The recent interest (None: not stored yet; rebuild the profile)."
    )
    domain_vectors: dict[str, list[float]] = Field(default_factory=dict, description="Semantic: per top domain.")
    behavior_vector: list[float] | None = Field(default=None, description="Co-interaction vector (when available).")
    event_count: int = 0
    counts: ProfileCounts = Field(default_factory=ProfileCounts)
    status: ProfileStatus = "empty"
    notes: list[str] = Field(default_factory=list, description="Why parts of the profile are missing, and what to do.")
    updated_at: datetime | None = None
    stored: bool = Field(default=True, description="False when computed on the fly, not read from Weaviate.")


@dataclass
class InterestModel:
    """The trained model a build reads from Weaviate: classifier, keyword extractor and domain names."""

    extractor: KeywordExtractor
    classifier: DomainClassifier | None
    domain_names: list[str]
    version: str = ""
    domain_centroids: dict[str, np.ndarray] = field(default_factory=dict)


@dataclass
class CatalogView:
    """The items a build needs: ids, domain index (-1: none), content vectors and term vectors."""

    item_ids: list[str]
    domain_index: np.ndarray
    vectors: np.ndarray
    has_vector: np.ndarray
    terms: sp.csr_matrix
    #: Behaviour (co-interaction) vectors; None when no item has one.
    behavior: np.ndarray | None = None
    has_behavior: np.ndarray | None = None

    def __post_init__(self) -> None:
        self.index = {iid: i for i, iid in enumerate(self.item_ids)}

    @property
    def size(self) -> int:
        return len(self.item_ids)


@dataclass
class UserEvidence:
    """The events and own texts of the users being built (arrays aligned by event).

    ``item`` holds catalog indexes (-1: no item or an unknown one; ``unknown`` tells which), ``text`` the
    event's text (None for none) and ``text_vectors`` its vector where ``has_text_vector``.
    """

    user_ids: list[str]
    user: np.ndarray
    item: np.ndarray
    unknown: np.ndarray
    kind_weight: np.ndarray
    rating: np.ndarray
    timestamp: np.ndarray
    seq: np.ndarray
    text: list[str | None]
    text_vectors: np.ndarray
    has_text_vector: np.ndarray
    stated: list[str | None]
    stated_vectors: np.ndarray
    has_stated_vector: np.ndarray

    @property
    def n_users(self) -> int:
        return len(self.user_ids)


@dataclass
class ProfileBatch:
    """Computed profiles for many users, as arrays (turned into `InterestProfile` or Weaviate objects)."""

    user_ids: list[str]
    domains: list[list[DomainWeight]]
    keywords: list[list[Keyword]]
    domain_keywords: list[dict[str, list[Keyword]]]
    interest: np.ndarray
    has_interest: np.ndarray
    domain_vectors: list[dict[str, np.ndarray]]
    domain_events: list[dict[str, int]]
    counts: list[ProfileCounts]
    notes: list[list[str]]
    #: Recency-weighted mean of the users' items' behaviour vectors; None when items have none.
    behavior: np.ndarray | None = None
    has_behavior: np.ndarray | None = None
    #: The short-term interest: recent domains, keywords and interest vector.
    recent_domains: list[list[DomainWeight]] = field(default_factory=list)
    recent_keywords: list[list[Keyword]] = field(default_factory=list)
    recent_interest: np.ndarray | None = None
    has_recent_interest: np.ndarray | None = None

    def short_term(self, i: int) -> ShortTermInterest:
        vec = (
            self.recent_interest[i].tolist()
            if self.recent_interest is not None and self.has_recent_interest is not None and self.has_recent_interest[i]
            else None
        )
        return ShortTermInterest(
            domains=self.recent_domains[i] if self.recent_domains else [],
            keywords=self.recent_keywords[i] if self.recent_keywords else [],
            interest_vector=vec,
        )

    def status(self, i: int) -> ProfileStatus:
        has_any = bool(self.domains[i] or self.keywords[i] or self.has_interest[i])
        if not has_any:
            return "empty"
        return "complete" if (self.domains[i] and self.keywords[i] and self.has_interest[i]) else "partial"

    def profile(self, i: int, updated_at: datetime | None = None) -> InterestProfile:
        return InterestProfile(
            user_id=self.user_ids[i],
            domains=self.domains[i],
            keywords=self.keywords[i],
            domain_keywords=self.domain_keywords[i],
            interest_vector=self.interest[i].tolist() if self.has_interest[i] else None,
            short_term=self.short_term(i),
            domain_vectors={d: v.tolist() for d, v in self.domain_vectors[i].items()},
            event_count=self.counts[i].events,
            counts=self.counts[i],
            status=self.status(i),
            notes=self.notes[i],
            updated_at=updated_at,
            stored=False,
            behavior_vector=(
                self.behavior[i].tolist()
                if self.behavior is not None and self.has_behavior is not None and self.has_behavior[i]
                else None
            ),
        )


def _classifier_columns(model: InterestModel) -> np.ndarray | None:
    """For each classifier class, its index in ``model.domain_names``."""
    if model.classifier is None or not model.classifier.fitted:
        return None
    pos = {d: i for i, d in enumerate(model.domain_names)}
    return np.array([pos.get(c, -1) for c in model.classifier.classes_], dtype=np.int64)


def compute_profiles(model: InterestModel, catalog: CatalogView, ev: UserEvidence, settings: Settings) -> ProfileBatch:
    """Compute every user's profile in ``ev``: long-term and short-term (see the module docstring)."""
    n_users, n_items, n_dom = ev.n_users, catalog.size, len(model.domain_names)
    dim = catalog.vectors.shape[1] if catalog.vectors.ndim == 2 else 0

    def weights(half_life_days: float, half_life_steps: float, timestamped_by: ShortTermDecay = "days") -> np.ndarray:
        return event_weights(
            ev.user,
            ev.kind_weight,
            ev.rating,
            ev.timestamp,
            ev.seq,
            n_users,
            half_life_days,
            half_life_steps,
            timestamped_by,
        )

    w_long = weights(settings.long_term_half_life_days, settings.long_term_half_life_steps)
    w_short = weights(settings.half_life_days, settings.half_life_steps, settings.short_term_decay)
    docs = _documents(model, catalog, ev, dim, settings.keyword_user_weight)
    W = docs.weight_matrix(w_long)
    W_recent = docs.weight_matrix(w_short)
    n_text = docs.n_text

    macro = _macro(W, docs, model, settings)
    keywords = _keywords(model, W, docs, settings.top_keywords)
    interest, has_interest = _interest(W, docs, dim)
    recent_macro = _macro(W_recent, docs, model, settings)
    recent_keywords = _keywords(model, W_recent, docs, settings.top_keywords)
    recent_interest, has_recent = _interest(W_recent, docs, dim)
    behavior_vecs, has_behavior = None, None
    if catalog.behavior is not None and catalog.has_behavior is not None and catalog.has_behavior.any():
        # Same recency weights as the short-term interest, over the item columns only.
        behavior_vecs, has_behavior = interest_vectors(W_recent[:, :n_items], catalog.behavior, catalog.has_behavior)

    def tops(dist: np.ndarray) -> list[list[DomainWeight]]:
        return [
            top_domains(dist[u], model.domain_names, settings.min_domain_weight, settings.max_domains)
            for u in range(n_users)
        ]

    domains = tops(macro)
    recent_domains = tops(recent_macro)
    domain_keywords, domain_vecs, domain_events = _per_domain(model, W, docs, domains, settings, dim)

    # --- counts and notes ------------------------------------------------------------------------------
    n_ev = np.bincount(ev.user, minlength=n_users)
    known_ev = np.bincount(ev.user[ev.item >= 0], minlength=n_users)
    unknown_ev = np.bincount(ev.user[ev.unknown], minlength=n_users)
    text_ev = np.bincount(ev.user[docs.text_rows], minlength=n_users) if n_text else np.zeros(n_users, dtype=np.int64)
    neg_ev = np.bincount(ev.user[w_long < 0], minlength=n_users)
    known_items = ev.item >= 0
    no_dom = known_items.copy()
    no_dom[known_items] = catalog.domain_index[ev.item[known_items]] < 0
    no_dom_ev = np.bincount(ev.user[no_dom], minlength=n_users)
    stated_flag = np.zeros(n_users, dtype=bool)
    stated_flag[docs.stated_users] = True
    counts: list[ProfileCounts] = []
    notes: list[list[str]] = []
    for u in range(n_users):
        c = ProfileCounts(
            events=int(n_ev[u]),
            by_domain=domain_events[u],
            known_item_events=int(known_ev[u]),
            unknown_item_events=int(unknown_ev[u]),
            text_events=int(text_ev[u]),
            negative_events=int(neg_ev[u]),
            items_without_domain=int(no_dom_ev[u]),
            stated_interests=bool(stated_flag[u]),
        )
        counts.append(c)
        notes.append(_notes(c, domains[u], keywords[u], bool(has_interest[u]), n_dom))
    return ProfileBatch(
        user_ids=list(ev.user_ids),
        domains=domains,
        keywords=keywords,
        domain_keywords=domain_keywords,
        interest=interest,
        has_interest=has_interest,
        domain_vectors=domain_vecs,
        domain_events=domain_events,
        counts=counts,
        notes=notes,
        behavior=behavior_vecs,
        has_behavior=has_behavior,
        recent_domains=recent_domains,
        recent_keywords=recent_keywords,
        recent_interest=recent_interest,
        has_recent_interest=has_recent,
    )


@dataclass
class _Documents:
    """The build's documents: catalog items, then the events' texts, then stated interests; for each, its
    term vector, content vector and domain, and which user each event or statement belongs to."""

    n_users: int
    n_items: int
    text_rows: np.ndarray
    stated_users: np.ndarray
    doc_user: np.ndarray
    doc_col: np.ndarray
    stated_weight: np.ndarray
    terms: sp.csr_matrix
    vectors: np.ndarray
    has_vector: np.ndarray
    #: (own documents x domains) domain probabilities of the users' own texts (None: no classifier).
    own_proba: np.ndarray | None
    domain: np.ndarray
    onehot: sp.csr_matrix

    @property
    def n_text(self) -> int:
        return len(self.text_rows)

    @property
    def n_docs(self) -> int:
        return self.n_items + len(self.text_rows) + len(self.stated_users)

    def weight_matrix(self, w_event: np.ndarray) -> sp.csr_matrix:
        """(users x documents) weights for these event weights (stated interests keep their fixed weight)."""
        doc_w = np.concatenate([w_event, w_event[self.text_rows], self.stated_weight])
        ok = self.doc_col >= 0
        W = sp.csr_matrix((doc_w[ok], (self.doc_user[ok], self.doc_col[ok])), shape=(self.n_users, self.n_docs))
        W.sum_duplicates()
        return W

    def count_matrix(self) -> sp.csr_matrix:
        ok = self.doc_col >= 0
        return sp.csr_matrix(
            (np.ones(int(ok.sum())), (self.doc_user[ok], self.doc_col[ok])), shape=(self.n_users, self.n_docs)
        )


def _documents(
    model: InterestModel, catalog: CatalogView, ev: UserEvidence, dim: int, user_weight: float
) -> _Documents:
    n_users, n_items, n_dom = ev.n_users, catalog.size, len(model.domain_names)
    text_rows = np.array([i for i, t in enumerate(ev.text) if t], dtype=np.int64)
    stated_users = np.array([u for u, s in enumerate(ev.stated) if s], dtype=np.int64)
    n_text, n_stated = len(text_rows), len(stated_users)
    doc_user = np.concatenate([ev.user, ev.user[text_rows], stated_users]).astype(np.int64)
    doc_col = np.concatenate(
        [
            np.where(ev.item >= 0, ev.item, -1),
            n_items + np.arange(n_text),
            n_items + n_text + np.arange(n_stated),
        ]
    ).astype(np.int64)

    own_texts = [ev.text[i] for i in text_rows] + [ev.stated[u] for u in stated_users]
    own_terms = model.extractor.term_matrix(own_texts) if own_texts else sp.csr_matrix((0, len(model.extractor.terms_)))
    own_terms = own_terms * user_weight  # a user's own words: the strongest micro signal
    terms = sp.vstack([catalog.terms, own_terms], format="csr")
    own_vecs = np.zeros((n_text + n_stated, dim), dtype=np.float32)
    own_has = np.zeros(n_text + n_stated, dtype=bool)
    if n_text:
        own_vecs[:n_text] = ev.text_vectors[text_rows]
        own_has[:n_text] = ev.has_text_vector[text_rows]
    if n_stated:
        own_vecs[n_text:] = ev.stated_vectors[stated_users]
        own_has[n_text:] = ev.has_stated_vector[stated_users]
    vectors = np.vstack([catalog.vectors, own_vecs]) if dim else np.zeros((n_items + n_text + n_stated, 0))
    has_vec = np.concatenate([catalog.has_vector, own_has])

    # The domains of the users' own texts: the classifier's, one domain when there is only one, and a review
    # of an item belongs to the item's domain whatever the classifier says of its text.
    own_proba: np.ndarray | None = None
    own_domain = np.full(n_text + n_stated, -1, dtype=np.int64)
    cls_cols = _classifier_columns(model)
    if cls_cols is not None and (n_text + n_stated) and own_has.any() and n_dom:
        idx = np.nonzero(own_has)[0]
        proba = model.classifier.predict_proba(own_vecs[idx])  # type: ignore[union-attr]
        own_proba = np.zeros((n_text + n_stated, n_dom))
        valid = cls_cols >= 0
        own_proba[np.ix_(idx, cls_cols[valid])] = proba[:, valid]
        own_domain[idx] = cls_cols[proba.argmax(axis=1)]
    elif n_dom == 1 and (n_text + n_stated):
        own_proba = np.ones((n_text + n_stated, 1))
        own_domain[:] = 0
    if n_text:
        about = ev.item[text_rows]
        known = about >= 0
        own_domain[:n_text][known] = np.where(
            catalog.domain_index[about[known]] >= 0, catalog.domain_index[about[known]], own_domain[:n_text][known]
        )
    has_dom = catalog.domain_index >= 0
    onehot = sp.csr_matrix(
        (np.ones(int(has_dom.sum())), (np.nonzero(has_dom)[0], catalog.domain_index[has_dom])),
        shape=(n_items, n_dom),
    )
    return _Documents(
        n_users=n_users,
        n_items=n_items,
        text_rows=text_rows,
        stated_users=stated_users,
        doc_user=doc_user,
        doc_col=doc_col,
        stated_weight=np.full(n_stated, STATED_INTEREST_WEIGHT),
        terms=terms,
        vectors=vectors,
        has_vector=has_vec,
        own_proba=own_proba,
        domain=np.concatenate([catalog.domain_index, own_domain]).astype(np.int64),
        onehot=onehot,
    )


def _macro(W: sp.csr_matrix, docs: _Documents, model: InterestModel, settings: Settings) -> np.ndarray:
    """Macro distribution per user: (a) domains of interacted items, (b) the classifier on the users' own text."""
    n_dom = len(model.domain_names)
    if not n_dom:
        return np.zeros((docs.n_users, 0))
    behavior = normalize_distribution(np.asarray((W[:, : docs.n_items] @ docs.onehot).todense()))
    text_dist = np.zeros((docs.n_users, n_dom))
    if docs.own_proba is not None:
        text_dist = normalize_distribution(np.asarray(W[:, docs.n_items :] @ docs.own_proba))
    return blend_distributions(behavior, text_dist, settings.macro_behavior_weight, settings.macro_text_weight)


def _keywords(model: InterestModel, W: sp.csr_matrix, docs: _Documents, top: int) -> list[list[Keyword]]:
    if not docs.terms.shape[1]:
        return [[] for _ in range(docs.n_users)]
    return model.extractor.top_keywords(W @ docs.terms, top)


def _interest(W: sp.csr_matrix, docs: _Documents, dim: int) -> tuple[np.ndarray, np.ndarray]:
    if dim:
        return interest_vectors(W, docs.vectors, docs.has_vector)
    return np.zeros((docs.n_users, 0), dtype=np.float32), np.zeros(docs.n_users, dtype=bool)


def _per_domain(
    model: InterestModel,
    W: sp.csr_matrix,
    docs: _Documents,
    domains: list[list[DomainWeight]],
    settings: Settings,
    dim: int,
) -> tuple[list[dict[str, list[Keyword]]], list[dict[str, np.ndarray]], list[dict[str, int]]]:
    """Each user's keywords, interest vector and event count within each of their top domains."""
    n_users, n_items = docs.n_users, docs.n_items
    counts_m = docs.count_matrix()
    dom_pos = {d: i for i, d in enumerate(model.domain_names)}
    domain_keywords: list[dict[str, list[Keyword]]] = [{} for _ in range(n_users)]
    domain_vecs: list[dict[str, np.ndarray]] = [{} for _ in range(n_users)]
    domain_events: list[dict[str, int]] = [{} for _ in range(n_users)]
    users_by_domain: dict[int, list[int]] = {}
    for u, ds in enumerate(domains):
        for name, _ in ds:
            users_by_domain.setdefault(dom_pos[name], []).append(u)
    for d, us in users_by_domain.items():
        cols = np.nonzero(docs.domain == d)[0]
        rows = np.asarray(us)
        sub = W[rows][:, cols]
        name = model.domain_names[d]
        kws = (
            model.extractor.top_keywords(sub @ docs.terms[cols], settings.domain_keywords)
            if len(cols) and docs.terms.shape[1]
            else [[] for _ in us]
        )
        ev_counts = (
            np.asarray(counts_m[rows][:, cols[cols < n_items]].sum(axis=1)).ravel() if len(cols) else np.zeros(len(us))
        )
        if dim and len(cols):
            dv, dok = interest_vectors(sub, docs.vectors[cols], docs.has_vector[cols])
        else:
            dv, dok = np.zeros((len(us), dim), dtype=np.float32), np.zeros(len(us), dtype=bool)
        centroid = model.domain_centroids.get(name)
        for j, u in enumerate(us):
            domain_keywords[u][name] = kws[j]
            domain_events[u][name] = int(ev_counts[j])
            if dok[j]:
                domain_vecs[u][name] = dv[j]
            elif centroid is not None and len(centroid) == dim:
                # Interest in the domain comes from text classified elsewhere: the domain's centroid stands in.
                domain_vecs[u][name] = np.asarray(centroid, dtype=np.float32)
    return domain_keywords, domain_vecs, domain_events


def _notes(
    c: ProfileCounts, domains: list[DomainWeight], keywords: list[Keyword], has_vector: bool, n_dom: int
) -> list[str]:
    """Plain-language reasons for whatever is missing from a profile, each with what to do."""
    out: list[str] = []
    if c.events == 0 and not c.stated_interests:
        out.append(
            "No interactions and no stated interests: nothing to build a profile from yet. Recommend popular "
            "items, or load interactions / stated interests for this user."
        )
        return out
    if c.unknown_item_events:
        out.append(
            f"{c.unknown_item_events} of {c.events} interactions point at items not in the catalog and were "
            "ignored; load those items (`weaviate-recsys load items`) and rebuild."
        )
    if not domains:
        if n_dom == 0:
            out.append("No domains are known: run `weaviate-recsys domains train`.")
        elif c.items_without_domain:
            out.append(
                f"{c.items_without_domain} interacted items have no domain: run `weaviate-recsys domains train` "
                "to predict them, then rebuild."
            )
        elif c.negative_events and c.negative_events == c.events:
            out.append("Only negative feedback (dislikes, low ratings): no domain of interest yet.")
        else:
            out.append("No evidence points at any domain (no text the classifier could read).")
    if not keywords:
        out.append("No keywords: the user's items and texts have no words in the trained vocabulary.")
    if not has_vector:
        if c.negative_events and c.negative_events == c.events and not c.stated_interests:
            out.append("No interest vector: only negative feedback, and a direction away from dislikes is no query.")
        else:
            out.append("No interest vector: none of the user's items or texts has a vector (embed them on load).")
    return out
