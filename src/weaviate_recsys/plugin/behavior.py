"""Behaviour vectors: item embeddings learned from what people do together.

Items that the same users interact with get nearby vectors, whatever their text says. The embedding is a
truncated eigendecomposition of the cosine-normalised item-item co-occurrence matrix
``S = D^-1/2 (X^T X) D^-1/2`` (``X``: users x items, one weighted entry per user and item, ``D``: item
counts), i.e. a low-rank factorisation of exactly the similarity item-kNN ranks with. Item ``i``'s vector
is row ``i`` of ``U |lambda|^power`` (the top ``dim`` eigenpairs), stored L2-normalised so that Weaviate's
cosine distance compares directions only. The method, dimension and exponent are the defaults of
`BehaviorConfig`, chosen by NDCG@10 on the amazon-office validation split (see
``docs/behavior_validation.md`` and `weaviate_recsys.settings`).

A user's behaviour vector is the recency-weighted mean of their items' behaviour vectors; the interest
model computes it next to the content interest vector (`plugin.profile_model.compute_profiles`) and stores
it as the User's ``behavior`` named vector. The recommender then searches ``content`` and ``behavior``
together with Weaviate's multi-target vector search (`plugin.query_plan`).

``train_behavior`` does the Weaviate part: read ``Interaction`` through the client, fit, and re-write every
``Item`` whose behaviour changed, keeping all its properties and its ``content`` vector. Items without
interactions get no behaviour vector and no ``behavior_events``; that null is what lets the recommender find
them with a separate content-only query (multi-target sum/average/manual search drops objects that lack
one of the targets, docs/lite-server.md §9.4).
"""

from __future__ import annotations

import time
from collections.abc import Sequence
from dataclasses import dataclass
from typing import TYPE_CHECKING, Any, Literal

import numpy as np
import weaviate
from pydantic import BaseModel, ConfigDict, Field

from .._lazy import LazyModule
from ..errors import ConfigurationError, ConnectionFailed
from ..progress import Progress
from ..schema.contracts import BEHAVIOR_VECTOR
from ..schema.identity import item_uuid
from ..settings import Settings
from .storage import Names, iterate, require_collections, vector_of, write_objects

if TYPE_CHECKING:
    import scipy.sparse as sp
else:
    sp = LazyModule("scipy.sparse")  # imported when a matrix is first built

__all__ = [
    "BEHAVIOR_VECTOR",
    "BEHAVIOR_EVENTS",
    "BehaviorConfig",
    "BehaviorEmbedding",
    "BehaviorReport",
    "fit_behavior",
    "train_behavior",
]

#: The ``Item`` property counting the interactions behind its behaviour vector (null: no behaviour vector).
BEHAVIOR_EVENTS = "behavior_events"


#: Up to this many interacted items the eigendecomposition is dense (exact, a few seconds); beyond, ARPACK.
_DENSE_ITEMS = 6000
#: Two vectors closer than this (max abs difference) are the same; their item is not re-written.
_SAME = 1e-5


class BehaviorConfig(BaseModel):
    """How behaviour embeddings are learned.

    Attributes:
        method: ``cooccurrence``: eigenvectors of the cosine-normalised item-item co-occurrence matrix;
            ``user_item``: right singular vectors of the user-item matrix with columns scaled by
            ``count^-0.5`` (PureSVD-like). Chosen on validation: see the module docstring.
        dim: embedding dimension (capped at the number of items with interactions minus one).
        power: exponent of the eigen/singular values that scale the vectors (0: plain eigenvectors).
        seed: seeds the iterative solver's start vector, so a fit is reproducible.
    """

    model_config = ConfigDict(extra="forbid")
    method: Literal["cooccurrence", "user_item"] = "cooccurrence"
    dim: int = Field(default=512, ge=1)
    power: float = Field(default=0.5, ge=0.0)
    seed: int = 0

    @classmethod
    def from_settings(cls, settings: Settings) -> BehaviorConfig:
        return cls(method=settings.behavior_method, dim=settings.behavior_dim, power=settings.behavior_power)


@dataclass
class BehaviorEmbedding:
    """The result of `fit_behavior`: one unit vector per item that had interactions.

    Attributes:
        item_ids: items with a vector, in the order of ``vectors``' rows.
        vectors: (len(item_ids) x dim) float32, L2-normalised rows.
        events: interactions behind each item's vector.
        config: how it was fitted.
    """

    item_ids: list[str]
    vectors: np.ndarray
    events: np.ndarray
    config: BehaviorConfig

    def __post_init__(self) -> None:
        self.index = {iid: i for i, iid in enumerate(self.item_ids)}

    @property
    def dim(self) -> int:
        return int(self.vectors.shape[1]) if self.vectors.ndim == 2 else 0

    def vector(self, item_id: str) -> np.ndarray | None:
        i = self.index.get(item_id)
        return None if i is None else self.vectors[i]


def _unit_rows(m: np.ndarray) -> np.ndarray:
    norms = np.linalg.norm(m, axis=1, keepdims=True)
    return np.divide(m, norms, out=np.zeros_like(m), where=norms > 1e-12)


def _fix_signs(vectors: np.ndarray) -> np.ndarray:
    """Eigenvectors are defined up to sign: make each column's largest entry positive (reproducible output)."""
    if vectors.size == 0:
        return vectors
    idx = np.argmax(np.abs(vectors), axis=0)
    signs = np.sign(vectors[idx, np.arange(vectors.shape[1])])
    signs[signs == 0] = 1.0
    return vectors * signs


def fit_behavior(
    user_ids: Sequence[str],
    item_ids: Sequence[str],
    weights: Sequence[float] | np.ndarray | None = None,
    config: BehaviorConfig | None = None,
) -> BehaviorEmbedding:
    """Learn item behaviour vectors from (user, item, weight) interactions, in memory.

    Repeated (user, item) pairs keep their largest weight; non-positive weights (dislikes) are ignored, since
    co-interaction means interest here.

    Args:
        user_ids: the user of each interaction.
        item_ids: the item of each interaction (aligned with ``user_ids``).
        weights: each interaction's weight (default 1).
        config: method, dimension, exponent and seed.

    Returns:
        Vectors for the items with at least one positive interaction.

    Raises:
        ConfigurationError: the inputs are not aligned.
    """
    config = config or BehaviorConfig()
    n = len(user_ids)
    if len(item_ids) != n or (weights is not None and len(weights) != n):
        raise ConfigurationError("user_ids, item_ids and weights must have one entry per interaction.")
    w = np.ones(n) if weights is None else np.asarray(weights, dtype=np.float64)
    keep = w > 0
    users = [u for u, k in zip(user_ids, keep) if k]
    items = [i for i, k in zip(item_ids, keep) if k]
    w = w[keep]
    item_list = sorted(set(items))
    if not item_list:
        return BehaviorEmbedding([], np.zeros((0, config.dim), dtype=np.float32), np.zeros(0, dtype=np.int64), config)
    ipos = {iid: i for i, iid in enumerate(item_list)}
    upos = {uid: i for i, uid in enumerate(dict.fromkeys(users))}
    rows = np.fromiter((upos[u] for u in users), dtype=np.int64, count=len(users))
    cols = np.fromiter((ipos[i] for i in items), dtype=np.int64, count=len(items))
    events = np.bincount(cols, minlength=len(item_list))
    # One entry per (user, item): the strongest of the user's events with it.
    order = np.lexsort((-w, cols, rows))
    first = np.ones(len(order), dtype=bool)
    first[1:] = (rows[order][1:] != rows[order][:-1]) | (cols[order][1:] != cols[order][:-1])
    sel = order[first]
    x = sp.csr_matrix((w[sel], (rows[sel], cols[sel])), shape=(len(upos), len(item_list)))
    vectors = _factorise(x, config)
    return BehaviorEmbedding(item_list, _unit_rows(vectors).astype(np.float32), events.astype(np.int64), config)


def _factorise(x: sp.csr_matrix, config: BehaviorConfig) -> np.ndarray:
    n_items = x.shape[1]
    mass = (
        np.asarray(x.power(2).sum(axis=0)).ravel()
        if config.method == "cooccurrence"
        else np.asarray(x.sum(axis=0)).ravel()
    )
    mass[mass <= 0] = 1.0
    rng = np.random.default_rng(config.seed)
    if config.method == "cooccurrence":
        inv = sp.diags(1.0 / np.sqrt(mass))
        s = (inv @ (x.T @ x) @ inv).tocsr()
        dim = min(config.dim, n_items - 1)
        if dim < 1 or n_items <= _DENSE_ITEMS:
            values, vecs = np.linalg.eigh(s.toarray())  # exact and faster than ARPACK at this size
        else:
            from scipy.sparse.linalg import eigsh

            values, vecs = eigsh(s.astype(np.float64), k=dim, which="LA", v0=rng.uniform(0.5, 1.5, n_items))
        top = np.argsort(-values)[: config.dim]
        values, vecs = values[top], vecs[:, top]
    else:
        xn = (x @ sp.diags(mass**-0.5)).tocsr()
        dim = min(config.dim, min(xn.shape) - 1)
        if dim < 1 or min(xn.shape) <= 2:
            _, values, vt = np.linalg.svd(xn.toarray(), full_matrices=False)
            values, vecs = values[: config.dim], vt[: config.dim].T
        else:
            from scipy.sparse.linalg import svds

            _, values, vt = svds(xn.astype(np.float64), k=dim, random_state=config.seed)
            order = np.argsort(-values)
            values, vecs = values[order], vt[order].T
    out = _fix_signs(vecs) * (np.abs(values) ** config.power)
    if out.shape[1] < config.dim:  # tiny catalogs: pad, so every vector has the configured dimension
        out = np.hstack([out, np.zeros((n_items, config.dim - out.shape[1]))])
    return out


class BehaviorReport(BaseModel):
    """What a `train_behavior` run did."""

    interactions: int = Field(description="Interactions read.")
    used_interactions: int = Field(description="Positive interactions with a known item (what the fit used).")
    users: int
    items: int = Field(description="Items in the catalog.")
    items_with_vector: int = Field(description="Items that now have a behaviour vector.")
    items_without_vector: int = Field(description="Items with no interactions: content-only (cold).")
    unknown_item_interactions: int = Field(description="Interactions whose item is not in the catalog (ignored).")
    written: int = Field(description="Items re-written (new, changed or cleared behaviour).")
    unchanged: int = Field(description="Items whose stored behaviour was already this one.")
    cleared: int = Field(description="Items whose old behaviour vector was removed (no interactions any more).")
    write_failures: int = 0
    failure_examples: list[str] = Field(default_factory=list)
    method: str
    dim: int
    power: float
    seconds: float


def _same(stored: Sequence[float] | None, new: np.ndarray | None) -> bool:
    if stored is None or new is None:
        return stored is None and new is None
    return len(stored) == len(new) and float(np.max(np.abs(np.asarray(stored, dtype=np.float32) - new))) <= _SAME


def train_behavior(
    client: weaviate.WeaviateClient,
    settings: Settings | None = None,
    progress: Progress | None = None,
    config: BehaviorConfig | None = None,
) -> BehaviorReport:
    """Learn behaviour vectors from the stored interactions and write them onto the ``Item`` objects.

    Every item with at least one positive interaction gets a ``behavior`` vector and ``behavior_events``;
    items without (new or never used) get neither, and lose an old one. Items are re-written whole through
    the client's batch insert (an upsert), so their properties and ``content`` vector are kept; items whose
    behaviour did not change are not re-written. Run ``profiles build`` afterwards so users get matching
    behaviour vectors.

    Args:
        client: a connected client.
        settings: interaction kind weights, collection prefix, behaviour defaults.
        progress: ``(done, total)`` over items written.
        config: overrides the settings' method, dimension and exponent.

    Raises:
        SchemaMissing: the Item or Interaction collection does not exist.
        ConnectionFailed: Weaviate could not be read.
    """
    started = time.perf_counter()
    settings = settings or Settings()
    config = config or BehaviorConfig.from_settings(settings)
    names = Names.of(settings)
    require_collections(client, [names.item, names.interaction])
    _ensure_events_property(client, names.item)
    kind_weights = settings.kind_weights
    users: list[str] = []
    items: list[str] = []
    weights: list[float] = []
    n_read = 0
    for o in iterate(client, names.interaction, ["user_id", "item_id", "kind"], cache_size=5000):
        n_read += 1
        p = o.properties
        if not p.get("user_id") or not p.get("item_id"):
            continue
        users.append(str(p["user_id"]))
        items.append(str(p["item_id"]))
        weights.append(float(kind_weights.get(str(p.get("kind") or ""), 0.5)))
    item_objs = list(iterate(client, names.item, None, include_vector=True))
    catalog = {str(o.properties.get("item_id")): o for o in item_objs if o.properties.get("item_id")}
    known = [i for i, iid in enumerate(items) if iid in catalog]
    unknown = len(items) - len(known)
    emb = fit_behavior([users[i] for i in known], [items[i] for i in known], [weights[i] for i in known], config)
    used = int(sum(1 for i in known if weights[i] > 0))

    to_write: list[tuple[str, dict[str, Any], dict[str, Any] | None]] = []
    unchanged = cleared = 0
    for iid, obj in catalog.items():
        new = emb.vector(iid)
        events = int(emb.events[emb.index[iid]]) if new is not None else None
        stored = vector_of(obj, BEHAVIOR_VECTOR)
        stored_events = obj.properties.get(BEHAVIOR_EVENTS)
        if _same(stored, new) and (stored_events if stored_events is None else int(stored_events)) == events:
            unchanged += 1
            continue
        props = {k: v for k, v in dict(obj.properties).items() if v is not None and k != BEHAVIOR_EVENTS}
        vecs = (
            {k: v for k, v in (obj.vector or {}).items() if v and k != BEHAVIOR_VECTOR}
            if isinstance(obj.vector, dict)
            else {}
        )
        if new is not None:
            props[BEHAVIOR_EVENTS] = events
            vecs[BEHAVIOR_VECTOR] = new.tolist()
        elif stored is not None:
            cleared += 1
        to_write.append((str(obj.uuid) if obj.uuid else item_uuid(iid), props, vecs or None))
    total = len(to_write)
    done = [0]
    if progress is not None:
        progress(0, total)

    def tick(k: int) -> None:
        done[0] += k
        if progress is not None:
            progress(min(done[0], total), total)

    failures = write_objects(client, names.item, to_write, batch_size=settings.write_batch_size, progress=tick)
    return BehaviorReport(
        interactions=n_read,
        used_interactions=used,
        users=len(set(users[i] for i in known)),
        items=len(catalog),
        items_with_vector=sum(1 for iid in catalog if iid in emb.index),
        items_without_vector=sum(1 for iid in catalog if iid not in emb.index),
        unknown_item_interactions=unknown,
        written=total - len(failures),
        unchanged=unchanged,
        cleared=cleared,
        write_failures=len(failures),
        failure_examples=[f"{f.uuid}: {f.reason}" for f in failures[:5]],
        method=config.method,
        dim=config.dim,
        power=config.power,
        seconds=round(time.perf_counter() - started, 3),
    )


def _ensure_events_property(client: weaviate.WeaviateClient, name: str) -> None:
    """Add ``behavior_events`` to an Item collection created before it was part of the contract."""
    from weaviate.classes.config import DataType, Property
    from weaviate.exceptions import WeaviateBaseError

    coll = client.collections.get(name)
    try:
        props = {p.name for p in coll.config.get().properties}
        if BEHAVIOR_EVENTS not in props:
            coll.config.add_property(Property(name=BEHAVIOR_EVENTS, data_type=DataType.INT))
    except WeaviateBaseError as e:
        raise ConnectionFailed(
            f"Could not add the {BEHAVIOR_EVENTS} property to {name}: {e}. Run "
            "`weaviate-recsys schema create` and try again."
        ) from e
