"""The main job end to end on the bundled sample catalog: what `make demo` runs.

Creates the schema, loads the sample items, users, interactions and reviews, trains the domain model and
the behaviour vectors, builds every user's interest profile and recommends for a few users, one of them brand new.
"""

from __future__ import annotations

from importlib import resources
from pathlib import Path
from typing import Any

import weaviate
from pydantic import BaseModel

from .loaders import LoadResult, load_interactions, load_items, load_users
from .plugin import (
    BehaviorReport,
    BuildReport,
    DomainModelReport,
    InterestProfile,
    Recommendation,
    Recommender,
    build_profiles,
    get_profile,
    train_behavior,
    train_domains,
)
from .schema import register_schema
from .settings import Settings

__all__ = ["DemoResult", "DemoUser", "run_demo", "sample_path", "DEMO_USERS"]

#: Users the demo shows: two with history (one with stated interests too) and one brand new.
DEMO_USERS = ("u000", "u004", "newcomer")


class DemoUser(BaseModel):
    """One showcased user: their profile and recommendations."""

    user_id: str
    profile: InterestProfile
    recommendations: list[Recommendation]


class DemoResult(BaseModel):
    """Everything the demo did, for the CLI to print (the library never prints)."""

    loads: dict[str, LoadResult]
    domains: DomainModelReport
    behavior: BehaviorReport
    profiles: BuildReport
    users: list[DemoUser]
    anonymous_query: str
    anonymous: list[Recommendation]


def sample_path(name: str) -> Path:
    """Path of a bundled sample file (``items``, ``users`` or ``interactions``)."""
    return Path(str(resources.files("weaviate_recsys") / "data" / "sample" / f"{name}.jsonl"))


def run_demo(
    client: weaviate.WeaviateClient, settings: Settings, embedder: Any = None, k: int = 5, progress: Any = None
) -> DemoResult:
    """Run the whole pipeline on the sample catalog; idempotent (a re-run skips unchanged rows)."""
    register_schema(client, prefix=settings.prefix)
    loads = {
        "items": load_items(client, [sample_path("items")], settings, embedder=embedder, progress=progress),
        "users": load_users(client, [sample_path("users")], settings, embedder=embedder, progress=progress),
        "interactions": load_interactions(
            client, [sample_path("interactions")], settings, embedder=embedder, progress=progress
        ),
    }
    domains = train_domains(client, settings, embedder=embedder)
    behavior = train_behavior(client, settings)
    profiles = build_profiles(client, settings=settings, embedder=embedder, progress=progress)
    recommender = Recommender(client, settings, embedder=embedder)
    users = [
        DemoUser(user_id=u, profile=get_profile(client, u, settings), recommendations=recommender.recommend(u, k))
        for u in DEMO_USERS
    ]
    query = "a quiet keyboard and a good monitor for my home office"
    return DemoResult(
        loads=loads,
        domains=domains,
        behavior=behavior,
        profiles=profiles,
        users=users,
        anonymous_query=query,
        anonymous=recommender.recommend_for_text(query, k),
    )
