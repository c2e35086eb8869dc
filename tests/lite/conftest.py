"""Shared fixtures: one lite server per test module, one uniquely named collection per test."""

from __future__ import annotations

import itertools
import re

import pytest

_counter = itertools.count()


@pytest.fixture
def name(request: pytest.FixtureRequest) -> str:
    """A collection name unique to the test."""
    base = re.sub(r"[^A-Za-z0-9]", "", request.node.name.title())[:40]
    return f"T{next(_counter)}{base}"
