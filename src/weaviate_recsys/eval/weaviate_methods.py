"""Content-only methods that query Weaviate through the client: ``vector``, ``bm25``, ``single-hybrid``.

The catalog is loaded into the project's ``Item`` collection (under an evaluation prefix) with the same
content vectors the in-memory baselines use; training interactions go to ``Interaction`` so recommenders
that read Weaviate see the training part only. Each method derives a single user interest from the
training history and sends one query per user:

- ``vector``: ``near_vector`` with the user's (recency-weighted) mean content vector;
- ``bm25``: ``bm25`` with the user's top TF-IDF keywords over the item text fields;
- ``single-hybrid``: one ``hybrid`` query with both (alpha from settings), no domain filter.

Training items are removed from the answers, and each query asks for ``k + len(history)`` objects so a
user still gets ``k`` candidates from the catalog minus the training items.
"""

from __future__ import annotations

import time
from collections import Counter
from collections.abc import Callable, Sequence
from concurrent.futures import ThreadPoolExecutor
from dataclasses import dataclass
from datetime import UTC, datetime
from typing import Any

import numpy as np
from pydantic import BaseModel, ConfigDict, Field

from ..errors import EvaluationError, ModelNotTrained
from ..schema import ALL_CONTRACTS, INTERACTION, ITEM, collection_name, interaction_uuid, item_uuid, register_schema
from ..schema.contracts import CONTENT_VECTOR
from ..settings import DEFAULT_DOMAIN_RULE, DomainRule, Settings
from .data import EvalData, item_domains
from .methods import Method, recency_weights, user_mean_vectors
from .split import Split, TrainingSet

__all__ = [
    "USER_TEXT_KIND",
    "training_interactions",
    "LoadedCatalog",
    "load_catalog",
    "WeaviateMethodConfig",
    "VectorSearch",
    "KeywordSearch",
    "SingleHybrid",
    "user_keywords",
]


def map_users(one: Callable[[str], list[str]], users: Sequence[str], workers: int) -> list[list[str]]:
    """``[one(u) for u in users]``, with ``workers`` users in flight at once (the client is thread-safe and
    the server works while a request waits)."""
    if workers <= 1:
        return [one(user) for user in users]
    with ThreadPoolExecutor(max_workers=workers) as pool:
        return list(pool.map(one, users))


#: The kind under which an evaluation writes users' own text (a tag, a review): user content, see ``Interaction``.
USER_TEXT_KIND = "comment"


@dataclass(frozen=True)
class LoadedCatalog:
    """Where an evaluation's data lives in Weaviate and how long loading took."""

    prefix: str
    items: str
    interactions: str
    item_count: int
    interaction_count: int
    seconds: float


def _insert(
    collection: Any, objects: Sequence[tuple[str, dict[str, Any], dict[str, list[float]] | None]], batch_size: int
) -> None:
    with collection.batch.fixed_size(batch_size=batch_size) as batch:
        for uuid, properties, vector in objects:
            batch.add_object(properties=properties, uuid=uuid, vector=vector)
    failed = collection.batch.failed_objects
    if failed:
        raise EvaluationError(
            f"Weaviate rejected {len(failed)} of {len(objects)} objects for {collection.name} "
            f"(first: {failed[0].message}); check the server's logs and the schema."
        )


def load_catalog(
    client: Any,
    data: EvalData,
    split: Split,
    vectors: np.ndarray,
    *,
    prefix: str,
    domain_level: int = 1,
    domain_rule: DomainRule = DEFAULT_DOMAIN_RULE,
    interactions: bool = False,
    batch_size: int = 500,
) -> LoadedCatalog:
    """Load the catalog (with content vectors) and, if asked, the training interactions into fresh collections.

    Collections named with ``prefix`` are dropped first, so every evaluation starts from nothing. The
    content-only methods need the items alone; recommenders that read profiles from Weaviate need
    ``interactions=True`` (training part only: nothing held out is ever written). Items get their domain and
    subdomain as a load would (``domain_level`` for a path, ``domain_rule`` for a flat set of labels).

    Raises:
        EvaluationError: Weaviate rejected objects.
    """
    started = time.perf_counter()
    for contract in ALL_CONTRACTS:
        name = collection_name(contract.stem, prefix)
        if client.collections.exists(name):
            client.collections.delete(name)
    register_schema(client, prefix=prefix, vector_dims={ITEM.stem: {CONTENT_VECTOR: int(vectors.shape[1])}})
    items = client.collections.get(collection_name(ITEM.stem, prefix))
    item_objects = []
    domains = item_domains(split.training.items, domain_level, domain_rule)
    for n, item in enumerate(split.training.items):
        domain, subdomain = domains[n]
        properties: dict[str, Any] = {
            "item_id": item.item_id,
            "title": item.title,
            "description": item.description,
            "brand": item.brand,
            "categories": list(item.categories),
            "tags": list(item.tags),
        }
        if domain:
            properties["domain"] = domain
        if subdomain:
            properties["subdomain"] = subdomain
        properties = {k: v for k, v in properties.items() if v not in ("", [])}
        item_objects.append((item_uuid(item.item_id), properties, {CONTENT_VECTOR: vectors[n].tolist()}))
    _insert(items, item_objects, batch_size)
    interaction_collection = client.collections.get(collection_name(INTERACTION.stem, prefix))
    rows: Sequence[tuple[str, dict[str, Any], dict[str, list[float]] | None]] = []
    if interactions:
        rows = training_interactions(data, split)
        _insert(interaction_collection, rows, batch_size)
    return LoadedCatalog(
        prefix=prefix,
        items=items.name,
        interactions=interaction_collection.name,
        item_count=len(item_objects),
        interaction_count=len(rows),
        seconds=round(time.perf_counter() - started, 3),
    )


def training_interactions(data: EvalData, split: Split) -> list[tuple[str, dict[str, Any], None]]:
    """``(uuid, properties, None)`` of every training-part event an application would load: the positives in
    the users' training histories, then the users' own text written before their held-out period."""
    train_sets = {u: set(h) for u, h in split.training.histories.items()}
    index = split.training.item_row
    rows: list[tuple[str, dict[str, Any], None]] = []
    for x in data.interactions:
        if index[x.item_id] not in train_sets.get(x.user_id, ()):
            continue
        when = datetime.fromtimestamp(x.timestamp, tz=UTC) if x.timestamp is not None else None
        properties: dict[str, Any] = {"user_id": x.user_id, "item_id": x.item_id, "kind": x.kind}
        if x.rating is not None:
            properties["rating"] = x.rating
        if when is not None:
            properties["timestamp"] = when
        if x.seq is not None:
            properties["seq"] = x.seq
        rows.append((interaction_uuid(x.user_id, x.item_id, x.kind, when, x.seq), properties, None))
    # The users' own text from before their held-out period (MovieLens tags, reviews, stated interests) is user
    # content, as an application loads it: the recommender reads it for keywords and domains. It is written
    # without its item, so it adds words, not an interaction (the item may not even be a positive).
    remaining = {u: Counter(texts) for u, texts in split.training.user_texts.items()}
    for t in data.user_texts:
        left = remaining.get(t.user_id)
        if not left or left[t.text] <= 0:
            continue
        left[t.text] -= 1
        when = datetime.fromtimestamp(t.timestamp, tz=UTC) if t.timestamp is not None else None
        properties = {"user_id": t.user_id, "kind": USER_TEXT_KIND, "text": t.text}
        if when is not None:
            properties["timestamp"] = when
        if t.seq is not None:
            properties["seq"] = t.seq
        rows.append((interaction_uuid(t.user_id, None, USER_TEXT_KIND, when, t.seq, t.text), properties, None))
    return rows


class WeaviateMethodConfig(BaseModel):
    """Settings of the content-only Weaviate methods.

    Attributes:
        decay: recency weight per step back for the user's vector and keywords (1.0: plain mean).
        keywords: how many TF-IDF keywords form the user's BM25 query.
        alpha: hybrid weight of the vector leg (None: ``settings.alpha``).
        workers: queries in flight at once (the client is thread-safe; the server works meanwhile).
    """

    model_config = ConfigDict(extra="forbid")
    decay: float = Field(default=1.0, gt=0, le=1)
    keywords: int = Field(default=10, ge=1)
    alpha: float | None = Field(default=None, ge=0, le=1)
    workers: int = Field(default=4, ge=1)


def user_keywords(training: TrainingSet, n: int, decay: float = 1.0) -> dict[str, list[str]]:
    """Each training user's top-``n`` TF-IDF terms over their training items' text (title, categories,
    brand, tags, description), recency-weighted; terms are lowercase words of two or more letters."""
    from sklearn.feature_extraction.text import TfidfVectorizer

    docs = [
        " ".join([item.title, " ".join(item.categories), item.brand, " ".join(item.tags), item.description])
        for item in training.items
    ]
    # Terms in under two items or over half of them say little about a user; a tiny catalog where
    # that leaves nothing keeps every term instead.
    for min_df, max_df in ((2, 0.5), (1, 1.0)):
        vectorizer = TfidfVectorizer(
            stop_words="english",
            token_pattern=r"(?u)\b[a-zA-Z][a-zA-Z]+\b",
            min_df=min_df,
            max_df=max_df,
            sublinear_tf=True,
        )
        try:
            tfidf = vectorizer.fit_transform(docs).tocsr()
            break
        except ValueError:  # "After pruning, no terms remain" / empty vocabulary
            continue
    else:
        return {user: [] for user in training.histories}
    vocabulary = vectorizer.get_feature_names_out()
    out: dict[str, list[str]] = {}
    for user, history in training.histories.items():
        weights = recency_weights(len(history), decay)
        scores = np.asarray(tfidf[history].T @ weights).ravel()
        top = np.argsort(-scores, kind="stable")[:n]
        out[user] = [str(vocabulary[i]) for i in top if scores[i] > 0]
    return out


class _WeaviateContent(Method):
    """Shared plumbing: user interests from training, one query per user, training items removed."""

    def __init__(
        self,
        client: Any,
        catalog: LoadedCatalog,
        item_vectors: np.ndarray,
        settings: Settings | None = None,
        config: WeaviateMethodConfig | None = None,
    ) -> None:
        self.client = client
        self.catalog = catalog
        self.item_vectors = np.asarray(item_vectors, dtype=np.float32)
        self.settings = settings or Settings()
        self.config = config or WeaviateMethodConfig()
        self.training: TrainingSet | None = None
        self._vectors: np.ndarray | None = None
        self._keywords: dict[str, list[str]] = {}

    uses_vector = False
    uses_keywords = False

    def fit(self, training: TrainingSet) -> _WeaviateContent:
        self.training = training
        if self.uses_vector:
            self._vectors = user_mean_vectors(training, self.item_vectors, self.config.decay)
        if self.uses_keywords:
            self._keywords = user_keywords(training, self.config.keywords, self.config.decay)
        self._collection = self.client.collections.get(self.catalog.items)
        boosts = self.settings.boosts
        self._properties = [f"{p}^{w:g}" for p, w in boosts.items()] if boosts else None
        return self

    def recommend(self, users: Sequence[str], k: int) -> list[list[str]]:
        training = self.training
        if training is None:
            raise ModelNotTrained(f"{self.name}: call fit() on a training set before recommend().")

        def one(user: str) -> list[str]:
            history = training.histories.get(user, [])
            seen = {training.item_ids[i] for i in history}
            row = training.user_row.get(user)
            vector = self._vectors[row].tolist() if self._vectors is not None and row is not None else None
            keywords = " ".join(self._keywords.get(user, []))
            response = self._query(vector, keywords, k + len(seen))
            ids = [str(obj.properties["item_id"]) for obj in response.objects]
            return [i for i in ids if i not in seen][:k]

        return map_users(one, users, self.config.workers)

    def _query(self, vector: list[float] | None, keywords: str, limit: int) -> Any:
        raise NotImplementedError


class VectorSearch(_WeaviateContent):
    """``vector``: near_vector on ``content`` with the user's mean content vector."""

    name = "vector"
    uses_vector = True

    def _query(self, vector: list[float] | None, keywords: str, limit: int) -> Any:
        if vector is None:
            return _Empty()
        return self._collection.query.near_vector(
            near_vector=vector, target_vector=CONTENT_VECTOR, limit=limit, return_properties=["item_id"]
        )


class KeywordSearch(_WeaviateContent):
    """``bm25``: BM25 over the item text fields with the user's top TF-IDF keywords."""

    name = "bm25"
    uses_keywords = True

    def _query(self, vector: list[float] | None, keywords: str, limit: int) -> Any:
        if not keywords:
            return _Empty()
        return self._collection.query.bm25(
            query=keywords, query_properties=self._properties, limit=limit, return_properties=["item_id"]
        )


class SingleHybrid(_WeaviateContent):
    """``single-hybrid``: one hybrid query with the user's keywords and mean vector, no domain filter."""

    name = "single-hybrid"
    uses_vector = True
    uses_keywords = True

    def _query(self, vector: list[float] | None, keywords: str, limit: int) -> Any:
        alpha = self.config.alpha if self.config.alpha is not None else self.settings.alpha
        return self._collection.query.hybrid(
            query=keywords or None,
            vector=vector,
            target_vector=CONTENT_VECTOR,
            alpha=alpha,
            query_properties=self._properties,
            limit=limit,
            return_properties=["item_id"],
        )


class _Empty:
    objects: list[Any] = []
