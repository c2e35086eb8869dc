"""Request and response bodies of the recommendation service (the OpenAPI schema at ``/docs``)."""

from __future__ import annotations

from datetime import datetime
from typing import Any

from pydantic import BaseModel, ConfigDict, Field

from ..plugin.history import HistoryEntry
from ..plugin.profile_model import InterestProfile
from ..plugin.recommend import AudienceMember, Recommendation

__all__ = [
    "MAX_K",
    "Audience",
    "DomainInterestOut",
    "ErrorBody",
    "ErrorResponse",
    "Health",
    "InteractionIn",
    "InteractionStored",
    "KeywordOut",
    "ProfileOut",
    "ShortTermOut",
    "RecommendationList",
    "SimilarItems",
    "TextRecommendationRequest",
]

#: Most items or users one request may ask for: a longer list is not a recommendation, and the bound keeps a
#: single request from tying up Weaviate.
MAX_K = 1000


class ErrorBody(BaseModel):
    """What went wrong, in the library's words.

    Attributes:
        status: the HTTP status code.
        type: the error's kind (``UnknownUser``, ``UnknownItem``, ``ValidationError``, ``Unauthorized``, ...).
        message: what happened and what to do next.
        details: per-field problems of a rejected request (validation errors only).
    """

    status: int
    type: str
    message: str
    details: list[dict[str, Any]] | None = None


class ErrorResponse(BaseModel):
    """Every error the service answers has this body."""

    error: ErrorBody


class DomainInterestOut(BaseModel):
    """One of the user's domains: its weight (the domain weights add up to 1), interactions and keywords."""

    name: str
    weight: float
    events: int | None = None
    keywords: list[str] = Field(default_factory=list)


class KeywordOut(BaseModel):
    """One of the user's keywords and its weight."""

    keyword: str
    weight: float


class ShortTermOut(BaseModel):
    """What the user is interested in now (their last few events): recent domains and keywords."""

    domains: list[DomainInterestOut] = Field(default_factory=list)
    keywords: list[KeywordOut] = Field(default_factory=list)


class ProfileOut(BaseModel):
    """A user's interest profile as a person reads it (no vectors), with their recent history.

    Attributes:
        user_id: the user.
        status: ``complete``, ``partial`` or ``empty``.
        stored: False when the profile was computed now because none is stored yet.
        event_count: interactions the profile was built from.
        domains: the long-term macro interests, heaviest first.
        keywords: the long-term micro interests overall, heaviest first.
        short_term: the short-term interest (recent domains and keywords); None for a profile built before it
            was stored (the next ``profiles build`` adds it).
        vector_dims: the dimensions of the user's interest vectors (``interest``, ``recent_interest``,
            ``domain:<name>``, ``behavior``).
        updated_at: when the profile was last built.
        notes: why parts of the profile are missing, and what to do.
        history: the most recent interactions, newest first.
    """

    user_id: str
    status: str
    stored: bool
    event_count: int
    domains: list[DomainInterestOut]
    keywords: list[KeywordOut]
    short_term: ShortTermOut | None = None
    vector_dims: dict[str, int]
    updated_at: datetime | None = None
    notes: list[str] = Field(default_factory=list)
    history: list[HistoryEntry] = Field(default_factory=list)

    @classmethod
    def from_profile(cls, profile: InterestProfile, history: list[HistoryEntry]) -> ProfileOut:
        dims = {"interest": len(profile.interest_vector or [])}
        short = profile.short_term
        if short is not None and short.interest_vector:
            dims["recent_interest"] = len(short.interest_vector)
        dims.update({f"domain:{d}": len(v) for d, v in profile.domain_vectors.items()})
        if profile.behavior_vector:
            dims["behavior"] = len(profile.behavior_vector)
        return cls(
            user_id=profile.user_id,
            status=profile.status,
            stored=profile.stored,
            event_count=profile.event_count,
            domains=[
                DomainInterestOut(
                    name=d,
                    weight=w,
                    events=profile.counts.by_domain.get(d),
                    keywords=[k for k, _ in profile.domain_keywords.get(d, [])],
                )
                for d, w in profile.domains
            ],
            keywords=[KeywordOut(keyword=k, weight=w) for k, w in profile.keywords],
            short_term=(
                ShortTermOut(
                    domains=[DomainInterestOut(name=d, weight=w) for d, w in short.domains],
                    keywords=[KeywordOut(keyword=k, weight=w) for k, w in short.keywords],
                )
                if short is not None
                else None
            ),
            vector_dims=dims,
            updated_at=profile.updated_at,
            notes=list(profile.notes),
            history=history,
        )


class RecommendationList(BaseModel):
    """Recommendations, best first, each with the reasons a person reads."""

    user_id: str | None = None
    k: int
    items: list[Recommendation]


class SimilarItems(BaseModel):
    """Items nearest to ``item_id`` by content."""

    item_id: str
    k: int
    items: list[Recommendation]


class Audience(BaseModel):
    """The users most interested in ``item_id``."""

    item_id: str
    k: int
    users: list[AudienceMember]


class InteractionIn(BaseModel):
    """One interaction to store (the fields of an interactions file row)."""

    model_config = ConfigDict(
        extra="forbid", json_schema_extra={"examples": [{"user_id": "u000", "item_id": "EL0001", "kind": "purchase"}]}
    )

    user_id: str = Field(min_length=1)
    item_id: str | None = None
    kind: str = Field(min_length=1, description="view, click, cart, purchase, rating, review, comment, like, dislike.")
    rating: float | None = None
    text: str | None = None
    timestamp: datetime | None = None
    seq: int | None = None


class InteractionStored(BaseModel):
    """The interaction was stored and the user's profile rebuilt from their whole history."""

    stored: bool = True
    profile: ProfileOut


class TextRecommendationRequest(BaseModel):
    """Recommendations for free text: an anonymous visitor, a search box, a new user's self-description."""

    model_config = ConfigDict(
        extra="forbid",
        json_schema_extra={"examples": [{"text": "a quiet keyboard and a good monitor for my home office", "k": 5}]},
    )

    text: str = Field(max_length=100_000)
    k: int = Field(default=10, ge=1, le=MAX_K)
    domains: list[str] | None = None
    diversity: float | None = Field(default=None, ge=0, le=1)
    exclude: list[str] = Field(default_factory=list)


class Health(BaseModel):
    """Liveness or readiness."""

    status: str
    detail: str | None = None
