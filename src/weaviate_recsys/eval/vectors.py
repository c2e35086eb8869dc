"""Item content vectors for the evaluation (content-vector baselines, diversity, Weaviate loads).

Vectors come from the project's `Embedder` (``weaviate_recsys.loaders.get_embedder``) and the loaders'
``item_text``, so the evaluation measures exactly what a load would store. An optional cache directory keeps
vectors keyed by a hash of the model name and the texts, so repeated experiments skip embedding; leave it
unset for a measured run.
"""

from __future__ import annotations

import hashlib
from collections.abc import Sequence
from pathlib import Path
from typing import Any, Protocol

import numpy as np

from ..errors import EvaluationError
from ..loaders.embedding import get_embedder, settings_embedder_name
from ..loaders.embedding import item_text as loader_item_text
from ..progress import Progress
from ..settings import Settings
from .data import EvalItem

__all__ = ["TextEmbedder", "item_text", "default_embedder", "embed_items"]


class TextEmbedder(Protocol):
    """The loaders' `Embedder` protocol, as far as the evaluation needs it."""

    name: str
    dim: int

    def embed_batch(self, texts: list[str]) -> np.ndarray: ...


def item_text(item: EvalItem) -> str:
    """The text embedded for an item: the loaders' ``item_text`` of the same fields."""
    return loader_item_text(_as_loader_item(item))


def _as_loader_item(item: EvalItem) -> dict[str, Any]:
    return {
        "item_id": item.item_id,
        "title": item.title,
        "description": item.description or None,
        "brand": item.brand or None,
        "categories": list(item.categories),
        "tags": list(item.tags),
    }


def default_embedder(settings: Settings | None = None) -> TextEmbedder:
    """The project's embedder (``loaders.get_embedder``)."""
    return get_embedder(settings or Settings())


def embed_items(
    items: Sequence[EvalItem],
    embedder: TextEmbedder | None = None,
    *,
    cache_dir: str | Path | None = None,
    batch_size: int = 256,
    progress: Progress | None = None,
    settings: Settings | None = None,
) -> np.ndarray:
    """L2-normalised content vectors, one row per item in catalog order.

    Texts go to the model longest first, so each forward pass pads its texts to about the same length.
    Without an ``embedder``, ``settings`` choose it (model, backend, device; default: from the environment).

    Raises:
        EvaluationError: the embedder returned the wrong number of vectors.
    """
    texts = [item_text(item) for item in items]
    cache_path = None
    if cache_dir is not None:
        # Keyed by the model's name without loading it, so a cache hit costs no model load.
        model_name = embedder.name if embedder is not None else settings_embedder_name(settings or Settings())
        digest = hashlib.sha256(model_name.encode())
        for text in texts:
            digest.update(b"\x00" + text.encode())
        cache_path = Path(cache_dir) / f"vectors-{digest.hexdigest()[:24]}.npy"
        if cache_path.exists():
            return np.load(cache_path)
    embedder = embedder or default_embedder(settings)
    order = sorted(range(len(texts)), key=lambda n: -len(texts[n]))
    chunks = []
    for start in range(0, len(texts), batch_size):
        batch = [texts[n] for n in order[start : start + batch_size]]
        chunks.append(np.asarray(embedder.embed_batch(batch), dtype=np.float32))
        if progress:
            progress(min(start + batch_size, len(texts)), len(texts))
    by_length = np.vstack(chunks) if chunks else np.zeros((0, embedder.dim), dtype=np.float32)
    if by_length.shape[0] != len(texts):
        raise EvaluationError(
            f"The embedder returned {by_length.shape[0]} vectors for {len(texts)} items; check the model."
        )
    vectors = np.empty_like(by_length)
    vectors[np.asarray(order, dtype=np.int64)] = by_length
    norms = np.linalg.norm(vectors, axis=1, keepdims=True)
    vectors /= np.where(norms == 0, 1.0, norms)
    if cache_path is not None:
        cache_path.parent.mkdir(parents=True, exist_ok=True)
        np.save(cache_path, vectors)
    return vectors
