"""Test helpers shared by the loader tests (imported by name: tests/ directories are not packages)."""

from __future__ import annotations

from typing import Any

import numpy as np
import weaviate

from weaviate_recsys.loaders import HashingEmbedder


class CountingEmbedder(HashingEmbedder):
    """A HashingEmbedder that records every text it embedded."""

    def __init__(self, dim: int = 16) -> None:
        super().__init__(dim)
        self.texts: list[str] = []

    def embed_batch(self, texts: list[str]) -> np.ndarray:
        self.texts.extend(texts)
        return super().embed_batch(texts)


def snapshot(client: weaviate.WeaviateClient, name: str) -> dict[str, Any]:
    """Every object of a collection: uuid -> (properties, vectors rounded), for comparing end states."""
    out: dict[str, Any] = {}
    for obj in client.collections.get(name).iterator(include_vector=True):
        vectors = {k: [round(x, 5) for x in v] for k, v in (obj.vector or {}).items()}
        out[str(obj.uuid)] = (dict(obj.properties), vectors)
    return out
