"""`train_domains`: train the interest model from what is in Weaviate and store it back there.

One run: read every item (content vector and text) and the users' own texts; fit the keyword extractor
(IDF over catalog and user content); train the domain classifier on items whose domain was given (or, when
no item has one, on domains discovered by k-means); predict the domain of items that lack one; fill every
item's ``keywords``; write the ``Domain`` collection (domains with centroids and keywords, and the model).
"""

from __future__ import annotations

import time
from typing import Any

import numpy as np
import scipy.sparse as sp
import weaviate
from pydantic import BaseModel, Field

from ..errors import ConfigurationError
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

__all__ = ["DomainSummary", "DomainModelReport", "train_domains", "item_keyword_text", "ITEM_KEYWORDS"]

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
    metrics: ClassifierMetrics
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


def train_domains(
    client: weaviate.WeaviateClient,
    settings: Settings | None = None,
    classifier_config: DomainClassifierConfig | None = None,
    keyword_config: KeywordExtractorConfig | None = None,
    n_domains: int | None = None,
    progress: Progress | None = None,
) -> DomainModelReport:
    """Train the domain classifier and keyword extractor from Weaviate and store them in the Domain collection.

    Args:
        client: a connected client.
        settings: settings (prefix, batch size); defaults from the environment.
        classifier_config: estimator and CV settings (default: logistic regression, 5 folds).
        keyword_config: keyword extractor settings.
        n_domains: number of domains to discover when no item has a domain (default ~sqrt(items/2)).
        progress: ``(done, total)`` callback over items written back.

    Raises:
        SchemaMissing: the Item collection does not exist (User and Interaction are created when missing).
        ConfigurationError: there are no items.
    """
    settings = settings or Settings()
    started = time.perf_counter()
    names = Names.of(settings)
    require_collections(client, [names.item], LOAD_ITEMS_FIRST)
    ensure_model_collections(client, settings)

    timings: dict[str, float] = {}
    mark = [time.perf_counter()]

    def lap(name: str) -> None:
        now = time.perf_counter()
        timings[name] = round(now - mark[0], 3)
        mark[0] = now

    objs = list(iterate(client, names.item, None, include_vector=True))
    if not objs:
        raise ConfigurationError(f"{names.item} is empty: load items first (`weaviate-recsys load items FILE`).")
    props = [dict(o.properties) for o in objs]
    vec_lists = [(o.vector or {}).get(CONTENT_VECTOR) if isinstance(o.vector, dict) else None for o in objs]
    dims = {len(v) for v in vec_lists if v}
    if len(dims) > 1:
        raise ConfigurationError(
            f"Item content vectors have different lengths {sorted(dims)}: re-load items with one model."
        )
    dim = dims.pop() if dims else 0
    has_vec = np.array([bool(v) for v in vec_lists])
    vectors = np.zeros((len(objs), dim), dtype=np.float32)
    for i, v in enumerate(vec_lists):
        if v:
            vectors[i] = v

    user_texts = [
        o.properties.get("text") for o in iterate(client, names.interaction, ["text"]) if o.properties.get("text")
    ]
    user_texts += [
        o.properties.get("stated_interests")
        for o in iterate(client, names.user, ["stated_interests"])
        if o.properties.get("stated_interests")
    ]

    lap("read")
    item_texts = [item_keyword_text(p) for p in props]
    extractor = KeywordExtractor(keyword_config).fit(item_texts + user_texts)
    counts = extractor.term_matrix(item_texts, normalize=False)
    tf = extractor.term_matrix(item_texts)

    lap("keywords")
    given = [bool(p.get("domain")) and not p.get("domain_predicted") for p in props]
    labelled = np.array(given) & has_vec
    cfg = classifier_config or DomainClassifierConfig()
    discovered = False
    domain_of: list[str | None] = [p.get("domain") if g else None for p, g in zip(props, given)]
    probability: list[float | None] = [None] * len(props)
    predicted = [False] * len(props)
    if labelled.any():
        clf = DomainClassifier(cfg).fit(vectors[labelled], [str(props[i]["domain"]) for i in np.nonzero(labelled)[0]])
    elif has_vec.any():
        idx = np.nonzero(has_vec)[0]
        found = discover_domains(vectors[idx], counts[idx], extractor.surfaces_, n_domains=n_domains, seed=cfg.seed)
        clf = DomainClassifier(cfg).fit(vectors[idx], found.labels)
        discovered = True
    else:
        raise ConfigurationError(
            f"No item in {names.item} has a domain or a content vector: load items with text (they are embedded) "
            "or with a domain / categories."
        )
    todo = np.nonzero(~np.array(given) & has_vec)[0]
    if len(todo):
        labels, probs = clf.predict(vectors[todo])
        for i, lab, pr in zip(todo.tolist(), labels, probs):
            domain_of[i], probability[i], predicted[i] = lab, round(float(pr), 6), True

    lap("classifier")
    kws = extractor.top_keywords(tf, ITEM_KEYWORDS)
    item_keywords = [[k for k, _ in row] for row in kws]

    # Domains: counts, centroids and c-TF-IDF keywords.
    domain_names = sorted({d for d in domain_of if d} | set(clf.classes_))
    pos = {d: i for i, d in enumerate(domain_names)}
    col = np.array([pos[d] if d else -1 for d in domain_of])
    assigned = col >= 0
    member = sp.csr_matrix(
        (np.ones(int(assigned.sum())), (col[assigned], np.nonzero(assigned)[0])), shape=(len(domain_names), len(props))
    )
    class_tf = np.asarray((member @ counts).todense()) if counts.shape[1] else np.zeros((len(domain_names), 0))
    dkw = _ctfidf_keywords(class_tf, extractor.surfaces_, 10) if counts.shape[1] else [([], [])] * len(domain_names)
    summaries: list[dict[str, Any]] = []
    for d, name in enumerate(domain_names):
        members = col == d
        with_vec = members & has_vec
        centroid = None
        if with_vec.any() and dim:
            c = vectors[with_vec].mean(axis=0)
            n = float(np.linalg.norm(c))
            centroid = (c / n).tolist() if n > 0 else None
        summaries.append(
            {
                "name": name,
                "item_count": int(members.sum()),
                "predicted_count": int(sum(1 for i in np.nonzero(members)[0] if predicted[i])),
                "keywords": dkw[d][0],
                "keyword_weights": dkw[d][1],
                "centroid": centroid,
            }
        )

    # Write back the items whose domain or keywords changed (whole objects: keep what others own).
    writes = []
    for o, p, dom, pr, pred, kw in zip(objs, props, domain_of, probability, predicted, item_keywords):
        new = dict(p)
        if pred:
            new.update(domain=dom, domain_predicted=True, domain_probability=pr)
        elif p.get("domain_predicted") and not dom:
            new.update(domain=None, domain_predicted=None, domain_probability=None)
        new["keywords"] = kw
        if all(_same(new.get(k), p.get(k)) for k in ("domain", "domain_predicted", "domain_probability", "keywords")):
            continue
        clean = {k: v for k, v in new.items() if v is not None and v != []}
        vecs = {k: list(v) for k, v in (o.vector or {}).items() if v} if isinstance(o.vector, dict) else None
        writes.append((str(o.uuid), clean, vecs or None))
    done = [0]

    def tick(n: int) -> None:
        done[0] += n
        if progress is not None:
            progress(done[0], len(writes))

    lap("summaries")
    failures = write_objects(client, names.item, writes, batch_size=settings.write_batch_size, progress=tick)
    lap("write_items")
    version = save_model(client, settings, clf, extractor, summaries)
    lap("save_model")
    return DomainModelReport(
        items=len(props),
        items_with_vector=int(has_vec.sum()),
        labelled_items=int(labelled.sum()),
        predicted_items=int(sum(predicted)),
        items_without_domain=int(sum(1 for d in domain_of if not d)),
        discovered=discovered,
        estimator=cfg.estimator,
        metrics=clf.metrics_,
        domains=[
            DomainSummary(
                name=s["name"], item_count=s["item_count"], predicted_count=s["predicted_count"], keywords=s["keywords"]
            )
            for s in summaries
        ],
        vocabulary_size=len(extractor.terms_),
        phrases=len(extractor.phrases_),
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
