"""Fixtures shared by every test package."""

from __future__ import annotations

from collections.abc import Iterator

import pytest
import weaviate

import weaviate_recsys.lite as lite


@pytest.fixture(scope="module")
def client() -> Iterator[weaviate.WeaviateClient]:
    """A real weaviate-client bound to an in-process lite server, one per test module (stopped on close)."""
    c = lite.connect()
    try:
        yield c
    finally:
        c.close()
