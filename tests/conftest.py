"""Fixtures shared by every test package."""

from __future__ import annotations

import os
from collections.abc import Iterator
from pathlib import Path

import pytest
import weaviate
from hypothesis import settings as hypothesis_settings

from _weaviate_for_tests import TEST_URL, connect_for_tests

_LITE_TESTS = Path(__file__).parent / "lite"

# CI explores a fixed set of examples, so a red run reproduces; elsewhere each run explores new ones.
hypothesis_settings.register_profile("ci", derandomize=True, database=None, print_blob=True)
if os.environ.get("CI"):
    hypothesis_settings.load_profile("ci")


@pytest.fixture(scope="module")
def client() -> Iterator[weaviate.WeaviateClient]:
    """A real weaviate-client on an empty Weaviate, one per test module (see `connect_for_tests`)."""
    with connect_for_tests() as c:
        yield c


def pytest_collection_modifyitems(config: pytest.Config, items: list[pytest.Item]) -> None:
    """The lite server's own tests are ``lite_only``; those tests are skipped when the tests use another Weaviate."""
    skip = pytest.mark.skip(reason=f"lite_only: needs the embedded lite server (WEAVIATE_RECSYS_TEST_URL={TEST_URL})")
    for item in items:
        if item.path.is_relative_to(_LITE_TESTS):
            item.add_marker(pytest.mark.lite_only)
        if TEST_URL is not None and item.get_closest_marker("lite_only"):
            item.add_marker(skip)
