"""Shared fixtures for loader tests: one lite server per module, a unique collection prefix per test."""

from __future__ import annotations

import itertools

import pytest

from weaviate_recsys.settings import Settings

from _loader_helpers import CountingEmbedder

_counter = itertools.count()


@pytest.fixture
def settings() -> Settings:
    """Settings with a prefix unique to the test, so every test gets fresh collections."""
    return Settings(prefix=f"L{next(_counter)}")


@pytest.fixture
def embedder() -> CountingEmbedder:
    return CountingEmbedder()
