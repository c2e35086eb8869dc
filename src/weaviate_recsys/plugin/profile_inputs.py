"""Profiles from plain inputs: items, interactions and the model in, profiles out (no Weaviate here).

`compute_user_profiles` is the whole computation a profile build does: it turns plain records
(`ItemData`, `EventData`) into the arrays `compute_profiles` works on (`CatalogView`, `UserEvidence`) and
computes every user's profile. `weaviate_recsys.plugin.profiles` only reads those records from Weaviate and
writes the results back, so the computation is testable, and usable, without a server.

Analysing an item's text and embedding a stated interest are the costly parts of a one-user update: both
are cached per process (item term vectors per model version and text, stated-interest vectors per embedder
and text).
"""

from __future__ import annotations

import hashlib
import threading
from collections.abc import Mapping, Sequence
from dataclasses import dataclass
from typing import TYPE_CHECKING, Any

import numpy as np

from .._lazy import LazyModule
from ..errors import RecsysError
from ..settings import Settings
from .profile_model import CatalogView, InterestModel, ProfileBatch, UserEvidence, compute_profiles

if TYPE_CHECKING:
    import scipy.sparse as sp
else:
    sp = LazyModule("scipy.sparse")  # imported when a matrix is first built

__all__ = [
    "ItemData",
    "EventData",
    "catalog_view",
    "user_evidence",
    "compute_user_profiles",
    "embed_stated",
    "DEFAULT_EXTRA_KIND_WEIGHT",
]

#: Weight of a declared extra interaction kind that ``Settings.kind_weights`` does not list.
DEFAULT_EXTRA_KIND_WEIGHT = 0.5


@dataclass(frozen=True)
class ItemData:
    """What a profile needs of an item: its id, domain, keyword text and vectors."""

    item_id: str
    domain: str | None = None
    text: str = ""
    vector: Sequence[float] | None = None
    behavior_vector: Sequence[float] | None = None


@dataclass(frozen=True)
class EventData:
    """One interaction: who, which item (None: user content without an item), what, when, and its text.

    ``timestamp`` is Unix seconds (None or NaN: unknown; ``seq`` then orders the user's events).
    """

    user_id: str
    item_id: str | None = None
    kind: str = "purchase"
    rating: float | None = None
    timestamp: float | None = None
    seq: float | None = None
    text: str | None = None
    text_vector: Sequence[float] | None = None


# --- per-process caches (item term vectors and stated-interest vectors) -----------------------------

_cache_lock = threading.Lock()
_term_cache: dict[tuple[str, str], tuple[np.ndarray, np.ndarray]] = {}
_stated_cache: dict[tuple[str, str], np.ndarray] = {}
_CACHE_LIMIT = 200_000


def _item_terms(model: InterestModel, texts: list[str]) -> sp.csr_matrix:
    """Normalised term vectors of item texts, cached per model version and text (a record call re-reads
    only the user's items, and analysing their text again is the costly part)."""
    V = len(model.extractor.terms_)
    rows: list[tuple[np.ndarray, np.ndarray] | None] = []
    missing: list[int] = []
    hashes = [hashlib.blake2b(t.encode("utf-8"), digest_size=12).hexdigest() for t in texts]
    with _cache_lock:
        for i, h in enumerate(hashes):
            r = _term_cache.get((model.version, h))
            rows.append(r)
            if r is None:
                missing.append(i)
    if missing:
        m = model.extractor.term_matrix([texts[i] for i in missing])
        with _cache_lock:
            if len(_term_cache) + len(missing) > _CACHE_LIMIT:
                _term_cache.clear()
            for j, i in enumerate(missing):
                lo, hi = m.indptr[j], m.indptr[j + 1]
                r = (m.indices[lo:hi].copy(), m.data[lo:hi].copy())
                rows[i] = r
                _term_cache[(model.version, hashes[i])] = r
    indptr = np.zeros(len(rows) + 1, dtype=np.int64)
    for i, r in enumerate(rows):
        indptr[i + 1] = indptr[i] + len(r[0])  # type: ignore[index]
    indices = np.concatenate([r[0] for r in rows]) if rows else np.zeros(0, dtype=np.int64)  # type: ignore[index]
    data = np.concatenate([r[1] for r in rows]) if rows else np.zeros(0)  # type: ignore[index]
    return sp.csr_matrix((data, indices, indptr), shape=(len(rows), V))


def embed_stated(
    texts: list[str], dim: int, settings: Settings, embedder: Any
) -> tuple[np.ndarray, np.ndarray, str | None]:
    """Vectors of stated-interest texts (cached per embedder and text); a note when they cannot be made.

    ``embedder`` None loads the default one (`weaviate_recsys.loaders.get_embedder`), only when there is text.
    """
    out = np.zeros((len(texts), dim), dtype=np.float32)
    ok = np.zeros(len(texts), dtype=bool)
    if not texts or not dim:
        return out, ok, None
    try:
        if embedder is None:
            from ..loaders import get_embedder

            embedder = get_embedder(settings)
        if embedder.dim != dim:
            return (
                out,
                ok,
                (
                    f"Stated interests were not embedded: the embedder has {embedder.dim} dimensions, the items {dim}; "
                    "use the model the items were loaded with (--model)."
                ),
            )
        todo = []
        with _cache_lock:
            for i, t in enumerate(texts):
                v = _stated_cache.get((embedder.name, t))
                if v is None:
                    todo.append(i)
                else:
                    out[i], ok[i] = v, True
        if todo:
            vecs = embedder.embed_batch([texts[i] for i in todo])
            with _cache_lock:
                if len(_stated_cache) > _CACHE_LIMIT:
                    _stated_cache.clear()
                for j, i in enumerate(todo):
                    out[i], ok[i] = vecs[j], True
                    _stated_cache[(embedder.name, texts[i])] = vecs[j]
    except RecsysError as e:
        return out, ok, f"Stated interests were not embedded ({e})."
    return out, ok, None


# --- records -> arrays ------------------------------------------------------------------------------


def _matrix(vecs: list[Sequence[float] | None], dim: int) -> tuple[np.ndarray, np.ndarray]:
    """Vectors of length ``dim`` as a matrix, and a mask of the rows that had one."""
    out = np.zeros((len(vecs), dim), dtype=np.float32)
    has = np.zeros(len(vecs), dtype=bool)
    for i, v in enumerate(vecs):
        if v is not None and len(v) == dim and dim:
            out[i], has[i] = v, True
    return out, has


def catalog_view(model: InterestModel, items: Sequence[ItemData]) -> CatalogView:
    """The items as arrays: domain indexes in ``model.domain_names`` (-1: none), content and behaviour vectors
    (the most common length wins; others count as missing) and term vectors."""
    pos = {d: i for i, d in enumerate(model.domain_names)}
    dims = {len(it.vector) for it in items if it.vector}
    dim = max(dims) if dims else (model.classifier.dim if model.classifier is not None else 0)
    vectors, has = _matrix([it.vector for it in items], dim)
    beh_dims = {len(it.behavior_vector) for it in items if it.behavior_vector}
    behavior, has_behavior = None, None
    if beh_dims:
        behavior, has_behavior = _matrix([it.behavior_vector for it in items], max(beh_dims))
    return CatalogView(
        item_ids=[it.item_id for it in items],
        domain_index=np.asarray([pos.get(it.domain or "", -1) for it in items], dtype=np.int64),
        vectors=vectors,
        has_vector=has,
        terms=_item_terms(model, [it.text for it in items]),
        behavior=behavior,
        has_behavior=has_behavior,
    )


def _number(value: float | None) -> float:
    return float("nan") if value is None else float(value)


def user_evidence(
    user_ids: Sequence[str],
    events: Sequence[EventData],
    catalog: CatalogView,
    settings: Settings,
    stated: Mapping[str, str | None] | None = None,
    embedder: Any = None,
) -> tuple[UserEvidence, list[str]]:
    """The users' events and stated interests as arrays aligned with ``catalog``, and notes on what failed.

    Every event must belong to one of ``user_ids``. Events naming an item the catalog lacks count as unknown.
    """
    stated = stated or {}
    upos = {u: i for i, u in enumerate(user_ids)}
    dim = catalog.vectors.shape[1]
    kw = settings.kind_weights
    item = np.full(len(events), -1, dtype=np.int64)
    unknown = np.zeros(len(events), dtype=bool)
    for j, e in enumerate(events):
        if e.item_id:
            k = catalog.index.get(e.item_id)
            if k is None:
                unknown[j] = True
            else:
                item[j] = k
    text_vectors, has_text = _matrix([e.text_vector if e.text else None for e in events], dim)
    stated_list = [stated.get(u) for u in user_ids]
    idx = [i for i, s in enumerate(stated_list) if s]
    svec = np.zeros((len(user_ids), dim), dtype=np.float32)
    shas = np.zeros(len(user_ids), dtype=bool)
    notes: list[str] = []
    if idx:
        vecs, ok, note = embed_stated([str(stated_list[i]) for i in idx], dim, settings, embedder)
        svec[idx], shas[idx] = vecs, ok
        if note:
            notes.append(note)
    ev = UserEvidence(
        user_ids=list(user_ids),
        user=np.asarray([upos[e.user_id] for e in events], dtype=np.int64),
        item=item,
        unknown=unknown,
        kind_weight=np.asarray([kw.get(e.kind or "", DEFAULT_EXTRA_KIND_WEIGHT) for e in events], dtype=np.float64),
        rating=np.asarray([_number(e.rating) for e in events], dtype=np.float64),
        timestamp=np.asarray([_number(e.timestamp) for e in events], dtype=np.float64),
        seq=np.asarray([_number(e.seq) for e in events], dtype=np.float64),
        text=[e.text or None for e in events],
        text_vectors=text_vectors,
        has_text_vector=has_text,
        stated=stated_list,
        stated_vectors=svec,
        has_stated_vector=shas,
    )
    return ev, notes


def compute_user_profiles(
    model: InterestModel,
    items: Sequence[ItemData],
    events: Sequence[EventData],
    user_ids: Sequence[str],
    settings: Settings | None = None,
    *,
    stated: Mapping[str, str | None] | None = None,
    embedder: Any = None,
) -> ProfileBatch:
    """The profiles of ``user_ids`` from their events, the items those events name, and the model.

    Args:
        model: the trained interest model (`weaviate_recsys.plugin.load_model` reads the stored one).
        items: the items the events name (more do no harm; missing ones make their events unknown).
        events: the users' interactions; each must belong to one of ``user_ids``.
        user_ids: whose profiles to compute, in the order of the result.
        settings: interest-model settings (half-lives, weights, sizes); defaults from the environment.
        stated: users' stated interests (cold start), embedded with ``embedder``.
        embedder: embeds stated interests (None: the default one, loaded only when there are any).

    Returns:
        A `ProfileBatch`; ``batch.profile(i)`` is user ``user_ids[i]``'s `InterestProfile`.
    """
    settings = settings or Settings()
    catalog = catalog_view(model, items)
    ev, notes = user_evidence(user_ids, events, catalog, settings, stated, embedder)
    batch = compute_profiles(model, catalog, ev, settings)
    for n in batch.notes:
        n.extend(notes)
    return batch
