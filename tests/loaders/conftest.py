"""Shared fixtures for loader tests: one lite server per module, a unique collection prefix per test."""

from __future__ import annotations

import itertools
from collections.abc import Iterator

import pytest
import weaviate

import weaviate_recsys.lite as lite
from weaviate_recsys.settings import Settings

from _loader_helpers import CountingEmbedder

_counter = itertools.count()


@pytest.fixture(scope="module")
def client() -> Iterator[weaviate.WeaviateClient]:
    """A real weaviate-client bound to an in-process lite server."""
    c = lite.connect()
    try:
        yield c
    finally:
        c.close()


@pytest.fixture
def settings() -> Settings:
    """Settings with a prefix unique to the test, so every test gets fresh collections."""
    return Settings(prefix=f"L{next(_counter)}")


@pytest.fixture
def embedder() -> CountingEmbedder:
    return CountingEmbedder()
