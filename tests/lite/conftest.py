"""Shared fixtures: one lite server per test module, one uniquely named collection per test."""

from __future__ import annotations

import itertools
import re
from collections.abc import Iterator

import pytest
import weaviate

from weaviate_recsys import lite

_counter = itertools.count()


@pytest.fixture
def name(request: pytest.FixtureRequest) -> str:
    """A collection name unique to the test."""
    base = re.sub(r"[^A-Za-z0-9]", "", request.node.name.title())[:40]
    return f"T{next(_counter)}{base}"


@pytest.fixture(scope="module")
def strict_client() -> Iterator[weaviate.WeaviateClient]:
    """A client bound to a lite server with auto-schema off (Weaviate's ``AUTOSCHEMA_ENABLED=false``)."""
    with lite.start(autoschema=False) as server:
        c = lite.client_for(server)
        c.lite_server = server  # type: ignore[attr-defined]  # as lite.connect() sets it
        try:
            yield c
        finally:
            c.close()
