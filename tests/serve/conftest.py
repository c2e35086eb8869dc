"""The service against a lite server loaded with the bundled sample catalog (real weaviate-client, no mocks)."""

from __future__ import annotations

from collections.abc import Iterator
from pathlib import Path

import pytest
import weaviate
from _service_fixtures import EMB, KEY
from fastapi.testclient import TestClient

from weaviate_recsys.demo import run_demo
from weaviate_recsys.serve import create_app
from weaviate_recsys.settings import Settings


@pytest.fixture(scope="package")
def sample_store(tmp_path_factory: pytest.TempPathFactory) -> Iterator[tuple[weaviate.WeaviateClient, Settings]]:
    """One lite server with the sample catalog, domains, behaviour vectors and every profile built."""
    from weaviate_recsys import lite

    tmp: Path = tmp_path_factory.mktemp("serve")
    client = lite.connect()
    settings = Settings(prefix="Serve", data_dir=tmp, serve_api_keys=[KEY], serve_cache_seconds=0)
    try:
        run_demo(client, settings, embedder=EMB, k=1)
        yield client, settings
    finally:
        client.close()


@pytest.fixture(scope="package")
def api(sample_store: tuple[weaviate.WeaviateClient, Settings]) -> Iterator[TestClient]:
    """An HTTP client of the service, sending the right API key."""
    client, settings = sample_store
    with TestClient(
        create_app(settings, client=client, embedder=EMB), headers={"Authorization": f"Bearer {KEY}"}
    ) as http:
        yield http
