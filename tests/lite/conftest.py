"""Shared fixtures: one lite server per test module, one uniquely named collection per test."""

from __future__ import annotations

import itertools
import re
from collections.abc import Iterator

import pytest
import weaviate

import weaviate_recsys.lite as lite

_counter = itertools.count()


@pytest.fixture(scope="module")
def client() -> Iterator[weaviate.WeaviateClient]:
    """A real weaviate-client bound to an in-process lite server (stopped on close)."""
    c = lite.connect()
    try:
        yield c
    finally:
        c.close()


@pytest.fixture
def name(request: pytest.FixtureRequest) -> str:
    """A collection name unique to the test."""
    base = re.sub(r"[^A-Za-z0-9]", "", request.node.name.title())[:40]
    return f"T{next(_counter)}{base}"
