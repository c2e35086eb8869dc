"""Computing multi-granularity interest profiles from in-memory evidence (no Weaviate here).

`compute_profiles` takes what a build read from Weaviate -- the catalog (`CatalogView`), the trained
`InterestModel` and the users' events (`UserEvidence`) -- and computes every user's macro domains, micro
keywords (overall and per domain) and interest vectors (overall and per domain) together, with numpy and
scipy sparse matrices. The same function serves a full build (all users at once) and an incremental update
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
from ..settings import Settings
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


class InterestProfile(BaseModel):
    """A user's multi-granularity interest profile."""

    user_id: str
    domains: list[DomainWeight] = Field(default_factory=list, description="Macro: top domains, heaviest first.")
    keywords: list[Keyword] = Field(default_factory=list, description="Micro: top keywords overall.")
    domain_keywords: dict[str, list[Keyword]] = Field(default_factory=dict, description="Micro: per top domain.")
    interest_vector: list[float] | None = Field(default=None, description="Semantic: overall interest (unit).")
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
    """Compute every user's profile in ``ev`` (see the module docstring)."""
    n_users, n_items, n_dom = ev.n_users, catalog.size, len(model.domain_names)
    dim = catalog.vectors.shape[1] if catalog.vectors.ndim == 2 else 0
    w_event = event_weights(
        ev.user,
        ev.kind_weight,
        ev.rating,
        ev.timestamp,
        ev.seq,
        n_users,
        settings.half_life_days,
        settings.half_life_steps,
    )

    # --- documents: catalog items, then the events' texts, then stated interests ---------------------
    text_rows = np.array([i for i, t in enumerate(ev.text) if t], dtype=np.int64)
    stated_users = np.array([u for u, s in enumerate(ev.stated) if s], dtype=np.int64)
    n_text, n_stated = len(text_rows), len(stated_users)
    n_docs = n_items + n_text + n_stated
    doc_user = np.concatenate([ev.user, ev.user[text_rows], stated_users]).astype(np.int64)
    doc_col = np.concatenate(
        [
            np.where(ev.item >= 0, ev.item, -1),
            n_items + np.arange(n_text),
            n_items + n_text + np.arange(n_stated),
        ]
    ).astype(np.int64)
    doc_w = np.concatenate([w_event, w_event[text_rows], np.full(n_stated, STATED_INTEREST_WEIGHT)])
    ok = doc_col >= 0
    W = sp.csr_matrix((doc_w[ok], (doc_user[ok], doc_col[ok])), shape=(n_users, n_docs))
    W.sum_duplicates()
    counts_m = sp.csr_matrix((np.ones(int(ok.sum())), (doc_user[ok], doc_col[ok])), shape=(n_users, n_docs))

    own_texts = [ev.text[i] for i in text_rows] + [ev.stated[u] for u in stated_users]
    own_terms = model.extractor.term_matrix(own_texts) if own_texts else sp.csr_matrix((0, len(model.extractor.terms_)))
    own_terms = own_terms * settings.keyword_user_weight  # a user's own words: the strongest micro signal
    terms = sp.vstack([catalog.terms, own_terms], format="csr")
    own_vecs = np.zeros((n_text + n_stated, dim), dtype=np.float32)
    own_has = np.zeros(n_text + n_stated, dtype=bool)
    if n_text:
        own_vecs[:n_text] = ev.text_vectors[text_rows]
        own_has[:n_text] = ev.has_text_vector[text_rows]
    if n_stated:
        own_vecs[n_text:] = ev.stated_vectors[stated_users]
        own_has[n_text:] = ev.has_stated_vector[stated_users]
    vectors = np.vstack([catalog.vectors, own_vecs]) if dim else np.zeros((n_docs, 0))
    has_vec = np.concatenate([catalog.has_vector, own_has])

    # --- macro: (a) domains of interacted items, (b) the classifier on the users' own text ------------
    onehot = sp.csr_matrix(
        (
            np.ones(int((catalog.domain_index >= 0).sum())),
            (np.nonzero(catalog.domain_index >= 0)[0], catalog.domain_index[catalog.domain_index >= 0]),
        ),
        shape=(n_items, n_dom),
    )
    behavior = normalize_distribution(
        np.asarray((W[:, :n_items] @ onehot).todense()) if n_dom else np.zeros((n_users, 0))
    )
    text_dist = np.zeros((n_users, n_dom))
    own_domain = np.full(n_text + n_stated, -1, dtype=np.int64)
    cls_cols = _classifier_columns(model)
    if cls_cols is not None and (n_text + n_stated) and own_has.any() and n_dom:
        idx = np.nonzero(own_has)[0]
        proba = model.classifier.predict_proba(own_vecs[idx])  # type: ignore[union-attr]
        P = np.zeros((n_text + n_stated, n_dom))
        valid = cls_cols >= 0
        P[np.ix_(idx, cls_cols[valid])] = proba[:, valid]
        text_dist = normalize_distribution(np.asarray(W[:, n_items:] @ P))
        own_domain[idx] = cls_cols[proba.argmax(axis=1)]
    elif n_dom == 1 and (n_text + n_stated):
        # One domain and no classifier (nothing to tell apart): all text is about that domain.
        text_dist = normalize_distribution(np.asarray(W[:, n_items:].sum(axis=1)).reshape(n_users, 1))
        own_domain[:] = 0
    if n_text:  # a review of an item belongs to the item's domain, whatever the classifier says of its text
        about = ev.item[text_rows]
        known = about >= 0
        own_domain[:n_text][known] = np.where(
            catalog.domain_index[about[known]] >= 0, catalog.domain_index[about[known]], own_domain[:n_text][known]
        )
    macro = blend_distributions(behavior, text_dist, settings.macro_behavior_weight, settings.macro_text_weight)
    doc_domain = np.concatenate([catalog.domain_index, own_domain]).astype(np.int64)

    # --- micro keywords and semantic vectors, overall --------------------------------------------------
    keywords = (
        model.extractor.top_keywords(W @ terms, settings.top_keywords)
        if terms.shape[1]
        else [[] for _ in range(n_users)]
    )
    if dim:
        interest, has_interest = interest_vectors(W, vectors, has_vec)
    else:
        interest, has_interest = np.zeros((n_users, 0), dtype=np.float32), np.zeros(n_users, dtype=bool)
    behavior_vecs, has_behavior = None, None
    if catalog.behavior is not None and catalog.has_behavior is not None and catalog.has_behavior.any():
        # Same recency weights as the content interest, over the item columns only.
        behavior_vecs, has_behavior = interest_vectors(W[:, :n_items], catalog.behavior, catalog.has_behavior)

    # --- per top domain --------------------------------------------------------------------------------
    domains = [
        top_domains(macro[u], model.domain_names, settings.min_domain_weight, settings.max_domains)
        for u in range(n_users)
    ]
    dom_pos = {d: i for i, d in enumerate(model.domain_names)}
    domain_keywords: list[dict[str, list[Keyword]]] = [{} for _ in range(n_users)]
    domain_vecs: list[dict[str, np.ndarray]] = [{} for _ in range(n_users)]
    domain_events: list[dict[str, int]] = [{} for _ in range(n_users)]
    users_by_domain: dict[int, list[int]] = {}
    for u, ds in enumerate(domains):
        for name, _ in ds:
            users_by_domain.setdefault(dom_pos[name], []).append(u)
    for d, us in users_by_domain.items():
        cols = np.nonzero(doc_domain == d)[0]
        rows = np.asarray(us)
        sub = W[rows][:, cols]
        name = model.domain_names[d]
        kws = (
            model.extractor.top_keywords(sub @ terms[cols], settings.domain_keywords)
            if len(cols) and terms.shape[1]
            else [[] for _ in us]
        )
        ev_counts = (
            np.asarray(counts_m[rows][:, cols[cols < n_items]].sum(axis=1)).ravel() if len(cols) else np.zeros(len(us))
        )
        if dim and len(cols):
            dv, dok = interest_vectors(sub, vectors[cols], has_vec[cols])
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

    # --- counts and notes ------------------------------------------------------------------------------
    n_ev = np.bincount(ev.user, minlength=n_users)
    known_ev = np.bincount(ev.user[ev.item >= 0], minlength=n_users)
    unknown_ev = np.bincount(ev.user[ev.unknown], minlength=n_users)
    text_ev = np.bincount(ev.user[text_rows], minlength=n_users) if n_text else np.zeros(n_users, dtype=np.int64)
    neg_ev = np.bincount(ev.user[w_event < 0], minlength=n_users)
    known_items = ev.item >= 0
    no_dom = known_items.copy()
    no_dom[known_items] = catalog.domain_index[ev.item[known_items]] < 0
    no_dom_ev = np.bincount(ev.user[no_dom], minlength=n_users)
    stated_flag = np.zeros(n_users, dtype=bool)
    stated_flag[stated_users] = True
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
    )


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
