"""The methods an evaluation can run, by name, and how each is built for a split.

A `MethodSpec` says what a method needs (content vectors, a Weaviate client) and whether it is usable
in this installation; `build` turns it into a `Method` for one split. Other components plug their
recommenders in with `register_method` (the multi-granularity recommender and its ablations register
themselves once the plugin provides them).
"""

from __future__ import annotations

from collections.abc import Callable, Sequence
from dataclasses import dataclass, field
from typing import Any

import numpy as np

from ..errors import ConfigurationError
from ..settings import Settings
from .data import EvalData
from .harness import tune_on_validation
from .methods import (
    EASE,
    ContentVector,
    ContentVectorConfig,
    EASEConfig,
    ItemKNN,
    ItemKNNConfig,
    Method,
    MostPopular,
)
from .split import Split, validation_split

__all__ = [
    "MethodContext",
    "MethodSpec",
    "METHODS",
    "CONTRACT_METHODS",
    "register_method",
    "available_methods",
    "resolve_methods",
    "EASE_L2_GRID",
    "RECENCY_DECAY_GRID",
]

#: The method names of the report contract (report.json), in report order.
CONTRACT_METHODS = (
    "most-popular",
    "item-knn",
    "ease",
    "vector",
    "bm25",
    "single-hybrid",
    "multi-granularity",
    "multi-granularity-no-macro",
    "multi-granularity-no-micro",
    "multi-granularity-no-vector",
    "multi-granularity-no-behavior",
)

EASE_L2_GRID = (10.0, 30.0, 100.0, 300.0, 1000.0, 3000.0)
RECENCY_DECAY_GRID = (0.95, 0.9, 0.8, 0.7, 0.6, 0.5, 0.4, 0.3, 0.2)


@dataclass
class MethodContext:
    """What building a method may use: the split (training part only), the catalog, vectors, a client.

    ``validation`` is carved from the training part on first use; ``tuning`` collects what was tuned.
    """

    data: EvalData
    split: Split
    settings: Settings
    item_vectors: np.ndarray | None = None
    client: Any = None
    catalog: Any = None
    tuning: dict[str, Any] = field(default_factory=dict)
    #: State methods of one family share within a run and do not report (e.g. users' profile snapshots).
    shared: dict[str, Any] = field(default_factory=dict)
    _validation: Split | None = None

    @property
    def validation(self) -> Split:
        if self._validation is None:
            self._validation = validation_split(self.split)
        return self._validation

    def vectors(self) -> np.ndarray:
        if self.item_vectors is None:
            raise ConfigurationError("This method needs item content vectors; the evaluation did not compute them.")
        return self.item_vectors


@dataclass(frozen=True)
class MethodSpec:
    """A named method: its factory, what it needs, and why it is unavailable (None when usable)."""

    name: str
    build: Callable[[MethodContext], Method]
    description: str
    needs_vectors: bool = False
    needs_weaviate: bool = False
    needs_interactions: bool = False
    unavailable: Callable[[], str | None] = lambda: None


METHODS: dict[str, MethodSpec] = {}


def register_method(spec: MethodSpec) -> None:
    """Add or replace a method (e.g. the project's recommender once it exists)."""
    METHODS[spec.name] = spec


def _ease(ctx: MethodContext) -> Method:
    best, scores = tune_on_validation(
        ctx.split, lambda l2: EASE(EASEConfig(l2=l2)), EASE_L2_GRID, validation=ctx.validation
    )
    ctx.tuning["ease"] = {"l2": best, "validation_ndcg@10": scores}
    return EASE(EASEConfig(l2=best))


def _content(ctx: MethodContext) -> Method:
    return ContentVector(ctx.vectors(), ContentVectorConfig(decay=1.0), name="content-vector")


def _content_recency(ctx: MethodContext) -> Method:
    vectors = ctx.vectors()
    best, scores = tune_on_validation(
        ctx.split,
        lambda d: ContentVector(vectors, ContentVectorConfig(decay=d)),
        RECENCY_DECAY_GRID,
        validation=ctx.validation,
    )
    ctx.tuning["content-vector-recency"] = {"decay": best, "validation_ndcg@10": scores}
    return ContentVector(vectors, ContentVectorConfig(decay=best), name="content-vector-recency")


for _spec in (
    MethodSpec("most-popular", lambda ctx: MostPopular(), "items by training popularity"),
    MethodSpec("item-knn", lambda ctx: ItemKNN(ItemKNNConfig()), "item-kNN, cosine on co-occurrence, all neighbours"),
    MethodSpec("ease", _ease, "EASE, lambda tuned on the validation split"),
    MethodSpec("content-vector", _content, "user mean content vector, in memory", needs_vectors=True),
    MethodSpec(
        "content-vector-recency",
        _content_recency,
        "recency-weighted user mean content vector (decay tuned on validation), in memory",
        needs_vectors=True,
    ),
):
    register_method(_spec)


def _sasrec(ctx: MethodContext) -> Method:
    # Imported here: the module is light, but building the model imports torch, which only SASRec needs.
    from .sasrec import SASRec

    return SASRec(training_log=ctx.tuning.setdefault("sasrec", {}))


def _sasrec_missing() -> str | None:
    from .sasrec import torch_missing

    return torch_missing()


register_method(
    MethodSpec(
        "sasrec",
        _sasrec,
        "SASRec (self-attention over the training sequence), early-stopped on validation; not in the default set",
        unavailable=_sasrec_missing,
    )
)


def _weaviate_missing() -> str | None:
    try:
        from .. import lite, schema  # noqa: F401
    except ImportError as e:
        return f"Weaviate-backed methods need the lite server and the schema package ({e})"
    return None


def _weaviate_method(cls_name: str) -> Callable[[MethodContext], Method]:
    def build(ctx: MethodContext) -> Method:
        from . import weaviate_methods

        cls = getattr(weaviate_methods, cls_name)
        return cls(ctx.client, ctx.catalog, ctx.vectors(), ctx.settings)

    return build


for _spec in (
    MethodSpec(
        "vector",
        _weaviate_method("VectorSearch"),
        "near_vector with the user's mean content vector",
        needs_vectors=True,
        needs_weaviate=True,
        unavailable=_weaviate_missing,
    ),
    MethodSpec(
        "bm25",
        _weaviate_method("KeywordSearch"),
        "BM25 with the user's top TF-IDF keywords",
        needs_weaviate=True,
        unavailable=_weaviate_missing,
    ),
    MethodSpec(
        "single-hybrid",
        _weaviate_method("SingleHybrid"),
        "one hybrid query: user keywords + mean vector",
        needs_vectors=True,
        needs_weaviate=True,
        unavailable=_weaviate_missing,
    ),
):
    register_method(_spec)


def _recommender_missing() -> str | None:
    reason = _weaviate_missing()
    if reason:
        return reason
    try:
        from ..plugin import Recommender, build_profiles, train_domains  # noqa: F401
    except ImportError as e:
        return f"the multi-granularity recommender (weaviate_recsys.plugin) cannot be imported ({e})"
    return None


#: Each ablation is the full recommender with one part switched off through its settings.
ABLATIONS: dict[str, tuple[dict[str, Any], str]] = {
    "multi-granularity-no-macro": ({"domain_filter": False}, "without macro: no domain filters, one overall interest"),
    "multi-granularity-no-micro": ({"alpha": 1.0}, "without micro: no keyword (BM25) leg, alpha = 1"),
    "multi-granularity-no-vector": ({"alpha": 0.0}, "without vectors: keyword leg only, alpha = 0"),
    "multi-granularity-no-behavior": ({"behavior_weight": 0.0}, "without the behaviour vector: content vector only"),
}


def _multi_granularity_builder(name: str, overrides: dict[str, Any]) -> Callable[[MethodContext], Method]:
    def build(ctx: MethodContext) -> Method:
        from .recommender_method import MultiGranularity

        # Profiles do not depend on query settings: the full method and its ablations share one fit.
        fitted = ctx.tuning.setdefault("_multi_granularity_fitted", {})
        # Each user's profile and seen items are read once and serve the full method and every ablation.
        snapshots = ctx.shared.setdefault("multi_granularity_snapshots", {})
        return MultiGranularity(
            ctx.client, ctx.catalog, ctx.settings, name=name, overrides=overrides, fitted=fitted, snapshots=snapshots
        )

    return build


def _ablation_missing(overrides: dict[str, Any]) -> Callable[[], str | None]:
    def check() -> str | None:
        reason = _recommender_missing()
        if reason:
            return reason
        unknown = [k for k in overrides if k not in Settings.model_fields]
        return f"the recommender has no setting {unknown[0]!r} to switch this part off" if unknown else None

    return check


register_method(
    MethodSpec(
        "multi-granularity",
        _multi_granularity_builder("multi-granularity", {}),
        "the project's recommender: domains, keywords, interest vectors",
        needs_vectors=True,
        needs_weaviate=True,
        needs_interactions=True,
        unavailable=_recommender_missing,
    )
)
for _name, (_overrides, _description) in ABLATIONS.items():
    register_method(
        MethodSpec(
            _name,
            _multi_granularity_builder(_name, _overrides),
            _description,
            needs_vectors=True,
            needs_weaviate=True,
            needs_interactions=True,
            unavailable=_ablation_missing(_overrides),
        )
    )


def available_methods() -> list[str]:
    """Names of the methods usable in this installation, in report order."""
    return [name for name, spec in METHODS.items() if spec.unavailable() is None]


def resolve_methods(names: Sequence[str] | None) -> list[MethodSpec]:
    """The specs for ``names`` (None or empty: every available method of the report contract; the
    in-memory diagnostics such as ``content-vector`` run only when named).

    Raises:
        ConfigurationError: an unknown name, or a method that is not available here.
    """
    if not names:
        return [METHODS[name] for name in available_methods() if name in CONTRACT_METHODS]
    specs = []
    for name in dict.fromkeys(names):
        spec = METHODS.get(name)
        if spec is None:
            raise ConfigurationError(f"Unknown method {name!r}; choose from: {', '.join(available_methods())}.")
        reason = spec.unavailable()
        if reason is not None:
            raise ConfigurationError(
                f"Method {name!r} cannot run: {reason}. Available now: {', '.join(available_methods())}."
            )
        specs.append(spec)
    return specs
