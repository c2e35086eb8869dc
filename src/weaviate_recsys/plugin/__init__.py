"""Interest modelling: macro domains, micro keywords and semantic interest vectors for every user.

The public API: `train_domains` (domain classifier + keyword vocabulary, stored in Weaviate; its computing
alone, on plain values, is `fit_domain_model`),
`build_profiles` (all or some users), `record` (one interaction, one user's profile updated),
`get_profile` and `profile_from_text` (the profile a text implies, for cold start). The building blocks
(text processing, TF-IDF keywords, the classifier, the macro blend and vector maths) are usable on their
own, on in-memory data.

Submodules load on first use (``plugin.Recommender`` imports the recommender, not the classifier or
behaviour training), so a command that only reads recommendations does not pay for what it never runs.
"""

from __future__ import annotations

import importlib
from typing import TYPE_CHECKING, Any

if TYPE_CHECKING:
    from .allocation import allocate_slots, plan_slots
    from .behavior import BehaviorConfig, BehaviorEmbedding, BehaviorReport, fit_behavior, train_behavior
    from .domains import (
        ESTIMATORS,
        ClassifierMetrics,
        DiscoveredDomains,
        DomainClassifier,
        DomainClassifierConfig,
        discover_domains,
    )
    from .history import HistoryEntry, read_history
    from .keywords import Keyword, KeywordExtractor, KeywordExtractorConfig
    from .macro import DomainWeight, blend_distributions, event_weights, top_domains
    from .profile_model import InterestProfile, ProfileCounts, compute_profiles
    from .profiles import BuildReport, Shard, build_profiles, get_profile, parse_shard, profile_from_text, record
    from .query_plan import (
        DomainInterest,
        HybridQueryPlan,
        PopularityQueryPlan,
        RecommendationPlan,
        fetch_kwargs,
        filter_from_data,
        filter_to_data,
        hybrid_kwargs,
    )
    from .reasons import BecauseItem, Reasons, ScoreContribution, ScoreParts, parse_explain_score
    from .recommend import Recommender, UserSnapshot
    from .reranking import RankedCandidate, select_with_quotas
    from .results import AudienceMember, Recommendation
    from .semantic import interest_vectors
    from .storage import load_model, stored_model_version
    from .text_processing import TextAnalyzer, find_phrases, load_stopwords
    from .training import DomainModel, DomainModelReport, DomainSummary, fit_domain_model, train_domains

#: Where each public name is defined: ``from weaviate_recsys.plugin import X`` imports that module only.
_DEFINED_IN: dict[str, str] = {
    "allocate_slots": "allocation",
    "plan_slots": "allocation",
    "BehaviorConfig": "behavior",
    "BehaviorEmbedding": "behavior",
    "BehaviorReport": "behavior",
    "fit_behavior": "behavior",
    "train_behavior": "behavior",
    "ESTIMATORS": "domains",
    "ClassifierMetrics": "domains",
    "DiscoveredDomains": "domains",
    "DomainClassifier": "domains",
    "DomainClassifierConfig": "domains",
    "discover_domains": "domains",
    "HistoryEntry": "history",
    "read_history": "history",
    "Keyword": "keywords",
    "KeywordExtractor": "keywords",
    "KeywordExtractorConfig": "keywords",
    "DomainWeight": "macro",
    "blend_distributions": "macro",
    "event_weights": "macro",
    "top_domains": "macro",
    "InterestProfile": "profile_model",
    "ProfileCounts": "profile_model",
    "compute_profiles": "profile_model",
    "BuildReport": "profiles",
    "Shard": "profiles",
    "build_profiles": "profiles",
    "get_profile": "profiles",
    "parse_shard": "profiles",
    "profile_from_text": "profiles",
    "record": "profiles",
    "DomainInterest": "query_plan",
    "HybridQueryPlan": "query_plan",
    "PopularityQueryPlan": "query_plan",
    "RecommendationPlan": "query_plan",
    "fetch_kwargs": "query_plan",
    "filter_from_data": "query_plan",
    "filter_to_data": "query_plan",
    "hybrid_kwargs": "query_plan",
    "BecauseItem": "reasons",
    "Reasons": "reasons",
    "ScoreContribution": "reasons",
    "ScoreParts": "reasons",
    "parse_explain_score": "reasons",
    "Recommender": "recommend",
    "UserSnapshot": "recommend",
    "AudienceMember": "results",
    "Recommendation": "results",
    "RankedCandidate": "reranking",
    "select_with_quotas": "reranking",
    "interest_vectors": "semantic",
    "load_model": "storage",
    "stored_model_version": "storage",
    "TextAnalyzer": "text_processing",
    "find_phrases": "text_processing",
    "load_stopwords": "text_processing",
    "DomainModel": "training",
    "fit_domain_model": "training",
    "DomainModelReport": "training",
    "DomainSummary": "training",
    "train_domains": "training",
}

__all__ = [
    "ESTIMATORS",
    "BuildReport",
    "ClassifierMetrics",
    "DiscoveredDomains",
    "DomainClassifier",
    "DomainClassifierConfig",
    "DomainModelReport",
    "DomainSummary",
    "DomainWeight",
    "InterestProfile",
    "Keyword",
    "KeywordExtractor",
    "KeywordExtractorConfig",
    "ProfileCounts",
    "Shard",
    "TextAnalyzer",
    "blend_distributions",
    "build_profiles",
    "compute_profiles",
    "discover_domains",
    "event_weights",
    "find_phrases",
    "get_profile",
    "interest_vectors",
    "load_model",
    "load_stopwords",
    "parse_shard",
    "profile_from_text",
    "record",
    "stored_model_version",
    "top_domains",
    "train_domains",
    "fit_domain_model",
    "DomainModel",
    # recommendations
    "AudienceMember",
    "BecauseItem",
    "DomainInterest",
    "HistoryEntry",
    "HybridQueryPlan",
    "PopularityQueryPlan",
    "RankedCandidate",
    "Reasons",
    "Recommendation",
    "RecommendationPlan",
    "Recommender",
    "ScoreContribution",
    "ScoreParts",
    "UserSnapshot",
    "allocate_slots",
    "fetch_kwargs",
    "filter_from_data",
    "filter_to_data",
    "hybrid_kwargs",
    "parse_explain_score",
    "plan_slots",
    "read_history",
    "select_with_quotas",
    # behaviour vectors
    "BehaviorConfig",
    "BehaviorEmbedding",
    "BehaviorReport",
    "fit_behavior",
    "train_behavior",
]


def __getattr__(name: str) -> Any:
    module = _DEFINED_IN.get(name)
    if module is None:
        raise AttributeError(f"module {__name__!r} has no attribute {name!r}")
    value = getattr(importlib.import_module(f".{module}", __name__), name)
    globals()[name] = value
    return value


def __dir__() -> list[str]:
    return sorted([*globals(), *_DEFINED_IN])
