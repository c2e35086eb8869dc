"""`train_domains`: train the interest model from what is in Weaviate and store it back there.

One run: read every item (content vector and text) and the users' own texts; fit the keyword extractor
(IDF over catalog and user content); train the domain classifier on items whose domain was given (or, when
no item has one, on domains discovered by k-means); predict the domain of items that lack one; fill every
item's ``keywords``; write the ``Domain`` collection (domains with centroids and keywords, and the model).

The computing is `fit_domain_model` (plain values in, a `DomainModel` out: no Weaviate); `train_domains` reads
the store, calls it, and writes the changed items and the model back.

The classifier's cross-validated accuracy on the stored vectors flatters it when an item's embedded text
holds its category labels (the domain is then written in the input). So the report also gives a label-free
accuracy: held-out items are classified from vectors of their text *without* the category labels (title,
brand, tags, description), which is what an item without categories or a user's own text looks like.
"""

from __future__ import annotations

import time
from collections.abc import Callable, Sequence
from dataclasses import dataclass, field
from typing import TYPE_CHECKING, Any

import numpy as np
import weaviate
from pydantic import BaseModel, Field

from .._lazy import LazyModule
from ..errors import ConfigurationError
from ..loaders.embedder_record import EMBEDDER_PROPERTY
from ..loaders.embedding import item_text
from ..progress import Progress
from ..schema.contracts import CONTENT_VECTOR
from ..settings import Settings
from .domains import ClassifierMetrics, DomainClassifier, DomainClassifierConfig, discover_domains
from .keywords import KeywordExtractor, KeywordExtractorConfig
from .storage import (
    LOAD_ITEMS_FIRST,
    Names,
    ensure_model_collections,
    iterate,
    require_collections,
    save_model,
    write_objects,
)

if TYPE_CHECKING:
    import scipy.sparse as sp
else:
    sp = LazyModule("scipy.sparse")  # imported when a matrix is first built

__all__ = [
    "DomainSummary",
    "DomainModelReport",
    "DomainModel",
    "fit_domain_model",
    "train_domains",
    "item_keyword_text",
    "label_free_text",
    "ITEM_KEYWORDS",
]

#: Keywords stored on each item (``Item.keywords``), enough for a BM25 boost without drowning the title.
ITEM_KEYWORDS = 10


class DomainSummary(BaseModel):
    name: str
    item_count: int
    predicted_count: int
    keywords: list[str]


class DomainModelReport(BaseModel):
    """What `train_domains` did and how good the classifier is."""

    items: int
    items_with_vector: int
    labelled_items: int
    predicted_items: int
    items_without_domain: int = Field(description="Items left without a domain (no vector to classify).")
    discovered: bool = Field(description="True when domains were discovered by k-means (no item had one).")
    estimator: str
    metrics: ClassifierMetrics = Field(description="Cross-validated on the stored content vectors.")
    label_free_metrics: ClassifierMetrics | None = Field(
        default=None,
        description="Cross-validated with held-out items embedded from their text without category labels "
        "(None: the stored vectors' text has no category labels, so `metrics` is already label-free).",
    )
    domains: list[DomainSummary]
    vocabulary_size: int
    phrases: int
    items_updated: int
    write_failures: int
    version: str
    seconds: float
    timings: dict[str, float] = Field(default_factory=dict)


def item_keyword_text(props: dict[str, Any]) -> str:
    """The text keywords come from: title, tags, categories, brand and description.

    Categories say what an item is ("Comedy", "Romance", "Cordless Telephones"); without them a film's only
    words are its title's. A category on most items drops out by document frequency (``max_df``)."""
    parts = [
        props.get("title"),
        " . ".join(props.get("tags") or []),
        " . ".join(props.get("categories") or []),
        props.get("brand"),
        props.get("description"),
    ]
    return " . ".join(str(p) for p in parts if p)


def label_free_text(props: dict[str, Any]) -> str:
    """An item's embedded text without its category labels (the loaders' ``item_text`` minus ``categories``)."""
    return item_text({**props, "categories": None})


def _ctfidf_keywords(class_tf: np.ndarray, surfaces: list[str], k: int) -> list[tuple[list[str], list[float]]]:
    """Top-k class-based TF-IDF terms of each row (one row per domain)."""
    totals = class_tf.sum(axis=1, keepdims=True)
    tf = np.divide(class_tf, totals, out=np.zeros_like(class_tf), where=totals > 0)
    avg = max(float(class_tf.sum()) / max(len(class_tf), 1), 1.0)
    idf = np.log(1.0 + avg / np.maximum(class_tf.sum(axis=0), 1e-12))
    score = tf * idf
    out = []
    for row in score:
        order = [j for j in np.argsort(-row, kind="stable")[:k] if row[j] > 0]
        top = float(row[order[0]]) if order else 1.0
        out.append(([surfaces[j] for j in order], [round(float(row[j]) / top, 6) for j in order]))
    return out


#: Embeds texts into vectors like the items' (``Embedder.embed_batch``).
EmbedTexts = Callable[[list[str]], np.ndarray]

_ON_STORED = "stored content vectors"
_ON_STORED_WITH_LABELS = (
    "stored content vectors, whose text holds the category labels the domains come from (an optimistic bound: "
    "see label_free_metrics)"
)
_ON_CLUSTERS = (
    "stored content vectors; the domains are k-means clusters of these same vectors, so this says how well a "
    "linear classifier reproduces the clusters (high by construction), not how meaningful the domains are"
)


@dataclass
class DomainModel:
    """A trained interest model before it is stored: classifier, keyword extractor, domains and per-item results.

    Per-item lists follow the input order: the domain (given or predicted; None: none), the prediction's
    probability and whether it was predicted, and the item's keywords.
    """

    classifier: DomainClassifier
    extractor: KeywordExtractor
    summaries: list[dict[str, Any]]
    domain_of: list[str | None]
    probability: list[float | None]
    predicted: list[bool]
    item_keywords: list[list[str]]
    with_vector: int
    labelled: int
    discovered: bool
    timings: dict[str, float] = field(default_factory=dict)

    def item_properties(self, properties: Sequence[dict[str, Any]]) -> list[tuple[int, dict[str, Any]]]:
        """``(position, new properties)`` of the items whose domain or keywords change (whole objects: the
        properties others own are kept)."""
        changes = []
        rows = zip(properties, self.domain_of, self.probability, self.predicted, self.item_keywords)
        for n, (p, dom, pr, pred, kw) in enumerate(rows):
            new = dict(p)
            if pred:
                new.update(domain=dom, domain_predicted=True, domain_probability=pr)
            elif p.get("domain_predicted") and not dom:
                new.update(domain=None, domain_predicted=None, domain_probability=None)
            new["keywords"] = kw
            if all(
                _same(new.get(k), p.get(k)) for k in ("domain", "domain_predicted", "domain_probability", "keywords")
            ):
                continue
            changes.append((n, {k: v for k, v in new.items() if v is not None and v != []}))
        return changes


def _vector_matrix(vectors: Sequence[Sequence[float] | None]) -> tuple[np.ndarray, np.ndarray]:
    """``(matrix, has_vector)``: rows of zeros where an item has no vector."""
    dims = {len(v) for v in vectors if v}
    if len(dims) > 1:
        raise ConfigurationError(
            f"Item content vectors have different lengths {sorted(dims)}: re-load items with one model."
        )
    dim = dims.pop() if dims else 0
    has_vec = np.array([bool(v) for v in vectors], dtype=bool)
    matrix = np.zeros((len(vectors), dim), dtype=np.float32)
    for i, v in enumerate(vectors):
        if v:
            matrix[i] = v
    return matrix, has_vec


def _label_free_sample(
    props: Sequence[dict[str, Any]], rows: np.ndarray, size: int, seed: int
) -> tuple[list[int], list[str]]:
    """Up to ``size`` random positions in ``rows`` (labelled items) with label-free text, and those texts."""
    order = np.random.default_rng(seed).permutation(len(rows))
    picked: list[int] = []
    texts: list[str] = []
    for j in order.tolist():
        if len(picked) == size:
            break
        text = label_free_text(props[int(rows[j])])
        if text:
            picked.append(j)
            texts.append(text)
    return picked, texts


def _fit_classifier(
    props: Sequence[dict[str, Any]],
    vectors: np.ndarray,
    labelled: np.ndarray,
    cfg: DomainClassifierConfig,
    embed_without_labels: EmbedTexts | None,
) -> DomainClassifier:
    """The classifier on the labelled items, with the label-free check when their text holds labels."""
    rows = np.nonzero(labelled)[0]
    labels = [str(props[int(i)]["domain"]) for i in rows]
    with_labels = any(props[int(i)].get("categories") for i in rows)
    label_free = None
    note = None
    if with_labels and cfg.label_free_items and embed_without_labels is not None:
        picked, texts = _label_free_sample(props, rows, cfg.label_free_items, cfg.seed)
        free = np.asarray(embed_without_labels(texts), dtype=np.float64) if texts else np.zeros((0, vectors.shape[1]))
        if free.shape == (len(picked), vectors.shape[1]):
            label_free = (picked, free)
        else:
            note = (
                f"Not measured: the embedder gives {free.shape[-1]}-dimensional vectors, the items have "
                f"{vectors.shape[1]}."
            )
    clf = DomainClassifier(cfg).fit(vectors[labelled], labels, label_free=label_free)
    clf.metrics_.measured_on = _ON_STORED_WITH_LABELS if with_labels else _ON_STORED
    if clf.label_free_metrics_ is not None:
        clf.label_free_metrics_.measured_on = (
            f"vectors of held-out items' text without category labels (title, brand, tags, description; "
            f"{clf.label_free_metrics_.evaluated_items} items of up to {cfg.label_free_items} sampled)"
        )
    elif with_labels and len(clf.classes_) > 1:
        clf.label_free_metrics_ = ClassifierMetrics(
            note=note or "Not measured: no embedder for text without labels (or label_free_items is 0)."
        )
    return clf


def _domain_summaries(
    domain_of: list[str | None],
    predicted: list[bool],
    classes: Sequence[str],
    vectors: np.ndarray,
    has_vec: np.ndarray,
    counts: sp.csr_matrix,
    surfaces: list[str],
) -> list[dict[str, Any]]:
    """Each domain's item counts, normalised centroid and c-TF-IDF keywords."""
    domain_names = sorted({d for d in domain_of if d} | set(classes))
    pos = {d: i for i, d in enumerate(domain_names)}
    col = np.array([pos[d] if d else -1 for d in domain_of])
    assigned = col >= 0
    member = sp.csr_matrix(
        (np.ones(int(assigned.sum())), (col[assigned], np.nonzero(assigned)[0])),
        shape=(len(domain_names), len(domain_of)),
    )
    class_tf = np.asarray((member @ counts).todense()) if counts.shape[1] else np.zeros((len(domain_names), 0))
    dkw = _ctfidf_keywords(class_tf, surfaces, 10) if counts.shape[1] else [([], [])] * len(domain_names)
    predicted_arr = np.array(predicted, dtype=bool)
    summaries: list[dict[str, Any]] = []
    for d, name in enumerate(domain_names):
        members = col == d
        with_vec = members & has_vec
        centroid = None
        if with_vec.any() and vectors.shape[1]:
            c = vectors[with_vec].mean(axis=0)
            n = float(np.linalg.norm(c))
            centroid = (c / n).tolist() if n > 0 else None
        summaries.append(
            {
                "name": name,
                "item_count": int(members.sum()),
                "predicted_count": int((members & predicted_arr).sum()),
                "keywords": dkw[d][0],
                "keyword_weights": dkw[d][1],
                "centroid": centroid,
            }
        )
    return summaries


def fit_domain_model(
    properties: Sequence[dict[str, Any]],
    vectors: Sequence[Sequence[float] | None],
    user_texts: Sequence[str] = (),
    classifier_config: DomainClassifierConfig | None = None,
    keyword_config: KeywordExtractorConfig | None = None,
    n_domains: int | None = None,
    embed_without_labels: EmbedTexts | None = None,
) -> DomainModel:
    """Train the domain classifier and keyword extractor on plain values; nothing is read or written.

    Args:
        properties: each item's properties (``domain``, ``domain_predicted``, ``categories``, text fields).
        vectors: each item's content vector (None: the item has none).
        user_texts: users' own texts (interaction texts, stated interests), for the keywords' IDF.
        classifier_config: estimator, CV and label-free check settings.
        keyword_config: keyword extractor settings.
        n_domains: domains to discover when no item has one (default ~sqrt(items/2)).
        embed_without_labels: embeds items' text without category labels, with the items' embedder, for the
            label-free accuracy (None: not measured).

    Raises:
        ConfigurationError: no items, vectors of different lengths, or no item with a domain or a vector.
    """
    if not properties:
        raise ConfigurationError("No items to train on: load items first (`weaviate-recsys load items FILE`).")
    timings: dict[str, float] = {}
    mark = [time.perf_counter()]

    def lap(name: str) -> None:
        now = time.perf_counter()
        timings[name] = round(now - mark[0], 3)
        mark[0] = now

    props = list(properties)
    matrix, has_vec = _vector_matrix(vectors)
    item_texts = [item_keyword_text(p) for p in props]
    extractor = KeywordExtractor(keyword_config).fit(item_texts + list(user_texts))
    counts = extractor.term_matrix(item_texts, normalize=False)
    tf = extractor.term_matrix(item_texts)
    lap("keywords")

    given = np.array([bool(p.get("domain")) and not p.get("domain_predicted") for p in props], dtype=bool)
    labelled = given & has_vec
    cfg = classifier_config or DomainClassifierConfig()
    discovered = False
    if labelled.any():
        clf = _fit_classifier(props, matrix, labelled, cfg, embed_without_labels)
    elif has_vec.any():
        idx = np.nonzero(has_vec)[0]
        found = discover_domains(matrix[idx], counts[idx], extractor.surfaces_, n_domains=n_domains, seed=cfg.seed)
        clf = DomainClassifier(cfg).fit(matrix[idx], found.labels)
        clf.metrics_.measured_on = _ON_CLUSTERS
        discovered = True
    else:
        raise ConfigurationError(
            "No item has a domain or a content vector: load items with text (they are embedded) or with a "
            "domain / categories."
        )
    domain_of: list[str | None] = [p.get("domain") if g else None for p, g in zip(props, given.tolist())]
    probability: list[float | None] = [None] * len(props)
    predicted = [False] * len(props)
    todo = np.nonzero(~given & has_vec)[0]
    if len(todo):
        labels, probs = clf.predict(matrix[todo])
        for i, lab, pr in zip(todo.tolist(), labels, probs):
            domain_of[i], probability[i], predicted[i] = lab, round(float(pr), 6), True
    lap("classifier")

    item_keywords = [[k for k, _ in row] for row in extractor.top_keywords(tf, ITEM_KEYWORDS)]
    summaries = _domain_summaries(domain_of, predicted, clf.classes_, matrix, has_vec, counts, extractor.surfaces_)
    lap("summaries")
    return DomainModel(
        classifier=clf,
        extractor=extractor,
        summaries=summaries,
        domain_of=domain_of,
        probability=probability,
        predicted=predicted,
        item_keywords=item_keywords,
        with_vector=int(has_vec.sum()),
        labelled=int(labelled.sum()),
        discovered=discovered,
        timings=timings,
    )


def _label_free_embedder(
    settings: Settings, embedder: Any, properties: Sequence[dict[str, Any]]
) -> tuple[EmbedTexts | None, str | None]:
    """How to embed label-free text like the items were (loaded only when called), or why it cannot be."""
    stored = next((p[EMBEDDER_PROPERTY] for p in properties if p.get(EMBEDDER_PROPERTY)), None)
    if embedder is not None:
        name = embedder.name
    else:
        from ..loaders.embedding import settings_embedder_name

        name = settings_embedder_name(settings)
    if stored is not None and stored != name:
        return None, (
            f"Not measured: the items were embedded by {stored}, and this process embeds with {name}; choose the "
            "items' embedder (--backend / --model) to measure it."
        )

    def embed(texts: list[str]) -> np.ndarray:
        from ..loaders.embedding import get_embedder

        return np.asarray((embedder or get_embedder(settings)).embed_batch(texts))

    return embed, None


def _read_items(client: weaviate.WeaviateClient, names: Names) -> tuple[list[Any], list[str]]:
    """Every item (properties and vectors) and the users' own texts (interaction texts, stated interests)."""
    objs = list(iterate(client, names.item, None, include_vector=True))
    if not objs:
        raise ConfigurationError(f"{names.item} is empty: load items first (`weaviate-recsys load items FILE`).")
    user_texts = [
        o.properties.get("text") for o in iterate(client, names.interaction, ["text"]) if o.properties.get("text")
    ]
    user_texts += [
        o.properties.get("stated_interests")
        for o in iterate(client, names.user, ["stated_interests"])
        if o.properties.get("stated_interests")
    ]
    return objs, user_texts


def _content_vector(obj: Any) -> list[float] | None:
    return (obj.vector or {}).get(CONTENT_VECTOR) if isinstance(obj.vector, dict) else None


def train_domains(
    client: weaviate.WeaviateClient,
    settings: Settings | None = None,
    classifier_config: DomainClassifierConfig | None = None,
    keyword_config: KeywordExtractorConfig | None = None,
    n_domains: int | None = None,
    progress: Progress | None = None,
    embedder: Any = None,
) -> DomainModelReport:
    """Train the domain classifier and keyword extractor from Weaviate and store them in the Domain collection.

    Args:
        client: a connected client.
        settings: settings (prefix, batch size); defaults from the environment.
        classifier_config: estimator and CV settings (default: logistic regression, 5 folds).
        keyword_config: keyword extractor settings.
        n_domains: number of domains to discover when no item has a domain (default ~sqrt(items/2)).
        progress: ``(done, total)`` callback over items written back.
        embedder: embeds items' text without category labels for the label-free accuracy; it must be the items'
            embedder (default: `weaviate_recsys.loaders.get_embedder`, loaded only when that accuracy is measured).

    Raises:
        SchemaMissing: the Item collection does not exist (User and Interaction are created when missing).
        ConfigurationError: there are no items.
    """
    settings = settings or Settings()
    started = time.perf_counter()
    names = Names.of(settings)
    require_collections(client, [names.item], LOAD_ITEMS_FIRST)
    ensure_model_collections(client, settings)
    objs, user_texts = _read_items(client, names)
    read_s = round(time.perf_counter() - started, 3)
    props = [dict(o.properties) for o in objs]
    embed, unavailable = _label_free_embedder(settings, embedder, props)
    try:
        model = fit_domain_model(
            props, [_content_vector(o) for o in objs], user_texts, classifier_config, keyword_config, n_domains, embed
        )
    except ConfigurationError as e:
        raise ConfigurationError(f"{names.item}: {e}") from e
    free = model.classifier.label_free_metrics_
    if unavailable and free is not None and free.accuracy is None:
        free.note = unavailable
    timings = {"read": read_s, **model.timings}

    writes = []
    for n, new in model.item_properties(props):
        o = objs[n]
        vecs = {k: list(v) for k, v in (o.vector or {}).items() if v} if isinstance(o.vector, dict) else None
        writes.append((str(o.uuid), new, vecs or None))
    done = [0]

    def tick(n: int) -> None:
        done[0] += n
        if progress is not None:
            progress(done[0], len(writes))

    mark = time.perf_counter()
    failures = write_objects(client, names.item, writes, batch_size=settings.write_batch_size, progress=tick)
    timings["write_items"] = round(time.perf_counter() - mark, 3)
    mark = time.perf_counter()
    version = save_model(client, settings, model.classifier, model.extractor, model.summaries)
    timings["save_model"] = round(time.perf_counter() - mark, 3)
    cfg = classifier_config or DomainClassifierConfig()
    return DomainModelReport(
        items=len(props),
        items_with_vector=model.with_vector,
        labelled_items=model.labelled,
        predicted_items=int(sum(model.predicted)),
        items_without_domain=int(sum(1 for d in model.domain_of if not d)),
        discovered=model.discovered,
        estimator=cfg.estimator,
        metrics=model.classifier.metrics_,
        label_free_metrics=free,
        domains=[
            DomainSummary(
                name=s["name"], item_count=s["item_count"], predicted_count=s["predicted_count"], keywords=s["keywords"]
            )
            for s in model.summaries
        ],
        vocabulary_size=len(model.extractor.terms_),
        phrases=len(model.extractor.phrases_),
        items_updated=len(writes) - len(failures),
        write_failures=len(failures),
        version=version,
        seconds=round(time.perf_counter() - started, 3),
        timings=timings,
    )


def _same(a: Any, b: Any) -> bool:
    if isinstance(a, float) or isinstance(b, float):
        return a is not None and b is not None and abs(float(a) - float(b)) < 1e-9
    return (a or None) == (b or None)
