"""Interest modelling: macro domains, micro keywords and semantic interest vectors for every user.

The public API: `train_domains` (domain classifier + keyword vocabulary, stored in Weaviate; its computing
alone, on plain values, is `fit_domain_model`),
`build_profiles` (all or some users), `record` (one interaction, one user's profile updated),
`get_profile` and `profile_from_text` (the profile a text implies, for cold start). The building blocks
(text processing, TF-IDF keywords, the classifier, the macro blend and vector maths) are usable on their
own, on in-memory data.
"""

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
from .recommend import AudienceMember, Recommendation, Recommender, UserSnapshot
from .reranking import RankedCandidate, select_with_quotas
from .semantic import interest_vectors
from .storage import load_model, stored_model_version
from .text_processing import TextAnalyzer, find_phrases, load_stopwords
from .training import DomainModel, DomainModelReport, DomainSummary, fit_domain_model, train_domains

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
